package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"gridhub/auth"
	"gridhub/store"
)

func TestCredentials(t *testing.T) {
	g := guardedDistrict(t)
	ctx := context.Background()
	expiredKey, prefix, hash := auth.NewKey()
	past := time.Now().Add(-time.Hour)
	if _, err := g.db.Store.CreateKey(ctx, store.APIKey{Prefix: prefix, Hash: hash, Name: "过期", Role: "command_center", ExpiresAt: &past}); err != nil {
		t.Fatal(err)
	}
	revokedKey, rprefix, rhash := auth.NewKey()
	if _, err := g.db.Store.CreateKey(ctx, store.APIKey{Prefix: rprefix, Hash: rhash, Name: "吊销", Role: "command_center"}); err != nil {
		t.Fatal(err)
	}
	if r := g.as(revokedKey, `{ stats { cameras } }`, nil); r.codeOf() != "ok" {
		t.Fatalf("before revocation: %s", r.raw)
	}
	if err := g.db.Store.RevokeKey(ctx, rprefix); err != nil {
		t.Fatal(err)
	}
	token := func(claims jwt.MapClaims) string {
		s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(jwtSecret))
		return s
	}
	good := jwt.MapClaims{"sub": "zhang", "role": "judicial", "iss": "sso.example", "aud": "gridhub", "exp": time.Now().Add(time.Hour).Unix()}
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for a, b := range good {
			c[a] = b
		}
		c[k] = v
		return c
	}
	cases := []struct{ name, cred, want string }{
		{"an expired key is UNAUTHENTICATED", expiredKey, "UNAUTHENTICATED"},
		{"a revoked key is UNAUTHENTICATED", revokedKey, "UNAUTHENTICATED"},
		{"a key with a wrong secret is UNAUTHENTICATED", g.keys["command_center"][:20] + strings.Repeat("A", 43), "UNAUTHENTICATED"},
		{"a malformed key is UNAUTHENTICATED", "gh_nothex00_short", "UNAUTHENTICATED"},
		{"a valid JWT acts in its role", token(good), "ok"},
		{"a JWT for another audience is UNAUTHENTICATED", token(with("aud", "other")), "UNAUTHENTICATED"},
		{"an expired JWT is UNAUTHENTICATED", token(with("exp", time.Now().Add(-time.Hour).Unix())), "UNAUTHENTICATED"},
		{"a JWT naming an unknown role is UNAUTHENTICATED", token(with("role", "root")), "UNAUTHENTICATED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := g.as(c.cred, `{ servicePoints(first: 1) { totalCount } }`, nil)
			if got := r.codeOf(); got != c.want {
				t.Errorf("got %s (%.200s), want %s", got, r.raw, c.want)
			}
		})
	}
	t.Run("a JWT's role keeps its limits: the judiciary cannot read cameras", func(t *testing.T) {
		if r := g.as(token(good), `{ cameras { totalCount } }`, nil); r.codeOf() != "FORBIDDEN" {
			t.Errorf("got %s", r.raw)
		}
	})
}

func TestRateLimits(t *testing.T) {
	a := district(t)
	cfg := testConfig()
	cfg.Policy, _ = auth.LoadPolicy("")
	cfg.Policy.Roles["public"].Rate = auth.Rate{PerSecond: 2, Burst: 5}
	cfg.AnonymousRole, cfg.AuthFailures = "public", auth.Rate{PerSecond: 0.5, Burst: 3}
	h, done := New(a.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer done()
	srv := httptest.NewServer(h)
	defer srv.Close()
	g := &guarded{api: &api{t: t, srv: srv, db: a.db}}

	t.Run("a caller past its burst is RATE_LIMITED with Retry-After", func(t *testing.T) {
		var limited gqlResponse
		for range 10 {
			if r := g.as("", `{ stats { incidents } }`, nil); r.status == http.StatusTooManyRequests {
				limited = r
				break
			}
		}
		if limited.codeOf() != "RATE_LIMITED" {
			t.Fatalf("10 quick requests on a burst of 5 were all served")
		}
		if s, err := strconv.Atoi(limited.retryAfter); err != nil || s < 1 {
			t.Errorf("Retry-After %q, want whole seconds", limited.retryAfter)
		}
	})
	t.Run("failed sign-ins from one address are limited too", func(t *testing.T) {
		codes := []string{}
		for range 5 {
			codes = append(codes, g.as("gh_00000000_"+strings.Repeat("x", 43), `{ stats { incidents } }`, nil).codeOf())
		}
		if codes[0] != "UNAUTHENTICATED" || codes[4] != "RATE_LIMITED" {
			t.Errorf("codes %v: want UNAUTHENTICATED first, RATE_LIMITED once the failures' burst is spent", codes)
		}
	})
}
