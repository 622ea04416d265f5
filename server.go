// Command gridhub serves a city district's governance grid map as one GraphQL graph
// over PostGIS.
//
//	gridhub [serve]            migrate, then serve GraphiQL (/), /graphql, /healthz, /readyz, /metrics
//	gridhub migrate            apply the embedded migrations and exit
//	gridhub seed [-scale N]    load the demo district and its demo keys (-if-empty: only into an empty database)
//	gridhub keys create|list|revoke   manage API keys
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"gridhub/seed"
	"gridhub/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "gridhub:", err)
		os.Exit(1)
	}
}

// run is the whole program; tests start servers through it. When ready is not nil the
// serving address is sent on it once the listener is open.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, ready chan<- string) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	keysCmd := ""
	if cmd == "keys" {
		if len(args) == 0 || (args[0] != "create" && args[0] != "list" && args[0] != "revoke") {
			return fmt.Errorf("keys: create --role R --name N [--fence CODE] [--expires DURATION] | list | revoke PREFIX")
		}
		keysCmd, args = args[0], args[1:]
	}
	cfg, err := parseConfig(cmd, args, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel, stdout)
	st, err := store.Open(ctx, cfg.DatabaseURL, store.Options{MaxConns: cfg.MaxConns, StatementTimeout: cfg.StatementTimeout})
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		log.Info("migrated", "versions", applied)
	}
	switch cmd {
	case "migrate":
		return nil
	case "seed":
		return runSeed(ctx, st, cfg, stdout)
	case "keys":
		return runKeys(ctx, st, cfg, keysCmd, stdout)
	case "serve":
		return serve(ctx, st, cfg, log, ready)
	}
	return fmt.Errorf("unknown command %q (serve, migrate, seed, keys)", cmd)
}

func runSeed(ctx context.Context, st *store.Store, cfg config, out io.Writer) error {
	if cfg.SeedIfEmpty {
		empty, err := st.IsEmpty(ctx)
		if err != nil {
			return err
		}
		if !empty {
			fmt.Fprintln(out, "gridhub: the database already holds a district; not seeding")
			return putDemoKeys(ctx, st, out)
		}
	}
	start := time.Now()
	sum, err := seed.Run(ctx, st, seed.Options{Scale: cfg.SeedScale, Progress: out})
	if err != nil {
		return err
	}
	if err := putDemoKeys(ctx, st, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "gridhub: demo district loaded at scale %d in %s: %+v\n", cfg.SeedScale, time.Since(start).Round(time.Millisecond), sum)
	return nil
}

// defaultMemoryLimit is the heap size the garbage collector works to stay under when
// GOMEMLIMIT is not set: collections of megabytes arriving together would otherwise let
// the heap grow to twice what is live (measured: 321 MB at 32 concurrent 2 MB answers).
const defaultMemoryLimit = 160 << 20

func serve(ctx context.Context, st *store.Store, cfg config, log *slog.Logger, ready chan<- string) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	h, closeHandler := newHandler(st, cfg, log)
	defer closeHandler()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.RequestTimeout + 15*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
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
	if cfg.PprofAddr != "" {
		stop, err := servePprof(cfg.PprofAddr, log)
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
