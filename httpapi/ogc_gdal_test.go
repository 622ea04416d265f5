package httpapi

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The box the comparisons read: the district centre's streets, ~1,500 incidents.
var ogcBox = [4]float64{109.82, 40.63, 109.845, 40.65}

// ogr2ogrJSON copies a collection of the OGC API at url with GDAL's OAPIF driver into
// GeoJSON and decodes it.
func ogr2ogrJSON(t *testing.T, url, collection string, extra ...string) []ogcFeature {
	t.Helper()
	out := filepath.Join(t.TempDir(), collection+".geojson")
	args := append([]string{"-f", "GeoJSON", out, "OAPIF:" + url, collection, "-oo", "PAGE_SIZE=1000"}, extra...)
	run(t, gdalTool(t, "ogr2ogr"), args...)
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct{ Features []ogcFeature }
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatalf("GDAL's GeoJSON does not decode: %v", err)
	}
	// GDAL reads a string id as an attribute.
	for i, f := range fc.Features {
		fc.Features[i].ID, _ = f.Properties["id"].(string)
		delete(f.Properties, "id")
	}
	return fc.Features
}

// ogcURL is the landing page's URL with a credential in api_key, as a client that cannot
// send headers is given it.
func ogcURL(a *api, key string) string {
	if key == "" {
		return a.srv.URL + "/ogc"
	}
	return a.srv.URL + "/ogc?api_key=" + key
}

// graphqlNodes pages through a GraphQL connection field (its query takes $after) and
// returns every node, flattened: a nested {code} object becomes its code.
func graphqlNodes(t *testing.T, g *guarded, key, field, query string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	var after any
	for {
		r := g.as(key, query, map[string]any{"after": after})
		if len(r.Errors) > 0 {
			t.Fatalf("graphql: %.400s", r.raw)
		}
		var data map[string]struct {
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
			Edges []struct{ Node map[string]any }
		}
		if err := json.Unmarshal(r.Data, &data); err != nil {
			t.Fatal(err)
		}
		conn := data[field]
		for _, e := range conn.Edges {
			for k, v := range e.Node {
				if m, ok := v.(map[string]any); ok && k != "geometry" {
					e.Node[k] = m["code"]
				}
			}
			out[e.Node["id"].(string)] = e.Node
		}
		if !conn.PageInfo.HasNextPage {
			return out
		}
		after = conn.PageInfo.EndCursor
	}
}

