package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"gridhub/model"
)

// Positions live in worker_positions, one partition per Beijing day, made when the first
// point of a day arrives (partitionCache remembers which exist) and dropped whole when
// the day leaves the retention period.

// partitionCache is the days whose partition this store has made or seen.
type partitionCache struct {
	mu   sync.Mutex
	days map[string]bool
}

func (c *partitionCache) has(day string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.days[day]
}

func (c *partitionCache) set(day string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.days == nil {
		c.days = map[string]bool{}
	}
	c.days[day] = ok
}

// JumpMetresPerSecond is the speed above which a point is a jump: faster than a car in
// town between two points, and more than jumpMinMetres away (GPS noise between points
// a second apart is not a jump).
const (
	JumpMetresPerSecond = 50.0
	jumpMinMetres       = 200.0
)

// TrackGap is the longest silence inside one piece of a track: a longer one starts a new
// piece, and is not counted as time on duty.
const TrackGap = 5 * time.Minute

// ensurePartitions makes the partitions of the days pts fall on.
func (s *Store) ensurePartitions(ctx context.Context, pts []model.PositionReport) error {
	var days []string
	for _, p := range pts {
		d := p.At.In(model.Beijing).Format(time.DateOnly)
		if !slices.Contains(days, d) && !s.partitions.has(d) {
			days = append(days, d)
		}
	}
	for _, d := range days {
		if _, err := s.pool.Exec(ctx, `SELECT worker_positions_day($1::date)`, d); err != nil {
			return wrap(err, "make the positions partition of "+d)
		}
		s.partitions.set(d, true)
	}
	return nil
}

const insertPositionsSQL = `
INSERT INTO worker_positions (worker_id, at, geom, accuracy_m)
SELECT $1, u.at, ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326), u.acc
FROM unnest($2::timestamptz[], $3::float8[], $4::float8[], $5::real[]) AS u (at, lon, lat, acc)
ON CONFLICT (worker_id, at) DO NOTHING`

// jumpSQL sets the jump flag of the worker's points from $2 to an hour after $3 by the
// point before each: a late point changes its successor's flag as well as its own.
var jumpSQL = fmt.Sprintf(`
WITH w AS (
    SELECT at, jump, ST_DistanceSphere(geom, lag(geom) OVER o) AS d,
           extract(epoch FROM at - lag(at) OVER o) AS dt
    FROM worker_positions
    WHERE worker_id = $1 AND at >= $2::timestamptz - interval '1 hour' AND at <= $3::timestamptz + interval '1 hour'
    WINDOW o AS (ORDER BY at)
)
UPDATE worker_positions p SET jump = f.j
FROM (SELECT at, coalesce(d > greatest(%g, %g * dt), false) AS j, jump FROM w WHERE at >= $2) f
WHERE p.worker_id = $1 AND p.at = f.at AND p.jump <> f.j
  AND p.at >= $2::timestamptz - interval '1 hour' AND p.at <= $3::timestamptz + interval '1 hour'`, jumpMinMetres, JumpMetresPerSecond)

// lastSeenSQL moves the worker to its latest plausible point, if the batch brought a later one.
const lastSeenSQL = `
UPDATE grid_workers w SET geom = l.geom, last_seen_at = l.at, on_duty = true
FROM (SELECT at, geom FROM worker_positions WHERE worker_id = $1 AND at >= $2 AND at <= $3 AND NOT jump ORDER BY at DESC LIMIT 1) l
WHERE w.id = $1 AND (w.last_seen_at IS NULL OR w.last_seen_at < l.at)`

const flaggedSQL = `SELECT count(*) FILTER (WHERE jump) FROM worker_positions WHERE worker_id = $1 AND at = ANY($2::timestamptz[])`

