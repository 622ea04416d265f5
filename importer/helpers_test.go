package importer_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gridhub/exporter"
	"gridhub/importer"
	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/seed"
	"gridhub/store"
)

func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// seeded is a schema holding the demo district at scale 1, as of testdb.Reference.
func seeded(t *testing.T) *testdb.DB {
	t.Helper()
	db := testdb.New(t)
	if _, err := seed.Run(ctxFor(t), db.Store, seed.Options{Scale: 1, Reference: testdb.Reference}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return db
}

// export writes layer l of db to a file in dir.
func export(t *testing.T, ctx context.Context, db *testdb.DB, l model.Layer, format, crs, dir string) string {
	t.Helper()
	path := filepath.Join(dir, strings.ToLower(string(l))+"."+format)
	if _, err := exporter.Export(ctx, db.Store, exporter.Options{Layer: l, Format: format, CRS: crs, File: path}); err != nil {
		t.Fatalf("export %s as %s in %q: %v", l, format, crs, err)
	}
	return path
}

// load imports a file and fails the test when it is refused.
func load(t *testing.T, db *testdb.DB, o importer.Options) *importer.Result {
	t.Helper()
	if o.Tolerance == 0 {
		o.Tolerance = 1
	}
	res, err := importer.Run(ctxFor(t), db.Store, o)
	if err != nil {
		t.Fatalf("import %s into %s: %v", filepath.Base(o.File), o.Layer, err)
	}
	if res.Errors() > 0 {
		var b strings.Builder
		_ = res.WriteTable(&b, 10)
		t.Fatalf("import %s into %s refused:\n%s", filepath.Base(o.File), o.Layer, b.String())
	}
	return res
}

// count is a single integer a statement on db answers.
func count(t *testing.T, db *testdb.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Store.Pool().QueryRow(ctxFor(t), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// qual is table in db's schema, for statements that compare two schemas.
func qual(db *testdb.DB, table string) string {
	return pgx.Identifier{db.Schema, table}.Sanitize()
}

// sameRows checks that dst holds src's rows of layer l (matched by code, or by the
// source id the export gave them), with their figures, and their geometries within tol
// degrees.
func sameRows(t *testing.T, src, dst *testdb.DB, l model.Layer, tol float64) {
	t.Helper()
	var table, join, cols string
	var args []any
	switch l {
	case model.LayerGrid:
		table, join, cols = "grids", "a.code = b.code", "a.name = b.name AND a.level = b.level AND a.population = b.population AND a.households = b.households AND a.worker_phone IS NOT DISTINCT FROM b.worker_phone"
	case model.LayerCamera:
		table, join, cols = "cameras", "a.code = b.code", "a.name = b.name AND a.kind = b.kind AND a.status = b.status AND a.heading IS NOT DISTINCT FROM b.heading"
	case model.LayerIncident:
		table, join = "incidents", "a.code = b.code"
		cols = `a.title = b.title AND a.description IS NOT DISTINCT FROM b.description AND a.category = b.category AND a.source = b.source
			AND a.status = b.status AND a.priority = b.priority AND a.reported_at = b.reported_at AND a.due_at = b.due_at
			AND a.closed_at IS NOT DISTINCT FROM b.closed_at AND a.amount_yuan IS NOT DISTINCT FROM b.amount_yuan`
	case model.LayerBuilding, model.LayerServicePoint, model.LayerPartyUnit:
		// The export wrote each row's stable id (its prefix and id) as its sourceId.
		table = store.TableName(l)
		var prefix string
		if err := src.Store.Pool().QueryRow(ctxFor(t), "SELECT prefix FROM "+qual(src, "hub_identity")).Scan(&prefix); err != nil {
			t.Fatal(err)
		}
		args = []any{prefix}
		join = "b.source_id = $1 || '-' || a.id"
		cols = "a.name = b.name"
		switch l {
		case model.LayerBuilding:
			cols += " AND a.address = b.address AND a.floors = b.floors AND a.residents = b.residents AND a.households = b.households"
		case model.LayerServicePoint:
			cols += " AND a.address = b.address"
		case model.LayerPartyUnit:
			cols += ` AND a.kind = b.kind AND a.member_count = b.member_count
				AND (SELECT $1 || '-' || ap.id FROM ` + qual(src, "party_units") + ` ap WHERE ap.id = a.parent_id) IS NOT DISTINCT FROM
				    (SELECT bp.source_id FROM ` + qual(dst, "party_units") + ` bp WHERE bp.id = b.parent_id)
				AND (SELECT $1 || '-' || ab.id FROM ` + qual(src, "buildings") + ` ab WHERE ab.id = a.building_id) IS NOT DISTINCT FROM
				    (SELECT bb.source_id FROM ` + qual(dst, "buildings") + ` bb WHERE bb.id = b.building_id)
				AND (SELECT ag.code FROM ` + qual(src, "grids") + ` ag WHERE ag.id = a.org_grid_id) = (SELECT bg.code FROM ` + qual(dst, "grids") + ` bg WHERE bg.id = b.org_grid_id)`
		}
	}
	want := count(t, src, "SELECT count(*) FROM "+qual(src, table))
	if got := count(t, dst, "SELECT count(*) FROM "+qual(dst, table)); got != want {
		t.Fatalf("%s: %d rows imported, want %d", l, got, want)
	}
	from := qual(src, table) + " a JOIN " + qual(dst, table) + " b ON " + join
	q := fmt.Sprintf(`SELECT count(*) FILTER (WHERE %s), count(*) FILTER (WHERE ST_HausdorffDistance(a.geom, b.geom) <= %g),
		coalesce(max(ST_HausdorffDistance(a.geom, b.geom)), 0) FROM %s`, cols, tol, from)
	var same, near int
	var worst float64
	if err := dst.Store.Pool().QueryRow(ctxFor(t), q, args...).Scan(&same, &near, &worst); err != nil {
		t.Fatalf("%s: compare: %v", l, err)
	}
	if same != want || near != want {
		t.Errorf("%s: %d of %d rows have the same attributes, %d lie within %g° (worst %g°)", l, same, want, near, tol, worst)
	}
}
