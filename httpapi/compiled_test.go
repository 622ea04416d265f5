package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"gridhub/graph"
	"gridhub/resolvers"
)

// compact is an answer as it compares by content: without insignificant whitespace, and
// its errors in order of their text (fields resolved concurrently report them in any
// order); the data keep their order, which must be the selection's.
func compact(t *testing.T, raw []byte) string {
	t.Helper()
	var r struct {
		Data   json.RawMessage   `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("not JSON: %v: %.200s", err, raw)
	}
	var b bytes.Buffer
	if len(r.Data) > 0 {
		if err := json.Compact(&b, r.Data); err != nil {
			t.Fatal(err)
		}
	}
	errs := make([]string, len(r.Errors))
	for i, e := range r.Errors {
		errs[i] = string(e)
		if len(r.Errors) == maxErrors {
			// Cut at maxErrors: which of the many are kept depends on the order the
			// fields were resolved in, so only what they say compares.
			var m struct {
				Message    string
				Extensions struct{ Code string }
			}
			_ = json.Unmarshal(e, &m)
			errs[i] = m.Extensions.Code + " " + m.Message
		}
	}
	sort.Strings(errs)
	errs = slices.Compact(errs)
	return b.String() + " errors: " + strings.Join(errs, ",")
}

// compiledQueries are lists with what map screens and integrations select under them:
// the shapes compiled selections answer, and some they leave to the resolvers.
var compiledQueries = []string{
	`{ incidents(first: 500) { edges { node { code grid { code parent { code parent { code } } } } } } }`,
	`{ grids(level: GRID, first: 100) { edges { node { code buildings(first: 20) { edges { node { name floors sourceId } } } incidents(first: 10) { edges { node { code status } } } } } } }`,
	`{ incidents(first: 200) { edges { node { code grid { code parent { code } } nearbyCameras { distanceMeters feature { name } } } } } }`,
	`{ incidents(first: 30, filter: {statuses: [REPORTED, ACCEPTED], overdue: true}) { totalCount pageInfo { hasNextPage __typename } __typename
	   edges { __typename node { __typename id layer name code category source status priority overdue description } } } }`,
	`{ a: cameras(kind: XUELIANG, first: 50, area: {gridCode: "150203002"}) { n: totalCount e: edges { x: node { i: id c: code s: status h: headingDegrees u: streamUrl g: grid { name workerName workerPhone } } } } }`,
	`{ grids(level: COMMUNITY, first: 40) { totalCount edges { node { id name code level population households grid { code }
	   parent { name } cameras(first: 3) { totalCount pageInfo { hasNextPage } edges { node { code } } } } } } }`,
	`{ grids(level: STREET, first: 4) { edges { node { code incidents(first: 25, filter: {statuses: [CLOSED]}) { totalCount pageInfo { hasNextPage }
	   edges { node { code } } } buildings(first: 7) { edges { node { name } } } } } } }`,
	`{ grids(level: COMMUNITY, first: 5) { edges { node { code cameras(first: 3) { edges { node { code } } } } } } }`,
	`{ buildings(first: 100, area: {bbox: [109.82, 40.63, 109.845, 40.65]}) { edges { node { id name address floors households residents sourceId grid { code } } } } }`,
	`{ servicePoints(kind: LEGAL_SERVICE, first: 20) { edges { node { name address phone openingHours sourceId grid { name } } } } }`,
	`{ partyUnits(first: 20) { edges { node { name kind memberCount sourceId grid { code } } } } }`,
	`query($b: [Float!]) { incidents(area: {bbox: $b}, first: 5) { edges { node { code ... on Feature { name } ... on Incident { status } } } } }`,
	`{ incidents(first: 3) { __typename pageInfo { __typename } } grids(first: 2) { pageInfo { __typename } totalCount } }`,
	`{ incidents(first: 60, filter: {statuses: [CLOSED, REPORTED]}) { edges { node { code reportedAt dueAt closedAt overdue } } } }`,
	// Left to the resolvers: cursors, geometry, paging by cursor.
	`{ incidents(first: 5) { edges { cursor node { code reportedAt geometry } } pageInfo { endCursor } } }`,
}

// TestCompiledSelectionsAnswerAsTheResolvers asks each query as every role of the policy,
// once with compiled selections and once with every field resolved on its own: the
// answers are the same, errors included, and a compiled list is one statement.
func TestCompiledSelectionsAnswerAsTheResolvers(t *testing.T) {
	g := guardedDistrict(t)
	vars := map[string]any{"b": []float64{109.82, 40.63, 109.845, 40.65}}
	for _, role := range []string{"command_center", "street_office", "judicial", "city_management", "public"} {
		for i, q := range compiledQueries {
			t.Run(fmt.Sprintf("%s query %d", role, i), func(t *testing.T) {
				before := g.queries.Load()
				a := g.as(g.keys[role], q, vars)
				n := g.queries.Load() - before
				b := g.resolved.as(g.keys[role], q, vars)
				if ca, cb := compact(t, a.raw), compact(t, b.raw); ca != cb {
					t.Fatalf("compiled: %.600s\nresolved: %.600s", ca, cb)
				}
				// The key is read each time here (no key cache), then one statement.
				if role == "command_center" && i < 3 && n > 2 {
					t.Errorf("%d statements, want the key's and the compiled one", n)
				}
			})
		}
	}
}

// TestEverySchemaPathAnswersAsTheResolvers compares the two servers on the probes the
// schema yields (every root field, every argument place, every field beneath).
func TestEverySchemaPathAnswersAsTheResolvers(t *testing.T) {
	g := guardedDistrict(t)
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}}).Schema()
	ps := probeSpace{
		points: [][2]float64{{109.8325, 40.6411}},
		areas:  []map[string]any{{"gridCode": "150203002"}, {"bbox": []float64{109.82, 40.63, 109.845, 40.65}}},
		radii:  []float64{300},
		ids:    []string{"SU5DSURFTlQ6MQ"},
		codes:  []string{"150203002001"},
		layer:  []string{"CAMERA"},
		layers: []string{"GRID", "CAMERA", "INCIDENT"},
		zooms:  []int{14},
		// Cursors are signed per server (each has its own secret in this test), and the
		// audit log grows between the two servers' answers (each request is in it).
		skip: func(object, field string) bool {
			return field == "cursor" || field == "endCursor" || field == "auditLog"
		},
	}
	probes, err := ps.probes(schema, schema.Query, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"command_center", "street_office", "city_management"} {
		for _, p := range probes {
			a, b := g.as(g.keys[role], p.query, p.vars), g.resolved.as(g.keys[role], p.query, p.vars)
			if ca, cb := compact(t, a.raw), compact(t, b.raw); ca != cb {
				t.Errorf("%s %s:\n%s", role, p.name, firstDifference(ca, cb))
			}
		}
	}
}
