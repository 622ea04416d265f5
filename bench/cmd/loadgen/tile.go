package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// bareTileSQL is the incident tile written by hand: one MVT feature per incident in the
// tile and its 64/4096 buffer, with the attributes gridhub's tiles carry, in id order (so
// that the bytes do not depend on the plan). The envelopes are computed once (a prepared
// statement's generic plan would otherwise compute the tile envelope again for every
// row). gridhub holds features at z14 when the tile is sparse, so this is then the same
// tile, byte for byte.
const bareTileSQL = `WITH e AS (SELECT ST_TileEnvelope($1, $2, $3) AS env,
  ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326) AS q)
SELECT ST_AsMVT(f, 'incident', 4096, 'geom', 'fid' ORDER BY f.fid) FROM (
  SELECT t.id AS fid, ` + bareTileAttrs + `,
    ST_AsMVTGeom(ST_Transform(t.geom, 3857), e.env, 4096, 64, true) AS geom
  FROM incidents t, e WHERE ST_Intersects(t.geom, e.q)) f`

const bareTileAttrs = `rtrim(translate(encode(convert_to('INCIDENT:' || t.id, 'UTF8'), 'base64'), E'+/\n', '-_'), '=') AS id,
    t.title AS name, t.code, t.status, t.category, t.priority::int AS priority, ` + overdueSQL + ` AS overdue`

// bareClusterTileSQL is the dense incident tile written by hand: the incidents inside the
// tile proper (half-open, so that each belongs to one tile) grouped into 8×8 cells of 64
// pixels, each drawn at its members' centroid with its count and overdue count; a cell of
// one incident carries that incident's id and attributes, read by id. Clusters are in
// order of place. OFFSET 0 keeps each point's transform from being repeated per use,
// without the cost of materializing the points. gridhub clusters a z14 tile that would hold more than its cut of
// incidents (GRIDHUB_TILE_CLUSTER_ABOVE), and this is then the same tile, byte for byte.
const bareClusterTileSQL = `WITH e AS (SELECT ST_TileEnvelope($1, $2, $3) AS env,
  ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326) AS q),
c AS (SELECT min(p.id) AS id, count(*)::int AS count, count(*) FILTER (WHERE p.overdue)::int AS "overdueCount",
    ST_Centroid(ST_Collect(p.m)) AS m
  FROM (SELECT t.id, ` + overdueSQL + ` AS overdue, ST_Transform(t.geom, 3857) AS m
    FROM incidents t, e WHERE ST_Intersects(t.geom, e.q) OFFSET 0) p, e WHERE ST_X(m) >= ST_XMin(env) AND ST_X(m) < ST_XMax(env) AND ST_Y(m) > ST_YMin(env) AND ST_Y(m) <= ST_YMax(env)
  GROUP BY floor((ST_X(m) - ST_XMin(env)) * 8 / (ST_XMax(env) - ST_XMin(env))), floor((ST_YMax(env) - ST_Y(m)) * 8 / (ST_YMax(env) - ST_YMin(env))))
SELECT ST_AsMVT(f, 'incident', 4096, 'geom', 'fid' ORDER BY ST_X(f.geom), ST_Y(f.geom)) FROM (
  SELECT CASE WHEN c.count = 1 THEN c.id END AS fid, c.count, ` + bareTileAttrs + `, c."overdueCount",
    ST_AsMVTGeom(c.m, e.env, 4096, 64, true) AS geom
  FROM e, c LEFT JOIN incidents t ON c.count = 1 AND t.id = c.id) f`

// clusterAbove is gridhub's cut (GRIDHUB_TILE_CLUSTER_ABOVE, by default 4,000): a z14 tile
// that would hold more incidents is clustered.
func clusterAbove() int {
	if n, err := strconv.Atoi(os.Getenv("GRIDHUB_TILE_CLUSTER_ABOVE")); err == nil {
		return n
	}
	return 4000
}

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
	n, err := b.count(ctx, `SELECT count(*) FROM incidents t WHERE ST_Intersects(t.geom, ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326))`, args...)
	if err != nil {
		return nil, err
	}
	sql, what := bareTileSQL, fmt.Sprintf("%d incidents", n)
	if cut := clusterAbove(); cut > 0 && n > cut {
		sql = bareClusterTileSQL
	}
	bare, err := b.queryBytes(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("bare SQL: %w", err)
	}
	layers, err := mvt.Unmarshal(bare)
	if err != nil || len(layers) != 1 || len(layers[0].Features) == 0 {
		return nil, fmt.Errorf("the bare SQL's tile does not decode to one non-empty layer (%v)", err)
	}
	if sql == bareClusterTileSQL {
		what = fmt.Sprintf("%d incidents in the tile and its buffer, more than the cut of %d: %d clusters", n, clusterAbove(), len(layers[0].Features))
	}
	check := fmt.Sprintf("tile 14/%d/%d: %s; gridhub's tile is byte-for-byte the bare ST_AsMVT's (%d bytes)", t.X, t.Y, what, len(bare))
	if !bytes.Equal(hub, bare) {
		// The same features in another order still draw the same map; say so rather than
		// fail, and let the check line tell.
		hl, err := mvt.Unmarshal(hub)
		if err != nil || len(hl) != 1 || len(hl[0].Features) != len(layers[0].Features) {
			return nil, fmt.Errorf("gridhub's tile (%d bytes) and the bare SQL's (%d bytes) differ in their features", len(hub), len(bare))
		}
		check = fmt.Sprintf("tile 14/%d/%d: %s, %d features in both; the bytes differ (gridhub %d, bare SQL %d): same features, another order",
			t.X, t.Y, what, len(layers[0].Features), len(hub), len(bare))
	}
	return &workload{ID: "W3", Title: "incident MVT tile z14 at the centre", Conc: []int{8, 32}, Check: check,
		Gridhub: target{nameGridhub, b.request("GET", url, nil)},
		Bare:    target{nameBare, b.sqlBytes(sql, args...)},
	}, nil
}
