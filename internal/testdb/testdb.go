// Package testdb gives each test package its own migrated schema in the test database.
//
// The database comes from TEST_DATABASE_URL (make test sets it). There is no fallback:
// without PostGIS the tests fail, they never skip.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gridhub/model"
	"gridhub/store"
)

// Reference is the day the tests' demo district is generated as of (seed.Options.Reference):
// a fixed day, so that the tests read the same district whatever the date. Its incidents'
// due times have all passed, so which of them are overdue no longer changes either.
var Reference = time.Date(2026, 3, 16, 0, 0, 0, 0, model.Beijing)

// URL returns TEST_DATABASE_URL or fails the test.
func URL(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		tb.Fatal("TEST_DATABASE_URL is not set: run the tests with 'make test', which starts PostGIS")
	}
	return url
}

// DB is an isolated, migrated schema.
type DB struct {
	URL    string
	Schema string
	Store  *store.Store
}

// New creates a fresh schema, migrates it and opens a store on it. The schema is
// dropped when the test ends.
func New(tb testing.TB, opts ...func(*store.Options)) *DB {
	tb.Helper()
	url := URL(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatalf("connect to the test database (is PostGIS up? run 'make test'): %v", err)
	}
	defer admin.Close(ctx)
	var postgis string
	if err := admin.QueryRow(ctx, `SELECT postgis_lib_version()`).Scan(&postgis); err != nil {
		tb.Fatalf("PostGIS is missing in the test database: %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	// GRIDHUB_TEST_DB_EXEC_MODE=exec runs a package's tests with statements sent as a
	// transaction pooler needs them (store.Options.ExecMode).
	o := store.Options{SearchPath: schema, MaxConns: 8, ExecMode: os.Getenv("GRIDHUB_TEST_DB_EXEC_MODE")}
	for _, f := range opts {
		f(&o)
	}
	st, err := store.Open(ctx, url, o)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	tb.Cleanup(func() {
		st.Close()
		drop(url, schema)
	})
	return &DB{URL: url, Schema: schema, Store: st}
}

var dropMu sync.Mutex

func drop(url, schema string) {
	dropMu.Lock()
	defer dropMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
}

// Listen opens a connection of its own that listens on channel, closed when the test ends.
func (db *DB) Listen(tb testing.TB, channel string) *pgx.Conn {
	tb.Helper()
	ctx := context.Background()
	conn, err := db.Store.ListenConn(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		tb.Fatal(err)
	}
	return conn
}
