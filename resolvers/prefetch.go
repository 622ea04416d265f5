package resolvers

import (
	"context"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"gridhub/loaders"
	"gridhub/model"
	"gridhub/store"
)

// implementors are the GraphQL type names each layer's objects satisfy in fragments.
var implementors = map[model.Layer][]string{
	model.LayerGrid:         {"Grid", "Feature", "Node"},
	model.LayerBuilding:     {"Building", "Feature", "Node"},
	model.LayerPartyUnit:    {"PartyUnit", "Feature", "Node"},
	model.LayerCamera:       {"Camera", "Feature", "Node"},
	model.LayerServicePoint: {"ServicePoint", "Feature", "Node"},
	model.LayerIncident:     {"Incident", "Feature", "Node"},
	model.LayerWorker:       {"GridWorker", "Feature", "Node"},
	model.LayerVisit:        {"Visit", "Feature", "Node"},
}

// level is a set of nodes and the selection the query makes on them.
type level struct {
	nodes []model.Feature
	sel   ast.SelectionSet
}

// prefetch loads the relations the query selects below a page of nodes, one level at a
// time, each level started as one batch per loader. The field resolvers then find every
// relation in the request's cache, so a page costs the same number of statements
// whatever its size and however slowly the scheduler runs its item goroutines. Errors
// are left in the cache for the field resolvers to report.
func prefetch(ctx context.Context, nodes []model.Feature, sel ast.SelectionSet) {
	if len(nodes) == 0 || len(sel) == 0 {
		return
	}
	oc := graphql.GetOperationContext(ctx)
	ld := loaders.For(ctx)
	todo := []level{{nodes, sel}}
	for depth := 0; len(todo) > 0 && depth < 16; depth++ {
		var waits []func() *level
		ld.Level(func() {
			for _, lv := range todo {
				waits = append(waits, startLevel(ctx, oc, ld, lv)...)
			}
		})
		todo = todo[:0:0]
		for _, w := range waits {
			if next := w(); next != nil && len(next.nodes) > 0 && len(next.sel) > 0 {
				todo = append(todo, *next)
			}
		}
	}
}

// startLevel starts the loads of one level and returns functions that wait for them and
// give the next level.
func startLevel(ctx context.Context, oc *graphql.OperationContext, ld *loaders.Loaders, lv level) []func() *level {
	byLayer := map[model.Layer][]model.Feature{}
	for _, n := range lv.nodes {
		byLayer[n.FeatureLayer()] = append(byLayer[n.FeatureLayer()], n)
	}
	var waits []func() *level
	for layer, nodes := range byLayer {
		for _, f := range graphql.CollectFields(oc, lv.sel, implementors[layer]) {
			if w := startField(ctx, oc, ld, layer, nodes, f); w != nil {
				waits = append(waits, w)
			}
		}
	}
	return waits
}

