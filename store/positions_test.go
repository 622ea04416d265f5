package store_test

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/store"
)

// clock is the store's "now" in these tests: 10:00 on the tests' reference day.
var clock = testdb.Reference.Add(10 * time.Hour)

// workerDistrict is a district of one street, one community and two grids side by side
// (001 west, 002 east), with one worker in each grid and a building in each grid.
func workerDistrict(t *testing.T) *testdb.DB {
	t.Helper()
	db := testdb.New(t, func(o *store.Options) { o.Now = func() time.Time { return clock } })
	if _, err := db.Store.Pool().Exec(context.Background(), `
INSERT INTO grids (id, code, level, parent_id, name, geom) VALUES
  (1, '150203', 'DISTRICT', NULL, '测试区', ST_Multi(ST_MakeEnvelope(109.80, 40.60, 109.82, 40.62, 4326))),
  (2, '150203001', 'STREET', 1, '街道', ST_Multi(ST_MakeEnvelope(109.80, 40.60, 109.82, 40.62, 4326))),
  (3, '150203001001', 'COMMUNITY', 2, '社区', ST_Multi(ST_MakeEnvelope(109.80, 40.60, 109.82, 40.62, 4326))),
  (4, '150203001001001', 'GRID', 3, '西网格', ST_Multi(ST_MakeEnvelope(109.80, 40.60, 109.81, 40.62, 4326))),
  (5, '150203001001002', 'GRID', 3, '东网格', ST_Multi(ST_MakeEnvelope(109.81, 40.60, 109.82, 40.62, 4326)));
INSERT INTO grid_workers (id, code, name, grid_id, on_duty, geom) VALUES
  (1, '15020300100100101', '甲', 4, true, ST_SetSRID(ST_MakePoint(109.805, 40.61), 4326)),
  (2, '15020300100100201', '乙', 5, true, ST_SetSRID(ST_MakePoint(109.815, 40.61), 4326)),
  (3, '15020300100100202', '丙', 5, false, ST_SetSRID(ST_MakePoint(109.816, 40.61), 4326));
INSERT INTO grid_worker_grids VALUES (1, 4), (2, 5), (3, 5);
INSERT INTO buildings (id, grid_id, name, address, floors, households, residents, geom) VALUES
  (1, 4, '一号楼', '西', 6, 10, 25, ST_Multi(ST_MakeEnvelope(109.801, 40.601, 109.802, 40.602, 4326))),
  (2, 4, '二号楼', '西', 6, 10, 25, ST_Multi(ST_MakeEnvelope(109.803, 40.601, 109.804, 40.602, 4326))),
  (3, 5, '三号楼', '东', 6, 10, 25, ST_Multi(ST_MakeEnvelope(109.811, 40.601, 109.812, 40.602, 4326)));`); err != nil {
		t.Fatal(err)
	}
	return db
}

// walk is n points every 30 s from at, heading east from lon by metres each step.
func walk(at time.Time, lon, lat, metres float64, n int) []model.PositionReport {
	out := make([]model.PositionReport, n)
	for k := range out {
		out[k] = model.PositionReport{At: at.Add(time.Duration(k) * 30 * time.Second), Lon: lon + float64(k)*metres/84450, Lat: lat}
	}
	return out
}

