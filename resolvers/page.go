package resolvers

import (
	"context"

	"gridhub/loaders"
	"gridhub/model"
	"gridhub/store"
)

// fetchPage returns up to n+1 rows after the id; the extra row only says there is more.
type fetchPage func(ctx context.Context, after int64, n int) ([]model.Feature, error)

// connection pages through one layer: it checks the arguments, fetches a page, signs
// the cursors, and counts only if the client asks for totalCount.
func connection[T model.Feature, E any](ctx context.Context, r *Resolver, scope string, first *int, after *string,
	fetch fetchPage, count func(context.Context) (int, error), prefetchAll bool, edge func(cursor string, node T) E) ([]E, model.Page, error) {
	n, err := firstArg(first, 100)
	if err != nil {
		return nil, model.Page{}, err
	}
	from, err := r.Cursor.After(scope, after)
	if err != nil {
		return nil, model.Page{}, err
	}
	rows, err := fetch(ctx, from, n+1)
	if err != nil {
		return nil, model.Page{}, err
	}
	more := len(rows) > n
	if more {
		rows = rows[:n]
	}
	if prefetchAll {
		prefetch(ctx, rows, nodeSelection(ctx))
	}
	edges := make([]E, len(rows))
	info := &model.PageInfo{HasNextPage: more}
	for i, f := range rows {
		c := r.Cursor.Of(scope, f.Key())
		edges[i] = edge(c, f.(T))
		info.EndCursor = &c
	}
	return edges, model.Page{PageInfo: info, Count: count}, nil
}

// rootList is connection over a root field's filter.
func rootList[T model.Feature, E any](ctx context.Context, r *Resolver, l model.Layer, f store.Filter, first *int, after *string,
	edge func(string, T) E) ([]E, model.Page, error) {
	if err := readable(ctx, f.Area, l); err != nil {
		return nil, model.Page{}, err
	}
	return connection(ctx, r, string(l), first, after,
		func(ctx context.Context, after int64, n int) ([]model.Feature, error) {
			return r.Store.List(ctx, l, f, after, n)
		},
		func(ctx context.Context) (int, error) { return r.Store.Count(ctx, l, f) },
		true, edge)
}

// subtreeList is connection over the rows of a layer under one grid, batched across
// all grids of the response by the loaders.
func subtreeList[T model.Feature, E any](ctx context.Context, r *Resolver, l model.Layer, f store.Filter, code string, first *int, after *string,
	edge func(string, T) E) ([]E, model.Page, error) {
	ld := loaders.For(ctx)
	return connection(ctx, r, "grid."+string(l), first, after,
		func(ctx context.Context, after int64, n int) ([]model.Feature, error) {
			return ld.SubtreePage(ctx, l, f, code, after, n)
		},
		func(ctx context.Context) (int, error) { return ld.SubtreeCount(ctx, l, f, code) },
		false, edge)
}

// featureGrid resolves Feature.grid from a GRID id.
func featureGrid(ctx context.Context, id *int64) (*model.Grid, error) {
	if id == nil {
		return nil, nil
	}
	return loaders.For(ctx).Grid(ctx, *id)
}

func ptr[T any](v T) *T { return &v }

// as converts a list of features of one layer to its concrete type.
func as[T model.Feature](fs []model.Feature) []T {
	out := make([]T, len(fs))
	for i, f := range fs {
		out[i] = f.(T)
	}
	return out
}
