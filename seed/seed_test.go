package seed

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"gridhub/internal/testdb"
)

// A fixed reference time: the seeds of a test never depend on the day it runs.
var testRef = testdb.Reference

// TestRun seeds scale 1 once and asks the district questions; the subtests only read it.
func TestRun(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	sum, err := Run(context.Background(), db.Store, Options{Scale: 1, Reference: testRef})
	if err != nil {
		t.Fatalf("seed at scale 1: %v", err)
	}
	pool := db.Store.Pool()
	t.Run("counts the district's figures", func(t *testing.T) { countsTheDistrictsFigures(t, pool, sum) })
	t.Run("nests the grid tree", func(t *testing.T) { nestsTheGridTree(t, pool) })
	t.Run("places every point in its grid", func(t *testing.T) { placesEveryPointInItsGrid(t, pool) })
	t.Run("writes a year of incidents", func(t *testing.T) { writesAYearOfIncidents(t, pool, testRef) })
	t.Run("writes consistent timelines", func(t *testing.T) { writesConsistentTimelines(t, pool, testRef) })
	t.Run("writes the same rows again in another schema", func(t *testing.T) { isDeterministic(t, pool) })
	t.Run("refuses to seed a district that exists", func(t *testing.T) { refusesADistrictThatExists(t, db) })
}

// TestRunOnAnyDay seeds the district as of days spread over the calendar (weekdays and
// weekends, a year's turn, a leap day, the day a tile test once failed on) and asks each
// the questions whose answers must not depend on the day: a district seeded on any day
// has its figures, its year of incidents and timelines consistent and every point in
// its grid.
func TestRunOnAnyDay(t *testing.T) {
	t.Parallel()
	for _, day := range []string{"2026-01-01", "2026-03-01", "2026-06-13", "2026-12-03", "2027-12-31", "2028-02-29", "2028-03-06"} {
		t.Run("as of "+day, func(t *testing.T) {
			d, err := time.ParseInLocation(time.DateOnly, day, shanghai)
			if err != nil {
				t.Fatal(err)
			}
			db := testdb.New(t)
			sum, err := Run(context.Background(), db.Store, Options{Scale: 1, Reference: d})
			if err != nil {
				t.Fatalf("seed as of %s: %v", day, err)
			}
			pool := db.Store.Pool()
			t.Run("counts the district's figures", func(t *testing.T) { countsTheDistrictsFigures(t, pool, sum) })
			t.Run("places every point in its grid", func(t *testing.T) { placesEveryPointInItsGrid(t, pool) })
			t.Run("writes a year of incidents", func(t *testing.T) { writesAYearOfIncidents(t, pool, d) })
			t.Run("writes consistent timelines", func(t *testing.T) { writesConsistentTimelines(t, pool, d) })
		})
	}
}

// check is one SQL question about the seeded district: its single answer must equal
// want, or lie within [lo, hi] when want is empty.
type check struct {
	name   string
	sql    string
	want   string
	lo, hi float64
}

func runChecks(t *testing.T, pool *pgxpool.Pool, checks []check) {
	t.Helper()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			var got string
			if err := pool.QueryRow(context.Background(), `SELECT (`+c.sql+`)::text`).Scan(&got); err != nil {
				t.Fatalf("query failed: %v\n%s", err, c.sql)
			}
			if c.want != "" {
				if got != c.want {
					t.Errorf("got %s, want %s\n%s", got, c.want, c.sql)
				}
				return
			}
			f, err := strconv.ParseFloat(got, 64)
			if err != nil || f < c.lo || f > c.hi {
				t.Errorf("got %s, want between %g and %g\n%s", got, c.lo, c.hi, c.sql)
			}
		})
	}
}

// dump fingerprints every seeded table in id order.
const dump = `SELECT concat_ws(' ',
	(SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM grids t),
	(SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM buildings t),
	(SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM party_units t),
	(SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM cameras t),
	(SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM service_points t),
	(SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM incidents t),
	(SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM incident_events t))`

func isDeterministic(t *testing.T, pool *pgxpool.Pool) {
	other := testdb.New(t)
	if _, err := Run(context.Background(), other.Store, Options{Scale: 1, Reference: testRef}); err != nil {
		t.Fatalf("second seed: %v", err)
	}
	var want, got string
	if err := pool.QueryRow(context.Background(), dump).Scan(&want); err != nil {
		t.Fatalf("dump first seed: %v", err)
	}
	if err := other.Store.Pool().QueryRow(context.Background(), dump).Scan(&got); err != nil {
		t.Fatalf("dump second seed: %v", err)
	}
	if got != want {
		t.Errorf("a second seed in another schema differs:\ngot  %s\nwant %s", got, want)
	}
}

