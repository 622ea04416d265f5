package loaders

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Batching closes a batch once no key has arrived for batchIdle (or batchMax after the
// first key), rather than a fixed time after the first key: gqlgen resolves a page's
// items in concurrent goroutines, and on two cores 500 items take ~40 ms to all ask for
// their relation, so a fixed window (dataloadgen's) splits one level of a large page
// into several statements, more of them the busier the machine is. Keys of one level
// arrive microseconds apart, so a short idle gap marks the end of the level.
const (
	batchIdle = 2 * time.Millisecond
	batchMax  = 100 * time.Millisecond
)

// loader batches and caches lookups by key for one request. A key the fetch has no
// value for gets the zero value: nil for a missing row, an empty list for no children.
type loader[K comparable, V any] struct {
	fetch func(ctx context.Context, keys []K) (map[K]V, error)
	gate  *gate

	mu      sync.Mutex
	cache   map[K]*result[V]
	pending *batch[K, V]
}

type result[V any] struct {
	v    V
	err  error
	done chan struct{}
}

type batch[K comparable, V any] struct {
	ctx     context.Context
	keys    []K
	results []*result[V]
	first   time.Time
	last    time.Time
}

func newLoader[K comparable, V any](g *gate, fetch func(ctx context.Context, keys []K) (map[K]V, error)) *loader[K, V] {
	l := &loader[K, V]{fetch: fetch, gate: g, cache: map[K]*result[V]{}}
	g.register(l)
	return l
}

// Load returns the value for key, batching it with the other keys asked meanwhile.
func (l *loader[K, V]) Load(ctx context.Context, key K) (V, error) { return l.Thunk(ctx, key)() }

// Thunk starts loading key and returns a function that waits for the value; starting
// many before waiting puts them in one batch.
func (l *loader[K, V]) Thunk(ctx context.Context, key K) func() (V, error) {
	l.mu.Lock()
	r, ok := l.cache[key]
	if !ok {
		r = &result[V]{done: make(chan struct{})}
		l.cache[key] = r
		now := time.Now()
		b := l.pending
		if b == nil {
			b = &batch[K, V]{ctx: ctx, first: now}
			l.pending = b
			go l.wait(b)
		}
		b.keys = append(b.keys, key)
		b.results = append(b.results, r)
		b.last = now
	}
	l.mu.Unlock()
	return func() (V, error) {
		select {
		case <-r.done:
			return r.v, r.err
		default:
		}
		l.gate.waits.Add(1)
		select {
		case <-r.done:
			return r.v, r.err
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
}

func (l *loader[K, V]) wait(b *batch[K, V]) {
	for {
		time.Sleep(batchIdle)
		if l.gate.held() {
			continue // the holder flushes when it lets go
		}
		l.mu.Lock()
		if l.pending != b {
			l.mu.Unlock()
			return // flushed meanwhile
		}
		if time.Since(b.last) >= batchIdle || time.Since(b.first) >= batchMax {
			l.pending = nil
			l.mu.Unlock()
			break
		}
		l.mu.Unlock()
	}
	l.run(b)
}

// flush runs the pending batch now.
func (l *loader[K, V]) flush() {
	l.mu.Lock()
	b := l.pending
	l.pending = nil
	l.mu.Unlock()
	if b != nil {
		go l.run(b)
	}
}

func (l *loader[K, V]) run(b *batch[K, V]) {
	m, err := l.safeFetch(b.ctx, b.keys)
	for i, r := range b.results {
		r.v, r.err = m[b.keys[i]], err
		close(r.done)
	}
}

func (l *loader[K, V]) safeFetch(ctx context.Context, keys []K) (m map[K]V, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("loader panic: %v", p)
		}
	}()
	return l.fetch(ctx, keys)
}

// gate lets one goroutine hold every loader of a request while it starts a whole level
// of loads, then run them at once: what it starts becomes exactly one batch per loader,
// however long the scheduler takes to let it finish.
type gate struct {
	mu      sync.Mutex
	holds   int
	loaders []interface{ flush() }

	// waits counts the loads that found their value not yet there and had to wait for
	// it (see MarshalSlice).
	waits atomic.Int64
}

func (g *gate) register(l interface{ flush() }) {
	g.mu.Lock()
	g.loaders = append(g.loaders, l)
	g.mu.Unlock()
}

func (g *gate) held() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.holds > 0
}

func (g *gate) hold() {
	g.mu.Lock()
	g.holds++
	g.mu.Unlock()
}

func (g *gate) release() {
	g.mu.Lock()
	g.holds--
	var ls []interface{ flush() }
	if g.holds == 0 {
		ls = append(ls, g.loaders...)
	}
	g.mu.Unlock()
	for _, l := range ls {
		l.flush()
	}
}
