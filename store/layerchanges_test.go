package store_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gridhub/importer"
	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/store"
)

// Imports record their changes for listeners that were away, only when they commit, and
// keep the newest KeepLayerChanges of them.
func TestImportsRecordTheirLayerChanges(t *testing.T) {
	db := testdb.New(t, func(o *store.Options) { o.Now = func() time.Time { return testdb.Reference } })
	ctx := context.Background()
	pool := db.Store.Pool()
	if _, err := pool.Exec(ctx, `INSERT INTO grids (id, code, level, parent_id, name, geom)
SELECT id, code, level, parent_id, name, ST_Multi(ST_MakeEnvelope(109.80, 40.60, 109.82, 40.62, 4326)) FROM (VALUES
  (1, '150203', 'DISTRICT', NULL::bigint, '测试区'), (2, '150203001001001', 'GRID', 1, '测试网格')) AS g(id, code, level, parent_id, name)`); err != nil {
		t.Fatal(err)
	}
	older := store.KeepLayerChanges + 200
	if _, err := pool.Exec(ctx, `INSERT INTO layer_changes (layer, inserted, updated, removed, at)
SELECT 'CAMERA', 1, 0, 0, $2 FROM generate_series(1, $1)`, older, testdb.Reference); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "points.geojson")
	if err := os.WriteFile(path, []byte(`{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[109.805,40.605]},"properties":{"sourceId":"p-1","name":"调解室1","kind":"MEDIATION"}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[109.815,40.615]},"properties":{"sourceId":"p-2","name":"调解室2","kind":"MEDIATION"}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	count := func() (n, first, last int64) {
		t.Helper()
		if err := pool.QueryRow(ctx, `SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM layer_changes`).Scan(&n, &first, &last); err != nil {
			t.Fatal(err)
		}
		return n, first, last
	}

	t.Run("a dry run records nothing", func(t *testing.T) {
		res, err := importer.Run(ctx, db.Store, importer.Options{Layer: model.LayerServicePoint, File: path, DryRun: true})
		if err != nil || res.Inserted != 2 || res.Written {
			t.Fatalf("dry run: %v %+v", err, res)
		}
		if n, _, _ := count(); n != int64(older) {
			t.Errorf("%d rows after a dry run, want the %d there were", n, older)
		}
	})
	t.Run("a committed import records its change and drops the oldest past the limit", func(t *testing.T) {
		res, err := importer.Run(ctx, db.Store, importer.Options{Layer: model.LayerServicePoint, File: path})
		if err != nil || res.Inserted != 2 || !res.Written {
			t.Fatalf("import: %v %+v", err, res)
		}
		n, first, last := count()
		if n != store.KeepLayerChanges || last-first+1 != n {
			t.Errorf("%d rows, ids %d–%d: want the newest %d", n, first, last, store.KeepLayerChanges)
		}
		if newest, err := db.Store.LastLayerChange(ctx); err != nil || newest != last {
			t.Errorf("last layer change %d (%v), want %d", newest, err, last)
		}
		got, err := db.Store.LayerChangesAfter(ctx, last-2, 10)
		if err != nil || len(got) != 2 || got[0].ID != last-1 || got[1].ID != last {
			t.Fatalf("changes after %d: %+v (%v), want ids %d and %d", last-2, got, err, last-1, last)
		}
		c := got[1]
		want := []float64{109.805, 40.605, 109.815, 40.615}
		if c.Layer != model.LayerServicePoint || c.Inserted != 2 || c.Updated != 0 || c.Removed != 0 || !c.At.Equal(testdb.Reference) || len(c.BBox) != 4 {
			t.Fatalf("recorded %+v, want 2 service points inserted at %s over %v", c, testdb.Reference, want)
		}
		for i := range want {
			if math.Abs(c.BBox[i]-want[i]) > 1e-6 {
				t.Errorf("bbox %v, want %v", c.BBox, want)
			}
		}
	})
}
