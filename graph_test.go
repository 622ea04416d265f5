package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type pageOf struct {
	Edges []struct {
		Cursor string
		Node   struct {
			ID    string
			Layer string
		}
	}
	PageInfo struct {
		HasNextPage bool
		EndCursor   *string
	}
	TotalCount int
}

func TestPaginationWalksEveryFeatureOnce(t *testing.T) {
	a := district(t)
	area := map[string]any{"bbox": []float64{109.82, 40.63, 109.845, 40.65}}
	t.Run("features across layers, 97 at a time, have no duplicates or gaps", func(t *testing.T) {
		seen := map[string]bool{}
		var after any
		total, pages := -1, 0
		for {
			var got struct{ Features pageOf }
			a.data(`query($a: AreaInput!, $after: String) { features(area: $a, layers: [GRID, BUILDING, CAMERA, SERVICE_POINT, PARTY_UNIT, INCIDENT], first: 97, after: $after) {
				totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id layer } } } }`,
				map[string]any{"a": area, "after": after}, &got)
			total = got.Features.TotalCount
			for _, e := range got.Features.Edges {
				if seen[e.Node.ID] {
					t.Fatalf("feature %s (%s) returned twice", e.Node.ID, e.Node.Layer)
				}
				seen[e.Node.ID] = true
			}
			pages++
			if !got.Features.PageInfo.HasNextPage {
				break
			}
			after = *got.Features.PageInfo.EndCursor
		}
		want := 0
		for _, table := range []string{"grids", "buildings", "cameras", "service_points", "party_units", "incidents"} {
			want += a.scalar(`SELECT count(*) FROM ` + table + ` WHERE ST_Intersects(geom, ST_MakeEnvelope(109.82, 40.63, 109.845, 40.65, 4326))`)
		}
		if len(seen) != want || total != want {
			t.Errorf("walked %d features in %d pages, totalCount %d; the bare SQL counts %d", len(seen), pages, total, want)
		}
		if pages < 3 {
			t.Errorf("only %d pages: the walk did not exercise the cursors", pages)
		}
	})

	t.Run("incidents of one layer page by id to the exact count", func(t *testing.T) {
		seen := map[string]bool{}
		var after any
		for {
			var got struct{ Incidents pageOf }
			a.data(`query($after: String) { incidents(filter: {statuses: [REPORTED, ACCEPTED]}, first: 1000, after: $after) {
				pageInfo { hasNextPage endCursor } edges { node { id } } } }`, map[string]any{"after": after}, &got)
			for _, e := range got.Incidents.Edges {
				if seen[e.Node.ID] {
					t.Fatalf("incident %s twice", e.Node.ID)
				}
				seen[e.Node.ID] = true
			}
			if !got.Incidents.PageInfo.HasNextPage {
				break
			}
			after = *got.Incidents.PageInfo.EndCursor
		}
		want := a.scalar(`SELECT count(*) FROM incidents WHERE status IN ('REPORTED', 'ACCEPTED')`)
		if len(seen) != want {
			t.Errorf("walked %d incidents, want %d", len(seen), want)
		}
	})
}