func TestReportPositions(t *testing.T) {
	db := workerDistrict(t)
	st, ctx := db.Store, context.Background()
	at := testdb.Reference.Add(9 * time.Hour)
	pts := walk(at, 109.801, 40.61, 40, 6)

	t.Run("a batch is stored and moves the worker to its latest point", func(t *testing.T) {
		res, err := st.ReportPositions(ctx, 1, pts[:4])
		if err != nil {
			t.Fatal(err)
		}
		if res != (model.PositionResult{Accepted: 4}) {
			t.Errorf("got %+v, want 4 accepted", res)
		}
		var seen time.Time
		var lon float64
		if err := st.Pool().QueryRow(ctx, `SELECT last_seen_at, ST_X(geom) FROM grid_workers WHERE id = 1`).Scan(&seen, &lon); err != nil {
			t.Fatal(err)
		}
		if !seen.Equal(pts[3].At) || math.Abs(lon-pts[3].Lon) > 1e-9 {
			t.Errorf("worker at %s %f, want %s %f", seen, lon, pts[3].At, pts[3].Lon)
		}
	})
	t.Run("a resent batch adds nothing", func(t *testing.T) {
		res, err := st.ReportPositions(ctx, 1, pts[:4])
		if err != nil {
			t.Fatal(err)
		}
		if res != (model.PositionResult{Duplicates: 4}) {
			t.Errorf("got %+v, want 4 duplicates", res)
		}
	})
	t.Run("late and out-of-order points are accepted and leave the latest position alone", func(t *testing.T) {
		late := []model.PositionReport{pts[5], pts[4], {At: at.Add(-time.Minute), Lon: 109.8008, Lat: 40.61}, pts[0]}
		res, err := st.ReportPositions(ctx, 1, late)
		if err != nil {
			t.Fatal(err)
		}
		if res != (model.PositionResult{Accepted: 3, Duplicates: 1}) {
			t.Errorf("got %+v, want 3 accepted and 1 duplicate", res)
		}
		if n := count(t, db, "worker_positions"); n != 7 {
			t.Errorf("%d points stored, want 7", n)
		}
		var seen time.Time
		if err := st.Pool().QueryRow(ctx, `SELECT last_seen_at FROM grid_workers WHERE id = 1`).Scan(&seen); err != nil {
			t.Fatal(err)
		}
		if !seen.Equal(pts[5].At) {
			t.Errorf("last seen %s, want %s", seen, pts[5].At)
		}
		res, err = st.ReportPositions(ctx, 1, []model.PositionReport{{At: at.Add(-2 * time.Minute), Lon: 109.8007, Lat: 40.61}})
		if err != nil || res.Accepted != 1 {
			t.Fatalf("an older point: %+v, %v", res, err)
		}
		if err := st.Pool().QueryRow(ctx, `SELECT last_seen_at FROM grid_workers WHERE id = 1`).Scan(&seen); err != nil || !seen.Equal(pts[5].At) {
			t.Errorf("an older point moved the worker to %s (%v)", seen, err)
		}
	})
	t.Run("an implausible jump is kept, flagged, and left out of the track", func(t *testing.T) {
		jump := model.PositionReport{At: at.Add(2*time.Minute + 40*time.Second), Lon: 109.818, Lat: 40.618}
		res, err := st.ReportPositions(ctx, 1, []model.PositionReport{jump})
		if err != nil {
			t.Fatal(err)
		}
		if res != (model.PositionResult{Accepted: 1, Flagged: 1}) {
			t.Errorf("got %+v, want 1 accepted and flagged", res)
		}
		tr, err := st.Track(ctx, 1, at.Add(-time.Hour), at.Add(time.Hour), 0)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Jumps < 1 || tr.Points != 9 {
			t.Errorf("track has %d points and %d jumps, want 9 and at least 1", tr.Points, tr.Jumps)
		}
		if tr.DistanceMeters > 1000 {
			t.Errorf("track is %.0f m long: the jump was walked", tr.DistanceMeters)
		}
	})
	t.Run("a point beyond the district's reach stores nothing", func(t *testing.T) {
		_, err := st.ReportPositions(ctx, 2, []model.PositionReport{{At: at, Lon: 109.815, Lat: 40.61}, {At: at.Add(time.Second), Lon: 110.5, Lat: 40.61}})
		if err != store.ErrOutsideDistrict {
			t.Errorf("got %v, want ErrOutsideDistrict", err)
		}
		var n int
		_ = st.Pool().QueryRow(ctx, `SELECT count(*) FROM worker_positions WHERE worker_id = 2`).Scan(&n)
		if n != 0 {
			t.Errorf("%d points stored", n)
		}
	})
}

