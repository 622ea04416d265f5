package store

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"gridhub/model"
)

// Errors of the incident workflow that callers answer with their own codes.
var (
	ErrUnknownCategory     = errors.New("unknown incident category")
	ErrOutsideDistrict     = errors.New("location outside the district")
	ErrIdempotencyConflict = errors.New("idempotency key reused with a different report")
	ErrOutsideFence        = errors.New("location outside the caller's fence")
)

// InvalidTransitionError says which moves the incident's current status allows.
type InvalidTransitionError struct {
	From    model.IncidentStatus
	To      model.IncidentStatus
	Allowed []model.IncidentStatus
}

func (e *InvalidTransitionError) Error() string {
	return fmt.Sprintf("cannot move an incident from %s to %s", e.From, e.To)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

const categoriesSQL = `SELECT name, major_class, extract(epoch FROM time_limit)::float8, working_days, default_priority
FROM incident_categories ORDER BY sort_order, name`

func readCategories(ctx context.Context, q querier) ([]model.IncidentCategory, error) {
	rows, err := q.Query(ctx, categoriesSQL)
	if err != nil {
		return nil, wrap(err, "read incident categories")
	}
	cats, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.IncidentCategory, error) {
		var c model.IncidentCategory
		var secs float64
		var working bool
		err := r.Scan(&c.Name, &c.MajorClass, &secs, &working, &c.DefaultPriority)
		setLimit(&c, secs, working)
		return c, err
	})
	return cats, wrap(err, "read incident categories")
}

// setLimit reads a time_limit interval: '10 days' counted in working days is a count of
// whole days; otherwise it is clock time.
func setLimit(c *model.IncidentCategory, secs float64, working bool) {
	if working {
		c.WorkingDays = int(secs / 86400)
	} else {
		c.Limit = time.Duration(secs * float64(time.Second))
	}
}

// Categories lists the incident categories in their display order.
func (s *Store) Categories(ctx context.Context) ([]model.IncidentCategory, error) {
	return readCategories(ctx, s.pool)
}

// Report is a validated report, its location in WGS84.
type Report struct {
	Title       string
	Description *string
	Category    string
	Source      model.IncidentSource
	Lon, Lat    float64
	Priority    *int // nil: the category's default
	Actor       string
	Key         string
}

// hash identifies a report's payload, so a reused idempotency key can be told from a retry.
func (r *Report) hash() []byte {
	b, _ := json.Marshal([]any{r.Title, r.Description, r.Category, r.Source,
		strconv.FormatFloat(r.Lon, 'f', 7, 64), strconv.FormatFloat(r.Lat, 'f', 7, 64), r.Priority})
	h := sha256.Sum256(b)
	return h[:]
}

// notifySQL tells every instance's listener that an incident changed; the channel is
// per schema so that deployments (and test schemas) sharing a database stay apart.
const notifySQL = `SELECT pg_notify('gridhub_incidents_' || current_schema(), json_build_object('e', $1::bigint, 'i', $2::bigint)::text)`

// IncidentChannel is the LISTEN channel notifySQL writes to.
func (s *Store) IncidentChannel(ctx context.Context) (string, error) {
	var ch string
	err := s.pool.QueryRow(ctx, `SELECT 'gridhub_incidents_' || current_schema()`).Scan(&ch)
	return ch, wrap(err, "name the incident channel")
}