func TestErrorsCarryStableCodes(t *testing.T) {
	a := district(t)
	var page struct{ Cameras pageOf }
	a.data(`{ cameras(first: 2) { pageInfo { endCursor } edges { node { id } } } }`, nil, &page)
	camCursor := *page.Cameras.PageInfo.EndCursor
	tampered := []byte(camCursor)
	tampered[3] ^= 1

	bowtie := `{"type":"Polygon","coordinates":[[[109.80,40.60],[109.82,40.62],[109.82,40.60],[109.80,40.62],[109.80,40.60]]]}`
	cases := []struct {
		name, query, code string
	}{
		{"an area with two members is BAD_AREA", `{ cameras(area: {bbox: [109.8, 40.6, 109.9, 40.7], gridCode: "150203"}) { totalCount } }`, "BAD_AREA"},
		{"an area with no member is BAD_AREA", `{ cameras(area: {}) { totalCount } }`, "BAD_AREA"},
		{"a bbox with min above max is BAD_AREA", `{ cameras(area: {bbox: [109.9, 40.6, 109.8, 40.7]}) { totalCount } }`, "BAD_AREA"},
		{"a bbox with three numbers is BAD_AREA", `{ cameras(area: {bbox: [109.9, 40.6, 109.8]}) { totalCount } }`, "BAD_AREA"},
		{"a latitude beyond 90 is refused", `{ cameras(area: {bbox: [109.8, 40.6, 109.9, 91]}) { totalCount } }`, "BAD_AREA"},
		{"a bow-tie polygon is BAD_GEOMETRY", `{ cameras(area: {polygon: ` + gqlLiteral(bowtie) + `}) { totalCount } }`, "BAD_GEOMETRY"},
		{"a polygon with a crs member is BAD_GEOMETRY", `{ cameras(area: {polygon: {type: "Polygon", crs: {type: "name"}, coordinates: [[[109.8,40.6],[109.9,40.6],[109.9,40.7],[109.8,40.6]]]}}) { totalCount } }`, "BAD_GEOMETRY"},
		{"an unknown grid code is NOT_FOUND", `{ cameras(area: {gridCode: "150203999"}) { totalCount } }`, "NOT_FOUND"},
		{"a circle of 60 km is OUT_OF_RANGE", `{ cameras(area: {circle: {center: [109.8, 40.6], radiusMeters: 60000}}) { totalCount } }`, "OUT_OF_RANGE"},
		{"a tile beyond its zoom's range is OUT_OF_RANGE", `{ cameras(area: {tile: {z: 2, x: 4, y: 0}}) { totalCount } }`, "OUT_OF_RANGE"},
		{"first 0 is OUT_OF_RANGE", `{ cameras(first: 0) { totalCount } }`, "OUT_OF_RANGE"},
		{"first 1001 is OUT_OF_RANGE", `{ incidents(first: 1001) { totalCount } }`, "OUT_OF_RANGE"},
		{"a collection limit of 50001 is OUT_OF_RANGE", `{ featureCollection(area: {gridCode: "150203"}, layers: [CAMERA], limit: 50001) }`, "OUT_OF_RANGE"},
		{"zoom 23 is OUT_OF_RANGE", `{ clusters(area: {gridCode: "150203"}, layer: CAMERA, zoom: 23) { count } }`, "OUT_OF_RANGE"},
		{"a cursor that was never issued is BAD_CURSOR", `{ cameras(after: "bm90IGEgY3Vyc29y") { totalCount } }`, "BAD_CURSOR"},
		{"an edited cursor is BAD_CURSOR", `{ cameras(after: "` + string(tampered) + `") { totalCount } }`, "BAD_CURSOR"},
		{"a cursor from another list is BAD_CURSOR", `{ incidents(after: "` + camCursor + `") { totalCount } }`, "BAD_CURSOR"},
		{"no layers is BAD_INPUT", `{ features(area: {gridCode: "150203"}, layers: []) { totalCount } }`, "BAD_INPUT"},
		{"stats with both area and gridCode is BAD_INPUT", `{ stats(area: {gridCode: "150203"}, gridCode: "150203") { population } }`, "BAD_INPUT"},
		{"a longitude of 200 is OUT_OF_RANGE", `{ gridAt(lon: 200, lat: 40) { code } }`, "OUT_OF_RANGE"},
		{"a deeply nested query is TOO_COMPLEX", `{ grid(code: "150203") ` + strings.Repeat("{ parent ", 16) + "{ code }" + strings.Repeat(" }", 16) + ` }`, "TOO_COMPLEX"},
		{"an expensive query is TOO_COMPLEX", `{ incidents(first: 1000) { edges { node { grid { incidents(first: 1000) { edges { node { code } } } } } } } }`, "TOO_COMPLEX"},
		{"a syntax error keeps gqlgen's code", `{ grid(code: "1"`, "GRAPHQL_PARSE_FAILED"},
		{"an unknown field keeps gqlgen's code", `{ nosuchfield }`, "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := a.do(c.query, nil)
			if len(r.Errors) == 0 {
				t.Fatalf("no error; data %s", r.Data)
			}
			if got := r.Errors[0].code(); got != c.code {
				t.Errorf("code: got %q (%s), want %q", got, r.Errors[0].Message, c.code)
			}
			for _, leak := range []string{"SQLSTATE", "pgx", "ERROR:", "runtime error", "goroutine"} {
				if strings.Contains(string(r.raw), leak) {
					t.Errorf("the response leaks %q: %s", leak, r.raw)
				}
			}
		})
	}
}

