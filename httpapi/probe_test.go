package httpapi

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// A probe is one request that the schema allows: a root field of Query or Subscription
// with argument values from a probeSpace, and a selection of everything beneath it.
// Tests that must hold on every path build their requests with probes, so that a field
// added to the schema later is probed without anyone listing it.
type probe struct {
	name  string
	query string
	vars  map[string]any
}

// probeSpace is the values probes put in arguments, by what the argument is.
type probeSpace struct {
	points [][2]float64                    // lon/lat pairs
	areas  []map[string]any                // AreaInput values
	radii  []float64                       // radiusMeters
	ids    []string                        // ID! arguments
	codes  []string                        // grid codes (code, gridCode)
	layer  []string                        // a Layer! argument takes each
	layers []string                        // a [Layer!]! argument takes them all at once
	zooms  []int                           // an Int! zoom
	skip   func(object, field string) bool // fields left out of selections
}

// probes makes the requests for every field of the root type (Query or Subscription).
// It fails for a required argument it has no values for, naming it: probeSpace must
// then learn what to put there.
func (ps probeSpace) probes(s *ast.Schema, root *ast.Definition, depth int) ([]probe, error) {
	var out []probe
	for _, f := range root.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		variants, err := ps.argVariants(f)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", root.Name, f.Name, err)
		}
		sel := ""
		if k := s.Types[f.Type.Name()].Kind; k != ast.Scalar && k != ast.Enum {
			sel = " { " + ps.selection(s, f.Type, depth) + " }"
		}
		op := strings.ToLower(string(root.Name))
		for i, v := range variants {
			var decl, args []string
			vars := map[string]any{}
			names := make([]string, 0, len(v))
			for n := range v {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				a := f.Arguments.ForName(n)
				decl = append(decl, "$"+n+": "+a.Type.String())
				args = append(args, n+": $"+n)
				vars[n] = v[n]
			}
			q := op
			if len(decl) > 0 {
				q += "(" + strings.Join(decl, ", ") + ")"
			}
			q += " { " + f.Name
			if len(args) > 0 {
				q += "(" + strings.Join(args, ", ") + ")"
			}
			out = append(out, probe{name: fmt.Sprintf("%s.%s #%d %v", root.Name, f.Name, i, vars), query: q + sel + " }", vars: vars})
		}
	}
	return out, nil
}

