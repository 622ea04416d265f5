package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"gridhub/auth"
	"gridhub/fleet"
	"gridhub/geo"
	"gridhub/graph"
	"gridhub/httpapi"
	"gridhub/resolvers"
	"gridhub/store"
	"gridhub/web/mapui"
)

// serveConfig is serve's flags and environment.
type serveConfig struct {
	db        *dbConfig
	redisURL  string
	addr      string
	pprofAddr string
	http      httpapi.Config
	// retention is how long workers' positions are kept (whole days are dropped); 0: forever.
	retention time.Duration
}

func parseServe(args []string, getenv func(string) string) (serveConfig, error) {
	fs, db := newFlags("serve", getenv)
	c := serveConfig{db: db}
	h := &c.http
	fs.StringVar(&c.addr, "addr", env(getenv, "GRIDHUB_ADDR", ":8080"), "listen address (GRIDHUB_ADDR)")
	fs.DurationVar(&c.retention, "position-retention", durationEnv(getenv, "GRIDHUB_POSITION_RETENTION", 90*24*time.Hour),
		"how long grid workers' positions are kept; older days are dropped whole; 0: forever (GRIDHUB_POSITION_RETENTION)")
	fs.StringVar(&c.pprofAddr, "pprof-addr", getenv("GRIDHUB_PPROF_ADDR"), "serve Go's profiles (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; empty: off (GRIDHUB_PPROF_ADDR)")
	origins := fs.String("cors-origins", env(getenv, "GRIDHUB_CORS_ORIGINS", "http://localhost:8080,http://127.0.0.1:8080"), "comma-separated allowed browser origins (GRIDHUB_CORS_ORIGINS)")
	secret := fs.String("cursor-secret", getenv("GRIDHUB_CURSOR_SECRET"), "key signing page cursors; empty: one made once and kept in the database, which every hub on it shares (GRIDHUB_CURSOR_SECRET)")
	timeout := fs.Duration("request-timeout", durationEnv(getenv, "GRIDHUB_REQUEST_TIMEOUT", 30*time.Second), "per-request deadline, also the SQL statement timeout (GRIDHUB_REQUEST_TIMEOUT)")
	fs.StringVar(&c.redisURL, "redis-url", getenv("GRIDHUB_REDIS_URL"), "Redis the hubs of a fleet share rate limits, failed sign-ins and dense tiles in, e.g. redis://10.0.0.5:6379/0; empty: each hub its own (GRIDHUB_REDIS_URL)")
	proxies := fs.String("trusted-proxies", getenv("GRIDHUB_TRUSTED_PROXIES"), "comma-separated addresses or CIDRs of load balancers whose X-Forwarded-For names the caller (GRIDHUB_TRUSTED_PROXIES)")
	replicas := fs.String("replica-urls", getenv("GRIDHUB_REPLICA_URLS"), "comma-separated streaming replicas of the primary that reads go to (GRIDHUB_REPLICA_URLS)")
	fs.DurationVar(&db.maxReplicaLag, "max-replica-lag", durationEnv(getenv, "GRIDHUB_MAX_REPLICA_LAG", 2*time.Second), "a replica whose oldest unreplayed write is older than this gets no reads until within half of it (GRIDHUB_MAX_REPLICA_LAG)")
	conns := fs.Int("max-conns", intEnv(getenv, "GRIDHUB_MAX_CONNS", 16), "database pool size (GRIDHUB_MAX_CONNS)")
	fs.Int64Var(&h.MaxBodyBytes, "max-body", 512<<10, "largest request body in bytes; a 10,000-vertex polygon needs about 250 KiB")
	fs.IntVar(&h.ComplexityLimit, "complexity-limit", intEnv(getenv, "GRIDHUB_COMPLEXITY_LIMIT", 100000), "largest query cost (GRIDHUB_COMPLEXITY_LIMIT)")
	fs.Int64Var(&h.ExecBudget, "exec-budget", int64(intEnv(getenv, "GRIDHUB_EXEC_BUDGET", 200000)), "total query cost executing at once, more waits its turn; 0: no limit (GRIDHUB_EXEC_BUDGET)")
	fs.IntVar(&h.TileClusterBelow, "tile-cluster-below", intEnv(getenv, "GRIDHUB_TILE_CLUSTER_BELOW", 14), "vector tiles cluster points below this zoom; 0: never (GRIDHUB_TILE_CLUSTER_BELOW)")
	fs.IntVar(&h.TileClusterAbove, "tile-cluster-above", intEnv(getenv, "GRIDHUB_TILE_CLUSTER_ABOVE", store.DefaultClusterAbove),
		fmt.Sprintf("vector tiles cluster a point layer holding more features than this in a tile, up to zoom %d; 0: never (GRIDHUB_TILE_CLUSTER_ABOVE)", store.DenseClusterBelow-1))
	fs.StringVar(&h.Basemap, "basemap", getenv("GRIDHUB_BASEMAP"), "XYZ tile URL template drawn under the map page's layers, in web mercator on WGS84/CGCS2000 (GRIDHUB_BASEMAP)")
	fs.StringVar(&h.BasemapAttribution, "basemap-attribution", getenv("GRIDHUB_BASEMAP_ATTRIBUTION"), "credit line shown with the basemap (GRIDHUB_BASEMAP_ATTRIBUTION)")
	mode := fs.String("mode", env(getenv, "GRIDHUB_MODE", "demo"), "demo or production: production refuses callers without a credential unless GRIDHUB_ANONYMOUS_ROLE names a role (GRIDHUB_MODE)")
	policy := policyFlag(fs, getenv)
	anonymous := fs.String("anonymous-role", getenv("GRIDHUB_ANONYMOUS_ROLE"), "role of callers without a credential; none refuses them (GRIDHUB_ANONYMOUS_ROLE)")
	allowList := fs.String("allow-list", getenv("GRIDHUB_ALLOW_LIST"), "file of allowed operations, one GraphQL document per entry of a JSON array (GRIDHUB_ALLOW_LIST)")
	jwtSecret := fs.String("jwt-hs256-secret", getenv("GRIDHUB_JWT_HS256_SECRET"), "accept HS256 tokens signed with this secret (GRIDHUB_JWT_HS256_SECRET)")
	jwtKey := fs.String("jwt-rs256-key", getenv("GRIDHUB_JWT_RS256_KEY"), "accept RS256 tokens verified with this PEM public key file (GRIDHUB_JWT_RS256_KEY)")
	jwt := &auth.JWTConfig{Leeway: 30 * time.Second}
	fs.StringVar(&jwt.Issuer, "jwt-issuer", getenv("GRIDHUB_JWT_ISSUER"), "required token issuer (GRIDHUB_JWT_ISSUER)")
	fs.StringVar(&jwt.Audience, "jwt-audience", getenv("GRIDHUB_JWT_AUDIENCE"), "required token audience (GRIDHUB_JWT_AUDIENCE)")
	fs.StringVar(&jwt.RoleClaim, "jwt-role-claim", env(getenv, "GRIDHUB_JWT_ROLE_CLAIM", "role"), "claim naming the gridhub role (GRIDHUB_JWT_ROLE_CLAIM)")
	fs.StringVar(&jwt.FenceClaim, "jwt-fence-claim", env(getenv, "GRIDHUB_JWT_FENCE_CLAIM", "grid"), "claim naming the caller's grid code, for fenced roles (GRIDHUB_JWT_FENCE_CLAIM)")
	fs.DurationVar(&h.KeyCacheTTL, "key-cache", 5*time.Second, "how long a verified key is trusted before it is read again (revocations take effect within it)")
	every, _ := strconv.ParseBool(getenv("GRIDHUB_RESOLVE_EVERY_FIELD"))
	fs.BoolVar(&h.ResolveEveryField, "resolve-every-field", every, "resolve every GraphQL field on its own instead of compiling a selection into one SQL statement; slower, for comparing answers (GRIDHUB_RESOLVE_EVERY_FIELD)")
	h.AuthFailures = auth.Rate{PerSecond: 1, Burst: 10}
	if err := parse(fs, args); err != nil {
		return c, err
	}
	if err := db.check(); err != nil {
		return c, err
	}
	h.CORSOrigins = splitList(*origins)
	if *secret != "" {
		h.CursorSecret = []byte(*secret)
	}
	switch {
	case *conns < 2 || *conns > 1000:
		return c, fmt.Errorf("max-conns must be between 2 and 1000")
	case h.ExecBudget < 0:
		return c, fmt.Errorf("exec-budget must be 0 (no limit) or more")
	case h.TileClusterBelow < 0 || h.TileClusterBelow > geo.MaxTileZoom+1:
		return c, fmt.Errorf("tile-cluster-below must be between 0 and %d", geo.MaxTileZoom+1)
	case h.TileClusterAbove < 0:
		return c, fmt.Errorf("tile-cluster-above must be 0 (never) or more")
	case db.maxReplicaLag <= 0:
		return c, fmt.Errorf("max-replica-lag must be more than 0")
	}
	var err error
	if h.Policy, err = auth.LoadPolicy(*policy); err != nil {
		return c, err
	}
	if err := resolvers.CheckPolicy(graph.NewExecutableSchema(graph.Config{}).Schema(), h.Policy); err != nil {
		return c, fmt.Errorf("policy: %w", err)
	}
	switch {
	case *anonymous == "none":
	case *anonymous != "":
		if h.Policy.Roles[*anonymous] == nil {
			return c, fmt.Errorf("anonymous-role %q is not a role of the policy", *anonymous)
		}
		h.AnonymousRole = *anonymous
	case *mode == "demo":
		h.AnonymousRole = h.Policy.Anonymous
	case *mode != "production":
		return c, fmt.Errorf("mode must be demo or production, got %q", *mode)
	}
	switch {
	case *jwtKey != "":
		if jwt.RS256Key, err = auth.LoadRS256Key(*jwtKey); err != nil {
			return c, fmt.Errorf("jwt-rs256-key: %w", err)
		}
	case *jwtSecret != "":
		if len(*jwtSecret) < 32 {
			return c, fmt.Errorf("jwt-hs256-secret must be at least 32 characters")
		}
		jwt.HS256Secret = []byte(*jwtSecret)
	}
	h.JWT = jwt
	if *allowList != "" {
		if h.AllowList, err = httpapi.LoadAllowList(*allowList); err != nil {
			return c, err
		}
	}
	if err := mapui.CheckBasemap(h.Basemap); err != nil {
		return c, fmt.Errorf("basemap: %w", err)
	}
	db.maxConns = int32(*conns)
	for _, p := range splitList(*proxies) {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			a, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return c, fmt.Errorf("trusted-proxies: %q is not an address or CIDR", p)
			}
			pfx = netip.PrefixFrom(a, a.BitLen())
		}
		h.TrustedProxies = append(h.TrustedProxies, pfx)
	}
	db.replicas = splitList(*replicas)
	h.RequestTimeout, db.statementTimeout = *timeout, *timeout
	return c, nil
}

