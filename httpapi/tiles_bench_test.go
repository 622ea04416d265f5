package httpapi

// Dense vector tiles over the district centre, gridhub's handler beside a hand-written
// ST_AsMVT statement giving the same features, run through pgx in the same process and
// reported side by side (gridhub-µs/tile, sql-µs/tile and their ratio):
//
//	make db && TEST_DATABASE_URL=postgres://gridhub:gridhub@127.0.0.1:54329/gridhub_test?sslmode=disable \
//	  GRIDHUB_BENCH_SCALE=10 go test -run '^$' -bench Tile -benchtime 3s ./httpapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb/encoding/mvt"

	"gridhub/model"
	"gridhub/store"
)

// The bare statements: what one would write by hand for each kind of tile.
const (
	bareIncidents = `SELECT ST_AsMVT(f, 'incident', 4096, 'geom', 'fid') FROM (
  SELECT t.id AS fid, rtrim(translate(encode(convert_to('INCIDENT:' || t.id, 'UTF8'), 'base64'), E'+/\n', '-_'), '=') AS id,
    t.title AS name, t.code, t.status, t.category, t.priority::int AS priority,
    (t.status NOT IN ('RESOLVED', 'CLOSED', 'REJECTED') AND t.due_at < now()) AS overdue,
    ST_AsMVTGeom(ST_Transform(t.geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
  FROM incidents t WHERE ST_Intersects(t.geom, ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326))) f`

	bareIncidentClusters = `WITH e AS (SELECT ST_TileEnvelope($1, $2, $3) AS env),
p AS MATERIALIZED (SELECT t.id, t.title, t.code, t.status, t.category, t.priority,
    (t.status NOT IN ('RESOLVED', 'CLOSED', 'REJECTED') AND t.due_at < now()) AS overdue, ST_Transform(t.geom, 3857) AS m
  FROM incidents t WHERE ST_Intersects(t.geom, ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326)))
SELECT ST_AsMVT(c, 'incident', 4096, 'geom', 'fid') FROM (
  SELECT CASE WHEN count(*) = 1 THEN min(id) END AS fid, count(*)::int AS count,
    CASE WHEN count(*) = 1 THEN rtrim(translate(encode(convert_to('INCIDENT:' || min(id), 'UTF8'), 'base64'), E'+/\n', '-_'), '=') END AS id,
    CASE WHEN count(*) = 1 THEN min(title) END AS name, CASE WHEN count(*) = 1 THEN min(code) END AS code,
    CASE WHEN count(*) = 1 THEN min(status) END AS status, CASE WHEN count(*) = 1 THEN min(category) END AS category,
    CASE WHEN count(*) = 1 THEN min(priority)::int END AS priority, CASE WHEN count(*) = 1 THEN bool_or(overdue) END AS overdue,
    count(*) FILTER (WHERE overdue)::int AS "overdueCount",
    ST_AsMVTGeom(ST_Centroid(ST_Collect(m)), (SELECT env FROM e), 4096, 64, true) AS geom
  FROM p, e WHERE ST_X(m) >= ST_XMin(env) AND ST_X(m) < ST_XMax(env) AND ST_Y(m) > ST_YMin(env) AND ST_Y(m) <= ST_YMax(env)
  GROUP BY floor((ST_X(m) - ST_XMin(env)) * 8 / (ST_XMax(env) - ST_XMin(env))), floor((ST_YMax(env) - ST_Y(m)) * 8 / (ST_YMax(env) - ST_YMin(env)))) c`

	// bareBuildings takes the simplification tolerance in metres as $4 (0: none).
	bareBuildings = `SELECT ST_AsMVT(f, 'building', 4096, 'geom', 'fid') FROM (
  SELECT t.id AS fid, rtrim(translate(encode(convert_to('BUILDING:' || t.id, 'UTF8'), 'base64'), E'+/\n', '-_'), '=') AS id,
    t.name, t.floors, t.residents,
    ST_AsMVTGeom(CASE WHEN $4 > 0 THEN ST_SimplifyPreserveTopology(ST_Transform(t.geom, 3857), $4) ELSE ST_Transform(t.geom, 3857) END,
      ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
  FROM buildings t WHERE ST_Intersects(t.geom, ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326))) f`
)

