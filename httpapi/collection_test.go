package httpapi

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
)

type featureCollection struct {
	Type     string
	Features []struct {
		Type       string
		ID         string
		Geometry   json.RawMessage
		Properties map[string]any
	}
	Truncated bool
}

func TestFeatureCollectionIsReadyToDraw(t *testing.T) {
	a := district(t)
	bbox := []float64{109.82, 40.63, 109.845, 40.65}
	get := func(limit int, crs string) featureCollection {
		var got struct{ FeatureCollection featureCollection }
		a.data(`query($b: [Float!], $l: Int, $c: CRS) { featureCollection(area: {bbox: $b}, layers: [INCIDENT, CAMERA, GRID], limit: $l, crs: $c) }`,
			map[string]any{"b": bbox, "l": limit, "c": crs}, &got)
		return got.FeatureCollection
	}
	want := a.scalar(`SELECT (SELECT count(*) FROM incidents WHERE ST_Intersects(geom, ST_MakeEnvelope(109.82, 40.63, 109.845, 40.65, 4326)))
		+ (SELECT count(*) FROM cameras WHERE ST_Intersects(geom, ST_MakeEnvelope(109.82, 40.63, 109.845, 40.65, 4326)))
		+ (SELECT count(*) FROM grids WHERE ST_Intersects(geom, ST_MakeEnvelope(109.82, 40.63, 109.845, 40.65, 4326)))`)

	t.Run("it holds every feature in the area with its layer's properties", func(t *testing.T) {
		fc := get(50000, "WGS84")
		if fc.Type != "FeatureCollection" || fc.Truncated || len(fc.Features) != want {
			t.Fatalf("got type %q truncated %v with %d features, want FeatureCollection, false, %d", fc.Type, fc.Truncated, len(fc.Features), want)
		}
		ids := map[string]bool{}
		for _, f := range fc.Features {
			if f.Type != "Feature" || f.ID == "" || ids[f.ID] {
				t.Fatalf("bad or repeated feature %+v", f)
			}
			ids[f.ID] = true
			var g struct{ Type string }
			if err := json.Unmarshal(f.Geometry, &g); err != nil || g.Type == "" {
				t.Fatalf("feature %s has no geometry: %s", f.ID, f.Geometry)
			}
			switch f.Properties["layer"] {
			case "INCIDENT":
				for _, k := range []string{"name", "code", "category", "status", "overdue", "dueAt"} {
					if _, ok := f.Properties[k]; !ok {
						t.Fatalf("incident %s lacks %q: %v", f.ID, k, f.Properties)
					}
				}
			case "CAMERA":
				if f.Properties["kind"] == nil || f.Properties["status"] == nil {
					t.Fatalf("camera %s lacks kind/status: %v", f.ID, f.Properties)
				}
				if _, leaked := f.Properties["streamUrl"]; leaked {
					t.Fatalf("camera %s carries its stream URL", f.ID)
				}
			case "GRID":
				if f.Properties["code"] == nil || f.Properties["level"] == nil {
					t.Fatalf("grid %s lacks code/level: %v", f.ID, f.Properties)
				}
			default:
				t.Fatalf("feature %s of an unasked layer: %v", f.ID, f.Properties)
			}
		}
	})

	t.Run("a limit that cuts it short says so", func(t *testing.T) {
		fc := get(10, "WGS84")
		if len(fc.Features) != 10 || !fc.Truncated {
			t.Errorf("got %d features, truncated %v; want 10, true", len(fc.Features), fc.Truncated)
		}
	})

	t.Run("GCJ02 output moves points about 480 m east at Baotou", func(t *testing.T) {
		w, g := get(50, "WGS84"), get(50, "GCJ02")
		for i := range w.Features {
			var pw, pg struct {
				Type        string
				Coordinates []float64
			}
			_ = json.Unmarshal(w.Features[i].Geometry, &pw)
			_ = json.Unmarshal(g.Features[i].Geometry, &pg)
			if pw.Type != "Point" {
				continue
			}
			dx := (pg.Coordinates[0] - pw.Coordinates[0]) * 111320 * math.Cos(pw.Coordinates[1]*math.Pi/180)
			if dx < 400 || dx > 560 {
				t.Fatalf("GCJ02 shift east: %.0f m, want about 480", dx)
			}
			return
		}
		t.Fatal("no point feature to compare")
	})
}

