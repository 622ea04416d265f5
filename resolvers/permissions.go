package resolvers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/paulmach/orb"

	"gridhub/auth"
	"gridhub/geo"
	"gridhub/model"
	"gridhub/store"
)

// readable checks that the caller may read every layer asked for (FORBIDDEN names the
// first that it may not), and notes them with the area for the audit log.
func readable(ctx context.Context, a *geo.Area, ls ...model.Layer) error {
	if p := auth.From(ctx); p != nil {
		for _, l := range ls {
			if !p.Role.CanRead(l) {
				return model.Errorf(model.CodeForbidden, "the %s role may not read the %s layer", p.Role.Name, l)
			}
		}
	}
	auth.Touch(ctx, describeArea(a), ls...)
	return nil
}

// visible reports whether the caller may read layer l at all (node lookups answer null
// rather than say that an id exists).
func visible(ctx context.Context, l model.Layer) bool {
	p := auth.From(ctx)
	return p == nil || p.Role.CanRead(l)
}

// describeArea is a short, bounded description of an area for the audit log.
func describeArea(a *geo.Area) string {
	if a == nil {
		return ""
	}
	switch a.Kind {
	case geo.AreaBBox:
		return fmt.Sprintf("bbox %.6f,%.6f,%.6f,%.6f", a.Bound.Min[0], a.Bound.Min[1], a.Bound.Max[0], a.Bound.Max[1])
	case geo.AreaCircle:
		return fmt.Sprintf("circle %.6f,%.6f r=%gm", a.Center[0], a.Center[1], a.Radius)
	case geo.AreaGrid:
		return "grid " + a.GridCode
	case geo.AreaPolygon:
		b := a.Bound
		return fmt.Sprintf("polygon of %d parts within %.6f,%.6f,%.6f,%.6f", len(a.Polygon), b.Min[0], b.Min[1], b.Max[0], b.Max[1])
	}
	return strings.ToLower(a.Kind.String())
}

// scopeMatcher is the caller's fence and row filters for live events, the same rules the
// store applies to reads: a fenced caller hears only of incidents in its grid's subtree
// (or polygon), a role limited to some categories only of those. It also gives where the
// caller sees an incident: for a role that coarsens incidents the snapped point, by which
// the area and the fence are then tested, as the store tests rows (store/coarsen.go).
func (r *Resolver) scopeMatcher(ctx context.Context) (inScope func(store.Placed) bool, at func(store.Placed) orb.Point, err error) {
	p := auth.From(ctx)
	if p == nil {
		return func(store.Placed) bool { return true }, func(pl store.Placed) orb.Point { return orb.Point(pl.Point) }, nil
	}
	sc := p.Scope()
	at = func(pl store.Placed) orb.Point {
		x, y := sc.Coarsen(model.LayerIncident, pl.Point[0], pl.Point[1])
		return orb.Point{x, y}
	}
	cats := p.Role.Rows[model.LayerIncident]
	var fence *geo.Area
	if p.FencePolygon != nil {
		fence = geo.PolygonArea(p.FencePolygon)
	}
	code := p.FenceCode
	var codeArea *geo.Area
	if _, coarse := p.Role.Coarsen[model.LayerIncident]; coarse && code != "" {
		// A coarsened incident is in the fence when its snapped point is in the fence's grid.
		if codeArea, err = r.gridArea(ctx, code); err != nil {
			return nil, nil, err
		}
		code = ""
	}
	return func(pl store.Placed) bool {
		if cats != nil && !slices.Contains(cats, pl.Incident.Category) {
			return false
		}
		if code != "" && (pl.GridCode == "" || !strings.HasPrefix(pl.GridCode, code)) {
			return false
		}
		return (fence == nil || fence.Contains(at(pl))) && (codeArea == nil || codeArea.Contains(at(pl)))
	}, at, nil
}
