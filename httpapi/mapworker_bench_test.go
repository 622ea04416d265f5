package httpapi

// The map page's worker views beside the bare SQL giving the same answer, in the same run:
//
//	TEST_DATABASE_URL=… [GRIDHUB_BENCH_SCALE=10] go test -run '^$' -bench 'CoverageShading|PlaybackStep' -benchtime 3s ./httpapi

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"gridhub/model"
)

// bareCoverage is every GRID unit's outline and the share of its buildings visited in
// the 30 days up to $1, as JSON.
const bareCoverage = `SELECT json_agg(json_build_object('code', g.code, 'name', g.name, 'geometry', ST_AsGeoJSON(g.geom, 7)::json,
  'visitCoverage', c.cov) ORDER BY g.id)
FROM grids g LEFT JOIN LATERAL (
  SELECT CASE WHEN count(*) > 0 THEN (count(*) FILTER (WHERE EXISTS (SELECT 1 FROM visits v WHERE v.building_id = b.id
    AND v.at > $1::timestamptz - interval '30 days' AND v.at <= $1::timestamptz)))::float8 / count(*) END AS cov
  FROM buildings b WHERE b.grid_id = g.id) c ON true
WHERE g.level = 'GRID'`

// BenchmarkCoverageShading is the 走访覆盖率 toggle's one query: every GRID unit's
// geometry and visitCoverage(days: 30).
func BenchmarkCoverageShading(b *testing.B) {
	a := district(b)
	ctx := context.Background()
	body, _ := json.Marshal(map[string]any{
		"query": `{ grids(level: GRID, first: 1000) { edges { node { code name geometry visitCoverage(days: 30) } } } }`,
	})
	bare := func() []byte {
		var out []byte
		if err := a.db.Store.Pool().QueryRow(ctx, bareCoverage, testClock).Scan(&out); err != nil {
			b.Fatal(err)
		}
		return out
	}
	// The same figures, before anything is timed.
	var hub struct {
		Data struct {
			Grids struct {
				Edges []struct {
					Node struct {
						Code          string
						VisitCoverage *float64
					}
				}
			}
		}
	}
	var sql []struct {
		Code          string
		VisitCoverage *float64
	}
	_ = json.Unmarshal(a.post(b, body), &hub)
	_ = json.Unmarshal(bare(), &sql)
	got := map[string]float64{}
	for _, e := range hub.Data.Grids.Edges {
		if e.Node.VisitCoverage != nil {
			got[e.Node.Code] = *e.Node.VisitCoverage
		}
	}
	if len(sql) == 0 || len(hub.Data.Grids.Edges) != len(sql) {
		b.Fatalf("gridhub has %d grids, the bare SQL %d", len(hub.Data.Grids.Edges), len(sql))
	}
	for _, g := range sql {
		if g.VisitCoverage != nil && math.Abs(got[g.Code]-*g.VisitCoverage) > 1e-9 {
			b.Fatalf("grid %s: gridhub %v, bare SQL %v", g.Code, got[g.Code], *g.VisitCoverage)
		}
	}
	b.Run("gridhub", func(b *testing.B) {
		for b.Loop() {
			b.SetBytes(int64(len(a.post(b, body))))
		}
	})
	b.Run("bare-sql", func(b *testing.B) {
		for b.Loop() {
			b.SetBytes(int64(len(bare())))
		}
	})
}

// barePlayback is a worker's simplified path from $2 to $3, jumps and silences aside.
const barePlayback = `SELECT ST_AsGeoJSON(ST_Transform(ST_Simplify(ST_Transform(ST_MakeLine(geom ORDER BY at), 32649), 5, true), 4326), 6)
FROM worker_positions WHERE worker_id = $1 AND at >= $2 AND at < $3 AND NOT jump`

// BenchmarkPlaybackStep is what one move of the playback slider asks: a worker's track
// from the day's start to 15:30 (both patrols of the seed's day), simplified by 5 m.
func BenchmarkPlaybackStep(b *testing.B) {
	a := district(b)
	ctx := context.Background()
	var id int64
	var last time.Time
	if err := a.db.Store.Pool().QueryRow(ctx, `SELECT id, last_seen_at FROM grid_workers ORDER BY id LIMIT 1`).Scan(&id, &last); err != nil {
		b.Fatal(err)
	}
	l := last.In(model.Beijing)
	from := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, model.Beijing)
	to := from.Add(15*time.Hour + 30*time.Minute)
	body, _ := json.Marshal(map[string]any{
		"query": `query($id: ID!, $from: DateTime!, $to: DateTime!) { node(id: $id) { ... on GridWorker {
			track(from: $from, to: $to, simplifyMeters: 5) { geometry points distanceMeters onDutyHours } } } }`,
		"variables": map[string]any{"id": model.GlobalID(model.LayerWorker, id), "from": from, "to": to},
	})
	bare := func() []byte {
		var out []byte
		if err := a.db.Store.Pool().QueryRow(ctx, barePlayback, id, from, to).Scan(&out); err != nil {
			b.Fatal(err)
		}
		return out
	}
	var hub struct {
		Data struct {
			Node struct{ Track struct{ Points int } }
		}
	}
	_ = json.Unmarshal(a.post(b, body), &hub)
	if hub.Data.Node.Track.Points == 0 || len(bare()) == 0 {
		b.Fatalf("no track for worker %d from %s to %s", id, from, to)
	}
	n0 := a.queries.Load()
	a.post(b, body)
	b.Logf("%d points, %d statements a request", hub.Data.Node.Track.Points, a.queries.Load()-n0)
	b.Run("gridhub", func(b *testing.B) {
		for b.Loop() {
			b.SetBytes(int64(len(a.post(b, body))))
		}
	})
	// The same request without the track: what any request for one node costs.
	nodeOnly, _ := json.Marshal(map[string]any{
		"query":     `query($id: ID!) { node(id: $id) { id } }`,
		"variables": map[string]any{"id": model.GlobalID(model.LayerWorker, id)},
	})
	b.Run("gridhub-node-only", func(b *testing.B) {
		for b.Loop() {
			a.post(b, nodeOnly)
		}
	})
	// The store's own statement, which also counts points and jumps and measures the
	// length and the time on duty: the cost of the track beyond the line itself.
	b.Run("store-track", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.db.Store.Track(ctx, id, from, to, 5); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare-sql", func(b *testing.B) {
		for b.Loop() {
			b.SetBytes(int64(len(bare())))
		}
	})
}