// reach is the district's bounding box grown by about a kilometre: where a phone's
// points may lie. The district does not move, so it is read once.
func (s *Store) reach(ctx context.Context) ([4]float64, error) {
	s.reachMu.Lock()
	defer s.reachMu.Unlock()
	if s.reachBox != nil {
		return *s.reachBox, nil
	}
	e, err := s.DistrictExtent(ctx)
	if err != nil {
		return [4]float64{}, err
	}
	b := [4]float64{e.MinLon - 0.012, e.MinLat - 0.009, e.MaxLon + 0.012, e.MaxLat + 0.009}
	s.reachBox = &b
	return b, nil
}

// ReportPositions stores a batch of one worker's positions (WGS84, validated by the
// caller). Points already stored for their time are duplicates and change nothing. A
// point beyond the district's reach is ErrOutsideDistrict and nothing is stored.
func (s *Store) ReportPositions(ctx context.Context, worker int64, pts []model.PositionReport) (model.PositionResult, error) {
	var res model.PositionResult
	if len(pts) == 0 {
		return res, nil
	}
	b, err := s.reach(ctx)
	if err != nil {
		return res, err
	}
	for _, p := range pts {
		if p.Lon < b[0] || p.Lat < b[1] || p.Lon > b[2] || p.Lat > b[3] {
			return res, ErrOutsideDistrict
		}
	}
	if err := s.ensurePartitions(ctx, pts); err != nil {
		return res, err
	}
	ats := make([]time.Time, len(pts))
	lons, lats := make([]float64, len(pts)), make([]float64, len(pts))
	accs := make([]*float32, len(pts))
	lo, hi := pts[0].At, pts[0].At
	for i, p := range pts {
		ats[i], lons[i], lats[i] = p.At, p.Lon, p.Lat
		if p.AccuracyMeter != nil {
			a := float32(*p.AccuracyMeter)
			accs[i] = &a
		}
		if p.At.Before(lo) {
			lo = p.At
		}
		if p.At.After(hi) {
			hi = p.At
		}
	}
	// One round trip: a batch runs in one implicit transaction, all of it or none.
	batch := &pgx.Batch{}
	batch.Queue(insertPositionsSQL, worker, ats, lons, lats, accs).Exec(func(tag pgconn.CommandTag) error {
		res.Accepted = int(tag.RowsAffected())
		return nil
	})
	batch.Queue(jumpSQL, worker, lo, hi)
	batch.Queue(lastSeenSQL, worker, lo, hi)
	batch.Queue(flaggedSQL, worker, ats).QueryRow(func(r pgx.Row) error {
		var n int64
		err := r.Scan(&n)
		res.Flagged = int(n)
		return err
	})
	if err := s.pool.SendBatch(ctx, batch).Close(); err != nil {
		return model.PositionResult{}, wrap(err, "store positions")
	}
	res.Duplicates = uniqueTimes(ats) - res.Accepted
	s.committed(ctx)
	return res, nil
}

func uniqueTimes(ts []time.Time) int {
	seen := make(map[int64]bool, len(ts))
	for _, t := range ts {
		seen[t.UnixMicro()] = true
	}
	return len(seen)
}

