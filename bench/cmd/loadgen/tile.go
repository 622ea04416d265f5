package main

import (
	"bytes"
	"context"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// bareTileSQL is the incident tile written by hand: one MVT feature per incident in the
// tile and its 64/4096 buffer, with the attributes gridhub's tiles carry, in id order (so
// that the bytes do not depend on the plan). The envelopes are computed once (a prepared
// statement's generic plan would otherwise compute the tile envelope again for every
// row). gridhub clusters points below z14 only, so at z14 this is the same tile, byte for
// byte.
const bareTileSQL = `WITH e AS (SELECT ST_TileEnvelope($1, $2, $3) AS env,
  ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326) AS q)
SELECT ST_AsMVT(f, 'incident', 4096, 'geom', 'fid' ORDER BY f.fid) FROM (
  SELECT t.id AS fid, rtrim(translate(encode(convert_to('INCIDENT:' || t.id, 'UTF8'), 'base64'), E'+/\n', '-_'), '=') AS id,
    t.title AS name, t.code, t.status, t.category, t.priority::int AS priority, ` + overdueSQL + ` AS overdue,
    ST_AsMVTGeom(ST_Transform(t.geom, 3857), e.env, 4096, 64, true) AS geom
  FROM incidents t, e WHERE t.geom && e.q) f`

const tileZoom = 14

// tile is W3: the incident vector tile over the district centre.
func (b *bench) tile(ctx context.Context) (*workload, error) {
	t := maptile.At(orb.Point{centreLon, centreLat}, tileZoom)
	url := fmt.Sprintf("%s/tiles/incident/%d/%d/%d.mvt", b.o.Gridhub, tileZoom, t.X, t.Y)
	args := []any{tileZoom, int(t.X), int(t.Y)}
	hub, err := b.fetch(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	bare, err := b.queryBytes(ctx, bareTileSQL, args...)
	if err != nil {
		return nil, fmt.Errorf("bare SQL: %w", err)
	}
	layers, err := mvt.Unmarshal(bare)
	if err != nil || len(layers) != 1 || len(layers[0].Features) == 0 {
		return nil, fmt.Errorf("the bare SQL's tile does not decode to one non-empty layer (%v)", err)
	}
	check := fmt.Sprintf("tile 14/%d/%d: %d incidents; gridhub's tile is byte-for-byte the bare ST_AsMVT's (%d bytes)",
		t.X, t.Y, len(layers[0].Features), len(bare))
	if !bytes.Equal(hub, bare) {
		// The same features in another order still draw the same map; say so rather than
		// fail, and let the check line tell.
		hl, err := mvt.Unmarshal(hub)
		if err != nil || len(hl) != 1 || len(hl[0].Features) != len(layers[0].Features) {
			return nil, fmt.Errorf("gridhub's tile (%d bytes) and the bare SQL's (%d bytes) differ in their features", len(hub), len(bare))
		}
		check = fmt.Sprintf("tile 14/%d/%d: %d incidents in both; the bytes differ (gridhub %d, bare SQL %d): same features, another order",
			t.X, t.Y, len(layers[0].Features), len(hub), len(bare))
	}
	return &workload{ID: "W3", Title: "incident MVT tile z14 at the centre", Conc: []int{8, 32}, Check: check,
		Gridhub: target{nameGridhub, b.request("GET", url, nil)},
		Bare:    target{nameBare, b.sqlBytes(bareTileSQL, args...)},
	}, nil
}