func gqlLiteral(geojson string) string {
	var v any
	_ = json.Unmarshal([]byte(geojson), &v)
	return literal(v)
}

// literal writes a JSON value as a GraphQL input literal.
func literal(v any) string {
	switch t := v.(type) {
	case map[string]any:
		var parts []string
		for k, x := range t {
			parts = append(parts, k+": "+literal(x))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		var parts []string
		for _, x := range t {
			parts = append(parts, literal(x))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case string:
		b, _ := json.Marshal(t)
		return string(b)
	default:
		return fmt.Sprint(t)
	}
}

func TestAbusiveDocumentsAreRefusedQuickly(t *testing.T) {
	a := district(t)
	cases := []struct {
		name  string
		query string
	}{
		{"a query nested a million levels deep", strings.Repeat("{ a ", 1_000_000) + strings.Repeat("}", 1_000_000)},
		{"one field repeated thousands of times", "{ " + strings.Repeat("stats { population } ", 5000) + "}"},
		{"500 aliased featureCollection calls", "{ " + func() string {
			var b strings.Builder
			for i := range 500 {
				fmt.Fprintf(&b, `f%d: featureCollection(area: {gridCode: "150203"}, layers: [INCIDENT]) `, i)
			}
			return b.String()
		}() + "}"},
	}
	for _, c := range cases {
		t.Run(c.name+" is refused before any SQL runs", func(t *testing.T) {
			before := a.queries.Load()
			start := time.Now()
			body, _ := json.Marshal(map[string]any{"query": c.query})
			resp, err := http.Post(a.srv.URL+"/graphql", "application/json", strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Errorf("status %d, want a refusal", resp.StatusCode)
			}
			if n := a.queries.Load() - before; n != 0 {
				t.Errorf("%d SQL statements ran", n)
			}
			t.Logf("refused with %d in %s", resp.StatusCode, time.Since(start))
			var health struct{ Stats struct{ Population int } }
			a.data(`{ stats { population } }`, nil, &health)
			if health.Stats.Population == 0 {
				t.Error("the server did not answer a normal query afterwards")
			}
		})
	}
}

func TestRelationsRunAFixedNumberOfStatements(t *testing.T) {
	a := district(t)
	queries := map[string]string{
		"buildings with grid, grid.parent and partyGroup": `query($n: Int) { features(area: {gridCode: "150203"}, layers: [BUILDING], first: $n) { edges { node {
			... on Building { name geometry grid { code parent { code parent { name } } } partyGroup { name parent { name } } } } } } }`,
		"incidents with grid, grid.parent, timeline and nearbyCameras": `query($n: Int) { incidents(first: $n) { edges { node {
			code grid { code parent { code } partyUnits { name } } timeline { to } nearbyCameras { distanceMeters feature { name grid { code } } } } } } }`,
	}
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			count := func(n int) int64 {
				before := a.queries.Load()
				var got map[string]struct{ Edges []json.RawMessage }
				a.data(q, map[string]any{"n": n}, &got)
				for _, conn := range got {
					if len(conn.Edges) != n {
						t.Fatalf("got %d rows, want %d", len(conn.Edges), n)
					}
				}
				return a.queries.Load() - before
			}
			small, large := count(50), count(500)
			t.Logf("statements: %d for 50 rows, %d for 500", small, large)
			if small != large {
				t.Errorf("50 rows ran %d statements but 500 ran %d; relations must be batched", small, large)
			}
			if large > 12 {
				t.Errorf("500 rows with relations ran %d statements, want a small fixed number", large)
			}
		})
	}
}

