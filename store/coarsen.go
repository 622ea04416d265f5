package store

import (
	"context"
	"math"
	"slices"
	"strings"

	"gridhub/geo"
	"gridhub/model"
)

// A role may coarsen a point layer (Scope.Snap): its callers see each point snapped to a
// grid of cells. Coarsening hides nothing unless the stored point stays out of every
// answer, so for such a caller every statement here tests, measures and places the
// layer's rows by the snapped point alone: area filters (bbox, polygon, circle, gridCode,
// tile), distances, the tile a point falls in, and grid membership (subtrees, fences, a
// feature's own grid, which is the GRID its snapped point lies in). Moving a point within
// its cell then changes no answer. The GiST index still finds the rows: the stored point
// is within half a cell of the snapped one, so the query shape grown by a cell holds it.

// snapOf is the cell (degrees) layer l is snapped to for ctx's caller; 0 when it is not.
func snapOf(ctx context.Context, l model.Layer) float64 {
	if s := scopeOf(ctx); s != nil {
		return s.Snap[l]
	}
	return 0
}

// geomOf is the geometry column of the row aliased alias, as the caller may see it.
func geomOf(ctx context.Context, l model.Layer, alias string, p *args) string {
	if s := snapOf(ctx, l); s > 0 {
		return "ST_SnapToGrid(" + alias + ".geom, " + p.add(s) + "::float8)"
	}
	return alias + ".geom"
}

// grown is shape (a geometry expression) grown by the cell of layer l, for the index
// test of the stored geometry; shape itself when l is not coarsened.
func grown(ctx context.Context, l model.Layer, shape string, p *args) string {
	if s := snapOf(ctx, l); s > 0 {
		return "ST_Expand(" + shape + ", " + p.add(s) + "::float8)"
	}
	return shape
}

// inArea is the predicate "row t of layer l lies in area a", by the geometry the caller sees.
func inArea(ctx context.Context, l model.Layer, a *geo.Area, p *args) string {
	if snapOf(ctx, l) == 0 {
		return areaClause(a, "t.geom", p)
	}
	return "t.geom && " + grown(ctx, l, areaShape(a, p), p) + " AND " + areaClause(a, geomOut(ctx, l, p), p)
}

// areaShape is a geometry holding area a: its envelope, or its grid's polygon.
func areaShape(a *geo.Area, p *args) string {
	if a.Kind == geo.AreaGrid {
		return "(SELECT ag.geom FROM grids ag WHERE ag.code = " + p.add(a.GridCode) + ")"
	}
	return "ST_MakeEnvelope(" + p.add(a.Bound.Min[0]) + ", " + p.add(a.Bound.Min[1]) + ", " +
		p.add(a.Bound.Max[0]) + ", " + p.add(a.Bound.Max[1]) + ", 4326)"
}

// underGrid is the predicate "row t of layer l (not grids) lies in the grid whose code is
// the SQL expression code, or under it": by the row's grid, or for a coarsened layer by
// its snapped point in that grid's polygon.
func underGrid(ctx context.Context, l model.Layer, code string, p *args) string {
	if snapOf(ctx, l) == 0 {
		return "t.grid_id IN (SELECT sg.id FROM grids sg WHERE " + subtree("sg.code", code) + ")"
	}
	return "EXISTS (SELECT 1 FROM grids sg WHERE sg.code = " + code + " AND sg.geom && " + grown(ctx, l, "t.geom", p) +
		" AND ST_Intersects(sg.geom, " + geomOut(ctx, l, p) + "))"
}

// pageUnder is a FROM item, aliased t, holding the first n (an SQL expression) rows of
// layer l by id that match conds and lie under the grid whose code is the SQL expression
// code. Asked as one filter over the table, "under the grid, by id, first n" made
// PostgreSQL walk the id index over the whole table for each grid of a list (incidents
// under 100 grids: 121 ms at scale 1, 0.9 s at scale 10); taken per grid of the subtree
// on the (grid_id, id) index, n each, and merged by id, it reads n rows a grid (6 ms).
// A coarsened layer's rows are placed by their snapped point, so they are filtered.
func pageUnder(ctx context.Context, l model.Layer, code string, conds []string, n string, p *args) string {
	table, lim := layers[l].table, " ORDER BY t.id LIMIT "+n
	if snapOf(ctx, l) != 0 {
		return "(SELECT t.* FROM " + table + " t WHERE " + and(append(slices.Clip(conds), underGrid(ctx, l, code, p))) + lim + ") t"
	}
	return "(SELECT t.* FROM grids sg CROSS JOIN LATERAL (SELECT t.* FROM " + table + " t WHERE " +
		and(append(slices.Clip(conds), "t.grid_id = sg.id")) + lim + ") t WHERE " + subtree("sg.code", code) + lim + ") t"
}

// colsOf is layer l's select list for ctx's caller: for a coarsened layer, the row's grid
// is the GRID its snapped point lies in (the one with the smaller code on a shared edge),
// or none (0, which no grid has) when it lies outside the district.
func colsOf(ctx context.Context, l model.Layer, p *args) string {
	cols := layers[l].cols
	if snapOf(ctx, l) == 0 || l == model.LayerGrid {
		return cols
	}
	return strings.Replace(cols, "t.grid_id", "coalesce("+gridIDOf(ctx, l, p)+", 0)", 1)
}

// Coarsen is where a point of layer l is shown to the caller of scope s: snapped as
// ST_SnapToGrid snaps it (to the nearest multiple of the cell, halves to even), for
// matching live updates in Go exactly as the statements here match rows.
func (s *Scope) Coarsen(l model.Layer, x, y float64) (float64, float64) {
	if s == nil || s.Snap[l] <= 0 {
		return x, y
	}
	c := s.Snap[l]
	return math.RoundToEven(x/c) * c, math.RoundToEven(y/c) * c
}

// gridIDOf is the id of the GRID a row t of layer l lies in, for ctx's caller: for a
// coarsened layer the one its snapped point lies in (NULL outside the district).
func gridIDOf(ctx context.Context, l model.Layer, p *args) string {
	if snapOf(ctx, l) == 0 {
		return "t.grid_id"
	}
	return "(SELECT cg.id FROM grids cg WHERE cg.level = 'GRID' AND cg.geom && " + grown(ctx, l, "t.geom", p) +
		" AND ST_Intersects(cg.geom, " + geomOut(ctx, l, p) + ") ORDER BY cg.code LIMIT 1)"
}

// subtree is the predicate "the grid code col is code or nested under it" for the SQL
// expression code. Codes are digits, so the prefix is also the byte range [code, code
// || ':'), which the text_pattern_ops index on grids.code serves whatever the database's
// collation; LIKE with a pattern that is not a constant cannot use it (a sequential scan
// of grids for every parent row of a list).
func subtree(col, code string) string {
	return col + " ~>=~ " + code + " AND " + col + " ~<~ (" + code + " || ':') AND " + col + " LIKE " + code + " || '%'"
}
