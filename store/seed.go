package store

import (
	"context"
	"errors"
	"time"

	"gridhub/model"

	"github.com/jackc/pgx/v5"
)

// The store side of the demo district generator (package seed): bulk COPY in one
// transaction and the SQL that finishes the load.

// ErrSeedNotEmpty is returned when a seed would write into a district that already exists.
var ErrSeedNotEmpty = errors.New("the database already holds a district")

// seedTables are the tables a seed fills, parents before children.
var seedTables = []string{"grids", "buildings", "party_units", "cameras", "service_points", "incidents", "incident_events",
	"grid_workers", "visits"}

// SeedVisit is one generated visit; its place is its building's.
type SeedVisit struct {
	Worker, Building int64
	At               time.Time
	Kind             string
	Note             string
}

// PositionDays makes the positions partitions of days (Beijing dates), for a COPY.
func (t *SeedTx) PositionDays(ctx context.Context, days []time.Time) error {
	for _, d := range days {
		if _, err := t.tx.Exec(ctx, `SELECT worker_positions_day($1::date)`, d.In(model.Beijing).Format(time.DateOnly)); err != nil {
			return wrap(err, "make a positions partition")
		}
	}
	return nil
}

// InsertVisits writes visits at their buildings (a point on each footprint, in its grid).
func (t *SeedTx) InsertVisits(ctx context.Context, vs []SeedVisit) (int64, error) {
	n := len(vs)
	workers, buildings := make([]int64, n), make([]int64, n)
	ats := make([]time.Time, n)
	kinds, notes := make([]string, n), make([]string, n)
	for i, v := range vs {
		workers[i], buildings[i], ats[i], kinds[i], notes[i] = v.Worker, v.Building, v.At, v.Kind, v.Note
	}
	tag, err := t.tx.Exec(ctx, `INSERT INTO visits (id, worker_id, grid_id, building_id, at, kind, note, geom)
SELECT u.ord, u.w, b.grid_id, b.id, u.at, u.kind, nullif(u.note, ''), ST_PointOnSurface(b.geom)
FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::text[], $5::text[]) WITH ORDINALITY AS u (w, b, at, kind, note, ord)
JOIN buildings b ON b.id = u.b ORDER BY u.ord`, workers, buildings, ats, kinds, notes)
	return tag.RowsAffected(), wrap(err, "insert visits")
}

// IsEmpty reports whether no grid exists yet, i.e. whether the demo district may be seeded.
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	var empty bool
	err := s.pool.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM grids)`).Scan(&empty)
	return empty, wrap(err, "check for grids")
}

// SeedCategory is an incident category as the generator needs it.
// SeedCategory is an incident category as the seed needs it.
type SeedCategory = model.IncidentCategory

// SeedTx is one seeding transaction.
type SeedTx struct {
	tx pgx.Tx
}

// Seed runs fn in a single transaction and commits only if fn succeeds, so a failed or
// cancelled seed leaves nothing half-written. The transaction holds an advisory lock and
// refuses with ErrSeedNotEmpty when grids already exist. Two seeders of one schema (two
// instances starting on an empty database) queue on the grids table's lock, and the
// second then finds the district there.
func (s *Store) Seed(ctx context.Context, fn func(*SeedTx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return wrap(err, "begin seed")
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	// A scale-100 COPY streams for minutes, the generator may pause between tables, and a
	// second seeder waits for the first: the pool's limits are for API traffic.
	for _, q := range []string{
		`SET LOCAL statement_timeout = 0`,
		`SET LOCAL idle_in_transaction_session_timeout = 0`,
		`SET LOCAL lock_timeout = '10min'`,
		`LOCK TABLE grids IN EXCLUSIVE MODE`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return wrap(err, "prepare seed")
		}
	}
	var empty bool
	if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM grids)`).Scan(&empty); err != nil {
		return wrap(err, "check for grids")
	}
	if !empty {
		return ErrSeedNotEmpty
	}
	if err := fn(&SeedTx{tx: tx}); err != nil {
		return err
	}
	return wrap(tx.Commit(ctx), "commit seed")
}

// Categories reads incident_categories, whose limits the generated due times must follow.
func (t *SeedTx) Categories(ctx context.Context) ([]SeedCategory, error) {
	return readCategories(ctx, t.tx)
}

