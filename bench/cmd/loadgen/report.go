package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// reportMutation is W7: a citizen's report filed as a new incident.
const reportMutation = `mutation Report($in: ReportIncidentInput!, $key: String!) {
  reportIncident(input: $in, idempotencyKey: $key) { code status grid { code } } }`

// reportCategory has a limit in clock hours, so the bare SQL's due time is now() plus it.
const reportCategory = "市容环境"

// keyPrefix marks the benchmark's reports so that they are deleted afterwards and never
// skew the read workloads of a later run.
const keyPrefix = "bench-"

// bareReportSQL files the same report in one statement: the district and category
// checks, the GRID containing the point, the readable code, the incident, its first
// timeline entry and the notification gridhub's live updates listen for.
const bareReportSQL = `WITH p AS (SELECT ST_SetSRID(ST_MakePoint($2, $3), 4326) AS g),
c AS (SELECT name, time_limit, default_priority FROM incident_categories WHERE name = $1
  AND EXISTS (SELECT 1 FROM grids d, p WHERE d.level = 'DISTRICT' AND ST_Intersects(d.geom, p.g))),
g AS (SELECT g.id, g.code FROM grids g, p WHERE g.level = 'GRID' AND ST_Intersects(g.geom, p.g) ORDER BY g.code LIMIT 1),
i AS (INSERT INTO incidents (code, title, category, source, status, priority, reported_at, due_at, grid_id, geom, idempotency_key, payload_hash)
  SELECT 'SJ' || to_char(now(), 'YYYYMMDD') || lpad((nextval('incident_code_seq') % 1000000)::text, 6, '0'),
    $4, c.name, 'OTHER', 'REPORTED', c.default_priority, now(), now() + c.time_limit, (SELECT id FROM g), p.g, $5, sha256(convert_to($5, 'UTF8'))
  FROM c, p ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, code, reported_at),
e AS (INSERT INTO incident_events (incident_id, at, from_status, to_status, note, actor)
  SELECT id, reported_at, NULL, 'REPORTED', '来源: 其他', 'api' FROM i RETURNING id, incident_id)
SELECT json_build_object('code', i.code, 'status', 'REPORTED', 'grid', (SELECT code FROM g),
  'n', pg_notify('gridhub_incidents_' || current_schema(), json_build_object('e', e.id, 'i', e.incident_id)::text))
FROM i, e`

const reportTitle = "压测上报"

// report is W7: reports at spots spread over the district (a point on each GRID unit),
// each with its own idempotency key.
func (b *bench) report(ctx context.Context) (*workload, error) {
	if err := b.tidyReports(ctx); err != nil {
		return nil, err
	}
	rows, err := b.pool.Query(ctx, `SELECT ST_X(p), ST_Y(p), code FROM (SELECT ST_PointOnSurface(geom) AS p, code FROM grids WHERE level = 'GRID' ORDER BY code) g`)
	if err != nil {
		return nil, err
	}
	type spot struct {
		lon, lat float64
		grid     string
	}
	spots, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (spot, error) {
		var s spot
		return s, r.Scan(&s.lon, &s.lat, &s.grid)
	})
	if err != nil || len(spots) == 0 {
		return nil, fmt.Errorf("report spots: %d, %v", len(spots), err)
	}
	var seq atomic.Int64
	run := time.Now().UnixNano()
	next := func(kind string) (spot, string) {
		i := seq.Add(1)
		return spots[int(i)%len(spots)], keyPrefix + kind + "-" + strconv.FormatInt(run, 36) + "-" + strconv.FormatInt(i, 10)
	}
	url := b.o.Gridhub + "/graphql"
	body := func(s spot, key string) []byte {
		return gql(reportMutation, map[string]any{"key": key, "in": map[string]any{
			"title": reportTitle, "category": reportCategory, "source": "OTHER", "location": []float64{s.lon, s.lat}}})
	}
	hub := func(ctx context.Context) (int, error) {
		s, key := next("g")
		return b.request("POST", url, body(s, key))(ctx)
	}
	bare := func(ctx context.Context) (int, error) {
		s, key := next("s")
		return b.sqlBytes(bareReportSQL, reportCategory, s.lon, s.lat, reportTitle, key)(ctx)
	}

	// One report each way at the same spot: filed in the same grid, in REPORTED.
	s, key := next("g")
	raw, err := b.fetch(ctx, "POST", url, body(s, key))
	if err != nil {
		return nil, err
	}
	var h struct {
		Data struct {
			ReportIncident struct {
				Code, Status string
				Grid         struct{ Code string }
			}
		}
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, err
	}
	_, bkey := next("s")
	braw, err := b.queryBytes(ctx, bareReportSQL, reportCategory, s.lon, s.lat, reportTitle, bkey)
	if err != nil {
		return nil, fmt.Errorf("bare SQL: %w", err)
	}
	var sq struct{ Code, Status, Grid string }
	if err := json.Unmarshal(braw, &sq); err != nil {
		return nil, err
	}
	got := h.Data.ReportIncident
	if got.Grid.Code != s.grid || sq.Grid != s.grid || got.Status != sq.Status || len(got.Code) != len(sq.Code) {
		return nil, fmt.Errorf("gridhub filed %+v, the bare SQL %+v, expected grid %s", got, sq, s.grid)
	}
	return &workload{ID: "W7", Title: "reportIncident, unique idempotency keys", Conc: []int{16, 8, 32},
		Check:   fmt.Sprintf("a report at grid %s's point is filed by both in that grid, REPORTED, with a code like %s", s.grid, got.Code),
		Notes:   []string{"W7 writes: the closed-loop run at 16 concurrent writers is the target figure; the reports are deleted afterwards"},
		Gridhub: target{nameGridhub, hub},
		Bare:    target{nameBare, bare},
		after:   b.tidyReports,
	}, nil
}

// tidyReports deletes the benchmark's own reports (from this or an interrupted run).
func (b *bench) tidyReports(ctx context.Context) error {
	_, err := b.pool.Exec(ctx, `WITH r AS (SELECT id FROM incidents WHERE idempotency_key LIKE $1),
e AS (DELETE FROM incident_events WHERE incident_id IN (SELECT id FROM r))
DELETE FROM incidents WHERE id IN (SELECT id FROM r)`, keyPrefix+"%")
	return err
}
