package resolvers

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"gridhub/auth"
	"gridhub/model"
)

// FieldGuard applies the caller's role to every field resolved, in queries, nested
// relations, mutations and subscription payloads alike: mutations it may not call, layers
// it may not read and denied fields are FORBIDDEN, hidden fields answer null, masked
// fields lose their digits. What it knows of the API it reads from the schema: the
// mutations, and the layer each field's data belongs to (the @layer directive on a type
// or field; connections and edges hold their nodes' layer).
type FieldGuard struct {
	mutations []string
	layers    map[fieldKey]model.Layer
}

type fieldKey struct{ object, field string }

// NewFieldGuard reads the mutations and the fields' layers from s.
func NewFieldGuard(s *ast.Schema) *FieldGuard {
	g := &FieldGuard{layers: map[fieldKey]model.Layer{}}
	if s.Mutation != nil {
		for _, f := range s.Mutation.Fields {
			if !isIntrospection(f.Name) {
				g.mutations = append(g.mutations, f.Name)
			}
		}
	}
	for _, t := range s.Types {
		if t.Kind != ast.Object || t.BuiltIn {
			continue
		}
		for _, f := range t.Fields {
			if l, ok := layerOf(s, f.Directives, f.Type, 0); ok {
				g.layers[fieldKey{t.Name, f.Name}] = l
			}
		}
	}
	return g
}

func isIntrospection(name string) bool { return len(name) > 1 && name[:2] == "__" }

// layerOf is the layer of a field with those directives returning t: the field's own
// @layer, else that of its type, else (for connections and edges) that of the type of
// its edges or node field.
func layerOf(s *ast.Schema, ds ast.DirectiveList, t *ast.Type, depth int) (model.Layer, bool) {
	if l, ok := layerDirective(ds); ok {
		return l, true
	}
	for t.Elem != nil {
		t = t.Elem
	}
	def := s.Types[t.NamedType]
	if def == nil || depth > 2 {
		return "", false
	}
	if l, ok := layerDirective(def.Directives); ok {
		return l, true
	}
	for _, via := range []string{"edges", "node"} {
		if f := def.Fields.ForName(via); f != nil {
			return layerOf(s, nil, f.Type, depth+1)
		}
	}
	return "", false
}

func layerDirective(ds ast.DirectiveList) (model.Layer, bool) {
	d := ds.ForName("layer")
	if d == nil {
		return "", false
	}
	a := d.Arguments.ForName("is")
	if a == nil || a.Value == nil {
		return "", false
	}
	l := model.Layer(a.Value.Raw)
	return l, l.IsValid()
}

// Layer is the layer whose data object.field returns, if any.
func (g *FieldGuard) Layer(object, field string) (model.Layer, bool) {
	l, ok := g.layers[fieldKey{object, field}]
	return l, ok
}

// Around is the field middleware (handler.AroundFields).
func (g *FieldGuard) Around(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	p := auth.From(ctx)
	if p == nil || fc == nil || fc.Field.Field == nil {
		return next(ctx)
	}
	role := p.Role
	if g.isTrusted(role) {
		return next(ctx)
	}
	switch {
	case fc.Object == "Mutation" && !role.CanCall(fc.Field.Name):
		return nil, forbidden("the %s role may not call %s", role.Name, fc.Field.Name)
	case fc.Object == "Query" && fc.Field.Name == "auditLog" && !role.Audit:
		return nil, forbidden("the %s role may not read the audit log", role.Name)
	}
	if l, ok := g.Layer(fc.Object, fc.Field.Name); ok && !role.CanRead(l) {
		return nil, forbidden("the %s role may not read the %s layer", role.Name, l)
	}
	switch role.Field(fc.Object, fc.Field.Name) {
	case auth.Deny:
		return nil, forbidden("the %s role may not read %s.%s", role.Name, fc.Object, fc.Field.Name)
	case auth.Hide:
		return nil, nil
	case auth.Mask:
		v, err := next(ctx)
		switch s := v.(type) {
		case *string:
			if s != nil {
				m := auth.MaskDigits(*s)
				return &m, err
			}
		case string:
			return auth.MaskDigits(s), err
		}
		return v, err
	}
	return next(ctx)
}

// isTrusted reports whether role reads everything, the audit log included, and may call
// every mutation: then no field needs a check.
func (g *FieldGuard) isTrusted(role *auth.Role) bool {
	if !role.Unrestricted || !role.Audit {
		return false
	}
	for _, m := range g.mutations {
		if !slices.Contains(role.Mutations, m) {
			return false
		}
	}
	return true
}

func forbidden(format string, a ...any) error {
	return model.Errorf(model.CodeForbidden, format, a...)
}

// CheckPolicy refuses a policy whose field rules or allow lists name what the schema does
// not have (a misspelt field would restrict nothing), hide a field the schema says is never
// null (it cannot be answered null), or mask a field that is not a string.
func CheckPolicy(s *ast.Schema, p *auth.Policy) error {
	field := func(typ, name string) (*ast.FieldDefinition, error) {
		def := s.Types[typ]
		if def == nil || (def.Kind != ast.Object && def.Kind != ast.Interface) {
			return nil, fmt.Errorf("the schema has no type %s", typ)
		}
		f := def.Fields.ForName(name)
		if f == nil {
			return nil, fmt.Errorf("%s has no field %s", typ, name)
		}
		return f, nil
	}
	for _, n := range slices.Sorted(maps.Keys(p.Roles)) {
		r := p.Roles[n]
		for _, f := range slices.Sorted(maps.Keys(r.Fields)) {
			typ, name, _ := strings.Cut(f, ".")
			def, err := field(typ, name)
			if err != nil {
				return fmt.Errorf("role %s: fields: %s: %w", n, f, err)
			}
			switch rule := r.Fields[f]; {
			case rule == auth.Hide && def.Type.NonNull:
				return fmt.Errorf("role %s: fields: %s is %s, never null, so it cannot be hidden: deny or mask it", n, f, def.Type)
			case rule == auth.Mask && def.Type.Name() != "String":
				return fmt.Errorf("role %s: fields: %s is %s: only strings can be masked", n, f, def.Type)
			}
		}
		for typ, fields := range r.Allow {
			for _, name := range fields {
				if _, err := field(typ, name); err != nil {
					return fmt.Errorf("role %s: allow: %w", n, err)
				}
			}
		}
	}
	return nil
}
