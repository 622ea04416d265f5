package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
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

// categoryTTL is how long the categories read for reports are trusted; they are
// reference data that migrations change.
const categoryTTL = time.Minute

// categoryCache holds the categories by name, so that a report computes its due time
// (model.IncidentCategory.DueAt) without a round trip of its own.
type categoryCache struct {
	mu     sync.Mutex
	read   time.Time
	byName map[string]model.IncidentCategory
}

// category is the named category; a name not in the cache reads the categories again
// once, so that one added since is found.
func (s *Store) category(ctx context.Context, name string) (model.IncidentCategory, bool, error) {
	c := &s.categories
	c.mu.Lock()
	defer c.mu.Unlock()
	cat, ok := c.byName[name]
	switch age := time.Since(c.read); {
	case ok && age < categoryTTL:
		return cat, true, nil
	case !ok && age < time.Second:
		return cat, false, nil // read just now: unknown names do not each read again
	}
	cats, err := readCategories(ctx, s.pool)
	if err != nil {
		return model.IncidentCategory{}, false, err
	}
	c.byName, c.read = make(map[string]model.IncidentCategory, len(cats)), time.Now()
	for _, cat := range cats {
		c.byName[cat.Name] = cat
	}
	cat, ok = c.byName[name]
	return cat, ok, nil
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

// notify is the call that tells every instance's listener that an incident changed; the
// channel is per schema so that deployments (and test schemas) sharing a database stay
// apart. event and incident are SQL expressions for the two ids.
func notify(event, incident string) string {
	return `pg_notify('gridhub_incidents_' || current_schema(), json_build_object('e', ` + event + `, 'i', ` + incident + `)::text)`
}

var notifySQL = `SELECT ` + notify("$1::bigint", "$2::bigint")

// IncidentChannel is the LISTEN channel notify writes to.
func (s *Store) IncidentChannel(ctx context.Context) (string, error) {
	var ch string
	err := s.pool.QueryRow(ctx, `SELECT 'gridhub_incidents_' || current_schema()`).Scan(&ch)
	return ch, wrap(err, "name the incident channel")
}

// reportSQL files a report in one statement, atomic without a transaction of its own:
// $1 idempotency key, $2 category, $3 and $4 lon and lat, $5 the time of the report, $6
// its Beijing date, $7 title, $8 description, $9 source, $10 priority (NULL: the
// category's), $11 payload hash, $12 and $13 the first timeline entry's note and actor,
// $14 the due time (model.IncidentCategory.DueAt; NULL for a category not known).
// fence is whether the caller may report in grid c.grid_id, visible whether it may see
// incident t.
//
// A key already committed is answered from prior without inserting. Otherwise the insert
// runs only when the category exists and the point is within reach and allowed; a
// concurrent report with the same key makes it do nothing (the unique index decides, never
// a read), and the caller reads the winner. The row has the incident's columns (all NULL
// when there is none) followed by what happened.
func reportSQL(fence, visible string) string {
	return `WITH p AS (SELECT ST_SetSRID(ST_MakePoint($3::float8, $4::float8), 4326) AS g),
prior AS (SELECT * FROM incidents WHERE idempotency_key = $1::text),
-- Materialized: ok reads in_reach twice, and the district test should run once.
c AS MATERIALIZED (SELECT c.name, c.default_priority, $14::timestamptz AS due_at,
    -- Inside is cheap; the distance on the spheroid (~20 ms on the district's outline) is
    -- only measured for points outside it.
    EXISTS (SELECT 1 FROM grids d WHERE d.level = 'DISTRICT'
      AND (ST_Intersects(d.geom, p.g) OR ST_DWithin(d.geom::geography, p.g::geography, 1000))) AS in_reach,
    coalesce(
      (SELECT g.id FROM grids g WHERE g.level = 'GRID' AND ST_Intersects(g.geom, p.g) ORDER BY g.code LIMIT 1),
      (SELECT g.id FROM grids g WHERE g.level = 'GRID' AND g.geom && ST_Expand(p.g, 0.002)
         AND ST_DWithin(g.geom::geography, p.g::geography, 100) ORDER BY ST_Distance(g.geom::geography, p.g::geography), g.code LIMIT 1)) AS grid_id
  FROM incident_categories c, p
  WHERE c.name = $2::text AND $14::timestamptz IS NOT NULL),
ok AS (SELECT c.*, c.in_reach AND ` + fence + ` AS allowed FROM c),
ins AS (INSERT INTO incidents (code, title, description, category, source, status, priority,
    reported_at, due_at, grid_id, geom, idempotency_key, payload_hash)
  SELECT 'SJ' || $6::text || lpad((nextval('incident_code_seq') % 1000000)::text, 6, '0'), $7::text, $8::text, ok.name, $9::text,
    'REPORTED', coalesce($10::smallint, ok.default_priority), $5::timestamptz, ok.due_at, ok.grid_id, p.g, $1::text, $11::bytea
  FROM ok, p WHERE ok.allowed AND NOT EXISTS (SELECT FROM prior)
  ON CONFLICT (idempotency_key) DO NOTHING RETURNING *),
-- Every inserted entry is announced: RETURNING runs even though nothing reads it.
ev AS (INSERT INTO incident_events (incident_id, at, from_status, to_status, note, actor)
  SELECT id, reported_at, NULL, 'REPORTED', $12::text, $13::text FROM ins
  RETURNING ` + notify("id", "incident_id") + `),
t AS (SELECT *, false AS created FROM prior UNION ALL SELECT *, true FROM ins)
SELECT ` + layers[model.LayerIncident].cols + `, ok.name IS NOT NULL, coalesce(ok.in_reach, false), coalesce(ok.allowed, false),
  t.id IS NOT NULL, coalesce(t.created, false), t.payload_hash, coalesce(` + visible + `, false)
FROM (SELECT) one LEFT JOIN ok ON true LEFT JOIN t ON true`
}

// ReportIncident files a report as a new incident with its first timeline entry, in one
// statement, and returns the incident as ByIDs would show it to the caller (ErrNotFound
// when the caller's scope hides it; the report stands). A key seen before returns that
// incident when the payload is the same, ErrIdempotencyConflict when it is not; concurrent
// reports with one key race on the unique index, never on a read-then-insert.
func (s *Store) ReportIncident(ctx context.Context, r Report) (*model.Incident, error) {
	hash := r.hash()
	now := time.Now().In(model.Beijing)
	var due *time.Time
	cat, known, err := s.category(ctx, r.Category)
	if err != nil {
		return nil, err
	}
	if known {
		d := cat.DueAt(now)
		due = &d
	}
	p := args{r.Key, r.Category, r.Lon, r.Lat, now, now.Format("20060102"), r.Title, r.Description, string(r.Source),
		r.Priority, hash, "来源: " + sourceName(r.Source), r.Actor, due}
	fence := "true"
	if sc := scopeOf(ctx); sc != nil && (sc.FenceCode != "" || sc.FenceWKB != nil) {
		// A fenced caller reports only inside its own area: the incident's grid must be in it.
		conds := append([]string{"t.id = c.grid_id", "t.level = 'GRID'"}, scopeWhere(ctx, model.LayerGrid, &p)...)
		fence = "EXISTS (SELECT 1 FROM grids t WHERE " + and(conds) + ")"
	}
	visible := and(append([]string{"t.id IS NOT NULL"}, scopeWhere(ctx, model.LayerIncident, &p)...))
	rows, err := s.pool.Query(ctx, reportSQL(fence, visible), p...)
	if err != nil {
		return nil, wrap(err, "file report")
	}
	var o reportOutcome
	inc, err := pgx.CollectExactlyOneRow(rows, o.scan)
	if err != nil {
		return nil, wrap(err, "file report")
	}
	switch {
	case o.present && !o.created && !bytes.Equal(o.hash, hash):
		return nil, ErrIdempotencyConflict
	case o.present && !o.visible:
		return nil, ErrNotFound
	case o.present:
		return inc, nil
	case !o.category:
		return nil, ErrUnknownCategory
	case !o.inReach:
		return nil, ErrOutsideDistrict
	case !o.allowed:
		return nil, ErrOutsideFence
	}
	// Another report with this key committed while this one ran: answer as a retry of it.
	return s.byIdempotencyKey(ctx, r.Key, hash)
}

// reportOutcome is what reportSQL did, read from the columns after the incident's.
type reportOutcome struct {
	category, inReach, allowed bool
	present, created, visible  bool
	hash                       []byte
}

// scan reads the outcome first, then the incident only if there is one the caller may
// see: its columns are NULL otherwise, which the incident's scan does not accept.
func (o *reportOutcome) scan(r pgx.CollectableRow) (*model.Incident, error) {
	flags := []any{&o.category, &o.inReach, &o.allowed, &o.present, &o.created, &o.hash, &o.visible}
	skip := make([]any, len(r.FieldDescriptions())-len(flags))
	if err := r.Scan(append(skip, flags...)...); err != nil || !o.present || !o.visible {
		return nil, err
	}
	return scanIncident(r, make([]any, len(flags))...)
}

// byIdempotencyKey is the incident filed under key, as the caller may see it.
func (s *Store) byIdempotencyKey(ctx context.Context, key string, hash []byte) (*model.Incident, error) {
	p := args{key}
	visible := and(scopeWhere(ctx, model.LayerIncident, &p))
	var stored []byte
	var shown bool
	rows, err := s.pool.Query(ctx, `SELECT `+layers[model.LayerIncident].cols+`, t.payload_hash, `+visible+`
FROM incidents t WHERE t.idempotency_key = $1`, p...)
	if err != nil {
		return nil, wrap(err, "look up idempotency key")
	}
	inc, err := pgx.CollectExactlyOneRow(rows, func(r pgx.CollectableRow) (*model.Incident, error) {
		return scanIncident(r, &stored, &shown)
	})
	switch {
	case err != nil:
		return nil, wrap(err, "look up idempotency key")
	case !bytes.Equal(stored, hash):
		return nil, ErrIdempotencyConflict
	case !shown:
		return nil, ErrNotFound
	}
	return inc, nil
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
