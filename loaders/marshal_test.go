package loaders

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

type leaf int

func (leaf) MarshalGQL(io.Writer) {}

// TestMarshalSliceSequentialWhenCached: elements that find their relations in the cache
// are marshalled in order on the calling goroutine, never two at once.
func TestMarshalSliceSequentialWhenCached(t *testing.T) {
	g := &gate{}
	ld := newLoader(g, func(_ context.Context, keys []int) (map[int]int, error) {
		m := map[int]int{}
		for _, k := range keys {
			m[k] = k * 10
		}
		return m, nil
	})
	ctx := With(context.Background(), &Loaders{gate: g})
	for i := range 100 { // a prefetch: every key loaded before marshalling
		if _, err := ld.Load(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	var running, most atomic.Int32
	var order []int
	ret := MarshalSlice(ctx, 100, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		n := running.Add(1)
		defer running.Add(-1)
		if n > most.Load() {
			most.Store(n)
		}
		if fc := graphql.GetFieldContext(ctx); fc == nil || fc.Index == nil || *fc.Index != i {
			t.Errorf("element %d: field context index wrong", i)
		}
		v, _ := ld.Load(ctx, i)
		order = append(order, v) // no lock: a data race here would fail under -race
		return leaf(v)
	})
	if most.Load() != 1 {
		t.Errorf("%d elements ran at once, want 1", most.Load())
	}
	for i, v := range order {
		if v != i*10 || ret[i].(leaf) != leaf(i*10) {
			t.Fatalf("element %d: got %d", i, v)
		}
	}
}

// TestMarshalSliceBatchesAfterAWait: when an element has to wait for a load, the rest of
// the list is marshalled concurrently, so that their loads land in one batch.
func TestMarshalSliceBatchesAfterAWait(t *testing.T) {
	g := &gate{}
	var mu sync.Mutex
	var batches [][]int
	ld := newLoader(g, func(_ context.Context, keys []int) (map[int]int, error) {
		mu.Lock()
		batches = append(batches, append([]int(nil), keys...))
		mu.Unlock()
		m := map[int]int{}
		for _, k := range keys {
			m[k] = k
		}
		return m, nil
	})
	ctx := With(context.Background(), &Loaders{gate: g})
	const n = 200
	ret := MarshalSlice(ctx, n, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		v, err := ld.Load(ctx, i)
		if err != nil {
			t.Error(err)
		}
		return leaf(v)
	})
	for i := range n {
		if ret[i].(leaf) != leaf(i) {
			t.Fatalf("element %d: got %v", i, ret[i])
		}
	}
	if len(batches) != 2 || len(batches[0]) != 1 || len(batches[1]) != n-1 {
		sizes := []int{}
		for _, b := range batches {
			sizes = append(sizes, len(b))
		}
		t.Fatalf("batches of %v keys, want [1 %d]", sizes, n-1)
	}
}

// TestMarshalSlicePanic: a panicking element becomes an error on that element only.
func TestMarshalSlicePanic(t *testing.T) {
	ctx := With(context.Background(), &Loaders{gate: &gate{}})
	ctx = graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter,
		func(context.Context, any) error { return errors.New("internal system error") })
	ret := MarshalSlice(ctx, 3, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		if i == 1 {
			panic("boom")
		}
		return leaf(i)
	})
	if ret[0].(leaf) != 0 || ret[1] != graphql.Null || ret[2].(leaf) != 2 {
		t.Fatalf("got %v", ret)
	}
	if errs := graphql.GetErrors(ctx); len(errs) != 1 {
		t.Fatalf("errors %v, want one", errs)
	}
}
