package store

import (
	"context"
	"time"

	"gridhub/model"
)

// WorkFigures measures the work of the grid workers in the grid code's subtree from..to,
// over what the caller may see: patrols of the workers whose main grid lies there
// (pieces of track as Track builds them), visits made there, the buildings there and how
// many were visited, incidents reported there on patrol, and the median minutes from
// report to acceptance and to closing of the incidents reported there in the period.
// Every count and sum adds up over a unit's children; coverage is their ratio.
func (s *Store) WorkFigures(ctx context.Context, code string, from, to time.Time) (*model.WorkFigures, error) {
	p := args{code, from, to, TrackGap}
	w := func(l model.Layer) string {
		return and(append([]string{underGrid(ctx, l, "$1", &p)}, scopeWhere(ctx, l, &p)...))
	}
	q := `WITH steps AS (
    SELECT ps.at - lag(ps.at) OVER o AS dt, ST_Distance(ps.geom::geography, (lag(ps.geom) OVER o)::geography) AS d
    FROM worker_positions ps
    WHERE ps.worker_id IN (SELECT t.id FROM grid_workers t WHERE ` + w(model.LayerWorker) + `)
      AND ps.at >= $2 AND ps.at < $3 AND NOT ps.jump
    WINDOW o AS (PARTITION BY ps.worker_id ORDER BY ps.at)
), inc AS (
    SELECT t.id, t.source, t.reported_at, t.closed_at FROM incidents t WHERE ` + w(model.LayerIncident) + ` AND t.reported_at >= $2 AND t.reported_at < $3
)
SELECT
  (SELECT coalesce(sum(d) FILTER (WHERE dt <= $4::interval), 0) / 1000 FROM steps),
  (SELECT coalesce(extract(epoch FROM sum(dt) FILTER (WHERE dt <= $4::interval)), 0)::float8 / 3600 FROM steps),
  (SELECT count(*) FROM visits t WHERE ` + w(model.LayerVisit) + ` AND t.at >= $2 AND t.at < $3),
  b.visited, b.n,
  (SELECT count(*) FROM inc WHERE source = 'GRID_PATROL'),
  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.at - inc.reported_at) / 60)
     FROM inc JOIN LATERAL (SELECT min(e.at) AS at FROM incident_events e WHERE e.incident_id = inc.id AND e.to_status = 'ACCEPTED') e ON e.at IS NOT NULL),
  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - reported_at) / 60) FROM inc WHERE closed_at IS NOT NULL)
FROM (SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM visits v WHERE v.building_id = t.id AND v.at >= $2 AND v.at < $3)), count(*)
      FROM buildings t WHERE ` + w(model.LayerBuilding) + `) b (visited, n)`
	var f model.WorkFigures
	err := s.pool.QueryRow(ctx, q, p...).Scan(&f.PatrolKilometres, &f.OnDutyHours, &f.Visits, &f.VisitedBuildings, &f.Buildings,
		&f.IncidentsFoundOnPatrol, &f.MedianMinutesToAccept, &f.MedianMinutesToClose)
	if err != nil {
		return nil, wrap(err, "measure the workers' figures")
	}
	return &f, nil
}