// startField starts one relation of every node; the returned function waits for all of
// them and gives the related features with the field's sub-selection.
func startField(ctx context.Context, oc *graphql.OperationContext, ld *loaders.Loaders, layer model.Layer, nodes []model.Feature, f graphql.CollectedField) func() *level {
	var thunks []func() ([]model.Feature, error)
	one := func(l model.Layer, id *int64) {
		if id != nil {
			th := ld.FeatureThunk(ctx, l, *id)
			thunks = append(thunks, func() ([]model.Feature, error) {
				v, err := th()
				if v == nil {
					return nil, err
				}
				return []model.Feature{v}, err
			})
		}
	}
	// leaf waits for a load that leads no further, so that the page is marshalled only
	// once everything under it is in the cache (see loaders.MarshalSlice).
	leaf := func(wait func()) {
		thunks = append(thunks, func() ([]model.Feature, error) { wait(); return nil, nil })
	}
	sub := f.Selections
	for _, n := range nodes {
		switch f.Name {
		case "geometry":
			if shape, err := geometryShapeOf(ctx, oc, f); err == nil {
				th := ld.GeometryThunk(ctx, layer, n.Key(), shape)
				leaf(func() { _, _ = th() })
			}
		case "sourceId":
			th := ld.SourceIDThunk(ctx, layer, n.Key())
			leaf(func() { _, _ = th() })
		case "grid":
			one(model.LayerGrid, gridIDOf(n))
		case "parent":
			switch v := n.(type) {
			case *model.Grid:
				one(model.LayerGrid, v.ParentID)
			case *model.PartyUnit:
				one(model.LayerPartyUnit, v.ParentID)
			}
		case "building":
			if v, ok := n.(*model.PartyUnit); ok {
				one(model.LayerBuilding, v.BuildingID)
			}
		case "children":
			switch n.(type) {
			case *model.Grid:
				thunks = append(thunks, ld.GridChildrenThunk(ctx, n.Key()))
			case *model.PartyUnit:
				thunks = append(thunks, ld.PartyChildrenThunk(ctx, n.Key()))
			}
		case "partyUnits":
			thunks = append(thunks, ld.PartyUnitsOfGridThunk(ctx, n.Key()))
		case "partyGroup":
			thunks = append(thunks, ld.PartyGroupThunk(ctx, n.Key()))
		case "timeline":
			th := ld.TimelineThunk(ctx, n.Key())
			leaf(func() { _, _ = th() })
		case "nearbyCameras":
			if m, ok := floatArg(f.ArgumentMap(oc.Variables)["radiusMeters"]); ok && m > 0 && m <= maxNearbyCameras {
				th := ld.CamerasNearThunk(ctx, n.Key(), m)
				thunks = append(thunks, func() ([]model.Feature, error) {
					near, err := th()
					out := make([]model.Feature, len(near))
					for i, c := range near {
						out[i] = c.Feature
					}
					return out, err
				})
			}
		}
	}
	if f.Name == "nearbyCameras" {
		sub = nil
		for _, nf := range graphql.CollectFields(oc, f.Selections, []string{"NearbyFeature"}) {
			if nf.Name == "feature" {
				sub = append(sub, nf.Selections...)
			}
		}
	}
	if len(thunks) == 0 {
		return nil
	}
	return func() *level {
		next := &level{sel: sub}
		for _, th := range thunks {
			fs, _ := th()
			next.nodes = append(next.nodes, fs...)
		}
		return next
	}
}

func gridIDOf(n model.Feature) *int64 {
	switch v := n.(type) {
	case *model.Building:
		return &v.GridID
	case *model.PartyUnit:
		return &v.GridID
	case *model.Camera:
		return &v.GridID
	case *model.ServicePoint:
		return &v.GridID
	case *model.Incident:
		return v.GridID
	}
	return nil
}

func floatArg(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// prefetchOne is prefetch for a root field that returns one feature (node, grid,
// gridAt, a mutation's incident): the lists below it then marshal without waiting.
func prefetchOne(ctx context.Context, f model.Feature) {
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Field != nil && f != nil {
		prefetch(ctx, []model.Feature{f}, fc.Field.Selections)
	}
}

// nodeSelection is the selection on edges.node of the connection being resolved.
func nodeSelection(ctx context.Context) ast.SelectionSet {
	oc := graphql.GetOperationContext(ctx)
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return nil
	}
	var sel ast.SelectionSet
	for _, e := range graphql.CollectFields(oc, fc.Field.Selections, nil) {
		if e.Name != "edges" {
			continue
		}
		for _, n := range graphql.CollectFields(oc, e.Selections, nil) {
			if n.Name == "node" {
				sel = append(sel, n.Selections...)
			}
		}
	}
	return sel
}

// featureSelection is the selection on the field's "feature" member (nearby).
func featureSelection(ctx context.Context) ast.SelectionSet {
	oc := graphql.GetOperationContext(ctx)
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return nil
	}
	var sel ast.SelectionSet
	for _, f := range graphql.CollectFields(oc, fc.Field.Selections, nil) {
		if f.Name == "feature" {
			sel = append(sel, f.Selections...)
		}
	}
	return sel
}

// geometryShapeOf is the shape the geometry field f will ask for (see geometryShape),
// read from its arguments and the features field of the page being prefetched.
func geometryShapeOf(ctx context.Context, oc *graphql.OperationContext, f graphql.CollectedField) (store.Shape, error) {
	if m, ok := floatArg(f.ArgumentMap(oc.Variables)["simplify"]); ok {
		return geometryShape(ctx, &m)
	}
	return geometryShape(ctx, nil)
}
