package store_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"

	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/store"
)

// TestDenseTilesAreRemembered: a tile found dense is built the next time by counting its
// rows first, and the bytes are the same; a remembered tile that has thinned out comes as
// features again and is forgotten.
func TestDenseTilesAreRemembered(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	const z, x, y = 15, 26380, 12328 // near the district centre
	// 600 incidents spread inside the z16 tile at the top left of z15/x/y.
	if _, err := db.Store.Pool().Exec(ctx, `INSERT INTO incidents (code, title, category, source, status, priority, reported_at, due_at, geom)
SELECT 'D' || i, '事件 ' || i, '市容环境', 'OTHER', 'REPORTED', 3, now(), now() + interval '1 day',
  ST_SetSRID(ST_MakePoint(ST_XMin(b) + (ST_XMax(b) - ST_XMin(b)) * (0.05 + 0.9 * ((i * 0.6180339887) % 1)),
    ST_YMin(b) + (ST_YMax(b) - ST_YMin(b)) * (0.05 + 0.9 * ((i * 0.7548776662) % 1))), 4326)
FROM generate_series(1, 600) i, ST_Transform(ST_TileEnvelope(16, $1::int * 2, $2::int * 2), 4326) b`, x, y); err != nil {
		t.Fatal(err)
	}
	o := store.TileOptions{ClusterBelow: 14, ClusterAbove: 500}
	tile := func() ([]byte, bool) {
		b, err := db.Store.Tile(ctx, []model.Layer{model.LayerIncident}, z, x, y, o)
		if err != nil {
			t.Fatal(err)
		}
		ls, err := mvt.Unmarshal(b)
		if err != nil || len(ls) != 1 || len(ls[0].Features) == 0 {
			t.Fatalf("the tile does not decode to one layer of features (%v)", err)
		}
		_, clustered := ls[0].Features[0].Properties["count"]
		return b, clustered
	}

	first, clustered := tile()
	if !clustered || db.Store.DenseTilesRemembered() != 1 {
		t.Fatalf("600 incidents over a cut of 500: clustered %v, %d tiles remembered; want clusters, 1", clustered, db.Store.DenseTilesRemembered())
	}
	for range 2 {
		if again, _ := tile(); !bytes.Equal(again, first) {
			t.Fatal("the tile built by counting first differs from the first one")
		}
	}
	if db.Store.DenseTilesRemembered() != 1 {
		t.Fatalf("%d tiles remembered, want 1", db.Store.DenseTilesRemembered())
	}
	if _, err := db.Store.Pool().Exec(ctx, `DELETE FROM incidents WHERE code::text > 'D5'`); err != nil {
		t.Fatal(err)
	}
	b, clustered := tile()
	ls, _ := mvt.Unmarshal(b)
	var left int
	_ = db.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM incidents`).Scan(&left)
	if clustered || len(ls[0].Features) != left || left > 500 {
		t.Errorf("thinned to %d incidents: clustered %v with %d features; want them all as features", left, clustered, len(ls[0].Features))
	}
	if db.Store.DenseTilesRemembered() != 0 {
		t.Errorf("a tile that is no longer dense is still remembered")
	}
}
