package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gridhub/store"
)

// dbConfig is what every subcommand reads: where the database is, and how much to log.
type dbConfig struct {
	url              string
	level            string
	logLevel         slog.Level
	maxConns         int32         // 0: the store's default
	statementTimeout time.Duration // 0: none
	execMode         string
	directURL        string
	replicas         []string // serve only
	maxReplicaLag    time.Duration
}

// options are the store's options from the flags.
func (db *dbConfig) options() store.Options {
	return store.Options{MaxConns: db.maxConns, StatementTimeout: db.statementTimeout, ExecMode: db.execMode,
		ListenURL: db.directURL, ReplicaURLs: db.replicas, MaxReplicaLag: db.maxReplicaLag}
}

// newFlags is a subcommand's flag set with the flags every subcommand has.
func newFlags(cmd string, getenv func(string) string) (*flag.FlagSet, *dbConfig) {
	fs := flag.NewFlagSet("gridhub "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	db := &dbConfig{}
	fs.StringVar(&db.url, "database-url", env(getenv, "DATABASE_URL", localCluster(getenv)), "PostgreSQL URL (DATABASE_URL); by default the project-local cluster 'make run' starts")
	fs.StringVar(&db.execMode, "db-exec-mode", getenv("GRIDHUB_DB_EXEC_MODE"), "exec or simple behind PgBouncer in transaction mode; empty: prepared statements cached per connection (GRIDHUB_DB_EXEC_MODE)")
	fs.StringVar(&db.directURL, "direct-url", getenv("GRIDHUB_DIRECT_URL"), "a direct connection to the primary for LISTEN and migrations when database-url is a transaction pooler (GRIDHUB_DIRECT_URL)")
	fs.StringVar(&db.level, "log-level", env(getenv, "GRIDHUB_LOG_LEVEL", "info"), "debug, info, warn or error (GRIDHUB_LOG_LEVEL)")
	return fs, db
}

// localCluster is the database of the cluster scripts/postgis.sh runs in .data/ (on
// GRIDHUB_PGPORT, 54329 by default), so that the binary started alone, as a supervisor
// would, finds what 'make run' set up.
func localCluster(getenv func(string) string) string {
	return "postgres://gridhub:gridhub@127.0.0.1:" + env(getenv, "GRIDHUB_PGPORT", "54329") + "/gridhub?sslmode=disable"
}

// check reads what newFlags parsed.
func (db *dbConfig) check() error {
	switch db.execMode {
	case "", "exec", "simple":
	default:
		return fmt.Errorf("db-exec-mode %q: use exec or simple (or leave it empty)", db.execMode)
	}
	if err := db.logLevel.UnmarshalText([]byte(db.level)); err != nil {
		return fmt.Errorf("log level %q: use debug, info, warn or error", db.level)
	}
	return nil
}

func env(getenv func(string) string, k, def string) string {
	if v := getenv(k); v != "" {
		return v
	}
	return def
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

// splitList is a comma-separated setting's entries, trimmed, empty ones left out.
func splitList(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}
