package importer_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gridhub/importer"
	"gridhub/internal/testdb"
	"gridhub/model"
)

// every layer an import fills, in the order a district is loaded (parents first).
var everyLayer = []model.Layer{model.LayerGrid, model.LayerBuilding, model.LayerPartyUnit, model.LayerCamera, model.LayerServicePoint, model.LayerIncident}

// fingerprint is every row of every layer and of the incidents' timelines, in id order.
func fingerprint(t *testing.T, db *testdb.DB) string {
	t.Helper()
	var parts []string
	for _, table := range []string{"grids", "buildings", "party_units", "cameras", "service_points", "incidents", "incident_events"} {
		parts = append(parts, "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM "+qual(db, table)+" t)")
	}
	var fp string
	if err := db.Store.Pool().QueryRow(ctxFor(t), "SELECT concat_ws(' ', "+strings.Join(parts, ", ")+")").Scan(&fp); err != nil {
		t.Fatal(err)
	}
	return fp
}

// A district exported from hub A and loaded into an empty hub B, then exported from B and
// loaded back into A, matches row for row: source ids survive both ways, so A and B are
// left exactly as they were, and each import says nothing changed.
func TestSourceIDsSurviveExportImportBetweenHubs(t *testing.T) {
	a, b := seeded(t), testdb.New(t)
	ctx := ctxFor(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	filesA := map[model.Layer]string{}
	for _, l := range everyLayer {
		filesA[l] = export(t, ctx, a, l, "geojson", "", dirA)
		load(t, b, importer.Options{Layer: l, File: filesA[l]})
	}
	beforeA, beforeB := fingerprint(t, a), fingerprint(t, b)
	noop := func(t *testing.T, db *testdb.DB, l model.Layer, file string) {
		t.Helper()
		res := load(t, db, importer.Options{Layer: l, File: file})
		if res.Rows == 0 || res.Unchanged != res.Rows || res.Inserted+res.Updated+res.Missing != 0 {
			t.Errorf("%s from %s: %d rows, %d unchanged, %d inserted, %d updated, %d missing; want every row unchanged",
				l, filepath.Base(file), res.Rows, res.Unchanged, res.Inserted, res.Updated, res.Missing)
		}
	}
	t.Run("B's export loaded into A changes nothing in A", func(t *testing.T) {
		for _, l := range everyLayer {
			noop(t, a, l, export(t, ctx, b, l, "geojson", "", dirB))
		}
		if got := fingerprint(t, a); got != beforeA {
			t.Errorf("A changed:\nbefore %s\nafter  %s", beforeA, got)
		}
	})
	t.Run("A's export loaded into B again changes nothing in B", func(t *testing.T) {
		for _, l := range everyLayer {
			noop(t, b, l, filesA[l])
		}
		if got := fingerprint(t, b); got != beforeB {
			t.Errorf("B changed:\nbefore %s\nafter  %s", beforeB, got)
		}
	})
	t.Run("B exports A's incidents as A does, overdue flags included", func(t *testing.T) {
		props := func(path string) map[string]map[string]any {
			var fc struct {
				Features []struct{ Properties map[string]any }
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &fc); err != nil {
				t.Fatal(err)
			}
			out := map[string]map[string]any{}
			for _, f := range fc.Features {
				b, _ := json.Marshal(f.Properties)
				var m map[string]any
				_ = json.Unmarshal(b, &m)
				out[f.Properties["code"].(string)] = m
			}
			return out
		}
		fromA, fromB := props(filesA[model.LayerIncident]), props(export(t, ctx, b, model.LayerIncident, "geojson", "", t.TempDir()))
		if len(fromA) == 0 || len(fromA) != len(fromB) {
			t.Fatalf("A exports %d incidents, B %d", len(fromA), len(fromB))
		}
		differ := 0
		for code, pa := range fromA {
			pb, _ := json.Marshal(fromB[code])
			if pj, _ := json.Marshal(pa); string(pj) != string(pb) {
				if differ++; differ <= 3 {
					t.Errorf("%s:\nA %s\nB %s", code, pj, pb)
				}
			}
		}
		if differ > 0 {
			t.Errorf("%d of %d incidents differ", differ, len(fromA))
		}
	})
	t.Run("the source ids B exports are A's", func(t *testing.T) {
		for _, table := range []string{"buildings", "party_units", "service_points"} {
			n := count(t, b, "SELECT count(*) FROM "+qual(b, table)+" t WHERE NOT EXISTS (SELECT 1 FROM "+qual(a, table)+
				" s WHERE t.source_id = (SELECT prefix FROM "+qual(a, "hub_identity")+") || '-' || s.id)")
			if n != 0 {
				t.Errorf("%s: %d of B's rows do not carry the stable id of one of A's", table, n)
			}
		}
	})
}

// gridPoint is a point inside the first GRID-level grid of db, and that grid's code.
func gridPoint(t *testing.T, db *testdb.DB) (float64, float64, string) {
	t.Helper()
	var x, y float64
	var code string
	if err := db.Store.Pool().QueryRow(ctxFor(t), `SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)), code
		FROM grids WHERE level = 'GRID' ORDER BY code LIMIT 1`).Scan(&x, &y, &code); err != nil {
		t.Fatal(err)
	}
	return x, y, code
}

// Each check of the two new layers produces its problem row, and a refused file writes
// nothing.
func TestPartyUnitAndIncidentProblems(t *testing.T) {
	db := seeded(t)
	ctx := ctxFor(t)
	x, y, _ := gridPoint(t, db)
	at := point(x, y)
	var building, closed, accepted, acceptedReported string
	var prefix string
	if err := db.Store.Pool().QueryRow(ctx, `SELECT prefix FROM hub_identity`).Scan(&prefix); err != nil {
		t.Fatal(err)
	}
	if err := db.Store.Pool().QueryRow(ctx, `SELECT $1 || '-' || min(id) FROM buildings`, prefix).Scan(&building); err != nil {
		t.Fatal(err)
	}
	var closedReported, closedAt, dispatched, dispatchedReported string
	const iso = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`
	if err := db.Store.Pool().QueryRow(ctx, `SELECT code, to_char(reported_at AT TIME ZONE 'UTC', `+iso+`), to_char(closed_at AT TIME ZONE 'UTC', `+iso+`)
		FROM incidents WHERE status = 'CLOSED' ORDER BY code LIMIT 1`).Scan(&closed, &closedReported, &closedAt); err != nil {
		t.Fatal(err)
	}
	if err := db.Store.Pool().QueryRow(ctx, `SELECT code, to_char(reported_at AT TIME ZONE 'UTC', `+iso+`)
		FROM incidents WHERE status = 'DISPATCHED' ORDER BY code LIMIT 1`).Scan(&dispatched, &dispatchedReported); err != nil {
		t.Fatal(err)
	}
	if err := db.Store.Pool().QueryRow(ctx, `SELECT code, to_char(reported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
		FROM incidents WHERE status = 'ACCEPTED' ORDER BY code LIMIT 1`).Scan(&accepted, &acceptedReported); err != nil {
		t.Fatal(err)
	}
	type want struct {
		row          int
		field, words string
	}
	cases := []struct {
		name     string
		layer    model.Layer
		features []string
		want     []want
	}{{
		name:  "party units",
		layer: model.LayerPartyUnit,
		features: []string{
			feature(map[string]any{"sourceId": "P1", "name": "某社区党委", "kind": "COMMUNITY_COMMITTEE", "memberCount": 30, "parent": "P9", "building": nil, "orgGrid": nil}, at),
			feature(map[string]any{"sourceId": "P2", "name": "某网格党支部", "kind": "GRID_BRANCH"}, at),
			feature(map[string]any{"sourceId": "P3", "name": "无上级支部", "kind": "GRID_BRANCH", "parent": "不存在"}, at),
			feature(map[string]any{"sourceId": "P4", "name": "挂错上级的小组", "kind": "BUILDING_GROUP", "parent": "P1", "building": building}, at),
			feature(map[string]any{"sourceId": "P5", "name": "无楼栋小组", "kind": "BUILDING_GROUP", "parent": "P6"}, at),
			feature(map[string]any{"sourceId": "P6", "name": "带楼栋的支部", "kind": "GRID_BRANCH", "parent": "P1", "building": building}, at),
			feature(map[string]any{"sourceId": "P7", "name": "楼栋不在库中", "kind": "BUILDING_GROUP", "parent": "P6", "building": "B-404"}, at),
			feature(map[string]any{"sourceId": "P8", "name": "组织网格层级不对", "kind": "GRID_BRANCH", "parent": "P1", "orgGrid": "150203002"}, at),
			feature(map[string]any{"sourceId": "P8", "name": "重复编号", "kind": "党委", "memberCount": -1}, point(100, 30)),
			feature(map[string]any{"sourceId": "P10", "name": "组织网格不存在", "kind": "COMMUNITY_COMMITTEE", "orgGrid": "150203999999"}, at),
		},
		want: []want{
			{1, "parent", "a COMMUNITY_COMMITTEE has no parent"},
			{2, "parent", "required for a GRID_BRANCH"},
			{3, "parent", "neither in the file nor in the database"},
			{4, "parent", "the parent of a BUILDING_GROUP is a GRID_BRANCH"},
			{5, "building", "required for a BUILDING_GROUP"},
			{6, "building", "only a BUILDING_GROUP is tied to a building"},
			{7, "building", "import the buildings first"},
			{8, "orgGrid", "is a STREET; a GRID_BRANCH is organised for a GRID"},
			{9, "sourceId", "duplicate"},
			{9, "kind", "not one of"},
			{9, "memberCount", "below 0"},
			{9, "geometry", "outside every grid"},
			{10, "orgGrid", "is not a grid unit in the database"},
		},
	}, {
		name:  "incidents",
		layer: model.LayerIncident,
		features: []string{
			feature(map[string]any{"code": "IMP1", "name": "类别不明", "category": "随便", "reportedAt": "2026-03-10 09:30",
				"dueAt": nil, "status": nil, "closedAt": nil, "priority": nil, "source": nil, "amountYuan": nil}, at),
			feature(map[string]any{"code": "IMP2", "name": "时间不对", "category": "市容环境", "reportedAt": "2026-02-30 09:30"}, at),
			feature(map[string]any{"code": "IMP3", "name": "时限早于上报", "category": "市容环境", "reportedAt": "2026-03-10 09:30", "dueAt": "2026-03-10 08:00"}, at),
			feature(map[string]any{"code": "IMP4", "name": "未结案却有结案时间", "category": "市容环境", "reportedAt": "2026-03-10 09:30", "status": "ACCEPTED", "closedAt": "2026-03-11 09:30"}, at),
			feature(map[string]any{"code": "IMP5", "name": "结案无时间", "category": "市容环境", "reportedAt": "2026/3/10 9:30", "status": "CLOSED"}, at),
			feature(map[string]any{"code": closed, "name": "已结案的改回处置中", "category": "市容环境", "status": "IN_PROGRESS", "reportedAt": "2026-01-01T00:00:00Z"}, at),
			feature(map[string]any{"code": accepted, "name": "退回上报", "category": "市容环境", "status": "REPORTED", "reportedAt": acceptedReported}, at),
			feature(map[string]any{"code": "IMP8", "name": "优先级", "category": "市容环境", "reportedAt": "2026-03-10", "priority": 9, "source": "PIGEON", "amountYuan": -5}, at),
			feature(map[string]any{"code": "IMP8", "category": "市容环境", "reportedAt": "2099-01-01 00:00"}, point(100, 30)),
			feature(map[string]any{"code": "IMP10", "name": strings.Repeat("长", 201), "category": "市容环境", "status": "CLOSED",
				"reportedAt": "2026-03-10 09:30", "closedAt": "2026-03-09 09:30"}, at),
			feature(map[string]any{"code": closed, "name": "改过标题的已结案事件", "category": "市容环境", "status": "CLOSED", "reportedAt": closedReported, "closedAt": closedAt}, at),
			feature(map[string]any{"code": dispatched, "name": "结案早于派遣", "category": "市容环境", "status": "CLOSED", "reportedAt": dispatchedReported, "closedAt": dispatchedReported}, at),
		},
		want: []want{
			{1, "category", "not one of 市容环境"},
			{2, "reportedAt", "not a time"},
			{3, "dueAt", "not after reportedAt"},
			{4, "closedAt", "only a CLOSED incident has one"},
			{5, "closedAt", "required for a CLOSED incident"},
			{6, "reportedAt", "differs from the stored incident's report time"},
			{6, "status", "the workflow does not move an incident from CLOSED to IN_PROGRESS"},
			{7, "status", "from ACCEPTED to REPORTED"},
			{8, "priority", "above 5"},
			{8, "source", "not one of"},
			{8, "amountYuan", "below 0"},
			{9, "code", "duplicate"},
			{9, "name", "required field is empty"},
			{9, "reportedAt", "in the future"},
			{9, "geometry", "outside every grid"},
			{10, "name", "longer than 200 characters"},
			{10, "closedAt", "before reportedAt"},
			{11, "code", "is CLOSED: a finished record is not changed by an import"},
			{12, "closedAt", "before the incident's last timeline entry"},
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := fingerprint(t, db)
			res, err := importer.Run(ctx, db.Store, importer.Options{Layer: c.layer, File: writeCollection(t, "bad.geojson", c.features...)})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				found := false
				for _, p := range res.Problems {
					if p.Row == w.row && p.Field == w.field && strings.Contains(p.Problem, w.words) {
						found = true
					}
				}
				if !found {
					t.Errorf("row %d %s: no problem saying %q", w.row, w.field, w.words)
				}
			}
			if t.Failed() {
				for _, p := range res.Problems {
					t.Logf("got: row %d %s: %s (%s)", p.Row, p.Field, p.Problem, p.Value)
				}
			}
			if res.Written || fingerprint(t, db) != before {
				t.Errorf("a refused file wrote rows")
			}
		})
	}
}

// An imported incident is one like any other: its timeline is a chain of moves the
// workflow allows ending where its status is, every entry is announced to live maps and
// the change feed, overdue follows its due time, and a re-import adds nothing.
func TestImportedIncidentsFollowTheWorkflow(t *testing.T) {
	db := seeded(t)
	ctx := ctxFor(t)
	pool := db.Store.Pool()
	x, y, grid := gridPoint(t, db)
	at := point(x, y)
	var accepted, acceptedReported string
	if err := pool.QueryRow(ctx, `SELECT code, to_char(reported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
		FROM incidents WHERE status = 'ACCEPTED' ORDER BY code LIMIT 1`).Scan(&accepted, &acceptedReported); err != nil {
		t.Fatal(err)
	}
	last, err := db.Store.LastChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	channel, err := db.Store.IncidentChannel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	listener, err := db.Store.ListenConn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close(context.Background())
	if _, err := listener.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	file := writeCollection(t, "incidents.geojson",
		// the stored ACCEPTED incident moved on to IN_PROGRESS in the source system
		feature(map[string]any{"code": accepted, "name": "已派遣处置", "category": "市容环境", "status": "IN_PROGRESS", "reportedAt": acceptedReported,
			"closedAt": nil, "source": nil, "amountYuan": nil}, at),
		// new: a dispute reported on a Friday, Beijing time, due in 10 working days
		feature(map[string]any{"code": "IMP-DISPUTE", "name": "邻里纠纷", "category": "矛盾纠纷", "source": "HOTLINE", "reportedAt": "2026/3/13 9:30", "amountYuan": 1200}, at),
		// new and closed, from another system
		feature(map[string]any{"code": "IMP-CLOSED", "name": "占道经营", "category": "街面秩序", "status": "CLOSED",
			"reportedAt": "2026-03-01T08:00:00+08:00", "closedAt": "2026-03-01 11:00"}, at),
		// new, resolved: passes through every step to RESOLVED
		feature(map[string]any{"code": "IMP-RESOLVED", "name": "井盖缺失", "category": "突发事件", "status": "RESOLVED", "reportedAt": "2026-03-02T01:00:00Z"}, at),
	)
	res := load(t, db, importer.Options{Layer: model.LayerIncident, File: file})
	if res.Inserted != 3 || res.Updated != 1 {
		t.Fatalf("inserted %d, updated %d; want 3 and 1", res.Inserted, res.Updated)
	}

	t.Run("every timeline is an allowed chain ending at the incident's status", func(t *testing.T) {
		const chains = `WITH e AS (SELECT e.*, lag(to_status) OVER w AS prev, row_number() OVER w AS n, count(*) OVER (PARTITION BY incident_id) AS total
			FROM incident_events e WINDOW w AS (PARTITION BY incident_id ORDER BY at, id))
		SELECT count(*) FROM e JOIN incidents i ON i.id = e.incident_id WHERE i.code IN ($1, 'IMP-DISPUTE', 'IMP-CLOSED', 'IMP-RESOLVED') AND (
			(e.n = 1 AND (e.from_status IS NOT NULL OR e.to_status <> 'REPORTED' OR e.at <> i.reported_at))
			OR (e.n > 1 AND e.from_status IS DISTINCT FROM e.prev)
			OR (e.n = e.total AND (e.to_status <> i.status OR e.at <> i.updated_at OR (i.closed_at IS NOT NULL AND i.closed_at <> e.at))))`
		if n := count(t, db, chains, accepted); n != 0 {
			t.Errorf("%d timeline entries break their chain", n)
		}
		want := map[string]string{
			accepted:       "ACCEPTED>DISPATCHED DISPATCHED>IN_PROGRESS",
			"IMP-DISPUTE":  ">REPORTED",
			"IMP-CLOSED":   ">REPORTED REPORTED>ACCEPTED ACCEPTED>DISPATCHED DISPATCHED>IN_PROGRESS IN_PROGRESS>RESOLVED RESOLVED>CLOSED",
			"IMP-RESOLVED": ">REPORTED REPORTED>ACCEPTED ACCEPTED>DISPATCHED DISPATCHED>IN_PROGRESS IN_PROGRESS>RESOLVED",
		}
		for code, steps := range want {
			var got string
			if err := pool.QueryRow(ctx, `SELECT string_agg(coalesce(from_status, '') || '>' || to_status, ' ' ORDER BY at, e.id)
				FROM incident_events e JOIN incidents i ON i.id = e.incident_id WHERE i.code = $1 AND e.id > $2`, code, last).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != steps {
				t.Errorf("%s: imported entries %q, want %q", code, got, steps)
			}
		}
		if n := count(t, db, `SELECT count(*) FROM incident_events WHERE id > $1 AND actor <> '数据导入'`, last); n != 0 {
			t.Errorf("%d imported entries do not name the import", n)
		}
	})

	t.Run("times are read as Beijing time and a missing due time is the category's", func(t *testing.T) {
		cats, err := db.Store.Categories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		reported := time.Date(2026, 3, 13, 9, 30, 0, 0, model.Beijing)
		var wantDue time.Time
		for _, c := range cats {
			if c.Name == "矛盾纠纷" {
				wantDue = c.DueAt(reported)
			}
		}
		var gotReported, gotDue, closedAt time.Time
		var gotGrid string
		if err := pool.QueryRow(ctx, `SELECT i.reported_at, i.due_at, g.code FROM incidents i JOIN grids g ON g.id = i.grid_id WHERE i.code = 'IMP-DISPUTE'`).
			Scan(&gotReported, &gotDue, &gotGrid); err != nil {
			t.Fatal(err)
		}
		if !gotReported.Equal(reported) || !gotDue.Equal(wantDue) || gotGrid != grid {
			t.Errorf("reported %v due %v in %s; want %v, %v (model.IncidentCategory.DueAt), %s", gotReported, gotDue, gotGrid, reported, wantDue, grid)
		}
		if err := pool.QueryRow(ctx, `SELECT closed_at FROM incidents WHERE code = 'IMP-CLOSED'`).Scan(&closedAt); err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 3, 1, 11, 0, 0, 0, model.Beijing); !closedAt.Equal(want) {
			t.Errorf("closed at %v, want %v", closedAt, want)
		}
	})

	t.Run("live maps and the change feed see every entry", func(t *testing.T) {
		changes, err := db.Store.ChangesSince(ctx, last, 1000)
		if err != nil {
			t.Fatal(err)
		}
		want := count(t, db, `SELECT count(*) FROM incident_events WHERE id > $1`, last)
		if len(changes) != want || want != 2+1+6+5 {
			t.Errorf("%d changes in the feed, %d entries written; want 14", len(changes), want)
		}
		wait, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		heard := 0
		for heard < want {
			if _, err := listener.WaitForNotification(wait); err != nil {
				t.Fatalf("heard %d of %d notifications: %v", heard, want, err)
			}
			heard++
		}
	})

	t.Run("a re-import changes nothing and adds no entry", func(t *testing.T) {
		before := fingerprint(t, db)
		res := load(t, db, importer.Options{Layer: model.LayerIncident, File: file})
		if res.Unchanged != 4 || res.Inserted+res.Updated != 0 || fingerprint(t, db) != before {
			t.Errorf("re-import: %d unchanged, %d inserted, %d updated; or rows changed", res.Unchanged, res.Inserted, res.Updated)
		}
	})

	t.Run("a changed record of an open incident is an entry from its status to itself", func(t *testing.T) {
		res := load(t, db, importer.Options{Layer: model.LayerIncident, File: writeCollection(t, "renamed.geojson",
			feature(map[string]any{"code": "IMP-DISPUTE", "name": "邻里纠纷（已约谈）", "category": "矛盾纠纷", "source": "HOTLINE", "reportedAt": "2026/3/13 9:30", "amountYuan": 1200}, at))})
		if res.Updated != 1 {
			t.Fatalf("updated %d, want 1", res.Updated)
		}
		var from, to, title string
		if err := pool.QueryRow(ctx, `SELECT e.from_status, e.to_status, i.title FROM incident_events e JOIN incidents i ON i.id = e.incident_id
			WHERE i.code = 'IMP-DISPUTE' ORDER BY e.at DESC, e.id DESC LIMIT 1`).Scan(&from, &to, &title); err != nil {
			t.Fatal(err)
		}
		if from != "REPORTED" || to != "REPORTED" || title != "邻里纠纷（已约谈）" {
			t.Errorf("last entry %s → %s, title %q", from, to, title)
		}
	})
}

// -prune removes what the file does not hold: party units below their parents first,
// incidents with their timelines.
func TestPruneOfTheNewLayers(t *testing.T) {
	db := seeded(t)
	ctx := ctxFor(t)
	dir := t.TempDir()
	keep := func(l model.Layer, where func(map[string]any) bool) string {
		var fc struct {
			Features []json.RawMessage `json:"features"`
		}
		raw, err := os.ReadFile(export(t, ctx, db, l, "geojson", "", dir))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &fc); err != nil {
			t.Fatal(err)
		}
		var kept []string
		for _, f := range fc.Features {
			var p struct{ Properties map[string]any }
			if err := json.Unmarshal(f, &p); err != nil {
				t.Fatal(err)
			}
			if where(p.Properties) {
				kept = append(kept, string(f))
			}
		}
		return writeCollection(t, strings.ToLower(string(l))+"-kept.geojson", kept...)
	}
	t.Run("party units: only the committees stay", func(t *testing.T) {
		committees := count(t, db, `SELECT count(*) FROM party_units WHERE kind = 'COMMUNITY_COMMITTEE'`)
		others := count(t, db, `SELECT count(*) FROM party_units`) - committees
		res := load(t, db, importer.Options{Layer: model.LayerPartyUnit, Prune: true,
			File: keep(model.LayerPartyUnit, func(p map[string]any) bool { return p["kind"] == "COMMUNITY_COMMITTEE" })})
		if res.Missing != others || res.Pruned != others || count(t, db, `SELECT count(*) FROM party_units`) != committees {
			t.Errorf("missing %d, pruned %d, want %d; %d left, want %d", res.Missing, res.Pruned, others,
				count(t, db, `SELECT count(*) FROM party_units`), committees)
		}
	})
	t.Run("incidents: the closed ones go, with their timelines", func(t *testing.T) {
		open := count(t, db, `SELECT count(*) FROM incidents WHERE status <> 'CLOSED'`)
		res := load(t, db, importer.Options{Layer: model.LayerIncident, Prune: true,
			File: keep(model.LayerIncident, func(p map[string]any) bool { return p["status"] != "CLOSED" })})
		if res.Pruned == 0 || count(t, db, `SELECT count(*) FROM incidents`) != open {
			t.Errorf("pruned %d; %d incidents left, want %d", res.Pruned, count(t, db, `SELECT count(*) FROM incidents`), open)
		}
	})
}