// CopyRows bulk-loads rows into table with COPY (binary). Geometry values are EWKB
// []byte: pgx sends bytes as-is for the geometry OID it does not know, and PostGIS's
// binary input reads (E)WKB.
//
// The table's secondary indexes and its own foreign keys are dropped for the load and
// rebuilt after it, inside the same transaction: building an index once from sorted
// input and validating a foreign key with one join is several times faster than
// maintaining them row by row (a scale-100 seed is millions of rows). Indexes that back
// constraints (primary keys, UNIQUE) stay, and so do CHECK constraints.
func (t *SeedTx) CopyRows(ctx context.Context, table string, columns []string, src pgx.CopyFromSource) (int64, error) {
	restore, err := t.dropForLoad(ctx, table)
	if err != nil {
		return 0, err
	}
	n, err := t.tx.CopyFrom(ctx, pgx.Identifier{table}, columns, src)
	if err != nil {
		return n, wrap(err, "copy into "+table)
	}
	for _, q := range restore {
		if _, err := t.tx.Exec(ctx, q); err != nil {
			return n, wrap(err, "restore after loading "+table)
		}
	}
	return n, nil
}

// dropForLoad drops table's plain indexes and outgoing foreign keys and returns the
// statements that recreate them, indexes first, exactly as they were defined.
func (t *SeedTx) dropForLoad(ctx context.Context, table string) ([]string, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT 0 AS step, format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
		FROM pg_index i
		WHERE i.indrelid = $1::text::regclass
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
		UNION ALL
		SELECT 1, format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
		       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
		FROM pg_constraint c
		WHERE c.conrelid = $1::text::regclass AND c.contype = 'f'
		ORDER BY 1, 2`, pgx.Identifier{table}.Sanitize())
	if err != nil {
		return nil, wrap(err, "read indexes of "+table)
	}
	type pair struct{ drop, make string }
	pairs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pair, error) {
		var p pair
		var step int
		return p, r.Scan(&step, &p.drop, &p.make)
	})
	if err != nil {
		return nil, wrap(err, "read indexes of "+table)
	}
	var restore []string
	for _, p := range pairs {
		if _, err := t.tx.Exec(ctx, p.drop); err != nil {
			return nil, wrap(err, "prepare "+table+" for loading")
		}
		restore = append(restore, p.make)
	}
	return restore, nil
}

// Finish rolls population and households up the grid tree (a grid holds the sum of its
// buildings, every higher level the sum of its children), moves every identity sequence
// past the explicit ids the seed wrote so later INSERTs do not collide, and analyzes the
// loaded tables so the first queries get sensible plans.
func (t *SeedTx) Finish(ctx context.Context) error {
	if _, err := t.tx.Exec(ctx, `UPDATE grids g SET population = s.p, households = s.h
		FROM (SELECT grid_id, sum(residents) AS p, sum(households) AS h FROM buildings GROUP BY grid_id) s
		WHERE g.id = s.grid_id`); err != nil {
		return wrap(err, "sum buildings into grids")
	}
	for _, level := range []string{"GRID", "COMMUNITY", "STREET"} {
		if _, err := t.tx.Exec(ctx, `UPDATE grids g SET population = s.p, households = s.h
			FROM (SELECT parent_id, sum(population) AS p, sum(households) AS h
			      FROM grids WHERE level = $1 GROUP BY parent_id) s
			WHERE g.id = s.parent_id`, level); err != nil {
			return wrap(err, "sum "+level+" population upwards")
		}
	}
	for _, table := range []string{"grid_worker_grids", "worker_positions"} {
		if _, err := t.tx.Exec(ctx, `ANALYZE `+table); err != nil {
			return wrap(err, "analyze "+table)
		}
	}
	for _, table := range seedTables {
		id := pgx.Identifier{table}.Sanitize()
		if _, err := t.tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'),
			coalesce((SELECT max(id) FROM `+id+`), 0) + 1, false)`, id); err != nil {
			return wrap(err, "advance the id sequence of "+table)
		}
		if _, err := t.tx.Exec(ctx, `ANALYZE `+id); err != nil {
			return wrap(err, "analyze "+table)
		}
	}
	return nil
}
