package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"gridhub/model"
	"gridhub/store"
)

// Authenticator turns a request's credential into a principal: an API key, a JWT, or the
// anonymous role. Failed attempts are limited per client address so that keys cannot be
// guessed at speed; every principal is limited to its role's rate.
type Authenticator struct {
	st       *store.Store
	policy   *Policy
	anonRole string // role of callers without a credential; "" refuses them
	jwt      *JWTConfig
	log      *slog.Logger
	keyTTL   time.Duration
	failRate Rate

	mu        sync.Mutex
	keys      map[string]*cachedKey
	anonymous *Principal
	buckets   Buckets // failed sign-ins by client address, requests by key or by principal and address
}

// Options tunes an Authenticator.
type Options struct {
	// Anonymous is the role of callers without a credential; "" refuses them.
	Anonymous string
	// JWT verifies departments' tokens; nil or empty accepts none.
	JWT *JWTConfig
	// KeyTTL is how long a verified key is trusted before it is read again: a revocation
	// takes effect within it.
	KeyTTL time.Duration
	// Failures is the rate of failed sign-ins allowed per client address.
	Failures Rate
	// Buckets hold the rates and failed sign-ins; nil: this process's own.
	Buckets Buckets
}

type cachedKey struct {
	k  store.APIKey
	at time.Time
	p  *Principal // made once the key is found good
}

// NewAuthenticator authenticates against the keys in st and the roles of policy.
func NewAuthenticator(st *store.Store, policy *Policy, o Options, log *slog.Logger) *Authenticator {
	a := &Authenticator{st: st, policy: policy, anonRole: o.Anonymous, jwt: o.JWT, log: log, keyTTL: o.KeyTTL,
		failRate: o.Failures, keys: map[string]*cachedKey{}, buckets: o.Buckets}
	if a.buckets == nil {
		a.buckets = LocalBuckets()
	}
	if a.anonRole != "" {
		a.anonymous = &Principal{Name: "anonymous", Role: policy.Roles[a.anonRole]}
	}
	return a
}

var errUnauthenticated = model.Errorf(model.CodeUnauthenticated, "the credential is missing, malformed, unknown, expired or revoked")

// Principal authenticates a bearer credential ("" for none). A refusal is a
// *model.Error (UNAUTHENTICATED); any other error means the keys could not be read.
func (a *Authenticator) Principal(ctx context.Context, credential string) (*Principal, error) {
	if credential == "" {
		if a.anonymous == nil {
			return nil, model.Errorf(model.CodeUnauthenticated, "a credential is required: send Authorization: Bearer <key>")
		}
		return a.anonymous, nil
	}
	if LooksLikeKey(credential) {
		return a.keyPrincipal(ctx, credential)
	}
	if a.jwt.Enabled() && strings.Count(credential, ".") == 2 {
		c, err := a.jwt.Verify(credential)
		if err != nil {
			a.log.InfoContext(ctx, "token refused", "err", err.Error())
			return nil, errUnauthenticated
		}
		role, ok := a.policy.Roles[c.Role]
		if !ok {
			return nil, errUnauthenticated
		}
		p := &Principal{Name: "jwt:" + c.Subject, Role: role, FenceCode: role.FenceCode, FencePolygon: role.FencePolygon}
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

func (a *Authenticator) keyPrincipal(ctx context.Context, key string) (*Principal, error) {
	prefix, ok := KeyPrefix(key)
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
		c = &cachedKey{k: k, at: time.Now()}
		a.mu.Lock()
		a.keys[prefix] = c
		a.mu.Unlock()
	}
	k := c.k
	if subtle.ConstantTimeCompare(k.Hash, HashKey(key)) != 1 || k.RevokedAt != nil ||
		(k.ExpiresAt != nil && time.Now().After(*k.ExpiresAt)) {
		return nil, errUnauthenticated
	}
	a.mu.Lock()
	p := c.p
	a.mu.Unlock()
	if p != nil {
		return p, nil
	}
	role, ok := a.policy.Roles[k.Role]
	if !ok {
		a.log.WarnContext(ctx, "key has a role the policy does not define", "prefix", prefix, "role", k.Role)
		return nil, errUnauthenticated
	}
	p = &Principal{KeyID: &k.ID, Name: k.Name, Role: role, FenceCode: role.FenceCode, FencePolygon: role.FencePolygon, WorkerID: k.WorkerID}
	if role.Worker && (k.WorkerID == nil || k.FenceCode == nil) {
		a.log.WarnContext(ctx, "key of a worker role names no worker", "prefix", prefix)
		return nil, errUnauthenticated
	}
	if k.FenceCode != nil {
		p.FenceCode = *k.FenceCode
	} else if role.FenceFromKey {
		a.log.WarnContext(ctx, "key of a fenced role names no grid", "prefix", prefix)
		return nil, errUnauthenticated
	}
	a.mu.Lock()
	c.p = p
	a.mu.Unlock()
	return p, nil
}

// SignInAllowed reports whether client may try a credential now, and if not how long
// until it may: its failed sign-ins are over their rate.
func (a *Authenticator) SignInAllowed(client string) (bool, time.Duration) {
	return a.buckets.Peek("fail:"+client, a.failRate.PerSecond, int(a.failRate.Burst))
}

// SignInFailed counts a failed sign-in against client.
func (a *Authenticator) SignInFailed(client string) {
	a.buckets.Take("fail:"+client, a.failRate.PerSecond, int(a.failRate.Burst))
}

// Local reports whether authenticating credential reads nothing from the database: no
// credential, a token, or a key verified a moment ago. Others are tried only after
// SignInAllowed, so that guessing keys cannot make the database work.
func (a *Authenticator) Local(credential string) bool {
	if credential == "" || !LooksLikeKey(credential) {
		return true
	}
	prefix, ok := KeyPrefix(credential)
	if !ok {
		return true
	}
	a.mu.Lock()
	c, hit := a.keys[prefix]
	a.mu.Unlock()
	return hit && time.Since(c.at) <= a.keyTTL
}

// Spend takes one request from p's rate (per key; per principal and client address for
// callers without one) unless client is over its failed sign-ins, both in one step, and
// says how long to wait when refused; signIn says the failed sign-ins refused it.
func (a *Authenticator) Spend(p *Principal, client string) (ok, signIn bool, wait time.Duration) {
	key := "rate:" + p.Name + "@" + client
	if p.KeyID != nil {
		key = fmt.Sprint("rate:key:", *p.KeyID)
	}
	return a.buckets.TakeGuarded(Bucket{"fail:" + client, a.failRate.PerSecond, int(a.failRate.Burst)},
		Bucket{key, p.Role.Rate.PerSecond, int(p.Role.Rate.Burst)})
}

// Bearer reads the credential of an "Authorization: Bearer <credential>" header (or a
// bare credential, as some clients send it).
func Bearer(header string) string {
	if scheme, cred, ok := strings.Cut(strings.TrimSpace(header), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(cred)
	}
	return strings.TrimSpace(header)
}
