package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"gridhub/geo"
	"gridhub/model"
)

// Filter narrows a layer's rows. Zero fields do not filter; fields that do not apply to
// the layer are ignored.
type Filter struct {
	Area       *geo.Area
	Level      model.GridLevel // grids
	ParentCode string          // grids: children of that grid
	Kind       string          // party units, cameras, service points
	Status     string          // cameras
	Incident   *model.IncidentFilter
	// Subtree keeps rows in the grid with that code or any grid under it.
	Subtree string
	// OnDuty keeps workers on (or off) duty.
	OnDuty *bool
	// Since and Until keep visits made at or after, and before, those times.
	Since, Until *time.Time
	// SeenAfter keeps workers whose last position is later than that.
	SeenAfter *time.Time
}

func (f *Filter) where(ctx context.Context, l model.Layer, p *args) []string {
	c := scopeWhere(ctx, l, p)
	if f.Area != nil {
		c = append(c, inArea(ctx, l, f.Area, p))
	}
	switch l {
	case model.LayerGrid:
		if f.Level != "" {
			c = append(c, "t.level = "+p.add(string(f.Level)))
		}
		if f.ParentCode != "" {
			c = append(c, "t.parent_id = (SELECT pg.id FROM grids pg WHERE pg.code = "+p.add(f.ParentCode)+")")
		}
		if f.Subtree != "" {
			c = append(c, subtree("t.code", p.add(f.Subtree)))
		}
	default:
		if f.Kind != "" && l != model.LayerBuilding && l != model.LayerIncident && l != model.LayerWorker {
			c = append(c, "t.kind = "+p.add(f.Kind))
		}
		if f.Status != "" && l == model.LayerCamera {
			c = append(c, "t.status = "+p.add(f.Status))
		}
		if f.Subtree != "" {
			c = append(c, underGrid(ctx, l, p.add(f.Subtree), p))
		}
		if l == model.LayerIncident && f.Incident != nil {
			c = append(c, incidentWhere(f.Incident, p)...)
		}
		if l == model.LayerWorker && f.SeenAfter != nil {
			c = append(c, "t.last_seen_at > "+p.add(*f.SeenAfter))
		}
		if l == model.LayerWorker && f.OnDuty != nil {
			c = append(c, "t.on_duty = "+p.add(*f.OnDuty))
		}
		if l == model.LayerVisit && f.Since != nil {
			c = append(c, "t.at >= "+p.add(*f.Since))
		}
		if l == model.LayerVisit && f.Until != nil {
			c = append(c, "t.at < "+p.add(*f.Until))
		}
	}
	return c
}

func incidentWhere(f *model.IncidentFilter, p *args) []string {
	var c []string
	if f.Statuses != nil {
		c = append(c, "t.status = ANY("+p.add(strs(f.Statuses))+"::text[])")
	}
	if f.Sources != nil {
		c = append(c, "t.source = ANY("+p.add(strs(f.Sources))+"::text[])")
	}
	if f.Categories != nil {
		c = append(c, "t.category = ANY("+p.add(f.Categories)+"::text[])")
	}
	if f.Overdue != nil {
		if *f.Overdue {
			c = append(c, overdueSQL)
		} else {
			c = append(c, "NOT "+overdueSQL)
		}
	}
	if f.ReportedAfter != nil {
		c = append(c, "t.reported_at >= "+p.add(*f.ReportedAfter))
	}
	if f.ReportedBefore != nil {
		c = append(c, "t.reported_at < "+p.add(*f.ReportedBefore))
	}
	return c
}

// List returns up to limit rows of layer l matching f with id > after, ordered by id.
func (s *Store) List(ctx context.Context, l model.Layer, f Filter, after int64, limit int) ([]model.Feature, error) {
	ls := layers[l]
	var p args
	conds := append(f.where(ctx, l, &p), "t.id > "+p.add(after))
	q := "SELECT " + colsOf(ctx, l, &p) + " FROM " + ls.table + " t WHERE " + and(conds) + " ORDER BY t.id LIMIT " + p.add(limit)
	rows, err := s.read(ctx).Query(ctx, q, p...)
	if err != nil {
		return nil, wrap(err, "list "+ls.table)
	}
	out, err := pgx.CollectRows(rows, ls.rowTo)
	return out, wrap(err, "list "+ls.table)
}