func TestTrack(t *testing.T) {
	db := workerDistrict(t)
	st, ctx := db.Store, context.Background()
	midnight := testdb.Reference
	// Four minutes around midnight, then silence for ten minutes, then two more minutes.
	before := walk(midnight.Add(-2*time.Minute), 109.811, 40.61, 35, 9)
	after := walk(midnight.Add(12*time.Minute), 109.812, 40.612, 35, 5)
	if _, err := st.ReportPositions(ctx, 2, append(append([]model.PositionReport{}, after...), before...)); err != nil {
		t.Fatal(err)
	}
	days, err := st.PositionPartitions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"20260315", "20260316"}; !slices.Equal(days, want) {
		t.Errorf("partitions %v, want %v", days, want)
	}

	t.Run("a track crossing midnight is one line, measured as PostGIS measures the points", func(t *testing.T) {
		tr, err := st.Track(ctx, 2, midnight.Add(-time.Hour), midnight.Add(5*time.Minute), 0)
		if err != nil {
			t.Fatal(err)
		}
		var g struct {
			Type        string
			Coordinates [][]float64
		}
		if err := json.Unmarshal(tr.Geometry, &g); err != nil {
			t.Fatal(err)
		}
		if g.Type != "LineString" || len(g.Coordinates) != 9 {
			t.Errorf("got a %s of %d points, want a LineString of 9", g.Type, len(g.Coordinates))
		}
		var want float64
		if err := st.Pool().QueryRow(ctx, `SELECT ST_Length(ST_MakeLine(geom ORDER BY at)::geography, false) FROM worker_positions
WHERE worker_id = 2 AND at < $1`, midnight.Add(5*time.Minute)).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if math.Abs(tr.DistanceMeters-want) > want*1e-5 {
			t.Errorf("distance %.3f m, want %.3f", tr.DistanceMeters, want)
		}
		if tr.OnDutySeconds != 240 {
			t.Errorf("on duty %g s, want 240", tr.OnDutySeconds)
		}
	})
	t.Run("a silence longer than the gap splits the track and is not time on duty", func(t *testing.T) {
		tr, err := st.Track(ctx, 2, midnight.Add(-time.Hour), midnight.Add(time.Hour), 0)
		if err != nil {
			t.Fatal(err)
		}
		var g struct {
			Type        string
			Coordinates [][][]float64
		}
		if err := json.Unmarshal(tr.Geometry, &g); err != nil {
			t.Fatal(err)
		}
		if g.Type != "MultiLineString" || len(g.Coordinates) != 2 {
			t.Errorf("got a %s of %d lines, want a MultiLineString of 2", g.Type, len(g.Coordinates))
		}
		if tr.OnDutySeconds != 240+120 || tr.Points != 14 {
			t.Errorf("on duty %g s over %d points, want 360 s over 14", tr.OnDutySeconds, tr.Points)
		}
	})
	t.Run("simplifying keeps the ends and drops points on a straight walk", func(t *testing.T) {
		tr, err := st.Track(ctx, 2, midnight.Add(-time.Hour), midnight.Add(5*time.Minute), 10)
		if err != nil {
			t.Fatal(err)
		}
		var g struct{ Coordinates [][]float64 }
		_ = json.Unmarshal(tr.Geometry, &g)
		if len(g.Coordinates) != 2 {
			t.Errorf("simplified to %d points, want 2", len(g.Coordinates))
		}
	})
	t.Run("retention drops whole days and a late point makes its day again", func(t *testing.T) {
		dropped, err := st.DropPositionsBefore(ctx, midnight)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(dropped, []string{"20260315"}) {
			t.Errorf("dropped %v, want [20260315]", dropped)
		}
		var left int
		_ = st.Pool().QueryRow(ctx, `SELECT count(*) FROM worker_positions`).Scan(&left)
		if left != 5+5 {
			t.Errorf("%d points left, want the 10 after midnight", left)
		}
		if _, err := st.ReportPositions(ctx, 2, before[:1]); err != nil {
			t.Fatalf("a point on the dropped day: %v", err)
		}
		days, _ := st.PositionPartitions(ctx)
		if !slices.Equal(days, []string{"20260315", "20260316"}) {
			t.Errorf("partitions %v after a late point", days)
		}
	})
}

