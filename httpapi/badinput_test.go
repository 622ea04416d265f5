package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"gridhub/graph"
	"gridhub/model"
	"gridhub/resolvers"
)

// wrongValues are JSON texts no argument should choke on: wrong types, numbers beyond
// float64, NaN and Infinity spelled as strings, deep and long arrays, long strings.
var wrongValues = []string{
	`"POLYGON((1 2, 3 4))"`, `12345`, `-1e308`, `1e400`, `-0`, `"NaN"`, `"Infinity"`, `"-Infinity"`, `true`, `null`,
	`[]`, `{}`, `{"type": 7}`, strings.Repeat("[", 300) + strings.Repeat("]", 300), "[" + strings.Repeat("1,", 20000) + "1]",
	`"` + strings.Repeat("界", 50000) + `"`, `{"` + strings.Repeat(`a": {"`, 200) + `a": 1` + strings.Repeat("}", 201),
}

// validFor is a value of type t that the field accepts, so that one argument or member
// at a time can be made wrong; input objects are built from their members.
func validFor(s *ast.Schema, name string, t *ast.Type) any {
	if t.Elem != nil {
		return []any{validFor(s, name, t.Elem)}
	}
	switch t.Name() {
	case "AreaInput":
		return map[string]any{"gridCode": "150203001"}
	case "ID":
		return model.GlobalID(model.LayerIncident, 1)
	case "Float":
		return map[string]float64{"lon": 109.8325, "lat": 40.6411, "location": 109.8325}[name] + 1
	case "Int":
		return 1
	case "String":
		return map[string]string{"category": "市容环境", "code": "150203001", "gridCode": "150203001", "keyPrefix": "dec0de01"}[name] + "x"
	case "Boolean":
		return true
	case "DateTime":
		return "2026-03-01T00:00:00+08:00"
	case "GeoJSON":
		return map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{109.83, 40.64}, {109.84, 40.64}, {109.84, 40.65}, {109.83, 40.64}}}}
	}
	def := s.Types[t.Name()]
	switch def.Kind {
	case ast.Enum:
		return def.EnumValues[0].Name
	case ast.InputObject:
		m := map[string]any{}
		for _, f := range def.Fields {
			if f.Type.NonNull && f.DefaultValue == nil {
				m[f.Name] = validFor(s, f.Name, f.Type)
			}
		}
		return m
	}
	return nil
}

// wrongRequest is one request with one argument, or one member of an input argument,
// set to a wrong value.
type wrongRequest struct {
	name string
	body []byte
}

// wrongRequests makes, for every field of every root type, a request per argument (and
// per member of input objects, to any depth) per wrong value, the rest valid.
func wrongRequests(s *ast.Schema) []wrongRequest {
	var out []wrongRequest
	for _, root := range []*ast.Definition{s.Query, s.Mutation} {
		for _, f := range root.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			var decl, args []string
			vars := map[string]any{}
			for _, a := range f.Arguments {
				decl = append(decl, "$"+a.Name+": "+a.Type.String())
				args = append(args, a.Name+": $"+a.Name)
				vars[a.Name] = validFor(s, a.Name, a.Type)
			}
			if len(args) == 0 {
				continue
			}
			sel := ""
			if k := s.Types[f.Type.Name()].Kind; k != ast.Scalar && k != ast.Enum {
				sel = " { __typename }"
			}
			query := strings.ToLower(root.Name) + "(" + strings.Join(decl, ", ") + ") { " + f.Name + "(" + strings.Join(args, ", ") + ")" + sel + " }"
			for _, path := range memberPaths(s, f.Arguments) {
				for _, w := range wrongValues {
					vs, _ := json.Marshal(setPath(vars, path, json.RawMessage("0")))
					// The wrong value goes in as JSON text: some of them Go cannot marshal.
					text := strings.Replace(string(vs), "0", w, 1)
					out = append(out, wrongRequest{name: fmt.Sprintf("%s.%s %s = %.40s", root.Name, f.Name, strings.Join(path, "."), w),
						body: []byte(`{"query": ` + quote(query) + `, "variables": ` + text + `}`)})
				}
			}
		}
	}
	return out
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// memberPaths lists the arguments, and the members of input object arguments, as paths.
func memberPaths(s *ast.Schema, args ast.ArgumentDefinitionList) [][]string {
	var out [][]string
	var walk func(prefix []string, name string, t *ast.Type, depth int)
	walk = func(prefix []string, name string, t *ast.Type, depth int) {
		p := append(append([]string(nil), prefix...), name)
		out = append(out, p)
		if def := s.Types[t.Name()]; def.Kind == ast.InputObject && t.Elem == nil && depth < 3 {
			for _, f := range def.Fields {
				walk(p, f.Name, f.Type, depth+1)
			}
		}
	}
	for _, a := range args {
		walk(nil, a.Name, a.Type, 0)
	}
	return out
}

// setPath is vars with the value at path replaced by v (maps along the path copied).
func setPath(vars map[string]any, path []string, v any) map[string]any {
	out := map[string]any{}
	for k, x := range vars {
		out[k] = x
	}
	if len(path) == 1 {
		out[path[0]] = v
		return out
	}
	inner, _ := out[path[0]].(map[string]any)
	if inner == nil {
		inner = map[string]any{}
	}
	out[path[0]] = setPath(inner, path[1:], v)
	return out
}