// argVariants is the argument values a field is probed with: one set per place (a point,
// an area, a grid code) times the values of its other required arguments.
func (ps probeSpace) argVariants(f *ast.FieldDefinition) ([]map[string]any, error) {
	variants := []map[string]any{{}}
	product := func(name string, values []any) {
		var next []map[string]any
		for _, v := range variants {
			for _, x := range values {
				m := map[string]any{name: x}
				for k, y := range v {
					m[k] = y
				}
				next = append(next, m)
			}
		}
		variants = next
	}
	// The places: a point (lon, lat and a radius), an area, or a grid code.
	var places []map[string]any
	if f.Arguments.ForName("lon") != nil && f.Arguments.ForName("lat") != nil {
		for _, p := range ps.points {
			if f.Arguments.ForName("radiusMeters") != nil {
				for _, r := range ps.radii {
					places = append(places, map[string]any{"lon": p[0], "lat": p[1], "radiusMeters": r})
				}
			} else {
				places = append(places, map[string]any{"lon": p[0], "lat": p[1]})
			}
		}
	}
	for _, a := range f.Arguments {
		if a.Type.Name() == "AreaInput" {
			for _, area := range ps.areas {
				places = append(places, map[string]any{a.Name: area})
			}
		}
	}
	if a := f.Arguments.ForName("gridCode"); a != nil {
		for _, c := range ps.codes {
			places = append(places, map[string]any{a.Name: c})
		}
	}
	if len(places) > 0 {
		variants = places
	}
	for _, a := range f.Arguments {
		if _, set := variants[0][a.Name]; set || !a.Type.NonNull || a.DefaultValue != nil {
			continue
		}
		var values []any
		switch {
		case a.Type.Name() == "Layer" && a.Type.Elem != nil:
			values = []any{ps.layers}
		case a.Type.Name() == "Layer":
			values = anys(ps.layer)
		case a.Type.Name() == "ID":
			values = anys(ps.ids)
		case a.Type.Name() == "String" && (a.Name == "code" || a.Name == "gridCode"):
			values = anys(ps.codes)
		case a.Type.Name() == "Int" && a.Name == "zoom":
			values = anys(ps.zooms)
		default:
			return nil, fmt.Errorf("no probe values for the required argument %s: %s", a.Name, a.Type.String())
		}
		product(a.Name, values)
	}
	return variants, nil
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// selection selects what lies under a field of type t, depth object levels deep, taking
// every type's fields once: breadth first, the first time a type is met it is selected
// with all its fields (relations followed), later only its scalar fields. Every field of
// every reachable type is then asked for in one document small enough to be served (the
// parser refuses documents of more than 4,000 tokens). Interfaces select each
// implementation, a field aliased by type where one name has two types there.
func (ps probeSpace) selection(s *ast.Schema, t *ast.Type, depth int) string {
	root := &selNode{typ: t.Name()}
	expanded := map[string]bool{}
	level := []*selNode{root}
	for d := 0; d <= depth && len(level) > 0; d++ {
		var next []*selNode
		for _, n := range level {
			next = append(next, ps.expand(s, n, expanded, d < depth)...)
		}
		level = next
	}
	return root.render()
}

// selNode is a selection being built: the fields of one object (or the branches of an
// interface) under one field.
type selNode struct {
	typ      string
	alias    string            // prefix of the fields' aliases, inside an interface's branch
	conflict func(string) bool // which fields need it
	fields   []string
	children []selChild
	branches []*selNode
}

type selChild struct {
	name string
	node *selNode
}

// expand fills n and returns the object nodes under it still to be filled.
func (ps probeSpace) expand(s *ast.Schema, n *selNode, expanded map[string]bool, deeper bool) []*selNode {
	def := s.Types[n.typ]
	if def == nil {
		return nil
	}
	if def.Kind == ast.Interface || def.Kind == ast.Union {
		// A field name whose type differs between implementations is aliased by type.
		types := map[string]map[string]bool{}
		for _, impl := range s.GetPossibleTypes(def) {
			for _, f := range impl.Fields {
				if types[f.Name] == nil {
					types[f.Name] = map[string]bool{}
				}
				types[f.Name][f.Type.String()] = true
			}
		}
		var out []*selNode
		for _, impl := range s.GetPossibleTypes(def) {
			b := &selNode{typ: impl.Name, alias: impl.Name, conflict: func(f string) bool { return len(types[f]) > 1 }}
			n.branches = append(n.branches, b)
			out = append(out, ps.expand(s, b, expanded, deeper)...)
		}
		return out
	}
	full := deeper && !expanded[def.Name]
	expanded[def.Name] = true
	var out []*selNode
	for _, f := range def.Fields {
		if strings.HasPrefix(f.Name, "__") || (ps.skip != nil && ps.skip(def.Name, f.Name)) || needsArgs(f) {
			continue
		}
		name := f.Name
		if n.alias != "" && n.conflict(f.Name) {
			name = n.alias + "_" + f.Name + ": " + f.Name
		}
		switch s.Types[f.Type.Name()].Kind {
		case ast.Scalar, ast.Enum:
			n.fields = append(n.fields, name)
		default:
			if full {
				c := &selNode{typ: f.Type.Name()}
				n.children = append(n.children, selChild{name, c})
				out = append(out, c)
			}
		}
	}
	return out
}

// render writes the selection set's contents; an object left without fields selects
// __typename, so that the document stays valid.
func (n *selNode) render() string {
	parts := append([]string(nil), n.fields...)
	for _, c := range n.children {
		parts = append(parts, c.name+" { "+c.node.render()+" }")
	}
	if len(n.branches) > 0 {
		parts = append(parts, "__typename")
		for _, b := range n.branches {
			if sub := b.render(); sub != "__typename" {
				parts = append(parts, "... on "+b.typ+" { "+sub+" }")
			}
		}
	}
	if len(parts) == 0 {
		return "__typename"
	}
	return strings.Join(parts, " ")
}

func needsArgs(f *ast.FieldDefinition) bool {
	for _, a := range f.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			return true
		}
	}
	return false
}
