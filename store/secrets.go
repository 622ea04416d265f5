package store

import (
	"context"
	"crypto/rand"

	"github.com/jackc/pgx/v5"
)

// SharedSecret is the secret called name that every hub on this database uses, made
// (32 random bytes) by whichever asks first; concurrent first askers get the same one.
func (s *Store) SharedSecret(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh)
	var secret []byte
	var err error
	// A first asker whose insert waited on another's sees neither row in its snapshot:
	// asking again reads the one that won.
	for range 3 {
		if err = s.pool.QueryRow(ctx, `WITH made AS (
  INSERT INTO hub_secrets (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING secret)
SELECT secret FROM made UNION ALL SELECT secret FROM hub_secrets WHERE name = $1 LIMIT 1`, name, fresh).Scan(&secret); err != pgx.ErrNoRows {
			break
		}
	}
	return secret, wrap(err, "read shared secret")
}
