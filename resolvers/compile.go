package resolvers

import (
	"context"
	"encoding/json"
	"io"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"gridhub/auth"
	"gridhub/geo"
	"gridhub/graph"
	"gridhub/model"
	"gridhub/store"
)

// Compiler answers a root list, and everything selected under it, with one statement
// that returns its JSON (store.CompiledPage), when the store can write every field
// selected and the caller's role reads each of them as it is. Anything else (a field
// the store does not write, a cursor, a field the role may not read as it is, an
// argument that does not check) goes to the resolvers, which answer it as before.
type Compiler struct {
	r     *Resolver
	guard *FieldGuard
}

// NewCompiler compiles for r, checking fields as guard does.
func NewCompiler(r *Resolver, guard *FieldGuard) *Compiler { return &Compiler{r: r, guard: guard} }

// rootLists are the Query fields that may be answered compiled.
var rootLists = map[string]model.Layer{
	"grids": model.LayerGrid, "buildings": model.LayerBuilding, "partyUnits": model.LayerPartyUnit,
	"cameras": model.LayerCamera, "servicePoints": model.LayerServicePoint, "incidents": model.LayerIncident,
}

// Around is the root field middleware (handler.AroundRootFields).
func (c *Compiler) Around(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	rf := graphql.GetRootFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if rf == nil || rf.Field.ObjectDefinition == nil || rf.Field.ObjectDefinition.Name != "Query" || oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return next(ctx)
	}
	l, ok := rootLists[rf.Field.Name]
	if !ok {
		return next(ctx)
	}
	pg, area, ok := c.plan(ctx, oc, rf.Field, l)
	if !ok {
		return next(ctx)
	}
	if err := readable(ctx, area, l); err != nil {
		return next(ctx)
	}
	b, err := c.r.Store.CompiledPage(ctx, pg)
	if err != nil {
		fctx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Query", Field: rf.Field})
		graphql.AddError(fctx, err)
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) { _, _ = w.Write(b) })
}

// rootArgs are a root list's arguments, read from the request.
type rootArgs struct {
	Area       *graph.AreaInput
	First      *int
	After      *string
	Filter     *model.IncidentFilter
	Level      *model.GridLevel
	ParentCode *string
	Kind       *string
	Status     *string
}

// plan is the compiled page of a root list, with its checked area; ok is false when
// anything in it is left to the resolvers.
func (c *Compiler) plan(ctx context.Context, oc *graphql.OperationContext, f graphql.CollectedField, l model.Layer) (store.Page, *geo.Area, bool) {
	// The selection first: when it cannot be compiled, the resolvers check the arguments
	// (an area's grid code is a lookup) and nothing here need have.
	p := planner{c: c, ctx: ctx, oc: oc, role: roleOf(ctx)}
	parts, ok := p.connection(f, l)
	if !ok {
		return store.Page{}, nil, false
	}
	var a rootArgs
	raw, err := json.Marshal(f.ArgumentMap(oc.Variables))
	if err != nil || json.Unmarshal(raw, &a) != nil {
		return store.Page{}, nil, false
	}
	area, err := c.r.area(ctx, a.Area)
	if err != nil {
		return store.Page{}, nil, false
	}
	n, err := firstArg(a.First, 100)
	if err != nil {
		return store.Page{}, nil, false
	}
	after, err := c.r.Cursor.After(string(l), a.After)
	if err != nil {
		return store.Page{}, nil, false
	}
	filter := store.Filter{Area: area, Incident: a.Filter}
	if a.Level != nil {
		filter.Level = *a.Level
	}
	if a.ParentCode != nil {
		filter.ParentCode = *a.ParentCode
	}
	if a.Kind != nil {
		filter.Kind = *a.Kind
	}
	if a.Status != nil {
		filter.Status = *a.Status
	}
	return store.Page{Node: parts.node, Filter: filter, After: after, First: n, Parts: parts.parts}, area, true
}

// planner turns selections into store plans for one request.
type planner struct {
	c    *Compiler
	ctx  context.Context
	oc   *graphql.OperationContext
	role *auth.Role
}

func roleOf(ctx context.Context) *auth.Role {
	if p := auth.From(ctx); p != nil {
		return p.Role
	}
	return nil
}

// allowed reports whether the role reads object.field as it is (no check refuses,
// hides or masks it), as the field guard would.
func (p planner) allowed(object, field string) bool {
	if p.role == nil || p.c.guard.isTrusted(p.role) {
		return true
	}
	if l, ok := p.c.guard.Layer(object, field); ok && !p.role.CanRead(l) {
		return false
	}
	return p.role.Field(object, field) == ""
}

// typeOf is the GraphQL type of a layer's features.
func typeOf(l model.Layer) string { return auth.TypeOf(l) }

type connPlan struct {
	node  store.Node
	parts []store.Part
}

