package httpapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
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
		{"first 1,000,000 is OUT_OF_RANGE, not TOO_COMPLEX", `{ incidents(first: 1000000) { totalCount } }`, "OUT_OF_RANGE"},
		{"a nested first 1,000,000 is OUT_OF_RANGE too", `{ grids(first: 5) { edges { node { incidents(first: 1000000) { totalCount } } } } }`, "OUT_OF_RANGE"},
		{"a collection limit of 10,000,000 is OUT_OF_RANGE", `{ featureCollection(area: {gridCode: "150203"}, layers: [CAMERA], limit: 10000000) }`, "OUT_OF_RANGE"},
		{"a WKT string for a polygon is BAD_GEOMETRY", `{ cameras(area: {polygon: "POLYGON((1 2, 3 4))"}) { totalCount } }`, "BAD_GEOMETRY"},
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
