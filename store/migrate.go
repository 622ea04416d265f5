package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key that keeps two starting instances from migrating at once.
const migrationLock = 0x67726964 // "grid"

// Migrate applies the embedded migrations not yet recorded in schema_migrations, each in
// its own transaction, and returns the versions it applied.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	conn, release, err := s.sessionConn(ctx)
	if err != nil {
		return nil, wrap(err, "connect for migrations")
	}
	defer release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return nil, wrap(err, "lock migrations")
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock) //nolint:errcheck
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, wrap(err, "create schema_migrations")
	}
	var applied []int
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "migrations/"), ".sql")
		version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return applied, fmt.Errorf("migration %s: name must start with a version number", f)
		}
		body, err := migrations.ReadFile(f)
		if err != nil {
			return applied, err
		}
		done, err := applyMigration(ctx, conn, version, name, string(body))
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, version)
		}
	}
	return applied, nil
}

func applyMigration(ctx context.Context, conn *pgx.Conn, version int, name, body string) (bool, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return false, wrap(err, "begin migration")
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, version).Scan(&exists); err != nil {
		return false, wrap(err, "read schema_migrations")
	}
	if exists {
		return false, nil
	}
	if _, err := tx.Exec(ctx, body); err != nil {
		return false, wrap(err, "apply migration "+name)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, version, name); err != nil {
		return false, wrap(err, "record migration "+name)
	}
	return true, wrap(tx.Commit(ctx), "commit migration "+name)
}

// sessionConn is a connection whose session is ours until release: the lock taken on it
// holds across statements. Behind a transaction pooler that is a direct connection.
func (s *Store) sessionConn(ctx context.Context) (*pgx.Conn, func(), error) {
	if s.listenURL != "" {
		c, err := s.ListenConn(ctx)
		if err != nil {
			return nil, nil, err
		}
		return c, func() { _ = c.Close(context.WithoutCancel(ctx)) }, nil
	}
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	return c.Conn(), c.Release, nil
}
