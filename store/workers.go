package store

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"gridhub/model"
)

// WorkersOfGrids groups the workers serving each grid, or any GRID under it, by grid id.
func (s *Store) WorkersOfGrids(ctx context.Context, grids []int64) (map[int64][]model.Feature, error) {
	p := args{grids}
	conds := append([]string{"g.id = ANY($1)"}, scopeWhere(ctx, model.LayerWorker, &p)...)
	q := `SELECT DISTINCT ON (g.id, t.id) ` + colsOf(ctx, model.LayerWorker, &p) + `, g.id
FROM grids g JOIN grids sg ON sg.code LIKE g.code || '%' AND sg.level = 'GRID'
JOIN grid_worker_grids wg ON wg.grid_id = sg.id JOIN grid_workers t ON t.id = wg.worker_id
WHERE ` + and(conds) + ` ORDER BY g.id, t.id`
	return s.grouped(ctx, model.LayerWorker, q, p, "load workers of grids")
}

// GridsOfWorkers groups the GRIDs each worker serves by worker id.
func (s *Store) GridsOfWorkers(ctx context.Context, workers []int64) (map[int64][]model.Feature, error) {
	p := args{workers}
	conds := append([]string{"wg.worker_id = ANY($1)"}, scopeWhere(ctx, model.LayerGrid, &p)...)
	q := `SELECT ` + layers[model.LayerGrid].cols + `, wg.worker_id FROM grid_worker_grids wg JOIN grids t ON t.id = wg.grid_id
WHERE ` + and(conds) + ` ORDER BY wg.worker_id, t.code`
	return s.grouped(ctx, model.LayerGrid, q, p, "load grids of workers")
}

// IncidentsAssignedTo groups the incidents assigned to each worker, most urgent first.
func (s *Store) IncidentsAssignedTo(ctx context.Context, workers []int64) (map[int64][]model.Feature, error) {
	p := args{workers}
	conds := append([]string{"t.assignee_id = ANY($1)"}, scopeWhere(ctx, model.LayerIncident, &p)...)
	q := `SELECT ` + colsOf(ctx, model.LayerIncident, &p) + `, t.assignee_id FROM incidents t
WHERE ` + and(conds) + ` ORDER BY t.assignee_id, t.priority, t.due_at, t.id`
	return s.grouped(ctx, model.LayerIncident, q, p, "load assigned incidents")
}

// grouped runs q, whose rows are layer l's columns and then the group key.
func (s *Store) grouped(ctx context.Context, l model.Layer, q string, p args, doing string) (map[int64][]model.Feature, error) {
	rows, err := s.read(ctx).Query(ctx, q, p...)
	if err != nil {
		return nil, wrap(err, doing)
	}
	out := map[int64][]model.Feature{}
	_, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct{}, error) {
		var k int64
		f, err := layers[l].scan(r, &k)
		if err == nil {
			out[k] = append(out[k], f)
		}
		return struct{}{}, err
	})
	return out, wrap(err, doing)
}

// WorkerFence is the code of the COMMUNITY holding the worker's main grid: what a
// worker's credential is fenced to.
func (s *Store) WorkerFence(ctx context.Context, worker int64) (string, error) {
	var code string
	err := s.pool.QueryRow(ctx, `SELECT c.code FROM grid_workers w JOIN grids g ON g.id = w.grid_id JOIN grids c ON c.id = g.parent_id
WHERE w.id = $1`, worker).Scan(&code)
	return code, wrap(err, "find worker's community")
}

// WorkerIDByCode finds a worker by code.
func (s *Store) WorkerIDByCode(ctx context.Context, code string) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `SELECT id FROM grid_workers WHERE code = $1`, code).Scan(&id)
	return id, wrap(err, "find worker")
}

