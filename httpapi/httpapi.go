// Package httpapi is gridhub's HTTP layer: the routes (GraphQL, tiles and TileJSON, the
// OGC API, GraphiQL, the map page, health and metrics), the middleware every request
// passes (request id, CORS, authentication and rate limits, body cap, deadline) and what
// runs around GraphQL operations (limits, admission, audit, the error presenter).
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"

	"gridhub/auth"
	"gridhub/internal/requestid"
	"gridhub/live"
	"gridhub/loaders"
	"gridhub/ogc"
	"gridhub/store"
	"gridhub/web/graphiql"
	"gridhub/web/mapui"
)

// Config is what the handler serves with.
type Config struct {
	// CORSOrigins are the browser origins allowed to call the API (and open its websocket).
	CORSOrigins []string
	// CursorSecret signs page cursors; instances behind one address need the same.
	CursorSecret []byte
	// RequestTimeout is every request's deadline (subscriptions excepted).
	RequestTimeout time.Duration
	// MaxBodyBytes is the largest request body.
	MaxBodyBytes int64
	// MaxImportBytes is the largest file POST /import takes (0: DefaultMaxImportBytes).
	MaxImportBytes int64
	// ComplexityLimit is the query cost allowed a caller without a role.
	ComplexityLimit int
	// ExecBudget is the total query cost executing at once; 0 is no limit.
	ExecBudget int64
	// ResolveEveryField turns off compiled selections (resolvers.Compiler): every field
	// is resolved on its own, as before they existed.
	ResolveEveryField bool

	// TileClusterBelow: vector tiles of point layers hold clusters at zooms below it.
	TileClusterBelow int
	// TileClusterAbove: from TileClusterBelow on, a point layer holding more features than
	// this in a tile comes as clusters too (0: never).
	TileClusterAbove int
	// Basemap is an XYZ tile URL template the map page draws under the hub's layers
	// (empty: a plain background).
	Basemap            string
	BasemapAttribution string

	// Policy is the roles; AnonymousRole the one of callers without a credential ("": refused).
	Policy        *auth.Policy
	AnonymousRole string
	JWT           *auth.JWTConfig
	KeyCacheTTL   time.Duration
	// AuthFailures limits failed sign-ins per client address.
	AuthFailures auth.Rate
	// Buckets hold rate limits and failed sign-ins; nil: this process's own. A fleet's
	// hubs share one set (fleet.Redis).
	Buckets auth.Buckets
	// TrustedProxies are the load balancers whose X-Forwarded-For names the caller (for
	// the failed sign-ins allowed an address, and callers without a key's rates).
	TrustedProxies []netip.Prefix
	// AllowList, when set, is the only operations (by SHA-256 of their text) served.
	AllowList map[string]bool
}

// New builds the handler over st; the closer stops its background work (live updates,
// the audit writer) once the server has stopped taking requests.
func New(st *store.Store, cfg Config, log *slog.Logger) (http.Handler, func()) {
	log = slog.New(requestid.Handler(log.Handler()))
	reg := prometheus.NewRegistry()
	m := newMetrics(reg, st)
	hub := live.New(st, log)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gridhub_live_subscribers", Help: "Live update subscriptions open on this instance."},
		func() float64 { return float64(hub.Subscribers()) }))
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hub.Run(ctx)
	}()
	an := auth.NewAuthenticator(st, cfg.Policy, auth.Options{Anonymous: cfg.AnonymousRole, JWT: cfg.JWT,
		KeyTTL: cfg.KeyCacheTTL, Failures: cfg.AuthFailures, Buckets: cfg.Buckets}, log)
	au := newAuditor(st, log, reg)
	gql := newGraphQL(st, hub, an, au, newAdmission(cfg.ExecBudget, reg), cfg, log, m)
	// The deadline covers authentication too: reading a key from a slow database must
	// not hold a request past it.
	authenticated := func(h http.Handler) http.Handler {
		return withTimeout(cfg.RequestTimeout, authenticate(an, log, cfg.TrustedProxies, h))
	}

	mux := http.NewServeMux()
	mux.Handle("/graphql", limitBody(cfg.MaxBodyBytes, authenticated(loaders.Middleware(st, gql))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := st.Ping(ctx); err != nil {
			log.WarnContext(ctx, "not ready: database unreachable", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("database unavailable\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	tl := &tiles{st: st, log: log, opts: store.TileOptions{ClusterBelow: cfg.TileClusterBelow, ClusterAbove: cfg.TileClusterAbove}}
	mux.Handle("GET /tiles/{layer}/{z}/{x}/{y}", authenticated(http.HandlerFunc(tl.tile)))
	mux.Handle("GET /tiles/{file}", withTimeout(cfg.RequestTimeout, http.HandlerFunc(tl.tileJSON)))
	og := authenticated(au.ogcAudited(ogc.New(st, log, baseURL)))
	mux.Handle(ogc.Prefix, og)
	mux.Handle(ogc.Prefix+"/", og)
	im := &importHandler{st: st, log: log, maxBytes: cfg.MaxImportBytes}
	if im.maxBytes <= 0 {
		im.maxBytes = DefaultMaxImportBytes
	}
	mux.Handle("POST /import", authenticated(au.httpAudited("IMPORT", im)))
	mux.Handle("GET /import", authenticated(im))
	mux.Handle("/map/", mapui.Handler(mapui.Options{Basemap: cfg.Basemap, BasemapAttribution: cfg.BasemapAttribution, ClusterBelow: cfg.TileClusterBelow}))
	mux.Handle("/", graphiql.Handler())

	c := cors.New(cors.Options{
		AllowedOrigins:   cfg.CORSOrigins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Content-Type", "Authorization", "X-Request-ID", lsnHeader},
		ExposedHeaders:   []string{"X-Request-ID", "Retry-After", lsnHeader},
		AllowCredentials: false,
		MaxAge:           600,
	})
	return tagRequest(accessLog(log, c.Handler(routeReads(st, mux)))), func() { stop(); <-done; au.close() }
}
