package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// APIKey is a key's record; the key itself is never stored.
type APIKey struct {
	ID        int64
	Prefix    string
	Hash      []byte
	Name      string
	Role      string
	FenceCode *string
	// WorkerID is the grid worker a worker's key belongs to.
	WorkerID *int64
	// WorkerCode, when set on PutKey, names the worker instead of WorkerID; the key is then
	// fenced to the community of the worker's main grid.
	WorkerCode *string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
}

// ErrKeyExists is a prefix collision (one in four billion): draw another key.
var ErrKeyExists = errors.New("a key with this prefix exists")

// CreateKey records a new key.
func (s *Store) CreateKey(ctx context.Context, k APIKey) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO api_keys (prefix, hash, name, role, fence_code, expires_at, worker_id)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (prefix) DO NOTHING RETURNING id`,
		k.Prefix, k.Hash, k.Name, k.Role, k.FenceCode, k.ExpiresAt, k.WorkerID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrKeyExists
	}
	return id, wrap(err, "create key")
}

// PutKey records a key with a fixed prefix and hash, replacing what that prefix had
// (the demo keys, whose values are published).
func (s *Store) PutKey(ctx context.Context, k APIKey) error {
	tag, err := s.pool.Exec(ctx, `WITH w AS (SELECT w.id, c.code FROM grid_workers w JOIN grids g ON g.id = w.grid_id
    JOIN grids c ON c.id = g.parent_id WHERE w.code = $6)
INSERT INTO api_keys (prefix, hash, name, role, fence_code, worker_id)
SELECT $1, $2, $3, $4, coalesce((SELECT code FROM w), $5), (SELECT id FROM w) WHERE $6::text IS NULL OR EXISTS (SELECT FROM w)
ON CONFLICT (prefix) DO UPDATE SET hash = $2, name = $3, role = $4, fence_code = excluded.fence_code,
    worker_id = excluded.worker_id, revoked_at = NULL, expires_at = NULL`,
		k.Prefix, k.Hash, k.Name, k.Role, k.FenceCode, k.WorkerCode)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return wrap(err, "put key")
}

const keyCols = `id, prefix, hash, name, role, fence_code, worker_id, created_at, expires_at, revoked_at`

func scanKey(r pgx.CollectableRow) (APIKey, error) {
	var k APIKey
	err := r.Scan(&k.ID, &k.Prefix, &k.Hash, &k.Name, &k.Role, &k.FenceCode, &k.WorkerID, &k.CreatedAt, &k.ExpiresAt, &k.RevokedAt)
	return k, err
}

// KeyByPrefix finds a key by its public prefix.
func (s *Store) KeyByPrefix(ctx context.Context, prefix string) (APIKey, error) {
	rows, err := s.read(ctx).Query(ctx, `SELECT `+keyCols+` FROM api_keys WHERE prefix = $1`, prefix)
	if err != nil {
		return APIKey{}, wrap(err, "find key")
	}
	k, err := pgx.CollectExactlyOneRow(rows, scanKey)
	return k, wrap(err, "find key")
}

// Keys lists every key, newest first.
func (s *Store) Keys(ctx context.Context) ([]APIKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+keyCols+` FROM api_keys ORDER BY id DESC`)
	if err != nil {
		return nil, wrap(err, "list keys")
	}
	ks, err := pgx.CollectRows(rows, scanKey)
	return ks, wrap(err, "list keys")
}

// RevokeKey revokes a key by prefix; ErrNotFound when there is no such key.
func (s *Store) RevokeKey(ctx context.Context, prefix string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE prefix = $1`, prefix)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return wrap(err, "revoke key")
}
