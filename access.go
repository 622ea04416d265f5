package main

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"gridhub/auth"
	"gridhub/model"
)

// layerOfType maps the GraphQL types that carry a layer's data to that layer.
var layerOfType = map[string]model.Layer{}

func init() {
	for _, l := range model.Layers {
		t := auth.TypeOf(l)
		for _, suffix := range []string{"", "Connection", "Edge"} {
			layerOfType[t+suffix] = l
		}
	}
	layerOfType["IncidentEvent"] = model.LayerIncident
	layerOfType["IncidentCategory"] = model.LayerIncident
}

// statsLayer says whose data each Stats count is.
var statsLayer = map[string]model.Layer{
	"population": model.LayerBuilding, "households": model.LayerBuilding, "buildings": model.LayerBuilding,
	"cameras": model.LayerCamera, "camerasOnline": model.LayerCamera, "partyUnits": model.LayerPartyUnit,
	"servicePoints": model.LayerServicePoint, "incidents": model.LayerIncident, "openIncidents": model.LayerIncident,
	"overdueIncidents": model.LayerIncident,
}

// fieldLayer is the layer whose data a field returns, if any.
func fieldLayer(fc *graphql.FieldContext) (model.Layer, bool) {
	if fc.Object == "Stats" {
		l, ok := statsLayer[fc.Field.Name]
		return l, ok
	}
	if fc.Object == "Incident" && fc.Field.Name == "nearbyCameras" {
		return model.LayerCamera, true
	}
	if fc.Field.Definition == nil {
		return "", false
	}
	l, ok := layerOfType[namedType(fc.Field.Definition.Type)]
	return l, ok
}

func namedType(t *ast.Type) string {
	for t.Elem != nil {
		t = t.Elem
	}
	return t.NamedType
}

func forbidden(format string, a ...any) error {
	return model.Errorf(model.CodeForbidden, format, a...)
}

// guardFields applies the caller's role to every field resolved, in queries, nested
// relations, mutations and subscription payloads alike: layers it may not read and
// denied fields are FORBIDDEN, null fields answer null, masked fields lose their digits.
func guardFields(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	p := auth.From(ctx)
	if p == nil || fc == nil || fc.Field.Field == nil {
		return next(ctx)
	}
	role := p.Role
	if role.Unrestricted && role.Audit && len(role.Mutations) == len(mutationNames) {
		return next(ctx)
	}
	switch {
	case fc.Object == "Mutation" && !role.CanCall(fc.Field.Name):
		return nil, forbidden("the %s role may not call %s", role.Name, fc.Field.Name)
	case fc.Object == "Query" && fc.Field.Name == "auditLog" && !role.Audit:
		return nil, forbidden("the %s role may not read the audit log", role.Name)
	}
	if l, ok := fieldLayer(fc); ok && !role.CanRead(l) {
		return nil, forbidden("the %s role may not read the %s layer", role.Name, l)
	}
	switch role.Field(fc.Object, fc.Field.Name) {
	case auth.Deny:
		return nil, forbidden("the %s role may not read %s.%s", role.Name, fc.Object, fc.Field.Name)
	case auth.Hide:
		return nil, nil
	case auth.Mask:
		v, err := next(ctx)
		if s, ok := v.(*string); ok && s != nil {
			m := auth.MaskDigits(*s)
			return &m, err
		}
		return v, err
	}
	return next(ctx)
}

// roleLimits applies the caller's complexity budget and introspection right.
type roleLimits struct{ es graphql.ExecutableSchema }

func (roleLimits) ExtensionName() string { return "RoleLimits" }
func (r *roleLimits) Validate(es graphql.ExecutableSchema) error {
	r.es = es
	return nil
}

func (r *roleLimits) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	p := auth.From(ctx)
	if p == nil {
		return nil
	}
	if !p.Role.Introspection {
		oc.DisableIntrospection = true
	}
	return nil
}

// roleComplexity is the complexity limit of the caller's role.
func roleComplexity(def int) func(ctx context.Context, oc *graphql.OperationContext) int {
	return func(ctx context.Context, _ *graphql.OperationContext) int {
		if p := auth.From(ctx); p != nil {
			return p.Role.Complexity
		}
		return def
	}
}

// mutationNames are the schema's mutations: a role that may call them all, read
// everything and the audit log needs no per-field check.
var mutationNames = []string{"reportIncident", "transitionIncident"}