// tileFeatures sums a decoded tile's features (clusters by their count) and lists its ids.
func tileFeatures(b *testing.B, tile []byte) (int, []string) {
	ls, err := mvt.Unmarshal(tile)
	if err != nil || len(ls) != 1 {
		b.Fatalf("%d layers, %v", len(ls), err)
	}
	n, ids := 0, []string{}
	for _, f := range ls[0].Features {
		c, ok := f.Properties["count"].(float64)
		if !ok {
			c = 1
		}
		n += int(c)
		if id, ok := f.Properties["id"].(string); ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return n, ids
}

func BenchmarkTile(b *testing.B) {
	a := mapAPI(b)
	ctx := context.Background()
	for _, l := range []model.Layer{model.LayerIncident, model.LayerBuilding} {
		for _, z := range []int{12, 14, 16} {
			tile := centreTile(z)
			path := fmt.Sprintf("%s/tiles/%s/%d/%d/%d.mvt", a.srv.URL, store.TileLayerName(l), z, tile.X, tile.Y)
			sql, args := bareIncidents, []any{z, int(tile.X), int(tile.Y)}
			switch {
			case l == model.LayerBuilding && z < store.SimplifyBelow:
				sql, args = bareBuildings, append(args, 2*20037508.342789244/float64(int(1)<<z)/512)
			case l == model.LayerBuilding:
				sql, args = bareBuildings, append(args, 0.0)
			case z < clusterBelow, z < store.DenseClusterBelow && a.scalar(inBufferSQL("incidents", ""), z, int(tile.X), int(tile.Y)) > mapTiles.ClusterAbove:
				// gridhub clusters below the cluster zoom, and dense tiles above it.
				sql = bareIncidentClusters
			}
			// Uncompressed, as the SQL's bytes are: gzip (what browsers get) is a separate
			// cost, about 10 ms per MB at the fastest level, that buys a third of the bytes.
			hub := func() []byte {
				r := getTile(b, a, path[len(a.srv.URL):], map[string]string{"Accept-Encoding": "identity"})
				if r.status != http.StatusOK {
					b.Fatalf("status %d", r.status)
				}
				return r.body
			}
			bare := func() []byte {
				var out []byte
				if err := a.db.Store.Pool().QueryRow(ctx, sql, args...).Scan(&out); err != nil {
					b.Fatal(err)
				}
				return out
			}
			// The same features in both before anything is timed.
			hn, hids := tileFeatures(b, hub())
			sn, sids := tileFeatures(b, bare())
			if hn != sn || !slices.Equal(hids, sids) || hn == 0 {
				b.Fatalf("%s z%d: gridhub's tile holds %d features (%d ids), the bare SQL's %d (%d ids)", l, z, hn, len(hids), sn, len(sids))
			}
			// Each iteration fetches the tile both ways, so that load from elsewhere on the
			// machine weighs on both alike; ns/op is their sum.
			b.Run(fmt.Sprintf("%s/z%d", store.TileLayerName(l), z), func(b *testing.B) {
				var hubTime, bareTime time.Duration
				n := 0
				for b.Loop() {
					start := time.Now()
					n = len(hub())
					mid := time.Now()
					bare()
					hubTime, bareTime = hubTime+mid.Sub(start), bareTime+time.Since(mid)
				}
				b.ReportMetric(float64(hubTime.Microseconds())/float64(b.N), "gridhub-µs/tile")
				b.ReportMetric(float64(bareTime.Microseconds())/float64(b.N), "sql-µs/tile")
				b.ReportMetric(float64(hubTime)/float64(bareTime), "gridhub/sql")
				b.ReportMetric(float64(n), "bytes/tile")
				b.ReportMetric(float64(hn), "features/tile")
			})
		}
	}
}