// SetOnDuty clocks a worker on or off duty.
func (s *Store) SetOnDuty(ctx context.Context, worker int64, on bool) error {
	tag, err := s.pool.Exec(ctx, `UPDATE grid_workers SET on_duty = $2 WHERE id = $1`, worker, on)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	if err == nil {
		s.committed(ctx)
	}
	return wrap(err, "set on duty")
}

// VisitInput is a visit to record: at a building, or at a point (WGS84).
type VisitInput struct {
	Worker   int64
	Building *int64
	Lon, Lat float64
	At       time.Time
	Kind     model.VisitKind
	Note     *string
	Key      string
	Hash     []byte
}

// ErrAssigneeNotFound is a dispatch to a worker that does not exist or is out of the
// caller's reach.
var ErrAssigneeNotFound = errors.New("no such worker")

// ErrOutsideGrids is a visit's place that lies in no GRID the caller may see.
var ErrOutsideGrids = errors.New("the place lies in no grid within reach")

// RecordVisit files a visit under its idempotency key: the same key and payload answer
// the visit filed first, another payload is ErrIdempotencyConflict. A building must be
// one the caller may see (else ErrNotFound), a point must lie in a GRID it may see.
func (s *Store) RecordVisit(ctx context.Context, v VisitInput) (*model.Visit, error) {
	p := args{v.Worker, v.Building, v.At, string(v.Kind), v.Note, v.Key, v.Hash}
	var place string
	if v.Building != nil {
		conds := append([]string{"t.id = $2"}, scopeWhere(ctx, model.LayerBuilding, &p)...)
		place = `SELECT t.grid_id, ST_PointOnSurface(t.geom) AS geom FROM buildings t WHERE ` + and(conds)
	} else {
		pt := "ST_SetSRID(ST_MakePoint(" + p.add(v.Lon) + ", " + p.add(v.Lat) + "), 4326)"
		conds := append([]string{"t.level = 'GRID'", "ST_Intersects(t.geom, " + pt + ")"}, scopeWhere(ctx, model.LayerGrid, &p)...)
		place = `SELECT t.id AS grid_id, ` + pt + ` AS geom FROM grids t WHERE ` + and(conds) + ` ORDER BY t.code LIMIT 1`
	}
	q := `WITH place AS (` + place + `)
INSERT INTO visits AS t (worker_id, grid_id, building_id, at, kind, note, geom, idempotency_key, payload_hash)
SELECT $1, grid_id, $2, $3, $4, $5, geom, $6, $7 FROM place
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING ` + layers[model.LayerVisit].cols
	rows, err := s.pool.Query(ctx, q, p...)
	if err != nil {
		return nil, wrap(err, "record visit")
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.Visit, error) { return scanVisit(r) })
	if err != nil {
		return nil, wrap(err, "record visit")
	}
	if len(got) == 1 {
		s.committed(ctx)
		return got[0], nil
	}
	// Nothing inserted: the key was used before, or the place is out of reach.
	var stored []byte
	rows, err = s.pool.Query(ctx, `SELECT `+layers[model.LayerVisit].cols+`, t.payload_hash FROM visits t WHERE t.idempotency_key = $1`, v.Key)
	if err != nil {
		return nil, wrap(err, "look up visit key")
	}
	prev, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.Visit, error) { return scanVisit(r, &stored) })
	switch {
	case err != nil:
		return nil, wrap(err, "look up visit key")
	case len(prev) == 0 && v.Building != nil:
		return nil, ErrNotFound
	case len(prev) == 0:
		return nil, ErrOutsideGrids
	case !bytes.Equal(stored, v.Hash) || prev[0].WorkerID != v.Worker:
		return nil, ErrIdempotencyConflict
	}
	return prev[0], nil
}

// CoverageKey asks for the share of a grid's buildings visited in the days before asOf.
type CoverageKey struct {
	Grid int64
	Days int
}