var rfc3339 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT`)

// same compares a GraphQL value with what GDAL read: times as instants (to GDAL's
// millisecond), numbers to float precision.
func same(want, got any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case string:
		g, ok := got.(string)
		if ok && rfc3339.MatchString(w) {
			tw, err1 := time.Parse(time.RFC3339Nano, w)
			tg, err2 := time.Parse(time.RFC3339Nano, strings.Replace(g, "/", "-", 2))
			// GDAL keeps milliseconds; reports carry PostgreSQL's microseconds.
			return err1 == nil && err2 == nil && tw.Sub(tg).Abs() < time.Millisecond
		}
		return ok && g == w
	case float64:
		g, ok := got.(float64)
		return ok && math.Abs(g-w) <= 1e-9*math.Max(1, math.Abs(w))
	}
	return want == got
}

// positions flattens a GeoJSON geometry's coordinates.
func positions(t *testing.T, raw json.RawMessage) [][]float64 {
	t.Helper()
	var out [][]float64
	var walk func(v any)
	walk = func(v any) {
		arr, ok := v.([]any)
		if !ok {
			return
		}
		if len(arr) > 0 {
			if _, isNum := arr[0].(float64); isNum {
				p := make([]float64, len(arr))
				for i, x := range arr {
					p[i] = x.(float64)
				}
				out = append(out, p)
				return
			}
		}
		for _, x := range arr {
			walk(x)
		}
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("coordinates: %v", err)
	}
	walk(v)
	return out
}

// samePlace reports whether two geometries have the same positions to within tol.
func samePlace(t *testing.T, a, b json.RawMessage, tol float64) bool {
	pa, pb := positions(t, a), positions(t, b)
	if len(pa) != len(pb) || len(pa) == 0 {
		return false
	}
	for i := range pa {
		if math.Abs(pa[i][0]-pb[i][0]) > tol || math.Abs(pa[i][1]-pb[i][1]) > tol {
			return false
		}
	}
	return true
}

// compareWithGraphQL checks GDAL's features against GraphQL's nodes, feature for feature.
func compareWithGraphQL(t *testing.T, gdal []ogcFeature, nodes map[string]map[string]any) {
	t.Helper()
	if len(gdal) != len(nodes) || len(nodes) == 0 {
		t.Fatalf("GDAL read %d features, GraphQL answers %d", len(gdal), len(nodes))
	}
	for _, f := range gdal {
		n, ok := nodes[f.ID]
		if !ok {
			t.Fatalf("GDAL read %s, which GraphQL does not answer", f.ID)
		}
		geom, _ := json.Marshal(n["geometry"])
		if !samePlace(t, coordinatesOf(t, geom), f.Geometry.Coordinates, 1e-7) {
			t.Errorf("%s: GDAL's coordinates differ from GraphQL's by more than 1e-7°", f.ID)
		}
		for k, want := range n {
			if k == "id" || k == "geometry" {
				continue
			}
			if got := f.Properties[k]; !same(want, got) {
				t.Errorf("%s.%s: GDAL read %v, GraphQL answers %v", f.ID, k, got, want)
			}
		}
		for k := range f.Properties {
			if _, ok := n[k]; !ok {
				t.Errorf("%s: GDAL read %s, which GraphQL does not have", f.ID, k)
			}
		}
	}
}

// coordinatesOf is a GeoJSON geometry's coordinates member.
func coordinatesOf(t *testing.T, geom json.RawMessage) json.RawMessage {
	var g struct{ Coordinates json.RawMessage }
	if err := json.Unmarshal(geom, &g); err != nil {
		t.Fatal(err)
	}
	return g.Coordinates
}

func TestOGCThroughGDAL(t *testing.T) {
	g := guardedDistrict(t)
	ogrinfo := gdalTool(t, "ogrinfo")
	bbox := fmt.Sprintf("[%g, %g, %g, %g]", ogcBox[0], ogcBox[1], ogcBox[2], ogcBox[3])
	spat := []string{"-spat", fmt.Sprint(ogcBox[0]), fmt.Sprint(ogcBox[1]), fmt.Sprint(ogcBox[2]), fmt.Sprint(ogcBox[3])}

	listed := func(out string) []string {
		var ids []string
		for _, m := range regexp.MustCompile(`(?m)^\d+: (\w+) `).FindAllStringSubmatch(out, -1) {
			ids = append(ids, m[1])
		}
		return ids
	}
	t.Run("ogrinfo lists every collection to the command centre", func(t *testing.T) {
		got := listed(run(t, ogrinfo, "-ro", "-q", "OAPIF:"+ogcURL(g.api, g.keys["command_center"])))
		want := []string{"grid_units", "streets", "communities", "grids", "buildings", "party_units", "cameras", "service_points", "incidents",
			"grid_workers", "visits"}
		if !slices.Equal(got, want) {
			t.Errorf("ogrinfo lists %v, want %v", got, want)
		}
	})
	t.Run("ogrinfo lists no cameras, buildings or party units to the public", func(t *testing.T) {
		got := listed(run(t, ogrinfo, "-ro", "-q", "OAPIF:"+ogcURL(g.api, "")))
		want := []string{"grid_units", "streets", "communities", "grids", "service_points", "incidents"}
		if !slices.Equal(got, want) {
			t.Errorf("ogrinfo lists %v, want %v", got, want)
		}
	})
	t.Run("ogr2ogr of a box of incidents equals GraphQL's answer feature for feature", func(t *testing.T) {
		key := g.keys["command_center"]
		gdal := ogr2ogrJSON(t, ogcURL(g.api, key), "incidents", spat...)
		nodes := graphqlNodes(t, g, key, "incidents", `query($after: String) { incidents(area: {bbox: `+bbox+`}, first: 1000, after: $after) {
			pageInfo { hasNextPage endCursor } edges { node { id name code category source status priority reportedAt dueAt closedAt
			overdue description amountYuan grid { code } geometry } } } }`)
		compareWithGraphQL(t, gdal, nodes)
	})
	t.Run("ogr2ogr of a box of grid polygons equals GraphQL's answer feature for feature", func(t *testing.T) {
		key := g.keys["command_center"]
		gdal := ogr2ogrJSON(t, ogcURL(g.api, key), "grids", spat...)
		nodes := graphqlNodes(t, g, key, "grids", `query($after: String) { grids(level: GRID, area: {bbox: `+bbox+`}, first: 1000, after: $after) {
			pageInfo { hasNextPage endCursor } edges { node { id name code level parent { code } population households
			workerName workerPhone geometry } } } }`)
		compareWithGraphQL(t, gdal, nodes)
	})
	t.Run("a street office's key reads its street only", func(t *testing.T) {
		key := g.keys["street_office"]
		gdal := ogr2ogrJSON(t, ogcURL(g.api, key), "incidents")
		want := g.scalar(`SELECT count(*) FROM incidents WHERE grid_id IN (SELECT id FROM grids WHERE code LIKE '150203002%')`)
		if len(gdal) != want || want == 0 {
			t.Errorf("GDAL read %d incidents, the street has %d", len(gdal), want)
		}
		for _, f := range gdal {
			if c, _ := f.Properties["grid"].(string); !strings.HasPrefix(c, "150203002") {
				t.Fatalf("%s lies in grid %q, outside the street", f.ID, c)
			}
		}
		cams := ogr2ogrJSON(t, ogcURL(g.api, key), "cameras")
		if want := g.scalar(`SELECT count(*) FROM cameras WHERE grid_id IN (SELECT id FROM grids WHERE code LIKE '150203002%')`); len(cams) != want {
			t.Errorf("GDAL read %d cameras, the street has %d", len(cams), want)
		}
		for _, f := range cams {
			if _, ok := f.Properties["streamUrl"]; ok {
				t.Fatalf("camera %s carries its stream URL to a street office", f.ID)
			}
		}
	})
	t.Run("the public reads incidents with their category, status and grid only", func(t *testing.T) {
		gdal := ogr2ogrJSON(t, ogcURL(g.api, ""), "incidents", spat...)
		if len(gdal) == 0 {
			t.Fatal("no incidents")
		}
		for k := range gdal[0].Properties {
			if !slices.Contains([]string{"category", "status", "grid"}, k) {
				t.Errorf("the public reads %s", k)
			}
		}
	})
}