// connection plans a connection field of layer l (edges { node }, totalCount,
// pageInfo { hasNextPage }); cursors are the resolvers' to sign.
func (p planner) connection(f graphql.CollectedField, l model.Layer) (connPlan, bool) {
	conn := typeOf(l) + "Connection"
	if !p.allowed(f.ObjectDefinition.Name, f.Name) {
		return connPlan{}, false
	}
	var out connPlan
	out.node.Layer = l
	for _, cf := range graphql.CollectFields(p.oc, f.Selections, []string{conn}) {
		if !p.allowed(conn, cf.Name) {
			return connPlan{}, false
		}
		switch cf.Name {
		case "__typename":
			out.parts = append(out.parts, store.Part{Key: cf.Alias, Kind: "typename", Const: conn})
		case "totalCount":
			out.parts = append(out.parts, store.Part{Key: cf.Alias, Kind: "totalCount"})
		case "pageInfo":
			var sub []store.Part
			for _, pf := range graphql.CollectFields(p.oc, cf.Selections, []string{"PageInfo"}) {
				switch pf.Name {
				case "__typename":
					sub = append(sub, store.Part{Key: pf.Alias, Kind: "typename", Const: "PageInfo"})
				case "hasNextPage":
					sub = append(sub, store.Part{Key: pf.Alias, Kind: "hasNextPage"})
				default:
					return connPlan{}, false
				}
			}
			out.parts = append(out.parts, store.Part{Key: cf.Alias, Kind: "pageInfo", Sub: sub})
		case "edges":
			edge := typeOf(l) + "Edge"
			var sub []store.Part
			for _, ef := range graphql.CollectFields(p.oc, cf.Selections, []string{edge}) {
				if !p.allowed(edge, ef.Name) {
					return connPlan{}, false
				}
				switch ef.Name {
				case "__typename":
					sub = append(sub, store.Part{Key: ef.Alias, Kind: "typename", Const: edge})
				case "node":
					if len(out.node.Members) > 0 {
						return connPlan{}, false // one node selection per connection
					}
					n, ok := p.node(ef.Selections, l)
					if !ok {
						return connPlan{}, false
					}
					out.node = n
					sub = append(sub, store.Part{Key: ef.Alias, Kind: "node"})
				default:
					return connPlan{}, false
				}
			}
			out.parts = append(out.parts, store.Part{Key: cf.Alias, Kind: "edges", Sub: sub})
		default:
			return connPlan{}, false
		}
	}
	return out, true
}

// node plans the object of a feature of layer l.
func (p planner) node(sel ast.SelectionSet, l model.Layer) (store.Node, bool) {
	typ := typeOf(l)
	n := store.Node{Layer: l}
	for _, f := range graphql.CollectFields(p.oc, sel, []string{typ, "Feature", "Node"}) {
		if f.Name != "__typename" && !p.allowed(typ, f.Name) {
			return store.Node{}, false
		}
		m := store.Member{Key: f.Alias}
		switch {
		case f.Name == "__typename":
			m.Const = &typ
		case len(f.Definition.Arguments) == 0 && store.CanCompile(l, f.Name):
			m.Column = f.Name
		case f.Name == "grid" && l == model.LayerGrid:
			m.Null = true
		case f.Name == "grid" || (f.Name == "parent" && l == model.LayerGrid):
			g, ok := p.node(f.Selections, model.LayerGrid)
			if !ok {
				return store.Node{}, false
			}
			if f.Name == "grid" {
				m.Grid = &g
			} else {
				m.Parent = &g
			}
		case l == model.LayerGrid && (f.Name == "buildings" || f.Name == "cameras" || f.Name == "incidents"):
			pg, ok := p.subtree(f)
			if !ok {
				return store.Node{}, false
			}
			m.Page = &pg
		case l == model.LayerIncident && f.Name == "nearbyCameras":
			nr, ok := p.near(f)
			if !ok {
				return store.Node{}, false
			}
			m.Near = &nr
		default:
			return store.Node{}, false
		}
		n.Members = append(n.Members, m)
	}
	return n, true
}

// subtree plans a page of a grid's buildings, cameras or incidents (first only: no
// cursor, no filter).
func (p planner) subtree(f graphql.CollectedField) (store.Page, bool) {
	var a struct {
		First  *int
		After  *string
		Filter *model.IncidentFilter
	}
	raw, err := json.Marshal(f.ArgumentMap(p.oc.Variables))
	if err != nil || json.Unmarshal(raw, &a) != nil || a.After != nil || a.Filter != nil {
		return store.Page{}, false
	}
	n, err := firstArg(a.First, 100)
	if err != nil {
		return store.Page{}, false
	}
	l := map[string]model.Layer{"buildings": model.LayerBuilding, "cameras": model.LayerCamera, "incidents": model.LayerIncident}[f.Name]
	c, ok := p.connection(f, l)
	if !ok {
		return store.Page{}, false
	}
	return store.Page{Node: c.node, First: n, Parts: c.parts}, true
}

// near plans Incident.nearbyCameras.
func (p planner) near(f graphql.CollectedField) (store.Near, bool) {
	var a struct{ RadiusMeters *float64 }
	raw, err := json.Marshal(f.ArgumentMap(p.oc.Variables))
	if err != nil || json.Unmarshal(raw, &a) != nil {
		return store.Near{}, false
	}
	m, err := nearbyRadius(a.RadiusMeters)
	if err != nil {
		return store.Near{}, false
	}
	nr := store.Near{Meters: m, Camera: store.Node{Layer: model.LayerCamera}}
	for _, nf := range graphql.CollectFields(p.oc, f.Selections, []string{"NearbyFeature"}) {
		if !p.allowed("NearbyFeature", nf.Name) {
			return store.Near{}, false
		}
		switch nf.Name {
		case "__typename":
			nr.Parts = append(nr.Parts, store.Part{Key: nf.Alias, Kind: "typename", Const: "NearbyFeature"})
		case "distanceMeters":
			nr.Parts = append(nr.Parts, store.Part{Key: nf.Alias, Kind: "distanceMeters"})
		case "feature":
			if len(nr.Camera.Members) > 0 {
				return store.Near{}, false
			}
			n, ok := p.node(nf.Selections, model.LayerCamera)
			if !ok {
				return store.Near{}, false
			}
			nr.Camera = n
			nr.Parts = append(nr.Parts, store.Part{Key: nf.Alias, Kind: "feature"})
		default:
			return store.Near{}, false
		}
	}
	return nr, true
}
