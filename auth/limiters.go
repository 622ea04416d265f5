package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

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

// take spends a token; when there is none it says how long until there is.
func (ls *limiters) take(key string, perSecond float64, burst int) (bool, time.Duration) {
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

// peek reports whether key still has a token, without spending one.
func (ls *limiters) peek(key string) (bool, time.Duration) {
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
