package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"gridhub/auth"
	"gridhub/model"
	"gridhub/resolvers"
	"gridhub/store"
)

// authenticator turns a request's credential into a principal: an API key, a JWT, or
// the anonymous role. Failed attempts are rate-limited per client address so that keys
// cannot be guessed at speed; every principal is rate-limited by its role's budget.
type authenticator struct {
	st        *store.Store
	policy    *auth.Policy
	anonymous string // role of callers without a credential; "" refuses them
	jwt       *auth.JWTConfig
	log       *slog.Logger
	keyTTL    time.Duration // how long a verified key is trusted before it is read again
	failRate  rate.Limit    // failed sign-ins allowed per second and address, with failBurst at once
	failBurst int

	mu       sync.Mutex
	keys     map[string]cachedKey
	failures *limiters
	budgets  *limiters
}

type cachedKey struct {
	k  store.APIKey
	at time.Time
}

func newAuthenticator(st *store.Store, policy *auth.Policy, cfg config, log *slog.Logger) *authenticator {
	return &authenticator{st: st, policy: policy, anonymous: cfg.AnonymousRole, jwt: cfg.JWT, log: log, keyTTL: cfg.KeyCacheTTL,
		failRate: rate.Limit(cfg.AuthFailures.PerSecond), failBurst: int(cfg.AuthFailures.Burst),
		keys: map[string]cachedKey{}, failures: newLimiters(), budgets: newLimiters()}
}

var errUnauthenticated = model.Errorf(model.CodeUnauthenticated, "the credential is missing, malformed, unknown, expired or revoked")

// principal authenticates a bearer credential ("" for none).
func (a *authenticator) principal(ctx context.Context, credential string) (*auth.Principal, error) {
	if credential == "" {
		if a.anonymous == "" {
			return nil, model.Errorf(model.CodeUnauthenticated, "a credential is required: send Authorization: Bearer <key>")
		}
		return &auth.Principal{Name: "anonymous", Role: a.policy.Roles[a.anonymous]}, nil
	}
	if auth.LooksLikeKey(credential) {
		return a.keyPrincipal(ctx, credential)
	}
	if a.jwt.Enabled() && strings.Count(credential, ".") == 2 {
		c, err := a.jwt.Verify(credential)
		if err != nil {
			a.log.Info("token refused", "err", err.Error())
			return nil, errUnauthenticated
		}
		role, ok := a.policy.Roles[c.Role]
		if !ok {
			return nil, errUnauthenticated
		}
		p := &auth.Principal{Name: "jwt:" + c.Subject, Role: role, FenceCode: role.FenceCode, FencePolygon: role.FencePolygon}
		if role.FenceFromKey {
			if c.Fence == "" {
				return nil, model.Errorf(model.CodeUnauthenticated, "the token names no grid for its fenced role")
			}
			p.FenceCode = c.Fence
		}
		return p, nil
	}
	return nil, errUnauthenticated
}

func (a *authenticator) keyPrincipal(ctx context.Context, key string) (*auth.Principal, error) {
	prefix, ok := auth.KeyPrefix(key)
	if !ok {
		return nil, errUnauthenticated
	}
	a.mu.Lock()
	c, hit := a.keys[prefix]
	a.mu.Unlock()
	if !hit || time.Since(c.at) > a.keyTTL {
		k, err := a.st.KeyByPrefix(ctx, prefix)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errUnauthenticated
		}
		if err != nil {
			return nil, err
		}
		c = cachedKey{k, time.Now()}
		a.mu.Lock()
		a.keys[prefix] = c
		a.mu.Unlock()
	}
	k := c.k
	if subtle.ConstantTimeCompare(k.Hash, auth.HashKey(key)) != 1 || k.RevokedAt != nil ||
		(k.ExpiresAt != nil && time.Now().After(*k.ExpiresAt)) {
		return nil, errUnauthenticated
	}
	role, ok := a.policy.Roles[k.Role]
	if !ok {
		a.log.Warn("key has a role the policy does not define", "prefix", prefix, "role", k.Role)
		return nil, errUnauthenticated
	}
	p := &auth.Principal{KeyID: &k.ID, Name: k.Name, Role: role, FenceCode: role.FenceCode, FencePolygon: role.FencePolygon}
	if k.FenceCode != nil {
		p.FenceCode = *k.FenceCode
	} else if role.FenceFromKey {
		a.log.Warn("key of a fenced role names no grid", "prefix", prefix)
		return nil, errUnauthenticated
	}
	return p, nil
}

// bearer reads "Authorization: Bearer <credential>".
func bearer(h string) string {
	if scheme, cred, ok := strings.Cut(strings.TrimSpace(h), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(cred)
	}
	return strings.TrimSpace(h)
}

// middleware authenticates every request to the API and the tiles.
func (a *authenticator) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := clientAddr(r)
		if ok, wait := a.failures.peek(client); !ok {
			refuse(w, http.StatusTooManyRequests, wait, model.CodeRateLimited, "too many failed sign-ins from this address; try again later")
			return
		}
		cred := bearer(r.Header.Get("Authorization"))
		if cred == "" && strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			// Browsers cannot send headers with a websocket: the credential comes in
			// connection_init, checked by the websocket transport.
			next.ServeHTTP(w, r)
			return
		}
		p, err := a.principal(r.Context(), cred)
		if err != nil {
			var coded *model.Error
			if !errors.As(err, &coded) {
				a.log.Error("authenticate", "id", reqID(r.Context()), "err", err)
				refuse(w, http.StatusServiceUnavailable, 0, model.CodeUnavailable, "the database is unavailable; try again shortly")
				return
			}
			a.failures.take(client, float64(a.failRate), a.failBurst)
			refuse(w, http.StatusUnauthorized, 0, coded.Code, coded.Message)
			return
		}
		if ok, wait := a.budgets.take(budgetKey(p, client), p.Role.Rate.PerSecond, int(p.Role.Rate.Burst)); !ok {
			refuse(w, http.StatusTooManyRequests, wait, model.CodeRateLimited,
				fmt.Sprintf("rate limit of %g requests a second exceeded; retry after %s", p.Role.Rate.PerSecond, wait.Round(time.Millisecond)))
			return
		}
		ctx := resolvers.WithActor(auth.With(r.Context(), p), p.Name)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func budgetKey(p *auth.Principal, client string) string {
	if p.KeyID != nil {
		return fmt.Sprint("key:", *p.KeyID)
	}
	return p.Name + "@" + client
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// refuse answers before GraphQL runs, in the shape GraphQL clients read.
func refuse(w http.ResponseWriter, status int, retry time.Duration, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	if retry > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(retry.Seconds()))))
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{"message": msg, "extensions": map[string]any{"code": code}}}})
}

// limiters are token buckets by key, forgotten after a while unused.
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
	if !ok {
		return true, 0
	}
	if e.l.Tokens() >= 1 {
		return true, 0
	}
	res := e.l.Reserve()
	d := res.Delay()
	res.Cancel()
	return false, d
}
