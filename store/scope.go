package store

import (
	"context"
	"slices"

	"gridhub/model"
)

// Scope is what the caller may see, applied by every read in this package: the fence
// (only rows inside a grid's subtree or a polygon), row filters by kind or category,
// properties left out of built JSON, and geometry coarsened on the way out. Readers put it
// on the context (WithScope); with none, everything is visible. Keeping it in one place,
// under every statement, is what makes lists, counts, node lookups, relations, stats,
// clusters, collections and tiles agree.
type Scope struct {
	// FenceCode keeps rows in that grid's subtree (and, for grids, its ancestors).
	FenceCode string
	// FenceWKB keeps rows intersecting that polygon (WKB, EPSG:4326).
	FenceWKB []byte
	// Kinds keeps, per layer, only rows of those kinds (party units, cameras, service points).
	Kinds map[model.Layer][]string
	// Categories keeps only incidents of those categories.
	Categories []string
	// Hidden names properties left out of a layer's built JSON (featureCollection, tiles).
	Hidden map[model.Layer]map[string]bool
	// Masked names the hidden properties that attribute tables (OGC API) show with their
	// middle digits hidden, as GraphQL answers them.
	Masked map[model.Layer]map[string]bool
	// Snap coarsens a layer's output geometry to a grid of that many degrees.
	Snap map[model.Layer]float64
}

type scopeKey struct{}

// WithScope returns ctx whose reads see only what s allows.
func WithScope(ctx context.Context, s *Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

func scopeOf(ctx context.Context) *Scope {
	s, _ := ctx.Value(scopeKey{}).(*Scope)
	return s
}

// scopeWhere is the predicate "row t of layer l is in scope" (nil: no restriction).
func scopeWhere(ctx context.Context, l model.Layer, p *args) []string {
	s := scopeOf(ctx)
	if s == nil {
		return nil
	}
	var c []string
	if s.FenceCode != "" {
		if l == model.LayerGrid {
			f := p.add(s.FenceCode)
			c = append(c, "(t.code LIKE "+f+" || '%' OR "+f+" LIKE t.code || '%')")
		} else {
			c = append(c, underGrid(ctx, l, p.add(s.FenceCode), p))
		}
	}
	if s.FenceWKB != nil {
		// Touching the fence from outside is not being inside it.
		f := "ST_GeomFromWKB(" + p.add(s.FenceWKB) + ", 4326)"
		g := geomOut(ctx, l, p)
		if g != "t.geom" {
			c = append(c, "t.geom && "+grown(ctx, l, f, p))
		}
		c = append(c, "ST_Intersects("+g+", "+f+") AND NOT ST_Touches("+g+", "+f+")")
	}
	if kinds, ok := s.Kinds[l]; ok && l != model.LayerIncident {
		c = append(c, "t.kind = ANY("+p.add(kinds)+"::text[])")
	}
	if l == model.LayerIncident && s.Categories != nil {
		c = append(c, "t.category = ANY("+p.add(s.Categories)+"::text[])")
	}
	return c
}

// geomOut is the geometry column of t as the caller may see it.
func geomOut(ctx context.Context, l model.Layer, p *args) string {
	return geomOf(ctx, l, "t", p)
}

// hidden reports whether property name of layer l is left out for ctx's caller.
func hidden(ctx context.Context, l model.Layer, name string) bool {
	s := scopeOf(ctx)
	return s != nil && s.Hidden[l][name]
}

// propFields are a layer's featureCollection properties after "layer", without what the
// caller may not see; names (nil: all but those written only when named) chooses among them.
func propFields(ctx context.Context, l model.Layer, names []string) []field {
	var fs []field
	all := layers[l].props
	if names != nil {
		all = layers[l].allProps()
	}
	for _, kv := range all {
		if !hidden(ctx, l, kv[0]) && (names == nil || slices.Contains(names, kv[0])) {
			fs = append(fs, field{kv[0], kv[1]})
		}
	}
	return fs
}