func refusesADistrictThatExists(t *testing.T, db *testdb.DB) {
	_, err := Run(context.Background(), db.Store, Options{Scale: 1, Reference: testRef})
	if !errors.Is(err, ErrNotEmpty) {
		t.Errorf("got error %v, want ErrNotEmpty", err)
	}
	runChecks(t, db.Store.Pool(), []check{{name: "the first district is still the only one", sql: `SELECT count(*) FROM grids WHERE level = 'DISTRICT'`, want: "1"}})
}

// cancelAfter cancels the seed once the progress output mentions table.
type cancelAfter struct {
	table  string
	cancel context.CancelFunc
}

func (c cancelAfter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.table) {
		c.cancel()
	}
	return len(p), nil
}

func TestRunLeavesNothingWhenItFails(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Run(ctx, db.Store, Options{Scale: 1, Reference: testRef, Progress: cancelAfter{"cameras", cancel}})
	if err == nil {
		t.Fatal("got no error from a seed cancelled half-way, want one")
	}
	empty, err := db.Store.IsEmpty(context.Background())
	if err != nil || !empty {
		t.Errorf("got empty=%v (err %v) after a failed seed, want an empty district", empty, err)
	}
	runChecks(t, db.Store.Pool(), []check{{name: "no building survives a failed seed", sql: `SELECT count(*) FROM buildings`, want: "0"}})
}

func TestRunLetsOnlyOneOfTwoConcurrentSeedsWrite(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := Run(context.Background(), db.Store, Options{Scale: 1, Reference: testRef})
			errs <- err
		}()
	}
	var wrote, refused int
	for range 2 {
		switch err := <-errs; {
		case err == nil:
			wrote++
		case errors.Is(err, ErrNotEmpty):
			refused++
		default:
			t.Errorf("got error %v, want none or ErrNotEmpty", err)
		}
	}
	if wrote != 1 || refused != 1 {
		t.Errorf("got %d seeds written and %d refused, want 1 and 1", wrote, refused)
	}
	runChecks(t, db.Store.Pool(), []check{
		{name: "there is one district", sql: `SELECT count(*) FROM grids WHERE level = 'DISTRICT'`, want: "1"},
		{name: "there is one year of incidents", sql: `SELECT count(*) FROM incidents`, want: "11000"},
	})
}

func TestRunScalesBuildingsAndIncidents(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	sum, err := Run(context.Background(), db.Store, Options{Scale: 2, Reference: testRef, Progress: io.Discard})
	if err != nil {
		t.Fatalf("seed at scale 2: %v", err)
	}
	if sum.Incidents != 22000 {
		t.Errorf("got %d incidents at scale 2, want 22000", sum.Incidents)
	}
	runChecks(t, db.Store.Pool(), []check{
		{name: "disputes double to 3,372 worth ¥22,172,200.00", sql: `SELECT count(*) || ' ' || sum(amount_yuan) FROM incidents WHERE category = '矛盾纠纷'`, want: "3372 22172200.00"},
		{name: "opinion events double to 356", sql: `SELECT count(*) FROM incidents WHERE category = '舆情'`, want: "356"},
		{name: "buildings double", sql: `SELECT count(*) FROM buildings`, lo: 12000, hi: 16000},
		{name: "cameras stay at 3,611", sql: `SELECT count(*) FROM cameras`, want: "3611"},
		{name: "party units keep the document's 252 branches and 721 groups", sql: `SELECT count(*) FILTER (WHERE kind = 'GRID_BRANCH') || ' ' || count(*) FILTER (WHERE kind = 'BUILDING_GROUP') FROM party_units`, want: "252 721"},
		{name: "no two buildings touch", sql: `SELECT count(*) FROM buildings a JOIN buildings b ON a.id < b.id AND ST_Intersects(a.geom, b.geom)`, want: "0"},
		{name: "the next inserted grid gets a fresh id", sql: `SELECT nextval(pg_get_serial_sequence('grids', 'id')) > (SELECT max(id) FROM grids)`, want: "true"},
	})
}