// PositionPartitions are the days (YYYYMMDD) that have a partition, oldest first.
func (s *Store) PositionPartitions(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'worker_positions'::regclass ORDER BY c.relname`)
	if err != nil {
		return nil, wrap(err, "list position partitions")
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, wrap(err, "list position partitions")
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		if d, ok := strings.CutPrefix(n, "worker_positions_"); ok && len(d) == 8 {
			out = append(out, d)
		}
	}
	return out, nil
}

// DropPositionsBefore drops the partitions of the days (Beijing) that end at or before
// cutoff, whole: retention never deletes row by row. It returns the days dropped.
func (s *Store) DropPositionsBefore(ctx context.Context, cutoff time.Time) ([]string, error) {
	days, err := s.PositionPartitions(ctx)
	if err != nil {
		return nil, err
	}
	var dropped []string
	for _, d := range days {
		day, err := time.ParseInLocation("20060102", d, model.Beijing)
		if err != nil || day.AddDate(0, 0, 1).After(cutoff) {
			continue
		}
		// The name comes from the catalogue and matched the partition pattern above.
		if _, err := s.pool.Exec(ctx, `DROP TABLE IF EXISTS `+pgx.Identifier{"worker_positions_" + d}.Sanitize()); err != nil {
			return dropped, wrap(err, "drop positions of "+d)
		}
		s.partitions.set(day.Format(time.DateOnly), false)
		dropped = append(dropped, d)
	}
	return dropped, nil
}

// Track is the worker's path from..to: pieces split where the phone fell silent for
// more than TrackGap, jumps left out, simplified by simplify metres (in UTM zone 49N,
// which holds the district) and measured on the sphere before simplification (within
// 0.05 % of the spheroid at the district's latitude, and ten times faster to sum over
// a district's day of points).
func (s *Store) Track(ctx context.Context, worker int64, from, to time.Time, simplify float64) (*model.Track, error) {
	q := `
WITH p AS (
    SELECT worker_id, at, geom, jump FROM worker_positions WHERE worker_id = $1 AND at >= $2 AND at < $3
), s AS (` + steps("p") + `
), pieces AS (
    SELECT sum(CASE WHEN dt IS NULL OR dt > $4::interval THEN 1 ELSE 0 END) OVER (ORDER BY at) AS piece, at, geom FROM s
), lines AS (
    SELECT ST_MakeLine(geom ORDER BY at) AS line FROM pieces GROUP BY piece HAVING count(*) > 1
), g AS (
    SELECT CASE WHEN $5 > 0 THEN ST_Transform(ST_Simplify(ST_Transform(ST_Collect(line), 32649), $5, true), 4326)
           ELSE ST_Collect(line) END AS geom FROM lines
)
SELECT (SELECT count(*) FROM p), (SELECT count(*) FILTER (WHERE jump) FROM p),
       ` + stepSums + `,
       (SELECT ST_AsGeoJSON(CASE WHEN ST_NumGeometries(geom) = 1 THEN ST_GeometryN(geom, 1) ELSE geom END, 6) FROM g)`
	var t model.Track
	var g *string
	err := s.pool.QueryRow(ctx, q, worker, from, to, TrackGap, simplify).Scan(&t.Points, &t.Jumps, &t.DistanceMeters, &t.OnDutySeconds, &g)
	if err != nil {
		return nil, wrap(err, "build track")
	}
	if g != nil {
		t.Geometry = model.GeoJSON(*g)
	}
	return &t, nil
}

// steps is the steps between the consecutive positions of each worker in positions (a
// relation of worker_id, at, geom, jump), jumps left out: dt and d (metres) since the
// worker's position before. A step longer than the track gap ($4) is a break in the
// track: stepSums counts it in neither the distance nor the time on duty.
func steps(positions string) string {
	return `SELECT at, geom, at - lag(at) OVER o AS dt, ST_DistanceSphere(geom, lag(geom) OVER o) AS d
    FROM ` + positions + ` WHERE NOT jump WINDOW o AS (PARTITION BY worker_id ORDER BY at)`
}

// stepSums are the metres and seconds of the steps in s (steps), breaks left out.
const stepSums = `(SELECT coalesce(sum(d) FILTER (WHERE dt <= $4::interval), 0) FROM s),
       (SELECT coalesce(extract(epoch FROM sum(dt) FILTER (WHERE dt <= $4::interval)), 0)::float8 FROM s)`

// UpkeepPositions makes the partitions of today and tomorrow ahead of their first points
// and drops the days that ended more than retention ago (0 keeps every day): once now,
// then every interval until ctx ends. report hears of each round that dropped days or failed.
func (s *Store) UpkeepPositions(ctx context.Context, retention, interval time.Duration, report func(dropped []string, err error)) {
	for {
		now := s.now()
		err := s.ensurePartitions(ctx, []model.PositionReport{{At: now}, {At: now.Add(24 * time.Hour)}})
		var dropped []string
		if err == nil && retention > 0 {
			dropped, err = s.DropPositionsBefore(ctx, now.Add(-retention))
		}
		if (err != nil && ctx.Err() == nil) || len(dropped) > 0 {
			report(dropped, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