// TestTreeUnderOneRootRunsAFixedNumberOfStatements: the lists below a root that returns
// one object (grid, node) cost one statement per level, whether the root is the
// district (15 streets, their communities and grids) or one street.
func TestTreeUnderOneRootRunsAFixedNumberOfStatements(t *testing.T) {
	a := district(t)
	var street struct {
		Grid struct{ Children []struct{ Code string } }
	}
	a.data(`{ grid(code: "150203") { children { code } } }`, nil, &street)
	if len(street.Grid.Children) == 0 {
		t.Fatal("the district has no streets")
	}
	queries := map[string]string{
		"grid": `query($c: String!) { grid(code: $c) { code children { code partyUnits { name parent { name } }
			children { code parent { code } children { code } } } } }`,
		"node": `query($id: ID!) { node(id: $id) { ... on Grid { code children { code partyUnits { name parent { name } }
			children { code parent { code } children { code } } } } } }`,
	}
	var ids struct{ District, Street struct{ ID string } }
	a.data(`query($s: String!) { district: grid(code: "150203") { id } street: grid(code: $s) { id } }`,
		map[string]any{"s": street.Grid.Children[0].Code}, &ids)
	args := map[string][2]map[string]any{
		"grid": {{"c": "150203"}, {"c": street.Grid.Children[0].Code}},
		"node": {{"id": ids.District.ID}, {"id": ids.Street.ID}},
	}
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			count := func(vars map[string]any) int64 {
				before := a.queries.Load()
				var got map[string]json.RawMessage
				a.data(q, vars, &got)
				return a.queries.Load() - before
			}
			whole, one := count(args[name][0]), count(args[name][1])
			t.Logf("statements: %d under the district, %d under one street", whole, one)
			if whole != one {
				t.Errorf("the district's tree ran %d statements but one street's ran %d", whole, one)
			}
			if whole > 8 {
				t.Errorf("the district's tree ran %d statements, want one per level", whole)
			}
		})
	}
}

func TestRequestLimits(t *testing.T) {
	a := district(t)
	t.Run("a body over the limit is 413", func(t *testing.T) {
		body := `{"query":"{ stats { population } }","variables":{"pad":"` + strings.Repeat("x", 600<<10) + `"}}`
		resp, err := http.Post(a.srv.URL+"/graphql", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", resp.StatusCode)
		}
	})
	t.Run("a polygon of more than 10,000 vertices is TOO_COMPLEX", func(t *testing.T) {
		ring := make([][]float64, 0, 10002)
		for i := range 10001 {
			// A circle-ish ring: valid, just too detailed.
			ang := float64(i) / 10001 * 2 * 3.141592653589793
			ring = append(ring, []float64{109.83 + 0.01*math.Cos(ang), 40.64 + 0.01*math.Sin(ang)})
		}
		ring = append(ring, ring[0])
		r := a.do(`query($p: GeoJSON) { cameras(area: {polygon: $p}) { totalCount } }`,
			map[string]any{"p": map[string]any{"type": "Polygon", "coordinates": [][][]float64{ring}}})
		if len(r.Errors) == 0 || r.Errors[0].code() != "TOO_COMPLEX" {
			t.Errorf("got %.300s, want TOO_COMPLEX", r.raw)
		}
	})
	t.Run("form posts are not served (no CSRF without a preflight)", func(t *testing.T) {
		resp, err := http.Post(a.srv.URL+"/graphql", "application/x-www-form-urlencoded", strings.NewReader("query=%7Bstats%7Bpopulation%7D%7D"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("a form post was answered with 200")
		}
	})
	t.Run("GET serves queries", func(t *testing.T) {
		resp, err := http.Get(a.srv.URL + "/graphql?query=" + url.QueryEscape("{ stats { cameras } }"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"cameras":3611`) {
			t.Errorf("GET: status %d body %.200s", resp.StatusCode, b)
		}
	})
}

func TestMalformedBodiesAreNotEchoed(t *testing.T) {
	a := district(t)
	const secret = `{"query": "{ stats { population } }", "variables": {"key": "SECRET-VALUE"` // unterminated
	resp, err := http.Post(a.srv.URL+"/graphql", "application/json", strings.NewReader(secret))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || strings.Contains(string(b), "SECRET-VALUE") || !strings.Contains(string(b), "BAD_INPUT") {
		t.Errorf("status %d body %s: want 400, BAD_INPUT, and the body not echoed", resp.StatusCode, b)
	}
}

func TestLargeResponsesAreGzippedForClientsThatAcceptIt(t *testing.T) {
	a := district(t)
	body := `{"query":"{ featureCollection(area: {gridCode: \"150203\"}, layers: [INCIDENT], limit: 2000) }"}`
	get := func(enc string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Encoding", enc) // set by hand: the client then leaves the body compressed
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, b
	}
	plainResp, plain := get("identity")
	gzResp, gz := get("gzip, deflate")
	if plainResp.Header.Get("Content-Encoding") != "" || gzResp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q and %q", plainResp.Header.Get("Content-Encoding"), gzResp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain) {
		t.Error("the gzipped body differs from the plain one")
	}
	t.Logf("%d bytes plain, %d gzipped", len(plain), len(gz))
}
