package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"gridhub/auth"
	"gridhub/model"
	"gridhub/ogc"
	"gridhub/resolvers"
)

// authenticate puts the caller's principal on every request to the API, the OGC API and
// the tiles (from the Authorization header, or the api_key query parameter),
// or answers for itself: 401 for a bad credential, 429 past the caller's rate or past
// the failed sign-ins its address is allowed, 503 when the keys cannot be read.
func authenticate(an *auth.Authenticator, log *slog.Logger, proxies []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := clientAddr(r, proxies)
		cred := auth.Bearer(r.Header.Get("Authorization"))
		if cred == "" {
			// For clients that drop headers (some QGIS releases lose OGC API connections'
			// Authorization); the header wins when both are sent.
			cred = r.URL.Query().Get("api_key")
		}
		tooMany := func(wait time.Duration) {
			refuse(w, r, http.StatusTooManyRequests, wait, model.CodeRateLimited, "too many failed sign-ins from this address; try again later")
		}
		websocket := cred == "" && strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
		// A credential checked without the database waits for the rate below, where the
		// failed sign-ins are looked at in the same step; others are let near the
		// database only while the address has not failed too often.
		peeked := websocket || !an.Local(cred)
		if peeked {
			if ok, wait := an.SignInAllowed(client); !ok {
				tooMany(wait)
				return
			}
		}
		if websocket {
			// Browsers cannot send headers with a websocket: the credential comes in
			// connection_init, checked by the websocket transport.
			next.ServeHTTP(w, r)
			return
		}
		p, err := an.Principal(r.Context(), cred)
		if err != nil {
			var coded *model.Error
			if !errors.As(err, &coded) {
				// The keys could not be read: the database is out of reach or slow, which
				// /readyz and the pool's metrics show; not a bug of ours to alert on.
				log.WarnContext(r.Context(), "authenticate: keys unreadable", "err", err)
				refuse(w, r, http.StatusServiceUnavailable, time.Second, model.CodeUnavailable, "the database is unavailable; try again shortly")
				return
			}
			if !peeked {
				if ok, wait := an.SignInAllowed(client); !ok {
					tooMany(wait)
					return
				}
			}
			an.SignInFailed(client)
			refuse(w, r, http.StatusUnauthorized, 0, coded.Code, coded.Message)
			return
		}
		if ok, signIn, wait := an.Spend(p, client); !ok {
			if signIn {
				tooMany(wait)
				return
			}
			refuse(w, r, http.StatusTooManyRequests, wait, model.CodeRateLimited,
				fmt.Sprintf("rate limit of %g requests a second exceeded; retry after %s", p.Role.Rate.PerSecond, wait.Round(time.Millisecond)))
			return
		}
		ctx := resolvers.WithActor(auth.With(r.Context(), p), p.Name)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func clientAddr(r *http.Request, proxies []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	// Behind a load balancer every request comes from it: the caller is the last
	// address X-Forwarded-For names that is not one of ours (earlier ones the caller
	// could have written itself).
	if !trusted(host, proxies) {
		return host
	}
	fwd := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(fwd) - 1; i >= 0; i-- {
		if a := strings.TrimSpace(fwd[i]); a != "" && !trusted(a, proxies) {
			return a
		}
	}
	return host
}

func trusted(host string, proxies []netip.Prefix) bool {
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	for _, p := range proxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// refuse answers before GraphQL runs, in the shape GraphQL clients read (OGC API
// clients get an OGC exception).
func refuse(w http.ResponseWriter, r *http.Request, status int, retry time.Duration, code, msg string) {
	if retry > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(retry.Seconds()))))
	}
	if r.URL.Path == ogc.Prefix || strings.HasPrefix(r.URL.Path, ogc.Prefix+"/") {
		ogc.Exception(w, status, code, msg)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(codedErrors(code, msg, nil))
}

// codedErrors is the body of an answer that failed with code: GraphQL's errors list of one,
// its extensions the code and, when given, more.
func codedErrors(code, msg string, extensions map[string]any) map[string]any {
	ext := map[string]any{"code": code}
	for k, v := range extensions {
		ext[k] = v
	}
	return map[string]any{"errors": []any{map[string]any{"message": msg, "extensions": ext}}}
}