func TestClustersAndStats(t *testing.T) {
	a := district(t)
	t.Run("clusters count every incident in the area and grow in number with zoom", func(t *testing.T) {
		want := a.scalar(`SELECT count(*) FROM incidents`)
		prev := 0
		for _, z := range []int{10, 13, 16} {
			var got struct {
				Clusters []struct {
					Count  int
					Center struct{ Coordinates []float64 }
					Bbox   []float64
					IDs    []string
				}
			}
			a.data(`query($z: Int!) { clusters(area: {bbox: [109.7, 40.55, 110.0, 40.75]}, layer: INCIDENT, zoom: $z) { count center bbox ids } }`, map[string]any{"z": z}, &got)
			sum := 0
			for _, c := range got.Clusters {
				sum += c.Count
				x, y := c.Center.Coordinates[0], c.Center.Coordinates[1]
				if x < c.Bbox[0] || x > c.Bbox[2] || y < c.Bbox[1] || y > c.Bbox[3] {
					t.Fatalf("zoom %d: centre %v outside bbox %v", z, c.Center.Coordinates, c.Bbox)
				}
				if (c.Count <= 20) != (c.IDs != nil) || (c.IDs != nil && len(c.IDs) != c.Count) {
					t.Fatalf("zoom %d: a cluster of %d has %d ids", z, c.Count, len(c.IDs))
				}
			}
			if sum != want {
				t.Errorf("zoom %d: clusters hold %d incidents, want %d", z, sum, want)
			}
			if len(got.Clusters) <= prev {
				t.Errorf("zoom %d: %d clusters, not more than %d at the lower zoom", z, len(got.Clusters), prev)
			}
			prev = len(got.Clusters)
		}
	})

	t.Run("a street's stats are the sum of its communities'", func(t *testing.T) {
		var street struct {
			Grid struct {
				Children []struct{ Code string }
			}
			Stats map[string]int
		}
		a.data(`{ grid(code: "150203002") { children { code } } stats(gridCode: "150203002") {
			population households buildings cameras camerasOnline partyUnits servicePoints incidents openIncidents overdueIncidents } }`, nil, &street)
		if len(street.Grid.Children) < 2 {
			t.Fatalf("street has %d communities", len(street.Grid.Children))
		}
		sum := map[string]int{}
		for _, c := range street.Grid.Children {
			var got struct{ Stats map[string]int }
			a.data(`query($c: String) { stats(gridCode: $c) { population households buildings cameras camerasOnline partyUnits servicePoints incidents openIncidents overdueIncidents } }`,
				map[string]any{"c": c.Code}, &got)
			for k, v := range got.Stats {
				sum[k] += v
			}
		}
		for k, v := range street.Stats {
			if sum[k] != v {
				t.Errorf("%s: street %d, sum of communities %d", k, v, sum[k])
			}
		}
		if street.Stats["population"] == 0 || street.Stats["incidents"] == 0 {
			t.Errorf("empty street stats: %v", street.Stats)
		}
	})

	t.Run("the district's stats equal the bare SQL counts", func(t *testing.T) {
		var got struct{ Stats map[string]int }
		a.data(`{ stats { population buildings cameras incidents overdueIncidents } }`, nil, &got)
		want := map[string]int{
			"population":       a.scalar(`SELECT sum(residents) FROM buildings`),
			"buildings":        a.scalar(`SELECT count(*) FROM buildings`),
			"cameras":          a.scalar(`SELECT count(*) FROM cameras`),
			"incidents":        a.scalar(`SELECT count(*) FROM incidents`),
			"overdueIncidents": a.scalar(`SELECT count(*) FROM incidents WHERE status NOT IN ('RESOLVED','CLOSED','REJECTED') AND due_at < now()`),
		}
		for k, v := range want {
			if got.Stats[k] != v {
				t.Errorf("%s: got %d, want %d", k, got.Stats[k], v)
			}
		}
	})
}

func TestNodeAndGeometry(t *testing.T) {
	a := district(t)
	layers := map[string]string{}
	for _, l := range []string{"GRID", "BUILDING", "PARTY_UNIT", "CAMERA", "SERVICE_POINT", "INCIDENT"} {
		var got struct {
			Features struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		a.data(`query($l: Layer!) { features(area: {bbox: [109.82, 40.63, 109.845, 40.65]}, layers: [$l], first: 1) { edges { node { id } } } }`, map[string]any{"l": l}, &got)
		if len(got.Features.Edges) == 1 {
			layers[l] = got.Features.Edges[0].Node.ID
		}
	}
	t.Run("node resolves a global id of each of the six layers", func(t *testing.T) {
		if len(layers) != 6 {
			t.Fatalf("the viewport has features of %d layers, want 6", len(layers))
		}
		for l, id := range layers {
			var got struct{ Node struct{ ID, Layer string } }
			a.data(`query($id: ID!) { node(id: $id) { id ... on Feature { layer } } }`, map[string]any{"id": id}, &got)
			if got.Node.ID != id || got.Node.Layer != l {
				t.Errorf("node(%s): got %+v, want %s of %s", id, got.Node, id, l)
			}
		}
	})
	t.Run("unknown and malformed ids give null without an error", func(t *testing.T) {
		for _, id := range []string{"", "garbage", "R1JJRDo5OTk5OTk5", "R1JJRDotMQ", "SU5DSURFTlQ6MQ==="} {
			r := a.do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
			if len(r.Errors) > 0 || string(r.Data) != `{"node":null}` {
				t.Errorf("node(%q): data %s errors %+v, want null", id, r.Data, r.Errors)
			}
		}
	})
	t.Run("geometry in CGCS2000 has the same numbers as WGS84 and BD09 differs", func(t *testing.T) {
		var got struct {
			Node struct{ W, C, G, B json.RawMessage }
		}
		a.data(`query($id: ID!) { node(id: $id) { ... on Feature { w: geometry c: geometry(crs: CGCS2000) g: geometry(crs: GCJ02) b: geometry(crs: BD09) } } }`,
			map[string]any{"id": layers["CAMERA"]}, &got)
		if string(got.Node.W) != string(got.Node.C) {
			t.Errorf("CGCS2000 %s differs from WGS84 %s", got.Node.C, got.Node.W)
		}
		if slices.Equal(got.Node.W, got.Node.G) || slices.Equal(got.Node.G, got.Node.B) {
			t.Errorf("GCJ02/BD09 equal to another CRS: %s %s %s", got.Node.W, got.Node.G, got.Node.B)
		}
	})
}
