package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"gridhub/model"
)

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
	if s.listenURL != "" {
		// The pool goes through a transaction pooler, which cannot hold a LISTEN.
		direct, err := pgx.ParseConfig(s.listenURL)
		if err != nil {
			return nil, fmt.Errorf("listen url: %w", err)
		}
		direct.RuntimeParams = cfg.RuntimeParams
		direct.DefaultQueryExecMode = cfg.DefaultQueryExecMode
		direct.ConnectTimeout = cfg.ConnectTimeout
		cfg = direct
	}
	cfg.RuntimeParams["application_name"] = "gridhub-listener"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	return conn, wrap(err, "connect listener")
}