// VisitCoverage answers, per key, the share of the buildings in the grid's subtree (those
// the caller may see) visited in the Days days up to the store's clock; nil without
// buildings. Buildings are counted once per GRID and the GRIDs' counts summed per key,
// one statement per distinct Days.
func (s *Store) VisitCoverage(ctx context.Context, keys []CoverageKey) ([]*float64, error) {
	out := make([]*float64, len(keys))
	byDays := map[int][]int{}
	var order []int
	for i, k := range keys {
		if _, ok := byDays[k.Days]; !ok {
			order = append(order, k.Days)
		}
		byDays[k.Days] = append(byDays[k.Days], i)
	}
	for _, days := range order {
		idx := byDays[days]
		ids := make([]int64, len(idx))
		for n, i := range idx {
			ids[n] = keys[i].Grid
		}
		p := args{ids, int32(days), s.now()}
		scope := and(scopeWhere(ctx, model.LayerBuilding, &p))
		q := `WITH k AS (SELECT k.ord, g.code FROM unnest($1::bigint[]) WITH ORDINALITY AS k (grid, ord) JOIN grids g ON g.id = k.grid),
per AS (
    SELECT g.code, count(*) AS n, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM visits v WHERE v.building_id = t.id
        AND v.at > $3::timestamptz - make_interval(days => $2) AND v.at <= $3::timestamptz)) AS visited
    FROM buildings t JOIN grids g ON g.id = t.grid_id
    WHERE EXISTS (SELECT 1 FROM k WHERE g.code LIKE k.code || '%') AND ` + scope + `
    GROUP BY g.code
)
SELECT k.ord, CASE WHEN sum(per.n) > 0 THEN sum(per.visited)::float8 / sum(per.n) END
FROM k LEFT JOIN per ON per.code LIKE k.code || '%'
GROUP BY k.ord`
		rows, err := s.pool.Query(ctx, q, p...)
		if err != nil {
			return nil, wrap(err, "measure visit coverage")
		}
		_, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct{}, error) {
			var ord int64
			var v *float64
			err := r.Scan(&ord, &v)
			if err == nil && ord >= 1 && int(ord) <= len(idx) {
				out[idx[ord-1]] = v
			}
			return struct{}{}, err
		})
		if err != nil {
			return nil, wrap(err, "measure visit coverage")
		}
	}
	return out, nil
}

// FreshFor is how old a worker's last position may be for dispatch.
const FreshFor = 30 * time.Minute

// SuggestAssignees ranks the on-duty workers the caller may see whose last position is
// fresh (FreshFor up to the store's clock) for incident: those serving its grid first,
// then the rest, each nearest first (on the spheroid).
func (s *Store) SuggestAssignees(ctx context.Context, incident int64, first int) ([]*model.AssigneeSuggestion, error) {
	p := args{incident, s.now().Add(-FreshFor), first}
	conds := append([]string{"t.on_duty", "t.last_seen_at >= $2"}, scopeWhere(ctx, model.LayerWorker, &p)...)
	q := `SELECT ` + colsOf(ctx, model.LayerWorker, &p) + `,
    ST_Distance(t.geom::geography, i.geom::geography) AS dist,
    EXISTS (SELECT 1 FROM grid_worker_grids wg WHERE wg.worker_id = t.id AND wg.grid_id = i.grid_id) AS same
FROM incidents i CROSS JOIN grid_workers t
WHERE i.id = $1 AND ` + and(conds) + `
ORDER BY same DESC, dist, t.id LIMIT $3`
	rows, err := s.pool.Query(ctx, q, p...)
	if err != nil {
		return nil, wrap(err, "suggest assignees")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.AssigneeSuggestion, error) {
		var a model.AssigneeSuggestion
		w, err := scanWorker(r, &a.DistanceMeters, &a.SameGrid)
		a.Worker = w
		if w.LastSeenAt != nil {
			a.LastSeenAt = *w.LastSeenAt
		}
		return &a, err
	})
	return out, wrap(err, "suggest assignees")
}
