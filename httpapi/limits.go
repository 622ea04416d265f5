package httpapi

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"gridhub/auth"
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
