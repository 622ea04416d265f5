// Command gridhub serves a city district's governance grid map as one GraphQL graph
// over PostGIS.
//
//	gridhub [serve]            migrate, then serve GraphiQL (/), /graphql, /tiles, /map, /healthz, /readyz, /metrics
//	gridhub migrate            apply the embedded migrations and exit
//	gridhub seed [-scale N]    load the demo district and its demo keys (-if-empty: only into an empty database)
//	gridhub keys create|list|revoke   manage API keys
//	gridhub import -layer L -file F   check a district's own file and upsert it into a layer
//	gridhub export -layer L -format F export a layer (as a key's role may read it)
//
// Each subcommand has its own flags (gridhub serve -h lists serve's); every flag can
// also be set in the environment, as the README's table says.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

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
	switch cmd {
	case "serve":
		cfg, err := parseServe(args, getenv)
		if err != nil {
			return err
		}
		return withStore(ctx, cfg.db, stdout, func(st *store.Store, log *slog.Logger) error {
			return serve(ctx, st, cfg, log, ready)
		})
	case "migrate":
		fs, db := newFlags("migrate", getenv)
		if err := parse(fs, args); err != nil {
			return err
		}
		if err := db.check(); err != nil {
			return err
		}
		return withStore(ctx, db, stdout, func(*store.Store, *slog.Logger) error { return nil })
	case "seed":
		cfg, err := parseSeed(args, getenv)
		if err != nil {
			return err
		}
		return withStore(ctx, cfg.db, stdout, func(st *store.Store, _ *slog.Logger) error { return runSeed(ctx, st, cfg, stdout) })
	case "import":
		cfg, err := parseImport(args, getenv)
		if err != nil {
			return err
		}
		return withStore(ctx, cfg.db, stdout, func(st *store.Store, _ *slog.Logger) error { return runImport(ctx, st, cfg, stdout) })
	case "export":
		cfg, err := parseExport(args, getenv)
		if err != nil {
			return err
		}
		return withStore(ctx, cfg.db, stdout, func(st *store.Store, log *slog.Logger) error { return runExport(ctx, st, cfg, stdout, log) })
	case "keys":
		cfg, err := parseKeys(args, getenv)
		if err != nil {
			return err
		}
		return withStore(ctx, cfg.db, stdout, func(st *store.Store, _ *slog.Logger) error { return runKeys(ctx, st, cfg, stdout) })
	}
	return fmt.Errorf("unknown command %q (serve, migrate, seed, keys, import, export)", cmd)
}

// withStore opens the database, applies the migrations and runs f.
func withStore(ctx context.Context, db *dbConfig, stdout io.Writer, f func(*store.Store, *slog.Logger) error) error {
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: db.logLevel}))
	st, err := store.Open(ctx, db.url, db.options())
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
	return f(st, log)
}

// parse parses a subcommand's flags; the error for -h, or for a flag it does not have,
// lists them.
func parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil {
		return nil
	}
	var usage strings.Builder
	fs.SetOutput(&usage)
	fs.PrintDefaults()
	return fmt.Errorf("%s: %w\nflags (each also in the environment variable it names):\n%s", fs.Name(), err, usage.String())
}
