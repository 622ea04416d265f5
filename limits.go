package main

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"gridhub/graph"
	"gridhub/model"
)

// shapeLimit refuses documents that are too deep, too wide at the root, or alias the
// same fields too often, before any resolver runs.
type shapeLimit struct{}

func (shapeLimit) ExtensionName() string                   { return "ShapeLimit" }
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (shapeLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil {
		return nil
	}
	if n := len(op.SelectionSet); n > maxRootFields {
		return tooComplex("the operation asks for %d root fields; at most %d are allowed", n, maxRootFields)
	}
	w := shapeWalker{doc: oc.Doc, seen: map[string]bool{}}
	depth := w.depth(op.SelectionSet, 1)
	if w.overflow {
		return tooComplex("the operation nests deeper than %d levels", maxDepth)
	}
	if depth > maxDepth {
		return tooComplex("the operation nests %d levels deep; at most %d are allowed", depth, maxDepth)
	}
	if w.aliases > maxAliases {
		return tooComplex("the operation uses %d aliases; at most %d are allowed", w.aliases, maxAliases)
	}
	return nil
}

func tooComplex(format string, a ...any) *gqlerror.Error {
	e := gqlerror.Errorf(format, a...)
	e.Extensions = map[string]any{"code": model.CodeTooComplex}
	return e
}

type shapeWalker struct {
	doc      *ast.QueryDocument
	seen     map[string]bool // fragments on the current path
	aliases  int
	overflow bool
}

func (w *shapeWalker) depth(set ast.SelectionSet, level int) int {
	if level > maxDepth+1 {
		w.overflow = true
		return level
	}
	max := level - 1
	for _, s := range set {
		var d int
		switch s := s.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
			}
			d = level
			if len(s.SelectionSet) > 0 {
				d = w.depth(s.SelectionSet, level+1)
			}
		case *ast.InlineFragment:
			d = w.depth(s.SelectionSet, level)
		case *ast.FragmentSpread:
			if w.seen[s.Name] {
				continue // validation refuses cycles; don't loop before it
			}
			f := w.doc.Fragments.ForName(s.Name)
			if f == nil {
				continue
			}
			w.seen[s.Name] = true
			d = w.depth(f.SelectionSet, level)
			delete(w.seen, s.Name)
		}
		if d > max {
			max = d
		}
	}
	return max
}

// complexity gives lists and connections a cost proportional to what they may return,
// so that one cheap-looking document cannot ask for millions of rows. Multiplications
// saturate: an overflow must never wrap round below the limit.
func complexity() graph.ComplexityRoot {
	var c graph.ComplexityRoot
	page := func(child int, first *int, def int) int { return mul(child, orDefault(first, def)) }
	c.Query.Features = func(child int, _ graph.AreaInput, _ []model.Layer, first *int, _ *string, _ *int) int {
		return page(child, first, 500)
	}
	c.Query.FeatureCollection = func(_ int, _ graph.AreaInput, _ []model.Layer, _ *model.CRS, limit *int, _ *int) int {
		return 50 + orDefault(limit, 5000)/10
	}
	c.Query.Clusters = func(child int, _ graph.AreaInput, _ model.Layer, _ int) int { return mul(child, 200) }
	c.Query.Nearby = func(child int, _, _, _ float64, _ []model.Layer, first *int) int { return page(child, first, 50) }
	c.Query.Grids = func(child int, _ *model.GridLevel, _ *string, _ *graph.AreaInput, first *int, _ *string) int {
		return page(child, first, 100)
	}
	c.Query.Buildings = func(child int, _ *graph.AreaInput, first *int, _ *string) int { return page(child, first, 100) }
	c.Query.PartyUnits = func(child int, _ *model.PartyUnitKind, _ *graph.AreaInput, first *int, _ *string) int {
		return page(child, first, 100)
	}
	c.Query.Cameras = func(child int, _ *model.CameraKind, _ *model.CameraStatus, _ *graph.AreaInput, first *int, _ *string) int {
		return page(child, first, 100)
	}
	c.Query.ServicePoints = func(child int, _ *model.ServicePointKind, _ *graph.AreaInput, first *int, _ *string) int {
		return page(child, first, 100)
	}
	c.Query.Incidents = func(child int, _ *model.IncidentFilter, _ *graph.AreaInput, first *int, _ *string) int {
		return page(child, first, 100)
	}
	c.Grid.Buildings = func(child int, first *int, _ *string) int { return page(child, first, 100) }
	c.Grid.Cameras = func(child int, first *int, _ *string) int { return page(child, first, 100) }
	c.Grid.Incidents = func(child int, _ *model.IncidentFilter, first *int, _ *string) int { return page(child, first, 100) }
	c.Grid.Children = func(child int) int { return mul(child, 20) }
	c.Grid.PartyUnits = func(child int) int { return mul(child, 20) }
	c.PartyUnit.Children = func(child int) int { return mul(child, 20) }
	c.Incident.Timeline = func(child int) int { return mul(child, 10) }
	c.Incident.NearbyCameras = func(child int, _ *float64) int { return mul(child, 20) }
	return c
}

const costCeiling = 1 << 30

func mul(child, n int) int {
	if child < 1 {
		child = 1
	}
	if n < 1 {
		n = 1
	}
	if child > costCeiling/n {
		return costCeiling
	}
	return 1 + child*n
}

func orDefault(v *int, def int) int {
	if v == nil {
		return def
	}
	return *v
}
