package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/store"
)

func TestReportDueTimesFollowTheCategory(t *testing.T) {
	db := smallDistrict(t)
	ctx := context.Background()
	// The district's categories, and limits it does not use yet: short and odd working-day
	// counts, and a whole day of clock time, added after the store has read the categories.
	if _, err := db.Store.Categories(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Store.ReportIncident(ctx, store.Report{Title: "t", Category: "矛盾纠纷", Source: "HOTLINE", Lon: 109.805, Lat: 40.605, Actor: "a", Key: "first"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Store.Pool().Exec(ctx, `INSERT INTO incident_categories (name, major_class, time_limit, working_days, default_priority, sort_order)
VALUES ('一个工作日', 'x', '1 day', true, 3, 91), ('三个工作日', 'x', '3 days', true, 3, 92), ('一天半工作日', 'x', '36 hours', true, 3, 93),
  ('七个工作日', 'x', '7 days', true, 3, 94), ('一整天', 'x', '1 day', false, 3, 95)`); err != nil {
		t.Fatal(err)
	}
	cats, err := db.Store.Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // past the guard against re-reading for every unknown name
	for _, c := range cats {
		inc, err := db.Store.ReportIncident(ctx, store.Report{Title: "t", Category: c.Name, Source: "HOTLINE", Lon: 109.805, Lat: 40.605, Actor: "a", Key: "due " + c.Name})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if want := c.DueAt(inc.ReportedAt); !inc.DueAt.Equal(want) {
			t.Errorf("%s reported %s: due %s, want %s", c.Name, inc.ReportedAt.Format(time.RFC3339), inc.DueAt.Format(time.RFC3339), want.Format(time.RFC3339))
		}
	}
}

// smallDistrict is a district of two grids side by side, 001 west and 002 east, with a
// strip to their north that no grid covers.
func smallDistrict(t *testing.T) *testdb.DB {
	t.Helper()
	db := testdb.New(t)
	if _, err := db.Store.Pool().Exec(context.Background(), `INSERT INTO grids (id, code, level, parent_id, name, geom) VALUES
  (1, '150203', 'DISTRICT', NULL, '测试区', ST_Multi(ST_MakeEnvelope(109.80, 40.60, 109.82, 40.62, 4326))),
  (2, '150203001001001', 'GRID', 1, '西网格', ST_Multi(ST_MakeEnvelope(109.80, 40.60, 109.81, 40.61, 4326))),
  (3, '150203002001001', 'GRID', 1, '东网格', ST_Multi(ST_MakeEnvelope(109.81, 40.60, 109.82, 40.61, 4326)))`); err != nil {
		t.Fatal(err)
	}
	return db
}

func count(t *testing.T, db *testdb.DB, table string) int {
	t.Helper()
	var n int
	if err := db.Store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReportIncident(t *testing.T) {
	db := smallDistrict(t)
	st := db.Store
	ctx := context.Background()
	rep := func(key, category string, lon, lat float64) store.Report {
		return store.Report{Title: "井盖缺失", Category: category, Source: "HOTLINE", Lon: lon, Lat: lat, Actor: "网格员", Key: key}
	}

	t.Run("a report is filed in its grid, numbered, due, on the timeline and announced", func(t *testing.T) {
		ch, err := st.IncidentChannel(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := st.ListenConn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			t.Fatal(err)
		}
		inc, err := st.ReportIncident(ctx, rep("filed", "矛盾纠纷", 109.805, 40.605))
		if err != nil {
			t.Fatal(err)
		}
		day := inc.ReportedAt.In(model.Beijing).Format("20060102")
		if !regexp.MustCompile(`^SJ` + day + `\d{6}$`).MatchString(inc.Code) {
			t.Errorf("code %q, want SJ%s (the day it was reported) and 6 digits", inc.Code, day)
		}
		dispute := model.IncidentCategory{WorkingDays: 10}
		if inc.GridID == nil || *inc.GridID != 2 || inc.Status != model.StatusReported || inc.Priority != 3 ||
			!inc.DueAt.Equal(dispute.DueAt(inc.ReportedAt)) || inc.Overdue {
			t.Errorf("got %+v, want REPORTED in grid 2, priority 3, due 10 working days on", inc)
		}
		var events int
		var actor, note string
		if err := st.Pool().QueryRow(ctx, `SELECT count(*), max(actor), max(note) FROM incident_events WHERE incident_id = $1 AND from_status IS NULL AND to_status = 'REPORTED'`,
			inc.DBID).Scan(&events, &actor, &note); err != nil {
			t.Fatal(err)
		}
		if events != 1 || actor != "网格员" || note != "来源: 12345热线" {
			t.Errorf("%d first entries by %q noted %q, want one by 网格员 noted 来源: 12345热线", events, actor, note)
		}
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		n, err := conn.WaitForNotification(wctx)
		if err != nil {
			t.Fatal(err)
		}
		var p struct{ E, I int64 }
		if err := json.Unmarshal([]byte(n.Payload), &p); err != nil || p.I != inc.DBID || p.E == 0 {
			t.Errorf("notification %q, want the new timeline entry and incident %d", n.Payload, inc.DBID)
		}
	})

	t.Run("the grid is the containing one, the lower code on a shared edge, else the nearest within 100 m", func(t *testing.T) {
		for _, c := range []struct {
			name     string
			lon, lat float64
			want     int64 // 0: none
		}{
			{"inside the east grid", 109.815, 40.605, 3},
			{"on the edge the grids share", 109.81, 40.605, 2},
			{"55 m north of the west grid", 109.805, 40.6105, 2},
			{"550 m north of every grid", 109.805, 40.615, 0},
		} {
			inc, err := st.ReportIncident(ctx, rep("grid-"+c.name, "市容环境", c.lon, c.lat))
			if err != nil {
				t.Fatal(err)
			}
			if got := inc.GridID; (got == nil) != (c.want == 0) || got != nil && *got != c.want {
				t.Errorf("%s: grid %v, want %d", c.name, got, c.want)
			}
		}
	})

	t.Run("a repeated report returns the same incident and writes nothing", func(t *testing.T) {
		first, err := st.ReportIncident(ctx, rep("again", "街面秩序", 109.815, 40.605))
		if err != nil {
			t.Fatal(err)
		}
		incidents, events := count(t, db, "incidents"), count(t, db, "incident_events")
		again, err := st.ReportIncident(ctx, rep("again", "街面秩序", 109.815, 40.605))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again, first) {
			t.Errorf("got %+v, want %+v", again, first)
		}
		if count(t, db, "incidents") != incidents || count(t, db, "incident_events") != events {
			t.Error("the repeat wrote rows")
		}
	})

	t.Run("32 concurrent reports with one key file one incident", func(t *testing.T) {
		incidents, events := count(t, db, "incidents"), count(t, db, "incident_events")
		ids := make([]int64, 32)
		errs := make([]error, 32)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Go(func() {
				inc, err := st.ReportIncident(ctx, rep("race", "街面秩序", 109.815, 40.605))
				if errs[i] = err; err == nil {
					ids[i] = inc.DBID
				}
			})
		}
		wg.Wait()
		for i := range ids {
			if errs[i] != nil || ids[i] != ids[0] {
				t.Fatalf("report %d: %d, %v; want incident %d", i, ids[i], errs[i], ids[0])
			}
		}
		if n := count(t, db, "incidents") - incidents; n != 1 {
			t.Errorf("%d incidents, want 1", n)
		}
		if n := count(t, db, "incident_events") - events; n != 1 {
			t.Errorf("%d timeline entries, want 1", n)
		}
	})

	refused := []struct {
		name string
		ctx  context.Context
		r    store.Report
		want error
	}{
		{"the same key with another payload", ctx, rep("again", "街面秩序", 109.815, 40.6051), store.ErrIdempotencyConflict},
		{"the same key with another payload, its category unknown", ctx, rep("again", "不存在", 109.815, 40.605), store.ErrIdempotencyConflict},
		{"an unknown category", ctx, rep("k-cat", "不存在", 109.815, 40.605), store.ErrUnknownCategory},
		{"a point 5 km from the district", ctx, rep("k-far", "市容环境", 109.88, 40.605), store.ErrOutsideDistrict},
		{"a point in another street than the caller's fence", store.WithScope(ctx, &store.Scope{FenceCode: "150203001"}),
			rep("k-fence", "市容环境", 109.815, 40.605), store.ErrOutsideFence},
		{"a point in no grid, for a fenced caller", store.WithScope(ctx, &store.Scope{FenceCode: "150203001"}),
			rep("k-fence-nogrid", "市容环境", 109.805, 40.615), store.ErrOutsideFence},
	}
	for _, c := range refused {
		t.Run(c.name+" is refused and writes nothing", func(t *testing.T) {
			incidents, events := count(t, db, "incidents"), count(t, db, "incident_events")
			if _, err := st.ReportIncident(c.ctx, c.r); !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
			if count(t, db, "incidents") != incidents || count(t, db, "incident_events") != events {
				t.Error("a refused report wrote rows")
			}
		})
	}

	t.Run("a fenced caller reports inside its fence", func(t *testing.T) {
		inc, err := st.ReportIncident(store.WithScope(ctx, &store.Scope{FenceCode: "150203002"}), rep("fenced-in", "市容环境", 109.815, 40.605))
		if err != nil || inc.GridID == nil || *inc.GridID != 3 {
			t.Errorf("got %+v, %v, want an incident in grid 3", inc, err)
		}
	})

	t.Run("a report its caller may not read is filed and answered not found", func(t *testing.T) {
		for _, sc := range []*store.Scope{
			{Categories: []string{"矛盾纠纷"}},
			// The point's grid is in the polygon, the point itself is not.
			{FenceWKB: envelopeWKB(t, 109.811, 40.60, 109.82, 40.61)},
		} {
			key := fmt.Sprintf("hidden-%p", sc)
			before := count(t, db, "incidents")
			_, err := st.ReportIncident(store.WithScope(ctx, sc), rep(key, "市容环境", 109.8105, 40.605))
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("scope %+v: got %v, want ErrNotFound", sc, err)
			}
			if count(t, db, "incidents") != before+1 {
				t.Errorf("scope %+v: the report was not filed", sc)
			}
			if _, err := st.ReportIncident(store.WithScope(ctx, sc), rep(key, "市容环境", 109.8105, 40.605)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("scope %+v, repeated: got %v, want ErrNotFound", sc, err)
			}
		}
	})
}

func envelopeWKB(t *testing.T, minLon, minLat, maxLon, maxLat float64) []byte {
	t.Helper()
	b, err := wkb.Marshal(orb.Bound{Min: orb.Point{minLon, minLat}, Max: orb.Point{maxLon, maxLat}}.ToPolygon())
	if err != nil {
		t.Fatal(err)
	}
	return b
}
