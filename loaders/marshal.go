package loaders

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalSlice marshals the elements of a list in gqlgen's generated code, which calls it
// in place of graphql.MarshalSliceConcurrently (see generate.go).
//
// gqlgen starts a goroutine for every element of every list, so that elements waiting for
// a relation ask for it together and their loads land in one batch. When the list
// resolvers have prefetched the relations (see resolvers/prefetch.go) no element waits,
// and the goroutines are pure cost: 500 incidents with their nearby cameras are ~4,000
// goroutines, each growing a fresh stack through gqlgen's deep call chain, and at 32 such
// requests at once their stacks alone take hundreds of megabytes. So the elements are
// marshalled one after another on the calling goroutine for as long as none of them has
// to wait for a load of the request's loaders; once one has waited, the rest of the list
// is marshalled concurrently, as gqlgen would, so that their loads still batch. A list
// whose relations were not prefetched costs one load for its first element and one batch
// for the rest, whatever its length.
func MarshalSlice(ctx context.Context, length int, workerLimit int64, omitPanicHandler bool,
	marshal func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok || length < 2 || workerLimit > 0 {
		// gqlgen's own way: also for a worker_limit set in gqlgen.yml, which this leaves to it.
		return graphql.MarshalSliceConcurrently(ctx, length, workerLimit, omitPanicHandler, marshal)
	}
	ret := make(graphql.Array, length)
	for i := range length {
		before := l.gate.waits.Load()
		ret[i] = marshalElement(ctx, i, omitPanicHandler, marshal)
		if l.gate.waits.Load() != before {
			marshalConcurrently(ctx, ret, i+1, omitPanicHandler, marshal)
			break
		}
	}
	return ret
}

// marshalElement marshals element i under its own field context, turning a panic into
// a GraphQL error on that element as gqlgen does.
func marshalElement(ctx context.Context, i int, omitPanicHandler bool,
	marshal func(ctx context.Context, i int) graphql.Marshaler) (m graphql.Marshaler) {
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
	if !omitPanicHandler {
		defer func() {
			if r := recover(); r != nil {
				graphql.AddError(ctx, graphql.Recover(ctx, r))
				m = graphql.Null
			}
		}()
	}
	return marshal(ctx, i)
}

// marshalConcurrently marshals ret[from:] with a goroutine per element.
func marshalConcurrently(ctx context.Context, ret graphql.Array, from int, omitPanicHandler bool,
	marshal func(ctx context.Context, i int) graphql.Marshaler) {
	var wg sync.WaitGroup
	for i := from; i < len(ret); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ret[i] = marshalElement(ctx, i, omitPanicHandler, marshal)
		}()
	}
	wg.Wait()
}
