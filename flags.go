package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"
)

// dbConfig is what every subcommand reads: where the database is, and how much to log.
type dbConfig struct {
	url              string
	level            string
	logLevel         slog.Level
	maxConns         int32         // 0: the store's default
	statementTimeout time.Duration // 0: none
}

// newFlags is a subcommand's flag set with the flags every subcommand has.
func newFlags(cmd string, getenv func(string) string) (*flag.FlagSet, *dbConfig) {
	fs := flag.NewFlagSet("gridhub "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	db := &dbConfig{}
	fs.StringVar(&db.url, "database-url", getenv("DATABASE_URL"), "PostgreSQL URL (DATABASE_URL)")
	fs.StringVar(&db.level, "log-level", env(getenv, "GRIDHUB_LOG_LEVEL", "info"), "debug, info, warn or error (GRIDHUB_LOG_LEVEL)")
	return fs, db
}

// check reads what newFlags parsed.
func (db *dbConfig) check() error {
	if db.url == "" {
		return fmt.Errorf("DATABASE_URL is not set: 'make run' sets it for the local PostGIS, or point it at yours")
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
