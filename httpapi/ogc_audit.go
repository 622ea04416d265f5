package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"gridhub/auth"
)

// ogcAudited records every OGC API request made with a key or token, as GraphQL's
// operations are: the path as the operation, a hash of the query (without api_key), the
// layers and area read, and the status when it was not 200.
func (a *auditor) ogcAudited(next http.Handler) http.Handler { return a.httpAudited("OGC", next) }

type outcomeKey struct{}

// noteOutcome records for the audit log how a request ended that had already answered
// 200: a streamed import that failed midway (its error code), or whose client left.
func noteOutcome(ctx context.Context, outcome string) {
	if p, ok := ctx.Value(outcomeKey{}).(*string); ok {
		*p = outcome
	}
}

// httpAudited records the requests of a route outside GraphQL made with a key or token,
// named label and the path (an import: "IMPORT /import", with its layer and dryRun).
func (a *auditor) httpAudited(label string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.From(r.Context())
		if !audited(p) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		touched := &auth.Touched{}
		sw := &statusWriter{ResponseWriter: w}
		outcome := new(string)
		ctx := context.WithValue(auth.WithTouched(r.Context(), touched), outcomeKey{}, outcome)
		next.ServeHTTP(sw, r.WithContext(ctx))
		q := r.URL.Query()
		q.Del("api_key")
		e := entry(p, start, label+" "+r.URL.Path, []byte(q.Encode()), touched, sw.bytes)
		if sw.status != 0 && sw.status != http.StatusOK {
			e.Outcome = "HTTP " + strconv.Itoa(sw.status)
		}
		if *outcome != "" {
			e.Outcome = *outcome
		}
		a.add(e)
	})
}