func TestVisitsAndCoverage(t *testing.T) {
	db := workerDistrict(t)
	st, ctx := db.Store, context.Background()
	b1, b3 := int64(1), int64(3)
	visit := func(key string, b *int64, at time.Time) store.VisitInput {
		return store.VisitInput{Worker: 1, Building: b, At: at, Kind: "ROUTINE", Key: key, Hash: []byte(key + at.String())}
	}
	v, err := st.RecordVisit(ctx, visit("a", &b1, clock.Add(-24*time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	if v.GridID != 4 || *v.BuildingID != 1 {
		t.Errorf("visit in grid %d at building %d, want 4 and 1", v.GridID, *v.BuildingID)
	}
	t.Run("the same key and payload answer the same visit; another payload conflicts", func(t *testing.T) {
		again, err := st.RecordVisit(ctx, visit("a", &b1, clock.Add(-24*time.Hour)))
		if err != nil || again.DBID != v.DBID {
			t.Errorf("got %+v, %v; want visit %d", again, err, v.DBID)
		}
		if _, err := st.RecordVisit(ctx, visit("a", &b1, clock.Add(-23*time.Hour))); err != store.ErrIdempotencyConflict {
			t.Errorf("got %v, want ErrIdempotencyConflict", err)
		}
	})
	t.Run("a place in no grid is refused", func(t *testing.T) {
		in := visit("far", nil, clock)
		in.Lon, in.Lat = 109.9, 40.7
		if _, err := st.RecordVisit(ctx, in); err != store.ErrOutsideGrids {
			t.Errorf("got %v, want ErrOutsideGrids", err)
		}
	})
	for k, at := range []time.Time{clock.Add(-40 * 24 * time.Hour), clock.Add(-2 * time.Hour)} {
		if _, err := st.RecordVisit(ctx, visit(string(rune('b'+k)), &b3, at)); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("coverage is the share of buildings visited in the last days, as SQL counts it", func(t *testing.T) {
		keys := []store.CoverageKey{{Grid: 4, Days: 30}, {Grid: 5, Days: 30}, {Grid: 3, Days: 30}, {Grid: 5, Days: 1}, {Grid: 3, Days: 60}}
		got, err := st.VisitCoverage(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		for k, key := range keys {
			var want float64
			if err := st.Pool().QueryRow(ctx, `SELECT count(DISTINCT v.building_id)::float8 / (SELECT count(*) FROM buildings b JOIN grids g ON g.id = b.grid_id
  WHERE g.code LIKE (SELECT code FROM grids WHERE id = $1) || '%')
FROM visits v JOIN grids g ON g.id = v.grid_id
WHERE g.code LIKE (SELECT code FROM grids WHERE id = $1) || '%' AND v.at > $2 AND v.at <= $3`,
				key.Grid, clock.AddDate(0, 0, -key.Days), clock).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if got[k] == nil || math.Abs(*got[k]-want) > 1e-12 {
				t.Errorf("%+v: got %v, want %g", key, got[k], want)
			}
		}
	})
}

func TestSuggestAssignees(t *testing.T) {
	db := workerDistrict(t)
	st, ctx := db.Store, context.Background()
	fresh := clock.Add(-5 * time.Minute)
	for _, p := range []struct {
		worker   int64
		at       time.Time
		lon, lat float64
	}{
		{1, fresh, 109.8095, 40.61},                 // west grid, 450 m from the incident
		{2, fresh, 109.8190, 40.61},                 // the incident's grid, 400 m
		{3, fresh, 109.8110, 40.61},                 // the incident's grid, off duty
		{1, clock.Add(-time.Hour), 109.8140, 40.61}, // stale, older than the fresh point
	} {
		if _, err := st.ReportPositions(ctx, p.worker, []model.PositionReport{{At: p.at, Lon: p.lon, Lat: p.lat}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Pool().Exec(ctx, `UPDATE grid_workers SET on_duty = false WHERE id = 3`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(ctx, `INSERT INTO incidents (id, code, title, category, source, status, priority, reported_at, due_at, grid_id, geom)
VALUES (1, 'SJ1', '井盖', '市容环境', 'HOTLINE', 'ACCEPTED', 3, $1, $2, 5, ST_SetSRID(ST_MakePoint(109.8143, 40.61), 4326))`, clock.Add(-time.Hour), clock.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := st.SuggestAssignees(ctx, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, s := range got {
		ids = append(ids, s.Worker.DBID)
	}
	if !slices.Equal(ids, []int64{2, 1}) {
		t.Fatalf("suggested %v, want the incident's own grid's worker 2 first, then 1; off-duty 3 never", ids)
	}
	// Distances on the spheroid, against a haversine on the mean radius (within 0.5 %).
	for _, s := range got {
		lon := map[int64]float64{1: 109.8095, 2: 109.8190}[s.Worker.DBID]
		want := haversine(109.8143, 40.61, lon, 40.61)
		if math.Abs(s.DistanceMeters-want) > want*0.005 {
			t.Errorf("worker %d: %.1f m, want about %.1f", s.Worker.DBID, s.DistanceMeters, want)
		}
		if !s.LastSeenAt.Equal(fresh) {
			t.Errorf("worker %d last seen %s, want %s", s.Worker.DBID, s.LastSeenAt, fresh)
		}
	}
	if !got[0].SameGrid || got[1].SameGrid {
		t.Errorf("sameGrid %v, %v; want true, false", got[0].SameGrid, got[1].SameGrid)
	}
}

func haversine(lon1, lat1, lon2, lat2 float64) float64 {
	const r = 6371008.8
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

func TestUpkeepPositions(t *testing.T) {
	db := workerDistrict(t)
	st := db.Store
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := st.ReportPositions(ctx, 1, walk(clock.AddDate(0, 0, -2), 109.801, 40.61, 30, 2)); err != nil {
		t.Fatal(err)
	}
	var got []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		st.UpkeepPositions(ctx, 24*time.Hour, time.Hour, func(dropped []string, err error) {
			if err != nil {
				t.Error(err)
			}
			got = dropped
			cancel()
		})
	}()
	<-done
	if !slices.Equal(got, []string{"20260314"}) {
		t.Errorf("dropped %v, want the day that ended more than a day before the clock", got)
	}
	days, err := st.PositionPartitions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"20260316", "20260317"}; !slices.Equal(days, want) {
		t.Errorf("partitions %v, want today's and tomorrow's %v", days, want)
	}
}
