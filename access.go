package main

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"gridhub/auth"
)

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
