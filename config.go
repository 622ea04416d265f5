package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"gridhub/auth"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gridhub/geo"
	"gridhub/store"
	"gridhub/web/mapui"
)

// config is everything the program reads from flags and the environment.
type config struct {
	Addr             string
	DatabaseURL      string
	CORSOrigins      []string
	LogLevel         slog.Level
	CursorSecret     []byte
	RequestTimeout   time.Duration
	StatementTimeout time.Duration
	MaxConns         int32
	MaxBodyBytes     int64
	ComplexityLimit  int
	ExecBudget       int64
	PprofAddr        string

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
	// AllowList, when set, is the only operations (by SHA-256 of their text) served.
	AllowList map[string]bool

	SeedScale   int
	SeedIfEmpty bool

	// keys subcommand
	KeyRole, KeyName, KeyFence string
	KeyExpires                 time.Duration
	KeyArgs                    []string
}

func parseConfig(cmd string, args []string, getenv func(string) string) (config, error) {
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("gridhub "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.Addr, "addr", env("GRIDHUB_ADDR", ":8080"), "listen address (GRIDHUB_ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", getenv("DATABASE_URL"), "PostgreSQL URL (DATABASE_URL)")
	origins := fs.String("cors-origins", env("GRIDHUB_CORS_ORIGINS", "http://localhost:8080,http://127.0.0.1:8080"), "comma-separated allowed browser origins (GRIDHUB_CORS_ORIGINS)")
	level := fs.String("log-level", env("GRIDHUB_LOG_LEVEL", "info"), "debug, info, warn or error (GRIDHUB_LOG_LEVEL)")
	secret := fs.String("cursor-secret", getenv("GRIDHUB_CURSOR_SECRET"), "key signing page cursors; give every instance the same (GRIDHUB_CURSOR_SECRET)")
	timeout := fs.Duration("request-timeout", durationEnv(getenv, "GRIDHUB_REQUEST_TIMEOUT", 30*time.Second), "per-request deadline (GRIDHUB_REQUEST_TIMEOUT)")
	conns := fs.Int("max-conns", intEnv(getenv, "GRIDHUB_MAX_CONNS", 16), "database pool size (GRIDHUB_MAX_CONNS)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body", 512<<10, "largest request body in bytes; a 10,000-vertex polygon needs about 250 KiB")
	fs.IntVar(&c.ComplexityLimit, "complexity-limit", intEnv(getenv, "GRIDHUB_COMPLEXITY_LIMIT", 100000), "largest query cost (GRIDHUB_COMPLEXITY_LIMIT)")
	fs.Int64Var(&c.ExecBudget, "exec-budget", int64(intEnv(getenv, "GRIDHUB_EXEC_BUDGET", 200000)), "total query cost executing at once, more waits its turn; 0: no limit (GRIDHUB_EXEC_BUDGET)")
	fs.StringVar(&c.PprofAddr, "pprof-addr", getenv("GRIDHUB_PPROF_ADDR"), "serve Go's profiles (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; empty: off (GRIDHUB_PPROF_ADDR)")
	fs.IntVar(&c.TileClusterBelow, "tile-cluster-below", intEnv(getenv, "GRIDHUB_TILE_CLUSTER_BELOW", 14), "vector tiles cluster points below this zoom; 0: never (GRIDHUB_TILE_CLUSTER_BELOW)")
	fs.IntVar(&c.TileClusterAbove, "tile-cluster-above", intEnv(getenv, "GRIDHUB_TILE_CLUSTER_ABOVE", store.DefaultClusterAbove),
		fmt.Sprintf("vector tiles cluster a point layer holding more features than this in a tile, up to zoom %d; 0: never (GRIDHUB_TILE_CLUSTER_ABOVE)", store.DenseClusterBelow-1))
	mode := fs.String("mode", env("GRIDHUB_MODE", "demo"), "demo or production: production refuses callers without a credential unless GRIDHUB_ANONYMOUS_ROLE names a role (GRIDHUB_MODE)")
	policy := fs.String("policy", getenv("GRIDHUB_POLICY"), "roles file (YAML); empty: the built-in roles (GRIDHUB_POLICY)")
	anonymous := fs.String("anonymous-role", getenv("GRIDHUB_ANONYMOUS_ROLE"), "role of callers without a credential; none refuses them (GRIDHUB_ANONYMOUS_ROLE)")
	allowList := fs.String("allow-list", getenv("GRIDHUB_ALLOW_LIST"), "file of allowed operations, one GraphQL document per entry of a JSON array (GRIDHUB_ALLOW_LIST)")
	jwtSecret := fs.String("jwt-hs256-secret", getenv("GRIDHUB_JWT_HS256_SECRET"), "accept HS256 tokens signed with this secret (GRIDHUB_JWT_HS256_SECRET)")
	jwtKey := fs.String("jwt-rs256-key", getenv("GRIDHUB_JWT_RS256_KEY"), "accept RS256 tokens verified with this PEM public key file (GRIDHUB_JWT_RS256_KEY)")
	jwt := &auth.JWTConfig{Leeway: 30 * time.Second}
	fs.StringVar(&jwt.Issuer, "jwt-issuer", getenv("GRIDHUB_JWT_ISSUER"), "required token issuer (GRIDHUB_JWT_ISSUER)")
	fs.StringVar(&jwt.Audience, "jwt-audience", getenv("GRIDHUB_JWT_AUDIENCE"), "required token audience (GRIDHUB_JWT_AUDIENCE)")
	fs.StringVar(&jwt.RoleClaim, "jwt-role-claim", env("GRIDHUB_JWT_ROLE_CLAIM", "role"), "claim naming the gridhub role (GRIDHUB_JWT_ROLE_CLAIM)")
	fs.StringVar(&jwt.FenceClaim, "jwt-fence-claim", env("GRIDHUB_JWT_FENCE_CLAIM", "grid"), "claim naming the caller's grid code, for fenced roles (GRIDHUB_JWT_FENCE_CLAIM)")
	c.AuthFailures = auth.Rate{PerSecond: 1, Burst: 10}
	fs.DurationVar(&c.KeyCacheTTL, "key-cache", 5*time.Second, "how long a verified key is trusted before it is read again (revocations take effect within it)")
	fs.StringVar(&c.KeyRole, "role", "", "keys create: the key's role")
	fs.StringVar(&c.KeyName, "name", "", "keys create: who the key is for")
	fs.StringVar(&c.KeyFence, "fence", "", "keys create: the grid code a fenced role's key is cut to")
	fs.DurationVar(&c.KeyExpires, "expires", 0, "keys create: lifetime, e.g. 2160h; 0: no expiry")
	fs.StringVar(&c.Basemap, "basemap", getenv("GRIDHUB_BASEMAP"), "XYZ tile URL template drawn under the map page's layers, in web mercator on WGS84/CGCS2000 (GRIDHUB_BASEMAP)")
	fs.StringVar(&c.BasemapAttribution, "basemap-attribution", getenv("GRIDHUB_BASEMAP_ATTRIBUTION"), "credit line shown with the basemap (GRIDHUB_BASEMAP_ATTRIBUTION)")
	fs.IntVar(&c.SeedScale, "scale", 1, "seed: multiply buildings and incidents")
	fs.BoolVar(&c.SeedIfEmpty, "if-empty", false, "seed: only when the database holds no district")
	if err := fs.Parse(args); err != nil {
		return c, fmt.Errorf("%s: %w", cmd, err)
	}
	c.KeyArgs = fs.Args()
	if c.DatabaseURL == "" {
		return c, fmt.Errorf("DATABASE_URL is not set: 'make run' sets it for the local PostGIS, or point it at yours")
	}
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
	}
	if err := c.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return c, fmt.Errorf("log level %q: use debug, info, warn or error", *level)
	}
	if *secret != "" {
		c.CursorSecret = []byte(*secret)
	} else {
		// Cursors then stay valid for this process only; several instances need a shared secret.
		c.CursorSecret = make([]byte, 32)
		_, _ = rand.Read(c.CursorSecret)
	}
	if *conns < 2 || *conns > 1000 {
		return c, fmt.Errorf("max-conns must be between 2 and 1000")
	}
	if c.ExecBudget < 0 {
		return c, fmt.Errorf("exec-budget must be 0 (no limit) or more")
	}
	if c.SeedScale < 1 || c.SeedScale > 1000 {
		return c, fmt.Errorf("scale must be between 1 and 1000")
	}
	if c.TileClusterBelow < 0 || c.TileClusterBelow > geo.MaxTileZoom+1 {
		return c, fmt.Errorf("tile-cluster-below must be between 0 and %d", geo.MaxTileZoom+1)
	}
	if c.TileClusterAbove < 0 {
		return c, fmt.Errorf("tile-cluster-above must be 0 (never) or more")
	}
	var err error
	if c.Policy, err = auth.LoadPolicy(*policy); err != nil {
		return c, err
	}
	switch {
	case *anonymous == "none":
	case *anonymous != "":
		if c.Policy.Roles[*anonymous] == nil {
			return c, fmt.Errorf("anonymous-role %q is not a role of the policy", *anonymous)
		}
		c.AnonymousRole = *anonymous
	case *mode == "demo":
		c.AnonymousRole = c.Policy.Anonymous
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
	c.JWT = jwt
	if *allowList != "" {
		if c.AllowList, err = loadAllowList(*allowList); err != nil {
			return c, err
		}
	}
	if err := mapui.CheckBasemap(c.Basemap); err != nil {
		return c, fmt.Errorf("basemap: %w", err)
	}
	c.MaxConns = int32(*conns)
	c.RequestTimeout = *timeout
	c.StatementTimeout = *timeout
	return c, nil
}

func durationEnv(getenv func(string) string, k string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(getenv(k)); err == nil && d > 0 {
		return d
	}
	return def
}

func intEnv(getenv func(string) string, k string, def int) int {
	if n, err := strconv.Atoi(getenv(k)); err == nil {
		return n
	}
	return def
}

func newLogger(level slog.Level, w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}
