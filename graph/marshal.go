package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"gridhub/loaders"
)

// marshalSlice is what the generated code calls to marshal a list of objects (the
// generate step rewrites gqlgen's graphql.MarshalSliceConcurrently to it).
func marshalSlice(ctx context.Context, length int, workerLimit int64, omitPanicHandler bool,
	marshal func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	return loaders.MarshalSlice(ctx, length, workerLimit, omitPanicHandler, marshal)
}
