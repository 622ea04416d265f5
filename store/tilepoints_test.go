package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/seed"
	"gridhub/store"
)

// TestTilePointsAreST_AsMVTGeoms holds every point of every point layer's tiles, at a
// zoom that tiles the whole district and one that cuts it fine, to what PostGIS's
// ST_AsMVTGeom makes of it: the same features, each at the same tile coordinates.
func TestTilePointsAreST_AsMVTGeoms(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	if _, err := seed.Run(ctx, db.Store, seed.Options{Scale: 1, Reference: testdb.Reference}); err != nil {
		t.Fatal(err)
	}
	var ext orb.Bound
	if err := db.Store.Pool().QueryRow(ctx, `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
		FROM (SELECT ST_Extent(geom) AS e FROM grids WHERE level = 'DISTRICT') d`).Scan(&ext.Min[0], &ext.Min[1], &ext.Max[0], &ext.Max[1]); err != nil {
		t.Fatal(err)
	}
	const ref = `SELECT t.id, ST_X(g), ST_Y(g) FROM (
  SELECT t.id, ST_AsMVTGeom(ST_Transform(t.geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS g
  FROM %s t WHERE ST_Intersects(t.geom, ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326))) t WHERE g IS NOT NULL`
	tables := map[model.Layer]string{model.LayerIncident: "incidents", model.LayerCamera: "cameras",
		model.LayerServicePoint: "service_points", model.LayerPartyUnit: "party_units"}
	points, tiles := 0, 0
	for _, z := range []maptile.Zoom{15, 18} {
		min, max := maptile.At(ext.Min, z), maptile.At(ext.Max, z)
		if z == 18 { // a block of the centre: all of the district would be thousands of tiles
			c := maptile.At(ext.Center(), z)
			min, max = maptile.New(c.X-4, c.Y+4, z), maptile.New(c.X+4, c.Y-4, z)
		}
		for x := min.X; x <= max.X; x++ {
			for y := max.Y; y <= min.Y; y++ {
				tiles++
				for l, table := range tables {
					raw, err := db.Store.Tile(ctx, []model.Layer{l}, int(z), int(x), int(y), store.TileOptions{})
					if err != nil {
						t.Fatal(err)
					}
					got := map[uint64]orb.Point{}
					if len(raw) > 0 {
						layers, err := mvt.Unmarshal(raw)
						if err != nil {
							t.Fatal(err)
						}
						for _, ly := range layers {
							for _, f := range ly.Features {
								got[uint64(f.ID.(float64))] = f.Geometry.(orb.Point)
							}
						}
					}
					rows, err := db.Store.Pool().Query(ctx, fmt.Sprintf(ref, table), int(z), int(x), int(y))
					if err != nil {
						t.Fatal(err)
					}
					want := map[uint64]orb.Point{}
					for rows.Next() {
						var id uint64
						var p orb.Point
						if err := rows.Scan(&id, &p[0], &p[1]); err != nil {
							t.Fatal(err)
						}
						want[id] = p
					}
					if err := rows.Err(); err != nil {
						t.Fatal(err)
					}
					for id, p := range want {
						if g, ok := got[id]; !ok || g != p {
							t.Errorf("%s tile %d/%d/%d: feature %d at %v, ST_AsMVTGeom puts it at %v", l, z, x, y, id, got[id], p)
						}
					}
					if len(got) != len(want) {
						t.Errorf("%s tile %d/%d/%d: %d features, ST_AsMVTGeom keeps %d", l, z, x, y, len(got), len(want))
					}
					points += len(want)
				}
			}
		}
	}
	if points < 1000 {
		t.Fatalf("%d points in %d tiles: the test shows too little", points, tiles)
	}
	t.Logf("%d points in %d tiles", points, tiles)
}
