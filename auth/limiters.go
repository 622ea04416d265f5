package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Buckets are token buckets by key: Take spends a token, Peek only looks, and when there
// is none both say how long until there is. Each process has its own (LocalBuckets)
// unless a fleet gives its hubs one set, so that N hubs do not grant N times a rate.
type Buckets interface {
	Take(key string, perSecond float64, burst int) (ok bool, wait time.Duration)
	Peek(key string, perSecond float64, burst int) (ok bool, wait time.Duration)
	// TakeGuarded spends a token of take only while guard (looked at, never spent) has
	// one, in one step: one round trip where the buckets are shared. guarded says that
	// guard had none.
	TakeGuarded(guard, take Bucket) (ok, guarded bool, wait time.Duration)
}

// Bucket names a token bucket and its rate.
type Bucket struct {
	Key       string
	PerSecond float64
	Burst     int
}

// LocalBuckets are this process's own buckets.
func LocalBuckets() Buckets { return newLimiters() }

// limiters are token buckets by key, forgotten after ten minutes unused.
type limiters struct {
	mu    sync.Mutex
	m     map[string]*limiterEntry
	swept time.Time
}

type limiterEntry struct {
	l    *rate.Limiter
	used time.Time
}

func newLimiters() *limiters { return &limiters{m: map[string]*limiterEntry{}, swept: time.Now()} }

func (ls *limiters) get(key string, perSecond float64, burst int) *rate.Limiter {
	now := time.Now()
	if now.Sub(ls.swept) > time.Minute {
		for k, e := range ls.m {
			if now.Sub(e.used) > 10*time.Minute {
				delete(ls.m, k)
			}
		}
		ls.swept = now
	}
	e, ok := ls.m[key]
	if !ok {
		e = &limiterEntry{l: rate.NewLimiter(rate.Limit(perSecond), burst)}
		ls.m[key] = e
	}
	e.used = now
	return e.l
}

// Take spends a token; when there is none it says how long until there is.
func (ls *limiters) Take(key string, perSecond float64, burst int) (bool, time.Duration) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	l := ls.get(key, perSecond, burst)
	res := l.Reserve()
	if d := res.Delay(); d > 0 {
		res.Cancel()
		return false, d
	}
	return true, 0
}

// TakeGuarded spends a token of take when guard has one.
func (ls *limiters) TakeGuarded(guard, take Bucket) (bool, bool, time.Duration) {
	if ok, wait := ls.Peek(guard.Key, guard.PerSecond, guard.Burst); !ok {
		return false, true, wait
	}
	ok, wait := ls.Take(take.Key, take.PerSecond, take.Burst)
	return ok, false, wait
}

// Peek reports whether key still has a token, without spending one.
func (ls *limiters) Peek(key string, _ float64, _ int) (bool, time.Duration) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	e, ok := ls.m[key]
	if !ok || e.l.Tokens() >= 1 {
		return true, 0
	}
	res := e.l.Reserve()
	d := res.Delay()
	res.Cancel()
	return false, d
}
