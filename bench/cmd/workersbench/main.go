// Command workersbench measures the grid workers' paths beside the bare SQL doing the same
// work, in the same run: position ingest from simulated phones (open model: each worker
// sends a batch of points every interval) and three reads (every worker's latest
// position, one day's simplified track, the district's figures over 30 days).
//
//	go run ./bench/cmd/workersbench -db URL [-workers 2000] [-batch 10] [-every 10s] [-for 1m]
//
// The database must hold a seeded district (gridhub seed). gridhub runs in this process
// (httpapi.New on a loopback port, the built-in policy), so requests go through HTTP,
// key authentication, the field guard and the audit log as a phone's would. The
// simulated workers (codes ending 10..) and their keys are made once and kept; their
// positions are deleted at the end.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"gridhub/auth"
	"gridhub/httpapi"
	"gridhub/model"
	"gridhub/store"
)

type options struct {
	db              string
	workers, batch  int
	every, duration time.Duration
	reads           int
	senders         int
	closed          time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.db, "db", os.Getenv("DATABASE_URL"), "database holding a seeded district")
	flag.IntVar(&o.workers, "workers", 2000, "simulated workers")
	flag.IntVar(&o.batch, "batch", 10, "points a batch")
	flag.DurationVar(&o.every, "every", 10*time.Second, "each worker sends a batch this often")
	flag.DurationVar(&o.duration, "for", time.Minute, "how long each ingest run lasts")
	flag.IntVar(&o.reads, "reads", 40, "requests of each read path, each way")
	flag.IntVar(&o.senders, "senders", 32, "closed loop: workers sending batches back to back")
	flag.DurationVar(&o.closed, "closed-for", 15*time.Second, "closed loop: how long, each way; 0: not run")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "workersbench:", err)
		os.Exit(1)
	}
}

// sim is one simulated worker: its id, key and a walk.
type sim struct {
	id       int64
	key      string
	lon, lat float64
}