// TestWrongInputsAreCodedClientErrors sends every argument and input member of every
// query and mutation (read from the schema) each wrong value, and a few broken bodies:
// the answer is never a 5xx, never INTERNAL, never lost for a panic, and nothing is
// written.
func TestWrongInputsAreCodedClientErrors(t *testing.T) {
	a := district(t)
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}}).Schema()
	written := func() string {
		return a.scalarS(`SELECT concat_ws(' ', (SELECT count(*) FROM incidents), (SELECT count(*) FROM incident_events),
  (SELECT count(*) FROM api_keys), (SELECT max(updated_at) FROM incidents))`)
	}
	before := written()
	reqs := wrongRequests(schema)
	reqs = append(reqs,
		wrongRequest{"invalid UTF-8 in a string", []byte("{\"query\": \"{ grid(code: \\\"15\xff\xfe03\\\") { name } }\"}")},
		wrongRequest{"invalid UTF-8 in a variable", []byte("{\"query\": \"query($c: String!) { grid(code: $c) { name } }\", \"variables\": {\"c\": \"\xc3\x28\"}}")},
		wrongRequest{"variables that are not an object", []byte(`{"query": "{ stats { incidents } }", "variables": [1, 2]}`)},
		wrongRequest{"a query that is not a string", []byte(`{"query": {"a": 1}}`)},
		wrongRequest{"an operation name that is an array", []byte(`{"query": "{ stats { incidents } }", "operationName": [1]}`)},
	)
	codes := map[string]int{}
	for _, r := range reqs {
		for _, c := range postClientError(t, a, r.name, r.body) {
			codes[c]++
		}
	}
	if after := written(); after != before {
		t.Errorf("wrong inputs wrote something: rows %s before, %s after", before, after)
	}
	var seen []string
	for c, n := range codes {
		seen = append(seen, fmt.Sprintf("%s %d", c, n))
	}
	sort.Strings(seen)
	t.Logf("%d requests; codes: %s", len(reqs), strings.Join(seen, ", "))
	if len(reqs) < 500 {
		t.Errorf("only %d requests: the schema's arguments were not all reached", len(reqs))
	}
}

// postClientError posts a body that is wrong somewhere and checks that the answer is a
// coded client error (JSON, below 500, no INTERNAL); it returns the codes.
func postClientError(t testing.TB, a *api, name string, body []byte) []string {
	t.Helper()
	resp, err := http.Post(a.srv.URL+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v (did the server fall over?)", name, err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil || resp.StatusCode >= 500 {
		t.Errorf("%s: status %d, body %.200s", name, resp.StatusCode, raw)
		return nil
	}
	var codes []string
	for _, e := range out.Errors {
		codes = append(codes, e.code())
		if e.code() == "" || e.code() == model.CodeInternal {
			t.Errorf("%s: %.200q answered %q: %s", name, body, e.code(), e.Message)
		}
	}
	return codes
}

// FuzzGraphQLRequest posts arbitrary variables to documents taking every kind of
// argument; go test runs the seeds, go test -fuzz FuzzGraphQLRequest ./httpapi explores.
func FuzzGraphQLRequest(f *testing.F) {
	docs := []string{
		`query($a: AreaInput!, $l: [Layer!]!, $z: Int) { featureCollection(area: $a, layers: $l, zoom: $z) }`,
		`query($lon: Float!, $lat: Float!, $r: Float!) { nearby(lon: $lon, lat: $lat, radiusMeters: $r, layers: [CAMERA]) { distanceMeters } }`,
		`query($f: IncidentFilter, $first: Int, $after: String) { incidents(filter: $f, first: $first, after: $after) { totalCount } }`,
		`query($s: DateTime, $b: ID) { auditLog(since: $s, before: $b) { id } }`,
		`mutation($i: ReportIncidentInput!, $k: String!) { reportIncident(input: $i, idempotencyKey: $k) { id } }`,
		`mutation($id: ID!, $to: IncidentStatus!) { transitionIncident(id: $id, to: $to) { id } }`,
	}
	f.Add(uint8(0), []byte(`{"a": {"polygon": "POLYGON((1 2, 3 4))"}, "l": ["GRID"]}`))
	f.Add(uint8(1), []byte(`{"lon": "NaN", "lat": 1e400, "r": -0}`))
	f.Add(uint8(2), []byte(`{"f": {"reportedAfter": 7, "statuses": [[["OPEN"]]]}, "first": 1000000}`))
	f.Add(uint8(3), []byte(`{"s": "yesterday", "b": {"x": 1}}`))
	f.Add(uint8(4), []byte(`{"i": {"title": 5, "location": "109,40"}, "k": null}`))
	f.Add(uint8(5), []byte("{\"id\": \"\xff\xfe\", \"to\": \"CLOSED\"}"))
	a := district(f)
	f.Fuzz(func(t *testing.T, doc uint8, vars []byte) {
		body := []byte(`{"query": ` + quote(docs[int(doc)%len(docs)]) + `, "variables": ` + string(vars) + `}`)
		c := *a
		c.t = t
		postClientError(t, &c, "fuzzed", body)
	})
}