// Count counts the rows of layer l matching f.
func (s *Store) Count(ctx context.Context, l model.Layer, f Filter) (int, error) {
	ls := layers[l]
	var p args
	var n int
	err := s.read(ctx).QueryRow(ctx, "SELECT count(*) FROM "+ls.table+" t WHERE "+and(f.where(ctx, l, &p)), p...).Scan(&n)
	return n, wrap(err, "count "+ls.table)
}

// ByIDs loads rows of layer l by id; missing ids are simply absent from the result.
func (s *Store) ByIDs(ctx context.Context, l model.Layer, ids []int64) (map[int64]model.Feature, error) {
	ls := layers[l]
	p := args{ids}
	conds := append([]string{"t.id = ANY($1)"}, scopeWhere(ctx, l, &p)...)
	rows, err := s.read(ctx).Query(ctx, "SELECT "+colsOf(ctx, l, &p)+" FROM "+ls.table+" t WHERE "+and(conds), p...)
	if err != nil {
		return nil, wrap(err, "load "+ls.table)
	}
	list, err := pgx.CollectRows(rows, ls.rowTo)
	if err != nil {
		return nil, wrap(err, "load "+ls.table)
	}
	out := make(map[int64]model.Feature, len(list))
	for _, f := range list {
		out[f.Key()] = f
	}
	return out, nil
}

// PageKey is one page request among several answered by one statement.
type PageKey struct {
	Subtree string // grid code
	After   int64
}

// ListSubtrees answers one page per key (rows of layer l under the key's grid, id > After,
// ordered by id, at most limit) in a single statement; f applies to every page.
func (s *Store) ListSubtrees(ctx context.Context, l model.Layer, f Filter, keys []PageKey, limit int) ([][]model.Feature, error) {
	ls := layers[l]
	codes := make([]string, len(keys))
	afters := make([]int64, len(keys))
	for i, k := range keys {
		codes[i], afters[i] = k.Subtree, k.After
	}
	var p args
	kc, ka := p.add(codes), p.add(afters)
	f.Subtree = ""
	conds := f.where(ctx, l, &p)
	conds = append(conds, "t.id > k.after")
	var from string
	if l == model.LayerGrid {
		from = ls.table + " t WHERE " + and(append(conds, underKeyCode(ctx, l, &p)))
	} else {
		from = pageUnder(ctx, l, "k.code", conds, p.add(limit), &p)
	}
	q := fmt.Sprintf(`SELECT r.*, k.ord FROM unnest(%s::text[], %s::bigint[]) WITH ORDINALITY k(code, after, ord)
CROSS JOIN LATERAL (SELECT %s FROM %s ORDER BY t.id LIMIT %s) r`, kc, ka, colsOf(ctx, l, &p), from, p.add(limit))
	rows, err := s.read(ctx).Query(ctx, q, p...)
	if err != nil {
		return nil, wrap(err, "list "+ls.table+" by grid")
	}
	out := make([][]model.Feature, len(keys))
	_, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct{}, error) {
		var ord int
		f, err := ls.scan(r, &ord)
		if err != nil {
			return struct{}{}, err
		}
		out[ord-1] = append(out[ord-1], f)
		return struct{}{}, nil
	})
	return out, wrap(err, "list "+ls.table+" by grid")
}

// CountSubtrees counts rows of layer l matching f under each grid code.
func (s *Store) CountSubtrees(ctx context.Context, l model.Layer, f Filter, codes []string) ([]int, error) {
	ls := layers[l]
	var p args
	kc := p.add(codes)
	f.Subtree = ""
	conds := f.where(ctx, l, &p)
	conds = append(conds, underKeyCode(ctx, l, &p))
	q := fmt.Sprintf(`SELECT (SELECT count(*) FROM %s t WHERE %s) FROM unnest(%s::text[]) WITH ORDINALITY k(code, ord) ORDER BY k.ord`,
		ls.table, and(conds), kc)
	rows, err := s.read(ctx).Query(ctx, q, p...)
	if err != nil {
		return nil, wrap(err, "count "+ls.table+" by grid")
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int])
	return out, wrap(err, "count "+ls.table+" by grid")
}

// underKeyCode keeps rows of layer l under the grid whose code is k.code.
func underKeyCode(ctx context.Context, l model.Layer, p *args) string {
	if l == model.LayerGrid {
		return subtree("t.code", "k.code")
	}
	return underGrid(ctx, l, "k.code", p)
}