// ReportIncident files a report as a new incident with its first timeline entry, in one
// transaction. A key seen before returns that incident (created false) when the payload
// is the same, ErrIdempotencyConflict when it is not; concurrent reports with one key
// race on the unique index, never on a read-then-insert.
func (s *Store) ReportIncident(ctx context.Context, r Report) (id int64, created bool, err error) {
	hash := r.hash()
	if id, err := s.byIdempotencyKey(ctx, r.Key, hash); err != ErrNotFound {
		return id, false, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, false, wrap(err, "begin report")
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	var cat model.IncidentCategory
	var secs float64
	var working, inReach bool
	var grid *int64
	err = tx.QueryRow(ctx, `WITH p AS (SELECT ST_SetSRID(ST_MakePoint($2, $3), 4326) AS g)
SELECT c.name, c.major_class, extract(epoch FROM c.time_limit)::float8, c.working_days, c.default_priority,
  -- Inside is cheap; the distance on the spheroid (~20 ms on the district's outline) is
  -- only measured for points outside it.
  EXISTS (SELECT 1 FROM grids d, p WHERE d.level = 'DISTRICT'
    AND (ST_Intersects(d.geom, p.g) OR ST_DWithin(d.geom::geography, p.g::geography, 1000))),
  coalesce(
    (SELECT g.id FROM grids g, p WHERE g.level = 'GRID' AND ST_Intersects(g.geom, p.g) ORDER BY g.code LIMIT 1),
    (SELECT g.id FROM grids g, p WHERE g.level = 'GRID' AND g.geom && ST_Expand(p.g, 0.002)
       AND ST_DWithin(g.geom::geography, p.g::geography, 100) ORDER BY ST_Distance(g.geom::geography, p.g::geography), g.code LIMIT 1))
FROM incident_categories c WHERE c.name = $1`, r.Category, r.Lon, r.Lat).Scan(
		&cat.Name, &cat.MajorClass, &secs, &working, &cat.DefaultPriority, &inReach, &grid)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, ErrUnknownCategory
	}
	if err != nil {
		return 0, false, wrap(err, "check report")
	}
	if !inReach {
		return 0, false, ErrOutsideDistrict
	}
	setLimit(&cat, secs, working)
	if sc := scopeOf(ctx); sc != nil && (sc.FenceCode != "" || sc.FenceWKB != nil) {
		// A fenced caller reports only inside its own area: the incident's grid must be in it.
		p := args{grid}
		conds := append([]string{"t.id = $1", "t.level = 'GRID'"}, scopeWhere(ctx, model.LayerGrid, &p)...)
		var inside bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM grids t WHERE `+and(conds)+`)`, p...).Scan(&inside); err != nil {
			return 0, false, wrap(err, "check fence")
		}
		if !inside {
			return 0, false, ErrOutsideFence
		}
	}
	priority := cat.DefaultPriority
	if r.Priority != nil {
		priority = *r.Priority
	}
	now := time.Now().In(model.Beijing)
	day := now.Format("20060102")
	var seq int64
	if err := tx.QueryRow(ctx, `SELECT nextval('incident_code_seq')`).Scan(&seq); err != nil {
		return 0, false, wrap(err, "number the incident")
	}
	code := fmt.Sprintf("SJ%s%06d", day, seq%1000000)
	err = tx.QueryRow(ctx, `INSERT INTO incidents (code, title, description, category, source, status, priority,
  reported_at, due_at, grid_id, geom, idempotency_key, payload_hash)
VALUES ($1, $2, $3, $4, $5, 'REPORTED', $6, $7, $8, $9, ST_SetSRID(ST_MakePoint($10, $11), 4326), $12, $13)
ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
		code, r.Title, r.Description, r.Category, string(r.Source), priority, now, cat.DueAt(now), grid, r.Lon, r.Lat, r.Key, hash).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		// Another report with this key committed first: answer as a retry of it.
		_ = tx.Rollback(ctx)
		id, err := s.byIdempotencyKey(ctx, r.Key, hash)
		return id, false, err
	}
	if err != nil {
		return 0, false, wrap(err, "insert incident")
	}
	var event int64
	if err := tx.QueryRow(ctx, `INSERT INTO incident_events (incident_id, at, from_status, to_status, note, actor)
VALUES ($1, $2, NULL, 'REPORTED', $3, $4) RETURNING id`, id, now, "来源: "+sourceName(r.Source), r.Actor).Scan(&event); err != nil {
		return 0, false, wrap(err, "insert first timeline entry")
	}
	if _, err := tx.Exec(ctx, notifySQL, event, id); err != nil {
		return 0, false, wrap(err, "notify")
	}
	return id, true, wrap(tx.Commit(ctx), "commit report")
}

func (s *Store) byIdempotencyKey(ctx context.Context, key string, hash []byte) (int64, error) {
	var id int64
	var stored []byte
	err := s.pool.QueryRow(ctx, `SELECT id, payload_hash FROM incidents WHERE idempotency_key = $1`, key).Scan(&id, &stored)
	if err != nil {
		return 0, wrap(err, "look up idempotency key")
	}
	if string(stored) != string(hash) {
		return 0, ErrIdempotencyConflict
	}
	return id, nil
}

