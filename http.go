package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"

	"gridhub/live"
	"gridhub/loaders"
	"gridhub/store"
	"gridhub/web/graphiql"
	"gridhub/web/mapui"
)

// newHandler wires the routes: GraphiQL at /, the API at /graphql, health and metrics.
func newHandler(st *store.Store, cfg config, log *slog.Logger) (http.Handler, func()) {
	reg := prometheus.NewRegistry()
	m := newMetrics(reg, st)
	hub := live.New(st, log)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hub.Run(ctx)
	}()
	an := newAuthenticator(st, cfg.Policy, cfg, log)
	au := newAuditor(st, log, reg)
	gql := newGraphQL(st, hub, an, au, newAdmission(cfg.ExecBudget, reg), cfg, log, m)

	mux := http.NewServeMux()
	mux.Handle("/graphql", limitBody(cfg.MaxBodyBytes, an.middleware(withTimeout(cfg.RequestTimeout, loaders.Middleware(st, gql)))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := st.Ping(ctx); err != nil {
			log.Warn("not ready: database unreachable", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("database unavailable\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	tl := &tiles{st: st, log: log, opts: store.TileOptions{ClusterBelow: cfg.TileClusterBelow, ClusterAbove: cfg.TileClusterAbove}}
	mux.Handle("GET /tiles/{layer}/{z}/{x}/{y}", an.middleware(withTimeout(cfg.RequestTimeout, http.HandlerFunc(tl.tile))))
	mux.Handle("GET /tiles/{file}", withTimeout(cfg.RequestTimeout, http.HandlerFunc(tl.tileJSON)))
	mux.Handle("/map/", mapui.Handler(mapui.Options{Basemap: cfg.Basemap, BasemapAttribution: cfg.BasemapAttribution, ClusterBelow: cfg.TileClusterBelow}))
	mux.Handle("/", graphiql.Handler())

	c := cors.New(cors.Options{
		AllowedOrigins:   cfg.CORSOrigins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Content-Type", "Authorization", "X-Request-ID"},
		ExposedHeaders:   []string{"X-Request-ID", "Retry-After"},
		AllowCredentials: false,
		MaxAge:           600,
	})
	return requestID(accessLog(log, c.Handler(mux))), func() { stop(); <-done; au.close() }
}

type requestIDKey struct{}

var saneID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestID tags every request with an id (the caller's X-Request-ID when sane) that
// logs and INTERNAL errors carry, so an operator can find one request's trail.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !saneID.MatchString(id) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

func reqID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController and the websocket upgrader reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		log.LogAttrs(r.Context(), slog.LevelDebug, "request", slog.String("id", reqID(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", sw.status),
			slog.Int("bytes", sw.bytes), slog.Duration("took", time.Since(start)))
	})
}

// limitBody refuses bodies over n bytes: 413 when the length is declared, a read error
// (answered by the GraphQL transport as a bad request) when it is not.
func limitBody(n int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > n {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, n)
		next.ServeHTTP(w, r)
	})
}

// withTimeout puts a deadline on the request's context, which pgx passes on to the
// database; websocket subscriptions live longer and are left without one.
func withTimeout(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
