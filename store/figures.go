package store

import (
	"context"
	"strings"
	"time"

	"gridhub/model"
)

// FigureParts chooses which of the workers' figures to measure: each part is a scan of
// its own (the patrols one reads every position of the period), so a request pays only
// for what it selects.
type FigureParts struct {
	Patrols, Visits, Buildings, Incidents, Medians bool
}

// WorkFigures measures the work of the grid workers in the grid code's subtree from..to,
// over what the caller may see: patrols of the workers whose main grid lies there
// (pieces of track as Track builds them), visits made there, the buildings there and how
// many were visited, incidents reported there on patrol, and the median minutes from
// report to acceptance and to closing of the incidents reported there in the period.
// Every count and sum adds up over a unit's children; coverage is their ratio. Parts not
// asked for are left zero.
func (s *Store) WorkFigures(ctx context.Context, code string, from, to time.Time, parts FigureParts) (*model.WorkFigures, error) {
	p := args{code, from, to, TrackGap}
	w := func(l model.Layer) string {
		return and(append([]string{underGrid(ctx, l, "$1", &p)}, scopeWhere(ctx, l, &p)...))
	}
	var with []string
	cols := []string{"0::float8", "0::float8", "0::bigint", "0::bigint", "0::bigint", "0::bigint", "NULL::float8", "NULL::float8"}
	fromSQL := ""
	if parts.Patrols {
		with = append(with, `s AS (`+steps(`(SELECT ps.* FROM worker_positions ps
      WHERE ps.worker_id IN (SELECT t.id FROM grid_workers t WHERE `+w(model.LayerWorker)+`)
        AND ps.at >= $2 AND ps.at < $3) ps`)+`),
  patrols (metres, seconds) AS (SELECT `+stepSums+`)`)
		cols[0] = `(SELECT metres / 1000 FROM patrols)`
		cols[1] = `(SELECT seconds / 3600 FROM patrols)`
	}
	if parts.Visits {
		cols[2] = `(SELECT count(*) FROM visits t WHERE ` + w(model.LayerVisit) + ` AND t.at >= $2 AND t.at < $3)`
	}
	if parts.Buildings {
		cols[3], cols[4] = "b.visited", "b.n"
		fromSQL = ` FROM (SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM visits v WHERE v.building_id = t.id AND v.at >= $2 AND v.at < $3)), count(*)
      FROM buildings t WHERE ` + w(model.LayerBuilding) + `) b (visited, n)`
	}
	if parts.Incidents || parts.Medians {
		with = append(with, `inc AS (
    SELECT t.id, t.source, t.reported_at, t.closed_at FROM incidents t WHERE `+w(model.LayerIncident)+` AND t.reported_at >= $2 AND t.reported_at < $3)`)
	}
	if parts.Incidents {
		cols[5] = `(SELECT count(*) FROM inc WHERE source = 'GRID_PATROL')`
	}
	if parts.Medians {
		cols[6] = `(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.at - inc.reported_at) / 60)
     FROM inc JOIN LATERAL (SELECT min(e.at) AS at FROM incident_events e WHERE e.incident_id = inc.id AND e.to_status = 'ACCEPTED') e ON e.at IS NOT NULL)`
		cols[7] = `(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - reported_at) / 60) FROM inc WHERE closed_at IS NOT NULL)`
	}
	// Every parameter is bound whatever the parts use: the first column gives them their types.
	q := "SELECT $1::text IS NULL AND $2::timestamptz IS NULL AND $3::timestamptz IS NULL AND $4::interval IS NULL, " +
		strings.Join(cols, ", ") + fromSQL
	if len(with) > 0 {
		q = "WITH " + strings.Join(with, ", ") + "\n" + q
	}
	var f model.WorkFigures
	var unused bool
	var visits, visited, buildings, found int64
	err := s.pool.QueryRow(ctx, q, p...).Scan(&unused, &f.PatrolKilometres, &f.OnDutyHours, &visits, &visited, &buildings,
		&found, &f.MedianMinutesToAccept, &f.MedianMinutesToClose)
	if err != nil {
		return nil, wrap(err, "measure the workers' figures")
	}
	f.Visits, f.VisitedBuildings, f.Buildings, f.IncidentsFoundOnPatrol = int(visits), int(visited), int(buildings), int(found)
	return &f, nil
}