func sourceName(s model.IncidentSource) string {
	return map[model.IncidentSource]string{
		"WECHAT": "微信", "HOTLINE": "12345热线", "POLICE_24H": "24小时警局", "GRID_PATROL": "网格巡查", "CAMERA": "视频发现", "OTHER": "其他",
	}[s]
}

// TransitionIncident moves an incident to status to, appending a timeline entry, under
// a row lock so that concurrent moves of one incident take turns and the timeline never
// forks. A move the workflow does not allow is *InvalidTransitionError.
func (s *Store) TransitionIncident(ctx context.Context, id int64, to model.IncidentStatus, note *string, actor string) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return wrap(err, "begin transition")
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	var from model.IncidentStatus
	p := args{id}
	conds := append([]string{"t.id = $1"}, scopeWhere(ctx, model.LayerIncident, &p)...)
	if err := tx.QueryRow(ctx, `SELECT t.status FROM incidents t WHERE `+and(conds)+` FOR UPDATE`, p...).Scan(&from); err != nil {
		return wrap(err, "lock incident")
	}
	if !from.CanMoveTo(to) {
		return &InvalidTransitionError{From: from, To: to, Allowed: from.Next()}
	}
	now := time.Now()
	var closed *time.Time
	if to == model.StatusClosed {
		closed = &now
	}
	if _, err := tx.Exec(ctx, `UPDATE incidents SET status = $2, updated_at = $3, closed_at = $4 WHERE id = $1`,
		id, string(to), now, closed); err != nil {
		return wrap(err, "update incident")
	}
	var event int64
	if err := tx.QueryRow(ctx, `INSERT INTO incident_events (incident_id, at, from_status, to_status, note, actor)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, id, now, string(from), string(to), note, actor).Scan(&event); err != nil {
		return wrap(err, "insert timeline entry")
	}
	if _, err := tx.Exec(ctx, notifySQL, event, id); err != nil {
		return wrap(err, "notify")
	}
	return wrap(tx.Commit(ctx), "commit transition")
}

// Change is one timeline entry as the live listener sees it.
type Change struct {
	Event    int64
	Incident int64
}

// ChangesSince lists timeline entries with ids above after, oldest first, at most limit:
// what a listener that lost its connection missed.
func (s *Store) ChangesSince(ctx context.Context, after int64, limit int) ([]Change, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, incident_id FROM incident_events WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, wrap(err, "read changes")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Change, error) {
		var c Change
		return c, r.Scan(&c.Event, &c.Incident)
	})
	return out, wrap(err, "read changes")
}

// LastChange is the newest timeline entry's id (0 when there is none).
func (s *Store) LastChange(ctx context.Context) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM incident_events`).Scan(&id)
	return id, wrap(err, "read last change")
}

// Placed is an incident with where it is: its point and its grid's code ("" outside grids).
type Placed struct {
	Incident *model.Incident
	Point    [2]float64
	GridCode string
}

// IncidentPoints loads incidents with their places, for matching live subscribers'
// areas and fences.
func (s *Store) IncidentPoints(ctx context.Context, ids []int64) (map[int64]Placed, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+layers[model.LayerIncident].cols+`, ST_X(t.geom), ST_Y(t.geom),
  coalesce((SELECT g.code FROM grids g WHERE g.id = t.grid_id), '') FROM incidents t WHERE t.id = ANY($1)`, ids)
	if err != nil {
		return nil, wrap(err, "load changed incidents")
	}
	out := map[int64]Placed{}
	_, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct{}, error) {
		var p Placed
		i, err := scanIncident(r, &p.Point[0], &p.Point[1], &p.GridCode)
		if err == nil {
			p.Incident = i
			out[i.DBID] = p
		}
		return struct{}{}, err
	})
	return out, wrap(err, "load changed incidents")
}

// GridGeometryWKB is a grid's polygon as WKB, for matching points against it in Go.
func (s *Store) GridGeometryWKB(ctx context.Context, code string) ([]byte, error) {
	var b []byte
	err := s.pool.QueryRow(ctx, `SELECT ST_AsBinary(geom) FROM grids WHERE code = $1`, code).Scan(&b)
	return b, wrap(err, "load grid geometry")
}

// ListenConn opens a connection of its own for LISTEN, outside the pool (a listening
// connection is held for good), with the pool's settings.
func (s *Store) ListenConn(ctx context.Context) (*pgx.Conn, error) {
	cfg := s.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "gridhub-listener"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	return conn, wrap(err, "connect listener")
}