func run(ctx context.Context, o options) error {
	st, err := store.Open(ctx, o.db, store.Options{MaxConns: 16})
	if err != nil {
		return err
	}
	defer st.Close()
	pool := st.Pool()
	sims, err := simulated(ctx, st, o.workers)
	if err != nil {
		return err
	}
	base, stopServer, err := startGridhub(st)
	if err != nil {
		return err
	}
	defer stopServer()
	bare, err := pgxpool.New(ctx, o.db)
	if err != nil {
		return err
	}
	defer bare.Close()
	start := time.Now()
	defer func() {
		// The simulated workers' positions go; the workers and the seeded data stay.
		ids := make([]int64, len(sims))
		for k, s := range sims {
			ids[k] = s.id
		}
		_, _ = pool.Exec(context.Background(), `DELETE FROM worker_positions WHERE worker_id = ANY($1)`, ids)
	}()

	fmt.Printf("# grid workers: %d simulated phones, a batch of %d points every %s, for %s\n\n", o.workers, o.batch, o.every, o.duration)
	fmt.Println("| ingest | batches | points/s | p50 ms | p99 ms | max ms | errors |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- |")
	api := func(ctx context.Context, s sim, pts []model.PositionReport) error {
		in := make([]map[string]any, len(pts))
		for k, p := range pts {
			in[k] = map[string]any{"at": p.At.Format(time.RFC3339Nano), "lon": p.Lon, "lat": p.Lat, "accuracyMeters": 8}
		}
		var out struct {
			ReportPositions struct{ Accepted int }
		}
		if err := gql(ctx, base, s.key, `mutation($p: [PositionInput!]!) { reportPositions(points: $p) { accepted } }`, map[string]any{"p": in}, &out); err != nil {
			return err
		}
		if out.ReportPositions.Accepted != len(pts) {
			return fmt.Errorf("accepted %d of %d", out.ReportPositions.Accepted, len(pts))
		}
		return nil
	}
	sql := func(ctx context.Context, s sim, pts []model.PositionReport) error {
		ats := make([]time.Time, len(pts))
		lons, lats := make([]float64, len(pts)), make([]float64, len(pts))
		for k, p := range pts {
			ats[k], lons[k], lats[k] = p.At, p.Lon, p.Lat
		}
		tag, err := bare.Exec(ctx, `INSERT INTO worker_positions (worker_id, at, geom, accuracy_m)
SELECT $1, u.at, ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326), 8 FROM unnest($2::timestamptz[], $3::float8[], $4::float8[]) AS u (at, lon, lat)
ON CONFLICT DO NOTHING`, s.id, ats, lons, lats)
		if err == nil && int(tag.RowsAffected()) != len(pts) {
			err = fmt.Errorf("inserted %d of %d", tag.RowsAffected(), len(pts))
		}
		return err
	}
	// The partitions of the run's days exist for both (gridhub makes them ahead of time).
	for d := start.AddDate(0, 0, -8); d.Before(start.AddDate(0, 0, 2)); d = d.AddDate(0, 0, 1) {
		if _, err := pool.Exec(ctx, `SELECT worker_positions_day($1::date)`, d.In(model.Beijing).Format(time.DateOnly)); err != nil {
			return err
		}
	}
	for _, t := range []struct {
		name string
		send func(context.Context, sim, []model.PositionReport) error
	}{{"bare SQL (one INSERT a batch)", sql}, {"gridhub reportPositions", api}} {
		r := ingest(ctx, o, sims, t.send)
		fmt.Printf("| %s | %d | %.0f | %.1f | %.1f | %.1f | %d |\n", t.name, r.batches, r.pointsPerSecond, r.p(0.5), r.p(0.99), r.p(1), r.errors)
		if r.firstErr != nil {
			fmt.Printf("\nfirst error: %v\n\n", r.firstErr)
		}
	}

	if o.closed > 0 {
		fmt.Printf("\nClosed loop, %d workers sending back to back for %s (capacity):\n\n", o.senders, o.closed)
		fmt.Println("| ingest | points/s | p50 ms | p99 ms | errors |")
		fmt.Println("| --- | --- | --- | --- | --- |")
		for _, t := range []struct {
			name string
			send func(context.Context, sim, []model.PositionReport) error
		}{{"bare SQL", sql}, {"gridhub", api}, {"bare SQL", sql}, {"gridhub", api}} {
			r := closedLoop(ctx, o, sims[:min(o.senders, len(sims))], t.send)
			fmt.Printf("| %s | %.0f | %.1f | %.1f | %d |\n", t.name, r.pointsPerSecond, r.p(0.5), r.p(0.99), r.errors)
		}
	}

	var size, points float64
	if err := pool.QueryRow(ctx, `SELECT sum(pg_total_relation_size(i.inhrelid))::float8, (SELECT count(*) FROM worker_positions)::float8
FROM pg_inherits i WHERE i.inhparent = 'worker_positions'::regclass`).Scan(&size, &points); err != nil {
		return err
	}
	fmt.Printf("\nPositions stored: %.0f, %.1f MB in all, **%.0f MB per million points** (table, primary key and TOAST).\n\n",
		points, size/1e6, size/points)

	return reads(ctx, o, st, base, bare)
}

