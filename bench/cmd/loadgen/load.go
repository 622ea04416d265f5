package main

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// request is one request of a workload against one target; it returns the response's
// size. An error is a failed request: transport, status, GraphQL errors or SQL.
type request func(ctx context.Context) (int, error)

// closedRun is a closed-loop run: c workers each send the next request as soon as the
// last one is answered, for d; the throughput is what the target sustains at c.
type closedRun struct {
	Reqs, Errs int
	Elapsed    time.Duration
	FirstErr   error
}

func (r closedRun) perSecond() float64 { return float64(r.Reqs) / r.Elapsed.Seconds() }

func closedLoop(ctx context.Context, do request, c int, d time.Duration) closedRun {
	var reqs, errs atomic.Int64
	var first atomic.Pointer[error]
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if _, err := do(ctx); err != nil {
					errs.Add(1)
					first.CompareAndSwap(nil, &err)
					continue
				}
				reqs.Add(1)
			}
		})
	}
	wg.Wait()
	r := closedRun{Reqs: int(reqs.Load()), Errs: int(errs.Load()), Elapsed: time.Since(start)}
	if e := first.Load(); e != nil {
		r.FirstErr = *e
	}
	return r
}

// maxInFlight bounds an open-model run's concurrency: past it the target is overloaded
// and further requests count as errors instead of piling up goroutines.
const maxInFlight = 512

// openRun is an open-model run: requests start on a fixed schedule whether or not earlier
// ones were answered, as independent map clients do. Each latency runs from the request's
// scheduled start, so a late dispatch or a queue counts against the target instead of
// being hidden (coordinated omission).
type openRun struct {
	Lat      []time.Duration // of the answered requests
	Errs     int
	FirstErr error
}

func openLoop(ctx context.Context, do request, rate float64, d time.Duration) openRun {
	n := int(rate * d.Seconds())
	interval := time.Duration(float64(time.Second) / rate)
	lat := make([]time.Duration, n)
	ok := make([]bool, n)
	var errs atomic.Int64
	var first atomic.Pointer[error]
	fail := func(err error) {
		errs.Add(1)
		first.CompareAndSwap(nil, &err)
	}
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < n && ctx.Err() == nil; i++ {
		at := start.Add(time.Duration(i) * interval)
		if w := time.Until(at); w > 0 {
			time.Sleep(w)
		}
		select {
		case sem <- struct{}{}:
		default:
			fail(errOverloaded)
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if _, err := do(ctx); err != nil {
				fail(err)
				return
			}
			lat[i], ok[i] = time.Since(at), true
		})
	}
	wg.Wait()
	r := openRun{Errs: int(errs.Load())}
	for i, l := range lat {
		if ok[i] {
			r.Lat = append(r.Lat, l)
		}
	}
	if e := first.Load(); e != nil {
		r.FirstErr = *e
	}
	return r
}

type overloaded struct{}

func (overloaded) Error() string {
	return "more than 512 requests in flight: the rate is above what the target sustains"
}

var errOverloaded error = overloaded{}

// quantiles are latency percentiles in milliseconds (nearest rank).
type quantiles struct {
	N             int
	P50, P90, P99 float64
}

func percentiles(lat []time.Duration) quantiles {
	if len(lat) == 0 {
		return quantiles{}
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	at := func(p float64) float64 {
		i := int(p*float64(len(s))+0.999999) - 1
		i = max(0, min(i, len(s)-1))
		return float64(s[i].Microseconds()) / 1000
	}
	return quantiles{N: len(s), P50: at(0.50), P90: at(0.90), P99: at(0.99)}
}