// policyFlag is the -policy flag of the subcommands that read the roles.
func policyFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	return fs.String("policy", getenv("GRIDHUB_POLICY"), "roles file (YAML); empty: the built-in roles (GRIDHUB_POLICY)")
}

// defaultMemoryLimit is the heap size the garbage collector works to stay under when
// GOMEMLIMIT is not set: collections of megabytes arriving together would otherwise let
// the heap grow to twice what is live (measured: 321 MB at 32 concurrent 2 MB answers).
const defaultMemoryLimit = 160 << 20

func serve(ctx context.Context, st *store.Store, cfg serveConfig, log *slog.Logger, ready chan<- string) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	if cfg.http.CursorSecret == nil {
		// Every hub on this database signs cursors alike: a page link one gave out is
		// good at all of them.
		secret, err := st.SharedSecret(ctx, "cursor")
		if err != nil {
			return err
		}
		cfg.http.CursorSecret = secret
	}
	if cfg.redisURL != "" {
		r, err := fleet.Open(ctx, cfg.redisURL, log)
		if err != nil {
			return err
		}
		defer r.Close()
		cfg.http.Buckets = r
		st.ShareDense(r.ShareDense)
		fctx, stop := context.WithCancel(ctx)
		defer stop()
		go r.FollowDense(fctx, st.MarkDense)
	}
	h, closeHandler := httpapi.New(st, cfg.http, log)
	defer closeHandler()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.http.RequestTimeout + 15*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	log.Info("serving", "addr", addr, "graphiql", "http://"+displayAddr(addr)+"/", "graphql", "http://"+displayAddr(addr)+"/graphql")
	if ready != nil {
		ready <- addr
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go st.UpkeepPositions(ctx, cfg.retention, time.Hour, func(dropped []string, err error) {
		if err != nil {
			log.Warn("positions upkeep", "err", err)
			return
		}
		log.Info("positions past retention dropped", "days", dropped)
	})
	if cfg.pprofAddr != "" {
		stop, err := servePprof(cfg.pprofAddr, log)
		if err != nil {
			_ = srv.Close()
			return err
		}
		defer stop()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// servePprof serves Go's profiles (net/http/pprof) on their own listener, kept apart from
// the API so that they are never reachable through its address: bind it to loopback.
func servePprof(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("profiles", "addr", ln.Addr().String(), "url", "http://"+displayAddr(ln.Addr().String())+"/debug/pprof/")
	return func() { _ = srv.Close() }, nil
}

// displayAddr turns a wildcard listen address into one a browser can open.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || host == "::" || host == "0.0.0.0" {
		return "localhost:" + port
	}
	return addr
}