// simulated makes (once) o.workers workers spread over the GRIDs, with a key each.
func simulated(ctx context.Context, st *store.Store, n int) ([]sim, error) {
	pool := st.Pool()
	_, err := pool.Exec(ctx, `
WITH g AS (SELECT id, code, ST_PointOnSurface(geom) AS p, row_number() OVER (ORDER BY code) - 1 AS k, count(*) OVER () AS n
           FROM grids WHERE level = 'GRID'),
w AS (SELECT s, g.* FROM generate_series(0, $1 - 1) s JOIN g ON g.k = s % g.n)
INSERT INTO grid_workers (code, name, grid_id, on_duty, geom)
SELECT w.code || lpad((10 + s / w.n)::text, 2, '0'), '压测' || s, w.id, true, w.p FROM w
ON CONFLICT (code) DO NOTHING`, n)
	if err != nil {
		return nil, fmt.Errorf("make simulated workers: %w", err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO grid_worker_grids SELECT id, grid_id FROM grid_workers WHERE name LIKE '压测%' ON CONFLICT DO NOTHING`); err != nil {
		return nil, err
	}
	rows, err := pool.Query(ctx, `SELECT w.id, ST_X(w.geom), ST_Y(w.geom), c.code FROM grid_workers w JOIN grids g ON g.id = w.grid_id
JOIN grids c ON c.id = g.parent_id WHERE w.name LIKE '压测%' ORDER BY w.id LIMIT $1`, n)
	if err != nil {
		return nil, err
	}
	type row struct {
		sim
		fence string
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.id, &x.lon, &x.lat, &x.fence)
	})
	if err != nil {
		return nil, err
	}
	out := make([]sim, len(list))
	for k, x := range list {
		// A key per run: the key's secret is not kept anywhere to be read back.
		key, prefix, hash := auth.NewKey()
		id, fence := x.id, x.fence
		if _, err := st.CreateKey(ctx, store.APIKey{Prefix: prefix, Hash: hash, Name: fmt.Sprintf("压测网格员%d", id), Role: "grid_worker",
			WorkerID: &id, FenceCode: &fence}); err != nil {
			return nil, err
		}
		x.key = key
		out[k] = x.sim
	}
	return out, nil
}

func startGridhub(st *store.Store) (string, func(), error) {
	policy, err := auth.LoadPolicy("")
	if err != nil {
		return "", nil, err
	}
	for _, r := range policy.Roles {
		r.Rate = auth.Rate{PerSecond: 1e6, Burst: 1e6} // the limiter is not what is measured
	}
	cfg := httpapi.Config{Policy: policy, AnonymousRole: "command_center", JWT: &auth.JWTConfig{}, AuthFailures: auth.Rate{PerSecond: 1e6, Burst: 1e6},
		CursorSecret: []byte("bench"), RequestTimeout: 30 * time.Second, MaxBodyBytes: 512 << 10, ComplexityLimit: 100000, ExecBudget: 200000,
		KeyCacheTTL: time.Minute}
	h, done := httpapi.New(st, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close(); done() }, nil
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}, Timeout: time.Minute}

func gql(ctx context.Context, base, key, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var r struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, raw)
	}
	if len(r.Errors) > 0 {
		return errors.New(r.Errors[0].Message)
	}
	return json.Unmarshal(r.Data, out)
}

type result struct {
	batches         int
	errors          int
	firstErr        error
	pointsPerSecond float64
	latencies       []time.Duration
}

func (r result) p(q float64) float64 {
	if len(r.latencies) == 0 {
		return math.NaN()
	}
	k := int(math.Ceil(q*float64(len(r.latencies)))) - 1
	return float64(r.latencies[max(k, 0)]) / 1e6
}

// ingest runs the open model: worker k sends its first batch at k/len(sims) of an
// interval, then one every interval, each batch the points since its last. A latency runs
// from the batch's scheduled time, so falling behind counts against the target.
func ingest(ctx context.Context, o options, sims []sim, send func(context.Context, sim, []model.PositionReport) error) result {
	var mu sync.Mutex
	var res result
	var points atomic.Int64
	t0 := time.Now().Add(time.Second)
	end := t0.Add(o.duration)
	var wg sync.WaitGroup
	for k, s := range sims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(s.id), uint64(t0.UnixNano())))
			lon, lat := s.lon, s.lat
			due := t0.Add(time.Duration(k) * o.every / time.Duration(len(sims)))
			for due.Before(end) {
				time.Sleep(time.Until(due))
				if ctx.Err() != nil {
					return
				}
				pts := make([]model.PositionReport, o.batch)
				step := o.every / time.Duration(o.batch)
				for i := range pts {
					lon += (r.Float64() - 0.5) * 0.0004
					lat += (r.Float64() - 0.5) * 0.0003
					pts[i] = model.PositionReport{At: due.Add(-o.every + time.Duration(i+1)*step).Truncate(time.Millisecond), Lon: lon, Lat: lat}
				}
				err := send(ctx, s, pts)
				lat := time.Since(due)
				mu.Lock()
				res.batches++
				res.latencies = append(res.latencies, lat)
				if err != nil {
					res.errors++
					if res.firstErr == nil {
						res.firstErr = err
					}
				} else {
					points.Add(int64(len(pts)))
				}
				mu.Unlock()
				due = due.Add(o.every)
			}
		}()
	}
	wg.Wait()
	res.pointsPerSecond = float64(points.Load()) / time.Since(t0).Seconds()
	slices.Sort(res.latencies)
	return res
}

var closedRuns int

// closedLoop has each sender send its next batch as soon as the last is answered; the
// batches carry points one second apart, moving on from where the sender last was.
func closedLoop(ctx context.Context, o options, sims []sim, send func(context.Context, sim, []model.PositionReport) error) result {
	run := closedRuns
	closedRuns++
	var mu sync.Mutex
	var res result
	var points atomic.Int64
	t0 := time.Now()
	end := t0.Add(o.closed)
	var wg sync.WaitGroup
	for k, s := range sims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each sender of each closed-loop run writes an hour of its own back in time
			// (a run sends far less than an hour of points), so that no point repeats.
			at := t0.Truncate(time.Hour).Add(-time.Duration(run*len(sims)+k+1) * time.Hour)
			for time.Now().Before(end) && ctx.Err() == nil {
				pts := make([]model.PositionReport, o.batch)
				for i := range pts {
					at = at.Add(time.Second)
					pts[i] = model.PositionReport{At: at, Lon: s.lon + float64(i)*1e-5, Lat: s.lat}
				}
				t := time.Now()
				err := send(ctx, s, pts)
				lat := time.Since(t)
				mu.Lock()
				res.batches++
				res.latencies = append(res.latencies, lat)
				if err != nil {
					res.errors++
					if res.firstErr == nil {
						res.firstErr = err
					}
				} else {
					points.Add(int64(len(pts)))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.pointsPerSecond = float64(points.Load()) / time.Since(t0).Seconds()
	slices.Sort(res.latencies)
	return res
}

// reads times three read paths each way, interleaved, o.reads requests each.
func reads(ctx context.Context, o options, st *store.Store, base string, bare *pgxpool.Pool) error {
	var worker int64
	var day time.Time
	if err := bare.QueryRow(ctx, `SELECT worker_id, date_trunc('day', max(at) AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai'
FROM worker_positions WHERE worker_id = (SELECT min(id) FROM grid_workers) GROUP BY worker_id`).Scan(&worker, &day); err != nil {
		return fmt.Errorf("find a seeded track: %w", err)
	}
	from, to := day, day.Add(24*time.Hour)
	now := time.Now()
	period := []time.Time{now.AddDate(0, 0, -30), now}
	type path struct {
		name        string
		gridhub     func() (string, error)
		sql         func() (string, error)
		description string
	}
	paths := []path{
		{
			name: "latest position of every worker",
			gridhub: func() (string, error) {
				var out struct{ FeatureCollection json.RawMessage }
				err := gql(ctx, base, "", `{ featureCollection(area: {gridCode: "150203"}, layers: [WORKER], limit: 50000, properties: ["name"]) }`, nil, &out)
				return count(out.FeatureCollection), err
			},
			sql: func() (string, error) {
				var fc []byte
				err := bare.QueryRow(ctx, `SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object('type', 'Feature',
  'id', t.id, 'geometry', ST_AsGeoJSON(t.geom)::json, 'properties', json_build_object('layer', 'WORKER', 'name', t.name)) ORDER BY t.id), '[]'))::text
FROM grid_workers t WHERE ST_Intersects(t.geom, (SELECT geom FROM grids WHERE code = '150203'))`).Scan(&fc)
				return count(fc), err
			},
		},
		{
			name: "one day's track, simplified 5 m",
			gridhub: func() (string, error) {
				var out struct {
					Node struct {
						Track struct {
							Geometry       json.RawMessage
							DistanceMeters float64
						}
					}
				}
				err := gql(ctx, base, "", `query($id: ID!, $from: DateTime!, $to: DateTime!) { node(id: $id) { ... on GridWorker {
  track(from: $from, to: $to, simplifyMeters: 5) { geometry distanceMeters onDutyHours } } } }`,
					map[string]any{"id": model.GlobalID(model.LayerWorker, worker), "from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)}, &out)
				return fmt.Sprintf("%.1f m", out.Node.Track.DistanceMeters), err
			},
			sql: func() (string, error) {
				var d float64
				var g []byte
				err := bare.QueryRow(ctx, `WITH s AS (SELECT at, geom, at - lag(at) OVER (ORDER BY at) AS dt, lag(geom) OVER (ORDER BY at) AS prev
  FROM worker_positions WHERE worker_id = $1 AND at >= $2 AND at < $3 AND NOT jump)
SELECT (SELECT sum(ST_DistanceSphere(geom, prev)) FROM s WHERE dt <= interval '5 minutes'),
  (SELECT ST_AsGeoJSON(ST_Transform(ST_Simplify(ST_Transform(ST_Collect(l), 32649), 5, true), 4326), 6)
   FROM (SELECT ST_MakeLine(geom ORDER BY at) AS l FROM (SELECT *, sum(CASE WHEN dt IS NULL OR dt > interval '5 minutes' THEN 1 ELSE 0 END) OVER (ORDER BY at) AS k FROM s) x
         GROUP BY k HAVING count(*) > 1) y)`, worker, from, to).Scan(&d, &g)
				return fmt.Sprintf("%.1f m", d), err
			},
		},
		{
			name: "district visit coverage and visits, 30 days",
			gridhub: func() (string, error) {
				var out struct {
					WorkFigures struct {
						Visits        int
						VisitCoverage float64
					}
				}
				err := gql(ctx, base, "", `query($from: DateTime, $to: DateTime) { workFigures(from: $from, to: $to) { visits visitCoverage } }`,
					map[string]any{"from": period[0].Format(time.RFC3339Nano), "to": period[1].Format(time.RFC3339Nano)}, &out)
				return fmt.Sprintf("%d visits, %.6f", out.WorkFigures.Visits, out.WorkFigures.VisitCoverage), err
			},
			sql: func() (string, error) {
				var n int
				var c float64
				err := bare.QueryRow(ctx, `SELECT (SELECT count(*) FROM visits WHERE at >= $1 AND at < $2),
  (SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM visits v WHERE v.building_id = b.id AND v.at >= $1 AND v.at < $2))::float8 / count(*) FROM buildings b)`,
					period[0], period[1]).Scan(&n, &c)
				return fmt.Sprintf("%d visits, %.6f", n, c), err
			},
		},
	}
	fmt.Println("| read | gridhub p50 ms | gridhub p90 ms | bare SQL p50 ms | bare SQL p90 ms | gridhub / bare p50 | check |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- |")
	for _, p := range paths {
		a, errA := p.gridhub()
		b, errB := p.sql()
		check := "same answer (" + a + ")"
		if errA != nil || errB != nil || a != b {
			check = fmt.Sprintf("DIFFERENT: gridhub %q (%v), bare %q (%v)", a, errA, b, errB)
		}
		var ga, sa []time.Duration
		for range o.reads {
			t := time.Now()
			if _, err := p.gridhub(); err != nil {
				return err
			}
			ga = append(ga, time.Since(t))
			t = time.Now()
			if _, err := p.sql(); err != nil {
				return err
			}
			sa = append(sa, time.Since(t))
		}
		slices.Sort(ga)
		slices.Sort(sa)
		q := func(xs []time.Duration, f float64) float64 { return float64(xs[int(f*float64(len(xs)-1))]) / 1e6 }
		fmt.Printf("| %s | %.1f | %.1f | %.1f | %.1f | %.2f | %s |\n", p.name, q(ga, 0.5), q(ga, 0.9), q(sa, 0.5), q(sa, 0.9), q(ga, 0.5)/q(sa, 0.5), check)
	}
	return nil
}

// count is "N features" of a FeatureCollection.
func count(fc []byte) string {
	var c struct{ Features []json.RawMessage }
	_ = json.Unmarshal(fc, &c)
	return fmt.Sprintf("%d features", len(c.Features))
}
