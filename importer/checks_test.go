package importer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"gridhub/importer"
	"gridhub/model"
	"gridhub/store"
)

// feature is a GeoJSON feature for a file a test writes.
func feature(props map[string]any, geometry string) string {
	p, _ := json.Marshal(props)
	return `{"type":"Feature","properties":` + string(p) + `,"geometry":` + geometry + `}`
}

func box(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
}

func point(x, y float64) string { return fmt.Sprintf(`{"type":"Point","coordinates":[%g,%g]}`, x, y) }

func writeCollection(t *testing.T, name string, features ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	doc := `{"type":"FeatureCollection","features":[` + strings.Join(features, ",\n") + "]}"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Each kind of problem the checks know produces its row, field and, where it has one,
// its location; nothing is written.
func TestEveryProblemIsReportedWithItsPlace(t *testing.T) {
	db := seeded(t)
	ctx := ctxFor(t)
	var corner string
	if err := db.Store.Pool().QueryRow(ctx, `SELECT ST_AsGeoJSON(ST_Expand(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1), 0.0003))
		FROM grids WHERE level = 'GRID' ORDER BY code LIMIT 1`).Scan(&corner); err != nil {
		t.Fatal(err)
	}
	type want struct {
		row          int
		field, words string
		located      bool
	}
	cases := []struct {
		layer    model.Layer
		features []string
		want     []want
	}{{
		layer: model.LayerGrid,
		features: []string{
			// 1: a new street, whose two communities overlap and leave a gap
			feature(map[string]any{"code": "150203099", "name": "新街道"}, box(109.8, 40.65, 109.81, 40.66)),
			feature(map[string]any{"code": "150203099001", "name": "甲社区"}, box(109.8, 40.65, 109.806, 40.66)),
			feature(map[string]any{"code": "150203099002", "name": "乙社区"}, box(109.805, 40.65, 109.81, 40.657)),
			feature(map[string]any{"code": "1502030990011", "name": "坏编码"}, box(109.8, 40.65, 109.801, 40.651)),
			feature(map[string]any{"code": "150203098001", "name": "无上级"}, box(109.82, 40.65, 109.83, 40.66)),
			feature(map[string]any{"code": "150203097", "name": "重复一"}, box(109.84, 40.65, 109.85, 40.66)),
			feature(map[string]any{"code": "150203097", "name": "重复二"}, box(109.86, 40.65, 109.87, 40.66)),
			feature(map[string]any{"code": "150203096", "name": "自相交"}, `{"type":"Polygon","coordinates":[[[109.88,40.65],[109.89,40.66],[109.89,40.65],[109.88,40.66],[109.88,40.65]]]}`),
			feature(map[string]any{"code": "150203095", "name": ""}, box(109.9, 40.65, 109.91, 40.66)),
		},
		want: []want{
			{1, "geometry", "children leave a gap", true},
			{2, "geometry", "overlaps its sibling 150203099002", true},
			{4, "code", "does not nest", true},
			{5, "parent", "neither in the file nor in the database", true},
			{6, "code", "duplicate", true},
			{7, "code", "duplicate", true},
			{8, "geometry", "invalid: Self-intersection", true},
			{9, "name", "required field is empty", true},
		},
	}, {
		layer: model.LayerBuilding,
		features: []string{
			feature(map[string]any{"sourceId": "b1", "name": "远处楼", "floors": 3}, box(111.0, 41.0, 111.0003, 41.0003)),
			feature(map[string]any{"sourceId": "b2", "name": "跨界楼", "floors": 3}, corner),
			feature(map[string]any{"sourceId": "b3", "name": "无层数"}, box(109.8325, 40.6411, 109.8327, 40.6412)),
		},
		want: []want{
			{1, "geometry", "outside every grid", true},
			{2, "geometry", "beyond its grid", true},
			{3, "floors", "required field is empty", true},
		},
	}, {
		layer: model.LayerCamera,
		features: []string{
			feature(map[string]any{"code": "1502030000131000001", "name": "短编码", "kind": "XUELIANG"}, point(109.8325, 40.6411)),
			feature(map[string]any{"code": "15020300001110000001", "name": "非摄像机", "kind": "XUELIANG"}, point(109.8325, 40.6411)),
			feature(map[string]any{"code": "15020300001310000001", "name": "区外", "kind": "YUNYAN"}, point(111.0, 41.0)),
		},
		want: []want{
			{1, "code", "not a 20-digit GB/T 28181 code", true},
			{2, "code", "type code (digits 11-13) 111 is not a camera", true},
			{3, "geometry", "outside every grid", true},
		},
	}}
	for _, c := range cases {
		t.Run(string(c.layer), func(t *testing.T) {
			table := map[model.Layer]string{model.LayerGrid: "grids", model.LayerBuilding: "buildings", model.LayerCamera: "cameras"}[c.layer]
			before := count(t, db, "SELECT count(*) FROM "+table)
			res, err := importer.Run(ctx, db.Store, importer.Options{Layer: c.layer, File: writeCollection(t, "problems.geojson", c.features...), Tolerance: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				found := false
				for _, p := range res.Problems {
					if p.Row == w.row && p.Field == w.field && strings.Contains(p.Problem, w.words) && (!w.located || p.Location != nil) {
						found = true
					}
				}
				if !found {
					var b strings.Builder
					_ = res.WriteTable(&b, 100)
					t.Errorf("no problem %q on row %d field %s (with a location: %v); got:\n%s", w.words, w.row, w.field, w.located, b.String())
				}
			}
			if res.Written || count(t, db, "SELECT count(*) FROM "+table) != before {
				t.Errorf("a refused file changed %s", table)
			}
			var b strings.Builder
			if err := res.WriteGeoJSON(&b); err != nil || !json.Valid([]byte(b.String())) {
				t.Errorf("the problems' GeoJSON is not JSON (%v)", err)
			}
		})
	}
}

// A dry run writes nothing; importing a file again changes nothing and says so; a changed row is updated; -prune removes what the file no longer holds.
func TestReimportDryRunAndPrune(t *testing.T) {
	db := seeded(t)
	ctx := ctxFor(t)
	path := export(t, ctx, db, model.LayerCamera, "geojson", "", t.TempDir())
	cameras := count(t, db, "SELECT count(*) FROM cameras")

	// The export rounds coordinates to 7 decimals (1 cm): the first import stores them so.
	load(t, db, importer.Options{Layer: model.LayerCamera, File: path})
	res := load(t, db, importer.Options{Layer: model.LayerCamera, File: path})
	if res.Inserted+res.Updated != 0 || res.Unchanged != cameras || !strings.Contains(res.Summary(false), "nothing changed") {
		t.Fatalf("re-import: %d new, %d changed, %d unchanged (%s); want all %d unchanged", res.Inserted, res.Updated, res.Unchanged, res.Summary(false), cameras)
	}

	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	var first map[string]any
	_ = json.Unmarshal(fc.Features[0], &first)
	code := first["properties"].(map[string]any)["code"].(string)
	first["properties"].(map[string]any)["name"] = "改名的摄像头"
	changed, _ := json.Marshal(first)
	fc.Features[0] = changed
	last := fc.Features[len(fc.Features)-1]
	fc.Features = fc.Features[:len(fc.Features)-1]
	b, _ = json.Marshal(fc)
	edited := filepath.Join(t.TempDir(), "edited.geojson")
	_ = os.WriteFile(edited, b, 0o644)
	var lastCode string
	{
		var f map[string]any
		_ = json.Unmarshal(last, &f)
		lastCode = f["properties"].(map[string]any)["code"].(string)
	}

	t.Run("a dry run counts and writes nothing", func(t *testing.T) {
		res := load(t, db, importer.Options{Layer: model.LayerCamera, File: edited, DryRun: true, Prune: true})
		if res.Updated != 1 || res.Missing != 1 || res.Pruned != 1 || res.Written {
			t.Errorf("dry run: %d changed, %d missing, %d pruned, written %v; want 1, 1, 1, false", res.Updated, res.Missing, res.Pruned, res.Written)
		}
		if n := count(t, db, "SELECT count(*) FROM cameras WHERE name = '改名的摄像头'"); n != 0 {
			t.Errorf("the dry run renamed a camera")
		}
		if n := count(t, db, "SELECT count(*) FROM cameras"); n != cameras {
			t.Errorf("the dry run removed cameras: %d, want %d", n, cameras)
		}
	})
	t.Run("without -prune the missing row is reported and kept", func(t *testing.T) {
		res := load(t, db, importer.Options{Layer: model.LayerCamera, File: edited})
		if res.Updated != 1 || res.Inserted != 0 || res.Missing != 1 || res.Pruned != 0 {
			t.Errorf("%d changed, %d new, %d missing, %d pruned; want 1, 0, 1, 0", res.Updated, res.Inserted, res.Missing, res.Pruned)
		}
		if n := count(t, db, "SELECT count(*) FROM cameras WHERE name = '改名的摄像头' AND code = $1", code); n != 1 {
			t.Errorf("the changed camera was not updated")
		}
		if n := count(t, db, "SELECT count(*) FROM cameras WHERE code = $1", lastCode); n != 1 {
			t.Errorf("the camera missing from the file was removed without -prune")
		}
	})
	t.Run("with -prune it goes", func(t *testing.T) {
		res := load(t, db, importer.Options{Layer: model.LayerCamera, File: edited, Prune: true})
		if res.Updated != 0 || res.Pruned != 1 {
			t.Errorf("%d changed, %d pruned; want 0, 1", res.Updated, res.Pruned)
		}
		if n := count(t, db, "SELECT count(*) FROM cameras WHERE code = $1", lastCode); n != 0 {
			t.Errorf("-prune kept the camera missing from the file")
		}
	})
}

// cancelling rows feeds COPY camera rows and cancels the import's context midway, as a
// killed process's connection would end it.
type cancellingRows struct {
	n, at  int
	cancel context.CancelFunc
}

func (c *cancellingRows) Next() bool {
	c.n++
	if c.n == c.at {
		c.cancel()
	}
	return c.n <= 100000
}

func (c *cancellingRows) Values() ([]any, error) {
	return []any{int32(c.n), fmt.Sprintf("150203000013100%05d", c.n), "新摄像头", "XUELIANG", nil, nil, nil, nil,
		centre}, nil
}
func (c *cancellingRows) Err() error { return nil }

var centre, _ = wkb.Marshal(orb.Point{109.8325, 40.6411})

// An import stopped midway leaves the layer as it was.
func TestInterruptedImportLeavesTheLayerAsItWas(t *testing.T) {
	db := seeded(t)
	before := count(t, db, "SELECT count(*) FROM cameras")
	ctx, cancel := context.WithCancel(ctxFor(t))
	defer cancel()
	_, err := db.Store.Import(ctx, store.ImportSpec{Layer: model.LayerCamera, SRID: 4326}, &cancellingRows{at: 5000, cancel: cancel})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the import cancelled", err)
	}
	if n := count(t, db, "SELECT count(*) FROM cameras"); n != before {
		t.Errorf("%d cameras after the interrupted import, want %d", n, before)
	}
}
