package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"gridhub/model"
)

// GridByCode loads one grid by its code.
func (s *Store) GridByCode(ctx context.Context, code string) (*model.Grid, error) {
	p := args{code}
	conds := append([]string{"t.code = $1"}, scopeWhere(ctx, model.LayerGrid, &p)...)
	rows, err := s.read(ctx).Query(ctx, "SELECT "+layers[model.LayerGrid].cols+" FROM grids t WHERE "+and(conds), p...)
	if err != nil {
		return nil, wrap(err, "load grid by code")
	}
	g, err := pgx.CollectExactlyOneRow(rows, func(r pgx.CollectableRow) (*model.Grid, error) { return scanGrid(r) })
	return g, wrap(err, "load grid by code")
}

// GridsByCodes loads grids by code; missing codes are absent from the map.
func (s *Store) GridsByCodes(ctx context.Context, codes []string) (map[string]*model.Grid, error) {
	p := args{codes}
	conds := append([]string{"t.code = ANY($1)"}, scopeWhere(ctx, model.LayerGrid, &p)...)
	rows, err := s.read(ctx).Query(ctx, "SELECT "+layers[model.LayerGrid].cols+" FROM grids t WHERE "+and(conds), p...)
	if err != nil {
		return nil, wrap(err, "load grids by code")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.Grid, error) { return scanGrid(r) })
	if err != nil {
		return nil, wrap(err, "load grids by code")
	}
	out := make(map[string]*model.Grid, len(list))
	for _, g := range list {
		out[g.Code] = g
	}
	return out, nil
}

// GridAt returns the grid of the level containing the point, or ErrNotFound. A point on
// an edge shared by two grids resolves to the one with the smaller code.
func (s *Store) GridAt(ctx context.Context, level model.GridLevel, lon, lat float64) (*model.Grid, error) {
	p := args{string(level), lon, lat}
	conds := append([]string{"t.level = $1 AND ST_Intersects(t.geom, ST_SetSRID(ST_MakePoint($2, $3), 4326))"}, scopeWhere(ctx, model.LayerGrid, &p)...)
	rows, err := s.read(ctx).Query(ctx, "SELECT "+layers[model.LayerGrid].cols+" FROM grids t WHERE "+and(conds)+" ORDER BY t.code LIMIT 1", p...)
	if err != nil {
		return nil, wrap(err, "find grid at point")
	}
	g, err := pgx.CollectExactlyOneRow(rows, func(r pgx.CollectableRow) (*model.Grid, error) { return scanGrid(r) })
	return g, wrap(err, "find grid at point")
}

// ChildrenOf groups rows of layer l (grids or party units) by parent_id, ordered by id.
func (s *Store) ChildrenOf(ctx context.Context, l model.Layer, parents []int64) (map[int64][]model.Feature, error) {
	return s.groupBy(ctx, l, "parent_id", parents)
}

// PartyUnitsOrganisedFor groups party units by the grid they are organised for.
func (s *Store) PartyUnitsOrganisedFor(ctx context.Context, grids []int64) (map[int64][]model.Feature, error) {
	return s.groupBy(ctx, model.LayerPartyUnit, "org_grid_id", grids)
}

// PartyGroupsOfBuildings groups building party groups by building.
func (s *Store) PartyGroupsOfBuildings(ctx context.Context, buildings []int64) (map[int64][]model.Feature, error) {
	return s.groupBy(ctx, model.LayerPartyUnit, "building_id", buildings)
}

// groupBy loads rows of layer l whose column col is in keys, grouped by that column.
// col is one of the fixed names above, never caller input.
func (s *Store) groupBy(ctx context.Context, l model.Layer, col string, keys []int64) (map[int64][]model.Feature, error) {
	ls := layers[l]
	p := args{keys}
	conds := append([]string{"t." + col + " = ANY($1)"}, scopeWhere(ctx, l, &p)...)
	q := "SELECT " + colsOf(ctx, l, &p) + ", t." + col + " FROM " + ls.table + " t WHERE " + and(conds) + " ORDER BY t.id"
	return s.grouped(ctx, l, q, p, "load "+ls.table+" by "+col)
}

// Timelines loads incidents' events, oldest first, grouped by incident.
func (s *Store) Timelines(ctx context.Context, incidents []int64) (map[int64][]*model.IncidentEvent, error) {
	rows, err := s.read(ctx).Query(ctx, `SELECT incident_id, at, from_status, to_status, note, actor, assignee_id FROM incident_events
WHERE incident_id = ANY($1) ORDER BY incident_id, at, id`, incidents)
	if err != nil {
		return nil, wrap(err, "load timelines")
	}
	out := make(map[int64][]*model.IncidentEvent, len(incidents))
	_, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct{}, error) {
		var id int64
		var e model.IncidentEvent
		err := r.Scan(&id, &e.At, &e.From, &e.To, &e.Note, &e.Actor, &e.AssigneeID)
		e.At = e.At.In(model.Beijing)
		if err == nil {
			out[id] = append(out[id], &e)
		}
		return struct{}{}, err
	})
	return out, wrap(err, "load timelines")
}

// Geometries loads GeoJSON geometries of layer l by id, written in shape.
func (s *Store) Geometries(ctx context.Context, l model.Layer, ids []int64, shape Shape) (map[int64][]byte, error) {
	p := args{ids}
	expr := geoJSON(ctx, l, shape, &p) // adds its arguments to p
	return valuesByID[[]byte](ctx, s, l, ids, expr, p, "load geometries of "+layers[l].table)
}

// SourceIDs loads the sourceIds of rows of a layer that has them (buildings, party units,
// service points) by id, as exports write them.
func (s *Store) SourceIDs(ctx context.Context, l model.Layer, ids []int64) (map[int64]string, error) {
	return valuesByID[string](ctx, s, l, ids, sourceIDSQL, args{ids}, "load source ids of "+layers[l].table)
}

// valuesByID reads expr (over alias t) for the rows of layer l with those ids; p holds
// ids as $1, then expr's own arguments.
func valuesByID[T any](ctx context.Context, s *Store, l model.Layer, ids []int64, expr string, p args, what string) (map[int64]T, error) {
	rows, err := s.read(ctx).Query(ctx, "SELECT t.id, "+expr+" FROM "+layers[l].table+" t WHERE t.id = ANY($1)", p...)
	if err != nil {
		return nil, wrap(err, what)
	}
	out := make(map[int64]T, len(ids))
	_, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct{}, error) {
		var id int64
		var v T
		err := r.Scan(&id, &v)
		out[id] = v
		return struct{}{}, err
	})
	return out, wrap(err, what)
}
