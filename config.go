package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gridhub/geo"
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

	// TileClusterBelow: vector tiles of point layers hold clusters at zooms below it.
	TileClusterBelow int
	// Basemap is an XYZ tile URL template the map page draws under the hub's layers
	// (empty: a plain background).
	Basemap            string
	BasemapAttribution string

	SeedScale   int
	SeedIfEmpty bool
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
	fs.IntVar(&c.TileClusterBelow, "tile-cluster-below", intEnv(getenv, "GRIDHUB_TILE_CLUSTER_BELOW", 14), "vector tiles cluster points below this zoom; 0: never (GRIDHUB_TILE_CLUSTER_BELOW)")
	fs.StringVar(&c.Basemap, "basemap", getenv("GRIDHUB_BASEMAP"), "XYZ tile URL template drawn under the map page's layers, in web mercator on WGS84/CGCS2000 (GRIDHUB_BASEMAP)")
	fs.StringVar(&c.BasemapAttribution, "basemap-attribution", getenv("GRIDHUB_BASEMAP_ATTRIBUTION"), "credit line shown with the basemap (GRIDHUB_BASEMAP_ATTRIBUTION)")
	fs.IntVar(&c.SeedScale, "scale", 1, "seed: multiply buildings and incidents")
	fs.BoolVar(&c.SeedIfEmpty, "if-empty", false, "seed: only when the database holds no district")
	if err := fs.Parse(args); err != nil {
		return c, fmt.Errorf("%s: %w", cmd, err)
	}
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
	if c.SeedScale < 1 || c.SeedScale > 1000 {
		return c, fmt.Errorf("scale must be between 1 and 1000")
	}
	if c.TileClusterBelow < 0 || c.TileClusterBelow > geo.MaxTileZoom+1 {
		return c, fmt.Errorf("tile-cluster-below must be between 0 and %d", geo.MaxTileZoom+1)
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
