package httpapi

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/sync/semaphore"

	"gridhub/model"
)

// admission lets operations execute together only up to a budget of query cost (the
// complexity the limits already compute); the rest wait their turn, first come first
// served, until their request's deadline. Execution memory follows cost: 500 incidents
// with their nearby cameras (cost 34,001) build ~20 MB of gqlgen's result tree, and 32 of
// them at once pushed the heap far past its limit, so that the collector ran all the
// time and throughput fell to half of what 8 at once achieved. Small requests (a map
// viewport's collection costs 550) are never held back by the budget alone.
type admission struct {
	sem    *semaphore.Weighted
	budget int64
	wait   prometheus.Histogram
}

// newAdmission makes the budget; 0 (or less) lets everything execute at once.
func newAdmission(budget int64, reg prometheus.Registerer) *admission {
	a := &admission{
		sem:    semaphore.NewWeighted(max(budget, 1)),
		budget: budget,
		wait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "gridhub_graphql_admission_wait_seconds",
			Help:    "Time GraphQL operations waited for the execution budget.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
	}
	reg.MustRegister(a.wait)
	return a
}

func (a *admission) around(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	h := next(ctx)
	if op := graphql.GetOperationContext(ctx).Operation; a.budget <= 0 || op == nil || op.Operation == ast.Subscription {
		return h
	}
	cost := int64(1)
	if s := extension.GetComplexityStats(ctx); s != nil && s.Complexity > 1 {
		cost = min(int64(s.Complexity), a.budget)
	}
	return func(ctx context.Context) *graphql.Response {
		start := time.Now()
		if err := a.sem.Acquire(ctx, cost); err != nil {
			return &graphql.Response{Errors: gqlerror.List{{
				Message:    "the server is busy and the request's time ran out while it waited; try again shortly",
				Extensions: map[string]any{"code": model.CodeUnavailable},
			}}}
		}
		a.wait.Observe(time.Since(start).Seconds())
		defer a.sem.Release(cost)
		return h(ctx)
	}
}
