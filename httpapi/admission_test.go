package httpapi

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
)

// operation is the context an operation of the given cost executes in.
func operation(ctx context.Context, kind ast.Operation, cost int) context.Context {
	oc := &graphql.OperationContext{Operation: &ast.OperationDefinition{Operation: kind}}
	oc.Stats.SetExtension("ComplexityLimit", &extension.ComplexityStats{Complexity: cost, ComplexityLimit: 1 << 30})
	return graphql.WithOperationContext(ctx, oc)
}

func TestAdmissionHoldsOperationsBeyondTheBudget(t *testing.T) {
	a := newAdmission(1000, prometheus.NewRegistry())
	var ran atomic.Int32
	next := func(ctx context.Context) graphql.ResponseHandler {
		return func(ctx context.Context) *graphql.Response { ran.Add(1); return &graphql.Response{Data: []byte(`{}`)} }
	}
	run := func(ctx context.Context, cost int) *graphql.Response {
		ctx = operation(ctx, ast.Query, cost)
		return a.around(ctx, next)(ctx)
	}

	// 600 of the 1,000 are taken by an operation still executing.
	if err := a.sem.Acquire(context.Background(), 600); err != nil {
		t.Fatal(err)
	}
	if r := run(context.Background(), 400); r.Errors != nil {
		t.Fatalf("an operation within the budget: %v", r.Errors)
	}
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	r := run(short, 500)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "UNAVAILABLE" || r.Data != nil {
		t.Fatalf("an operation that waited past its deadline: %+v, want UNAVAILABLE and no data", r)
	}
	if ran.Load() != 1 {
		t.Fatalf("%d operations ran, want 1", ran.Load())
	}

	// It waits its turn rather than failing while it still has time.
	done := make(chan *graphql.Response)
	go func() { done <- run(context.Background(), 500) }()
	select {
	case <-done:
		t.Fatal("an operation beyond the budget ran before the budget was released")
	case <-time.After(50 * time.Millisecond):
	}
	a.sem.Release(600)
	if r := <-done; r.Errors != nil {
		t.Fatalf("after the release: %v", r.Errors)
	}

	// A cost above the whole budget still runs (alone); subscriptions are not held.
	if r := run(context.Background(), 5000); r.Errors != nil {
		t.Fatalf("a cost above the budget: %v", r.Errors)
	}
	if err := a.sem.Acquire(context.Background(), 1000); err != nil {
		t.Fatal(err)
	}
	ctx := operation(context.Background(), ast.Subscription, 10)
	if r := a.around(ctx, next)(ctx); r.Errors != nil {
		t.Fatalf("a subscription: %v", r.Errors)
	}
}
