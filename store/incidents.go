package store

import (
	"bytes"
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
	inc, err := s.reportIncident(ctx, r)
	if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrIdempotencyConflict) {
		// The report stands (or stood already): its answer carries where it committed.
		s.committed(ctx)
	}
	return inc, err
}

func (s *Store) reportIncident(ctx context.Context, r Report) (*model.Incident, error) {
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
//
// assignee, when not nil, is the worker a dispatch sends it to: one the caller may see
// (else ErrNotFound), recorded on the incident and its timeline entry.
func (s *Store) TransitionIncident(ctx context.Context, id int64, to model.IncidentStatus, note *string, actor string, assignee *int64) error {
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
	if assignee != nil {
		p := args{*assignee}
		conds := append([]string{"t.id = $1"}, scopeWhere(ctx, model.LayerWorker, &p)...)
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM grid_workers t WHERE `+and(conds)+`)`, p...).Scan(&ok); err != nil {
			return wrap(err, "find assignee")
		}
		if !ok {
			return ErrAssigneeNotFound
		}
	}
	if !from.CanMoveTo(to) {
		return &InvalidTransitionError{From: from, To: to, Allowed: from.Next()}
	}
	now := time.Now()
	var closed *time.Time
	if to == model.StatusClosed {
		closed = &now
	}
	if _, err := tx.Exec(ctx, `UPDATE incidents SET status = $2, updated_at = $3, closed_at = $4, assignee_id = coalesce($5, assignee_id) WHERE id = $1`,
		id, string(to), now, closed, assignee); err != nil {
		return wrap(err, "update incident")
	}
	var event int64
	if err := tx.QueryRow(ctx, `INSERT INTO incident_events (incident_id, at, from_status, to_status, note, actor, assignee_id)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, id, now, string(from), string(to), note, actor, assignee).Scan(&event); err != nil {
		return wrap(err, "insert timeline entry")
	}
	if _, err := tx.Exec(ctx, notifySQL, event, id); err != nil {
		return wrap(err, "notify")
	}
	if err := tx.Commit(ctx); err != nil {
		return wrap(err, "commit transition")
	}
	s.committed(ctx)
	return nil
}
