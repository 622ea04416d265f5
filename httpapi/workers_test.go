package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"gridhub/auth"
	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/store"
)

// The test worker is the first of 和平社区第一网格 in 沼潭街道 (150203002), whose key the
// guarded district gives the grid_worker role.
const testWorkerCode = "15020300200100101"

// testWorker is the test worker's id and the community its key is fenced to.
func testWorker(a *api) (int64, string) {
	id, err := a.db.Store.WorkerIDByCode(context.Background(), testWorkerCode)
	if err != nil {
		panic(err)
	}
	fence, err := a.db.Store.WorkerFence(context.Background(), id)
	if err != nil {
		panic(err)
	}
	return id, fence
}

func TestGridWorkerSeesItsCommunity(t *testing.T) {
	g := guardedDistrict(t)
	key := g.keys["grid_worker"]
	community := "150203002001"
	total := func(q string) int {
		r := g.as(key, q, nil)
		var m map[string]struct{ TotalCount int }
		if err := json.Unmarshal(r.Data, &m); err != nil || len(r.Errors) > 0 {
			t.Fatalf("%s: %.300s", q, r.raw)
		}
		for _, v := range m {
			return v.TotalCount
		}
		return -1
	}
	inCommunity := func(table string) int {
		return g.scalar(`SELECT count(*) FROM ` + table + ` WHERE grid_id IN (SELECT id FROM grids WHERE code LIKE '` + community + `%')`)
	}
	for table, q := range map[string]string{"grid_workers": `{ workers { totalCount } }`, "incidents": `{ incidents { totalCount } }`,
		"visits": `{ visits { totalCount } }`} {
		t.Run(table+" count as the community's SQL does", func(t *testing.T) {
			if got, want := total(q), inCommunity(table); got != want || want == 0 {
				t.Errorf("got %d, want %d", got, want)
			}
		})
	}
	ids := func(cred, code string) []string {
		var out struct {
			Grid struct{ Workers []struct{ ID string } }
		}
		r := g.as(cred, `query($c: String!) { grid(code: $c) { workers { id } } }`, map[string]any{"c": code})
		_ = json.Unmarshal(r.Data, &out)
		var s []string
		for _, w := range out.Grid.Workers {
			s = append(s, w.ID)
		}
		return s
	}
	t.Run("a worker of another grid's community does not exist for it", func(t *testing.T) {
		other := ids(g.keys["command_center"], "150203001001001")
		if len(other) == 0 {
			t.Fatal("no worker in 150203001001001")
		}
		if r := g.as(key, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": other[0]}); string(r.Data) != `{"node":null}` {
			t.Errorf("node: %s", r.raw)
		}
	})
	own, _ := testWorker(g.api)
	day := map[string]any{"from": "2026-03-15T00:00:00+08:00", "to": "2026-03-16T00:00:00+08:00"}
	track := `query($id: ID!, $from: DateTime!, $to: DateTime!) { node(id: $id) { ... on GridWorker { track(from: $from, to: $to) { points distanceMeters } } } }`
	t.Run("it reads its own track", func(t *testing.T) {
		vars := map[string]any{"id": model.GlobalID(model.LayerWorker, own), "from": day["from"], "to": day["to"]}
		r := g.as(key, track, vars)
		var got struct {
			Node struct{ Track struct{ Points int } }
		}
		if err := json.Unmarshal(r.Data, &got); err != nil || got.Node.Track.Points == 0 {
			t.Errorf("got %s", r.raw)
		}
	})
	t.Run("it may not read a neighbour's track", func(t *testing.T) {
		neighbours := ids(key, "150203002001002")
		if len(neighbours) == 0 {
			t.Fatal("no worker in 150203002001002")
		}
		vars := map[string]any{"id": neighbours[0], "from": day["from"], "to": day["to"]}
		if r := g.as(key, track, vars); r.codeOf() != "FORBIDDEN" {
			t.Errorf("got %s, want FORBIDDEN", r.raw)
		}
	})
	t.Run("it sees other workers' phones masked", func(t *testing.T) {
		r := g.as(key, `{ workers(first: 5) { edges { node { phone } } } }`, nil)
		var got struct {
			Workers struct {
				Edges []struct{ Node struct{ Phone string } }
			}
		}
		_ = json.Unmarshal(r.Data, &got)
		for _, e := range got.Workers.Edges {
			if p := e.Node.Phone; len(p) != 11 || p[3:7] != "****" {
				t.Errorf("phone %q, want masked", p)
			}
		}
	})
	for _, role := range []string{"judicial", "public", "city_management"} {
		for name, q := range map[string]string{
			"a grid's workers":     `{ grid(code: "150203002001001") { workers { name } } }`,
			"a grid's coverage":    `{ grid(code: "150203002001001") { visitCoverage } }`,
			"an incident's worker": `{ incidents(first: 1) { edges { node { assignee { name } } } } }`,
		} {
			t.Run(role+" may not read "+name, func(t *testing.T) {
				if r := g.as(g.keys[role], q, nil); r.codeOf() != "FORBIDDEN" {
					t.Errorf("got %s, want FORBIDDEN", r.raw)
				}
			})
		}
	}
}

func TestReportPositionsThroughTheAPI(t *testing.T) {
	g := guardedDistrict(t)
	key := g.keys["grid_worker"]
	report := `mutation($p: [PositionInput!]!) { reportPositions(points: $p) { accepted duplicates flagged } }`
	at := func(d time.Duration) string { return testClock.Add(d).Format(time.RFC3339) }
	batch := []map[string]any{
		{"at": at(-3 * time.Minute), "lon": 109.8290, "lat": 40.6395, "accuracyMeters": 5},
		{"at": at(-2 * time.Minute), "lon": 109.8293, "lat": 40.6396},
		{"at": at(-150 * time.Second), "lon": 109.8291, "lat": 40.6395},
	}
	t.Run("a batch is stored, a resent one only counted", func(t *testing.T) {
		var got struct{ ReportPositions model.PositionResult }
		g.as(key, report, map[string]any{"p": batch}).decode(t, &got)
		if got.ReportPositions != (model.PositionResult{Accepted: 3}) {
			t.Errorf("first: %+v", got.ReportPositions)
		}
		g.as(key, report, map[string]any{"p": batch}).decode(t, &got)
		if got.ReportPositions != (model.PositionResult{Duplicates: 3}) {
			t.Errorf("again: %+v", got.ReportPositions)
		}
	})
	cases := []struct {
		name, role string
		points     []map[string]any
		want       string
	}{
		{"an empty batch", "grid_worker", []map[string]any{}, "OUT_OF_RANGE"},
		{"a point from the future", "grid_worker", []map[string]any{{"at": at(time.Hour), "lon": 109.829, "lat": 40.6395}}, "OUT_OF_RANGE"},
		{"a point far from the district", "grid_worker", []map[string]any{{"at": at(0), "lon": 110.5, "lat": 40.6395}}, "BAD_AREA"},
		{"a point off the globe", "grid_worker", []map[string]any{{"at": at(0), "lon": 200, "lat": 40.6395}}, "OUT_OF_RANGE"},
		{"a negative accuracy", "grid_worker", []map[string]any{{"at": at(0), "lon": 109.829, "lat": 40.6395, "accuracyMeters": -1}}, "OUT_OF_RANGE"},
		{"the command centre, which is no worker", "command_center", batch, "FORBIDDEN"},
		{"the public", "public", batch, "FORBIDDEN"},
	}
	for _, c := range cases {
		t.Run(c.name+" is "+c.want, func(t *testing.T) {
			if r := g.as(g.keys[c.role], report, map[string]any{"p": c.points}); r.codeOf() != c.want {
				t.Errorf("got %s, want %s", r.raw, c.want)
			}
		})
	}
}

func TestDispatchToTheNearestWorker(t *testing.T) {
	g := guardedDistrict(t)
	cc, key := g.keys["command_center"], g.keys["grid_worker"]
	own, _ := testWorker(g.api)
	// A fresh position for the test worker, and an accepted incident in its grid.
	var rep struct{ ReportPositions model.PositionResult }
	g.as(key, `mutation($p: [PositionInput!]!) { reportPositions(points: $p) { accepted } }`, map[string]any{"p": []map[string]any{
		{"at": testClock.Add(-time.Minute).Format(time.RFC3339), "lon": 109.8300, "lat": 40.6400}}}).decode(t, &rep)
	var lon, lat float64
	if err := g.db.Store.Pool().QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p
FROM grids WHERE code = '150203002001001') g`).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	var filed struct{ ReportIncident struct{ ID string } }
	g.as(cc, `mutation($loc: [Float!]!) { reportIncident(input: {title: "楼道堆物", category: "市容环境", source: HOTLINE, location: $loc},
		idempotencyKey: "dispatch-test") { id } }`, map[string]any{"loc": []float64{lon, lat}}).decode(t, &filed)
	incidentID := filed.ReportIncident.ID
	g.as(cc, `mutation($id: ID!) { transitionIncident(id: $id, to: ACCEPTED) { status } }`, map[string]any{"id": incidentID}).decode(t, &struct{}{})
	_, id, _ := model.ParseGlobalID(incidentID)

	var got struct {
		SuggestAssignees []struct {
			Worker         struct{ ID, Code string }
			DistanceMeters float64
			SameGrid       bool
			LastSeenAt     time.Time
		}
	}
	g.as(cc, `query($id: ID!) { suggestAssignees(incidentId: $id, first: 50) { worker { id code } distanceMeters sameGrid lastSeenAt } }`,
		map[string]any{"id": incidentID}).decode(t, &got)
	t.Run("the worker of the incident's grid, fresh on duty, comes first at its distance", func(t *testing.T) {
		if len(got.SuggestAssignees) == 0 || got.SuggestAssignees[0].Worker.Code != testWorkerCode || !got.SuggestAssignees[0].SameGrid {
			t.Fatalf("got %+v", got.SuggestAssignees)
		}
		want := 6371008.8 * math.Acos(math.Sin(lat*math.Pi/180)*math.Sin(40.64*math.Pi/180)+
			math.Cos(lat*math.Pi/180)*math.Cos(40.64*math.Pi/180)*math.Cos((lon-109.83)*math.Pi/180))
		if d := got.SuggestAssignees[0].DistanceMeters; math.Abs(d-want) > want*0.005+0.5 {
			t.Errorf("distance %.1f m, want about %.1f", d, want)
		}
	})
	t.Run("every suggestion is fresh, and the rest come nearest first", func(t *testing.T) {
		prev := -1.0
		for k, s := range got.SuggestAssignees {
			if testClock.Sub(s.LastSeenAt) > 30*time.Minute {
				t.Errorf("%s last seen %s", s.Worker.Code, s.LastSeenAt)
			}
			if k > 0 && !s.SameGrid {
				if s.DistanceMeters < prev {
					t.Errorf("%s at %.0f m after one at %.0f m", s.Worker.Code, s.DistanceMeters, prev)
				}
				prev = s.DistanceMeters
			}
		}
	})
	t.Run("dispatching to it records the assignee on the incident and its timeline", func(t *testing.T) {
		var out struct {
			TransitionIncident struct {
				Status   string
				Assignee struct{ Code string }
				Timeline []struct {
					To       string
					Assignee *struct{ Code string }
				}
			}
		}
		g.as(cc, `mutation($id: ID!, $w: ID!) { transitionIncident(id: $id, to: DISPATCHED, assigneeId: $w) { status assignee { code } timeline { to assignee { code } } } }`,
			map[string]any{"id": incidentID, "w": model.GlobalID(model.LayerWorker, own)}).decode(t, &out)
		if out.TransitionIncident.Status != "DISPATCHED" || out.TransitionIncident.Assignee.Code != testWorkerCode {
			t.Errorf("got %+v", out.TransitionIncident)
		}
		var assignee int64
		_ = g.db.Store.Pool().QueryRow(context.Background(), `SELECT assignee_id FROM incident_events WHERE incident_id = $1 ORDER BY id DESC LIMIT 1`, id).Scan(&assignee)
		tl := out.TransitionIncident.Timeline
		if assignee != own || len(tl) == 0 || tl[len(tl)-1].Assignee == nil || tl[len(tl)-1].Assignee.Code != testWorkerCode {
			t.Errorf("timeline entry names worker %d (%+v), want %d", assignee, tl, own)
		}
		var mine struct {
			Workers struct {
				Edges []struct {
					Node struct {
						Code              string
						AssignedIncidents []struct{ ID string }
					}
				}
			}
		}
		g.as(key, `{ workers(first: 100) { edges { node { code assignedIncidents { id } } } } }`, nil).decode(t, &mine)
		found := false
		for _, e := range mine.Workers.Edges {
			for _, i := range e.Node.AssignedIncidents {
				found = found || (e.Node.Code == testWorkerCode && i.ID == incidentID)
			}
		}
		if !found {
			t.Errorf("the worker's assigned incidents do not hold %s", incidentID)
		}
	})
	for _, c := range []struct{ name, to, assignee, want string }{
		{"an assignee with another status", "IN_PROGRESS", model.GlobalID(model.LayerWorker, own), "BAD_INPUT"},
		{"an assignee that is not a worker", "DISPATCHED", incidentID, "NOT_FOUND"},
		{"an assignee that does not exist", "DISPATCHED", model.GlobalID(model.LayerWorker, 999999), "NOT_FOUND"},
	} {
		t.Run(c.name+" is "+c.want, func(t *testing.T) {
			r := g.as(cc, `mutation($id: ID!, $to: IncidentStatus!, $w: ID!) { transitionIncident(id: $id, to: $to, assigneeId: $w) { status } }`,
				map[string]any{"id": incidentID, "to": c.to, "w": c.assignee})
			if r.codeOf() != c.want {
				t.Errorf("got %s, want %s", r.raw, c.want)
			}
		})
	}
}

func TestRecordVisitAndCoverage(t *testing.T) {
	g := guardedDistrict(t)
	key := g.keys["grid_worker"]
	var b struct {
		Grid struct {
			Buildings struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
	}
	g.as(key, `{ grid(code: "150203002001001") { buildings(first: 1) { edges { node { id } } } } }`, nil).decode(t, &b)
	visit := `mutation($b: ID, $at: DateTime!, $note: String) { recordVisit(input: {buildingId: $b, at: $at, kind: CARE, note: $note}, idempotencyKey: "v-1") { id kind building { id } worker { code } } }`
	vars := map[string]any{"b": b.Grid.Buildings.Edges[0].Node.ID, "at": testClock.Add(-time.Hour).Format(time.RFC3339), "note": "走访独居老人"}
	var first, again struct {
		RecordVisit struct {
			ID     string
			Worker struct{ Code string }
		}
	}
	g.as(key, visit, vars).decode(t, &first)
	g.as(key, visit, vars).decode(t, &again)
	if first.RecordVisit.ID != again.RecordVisit.ID || first.RecordVisit.Worker.Code != testWorkerCode {
		t.Errorf("first %+v, again %+v", first, again)
	}
	vars["note"] = "另一次"
	if r := g.as(key, visit, vars); r.codeOf() != "IDEMPOTENCY_CONFLICT" {
		t.Errorf("another payload: %s", r.raw)
	}
	if r := g.as(key, `mutation { recordVisit(input: {at: "2026-03-16T09:00:00+08:00", kind: ROUTINE}, idempotencyKey: "v-2") { id } }`, nil); r.codeOf() != "BAD_INPUT" {
		t.Errorf("neither building nor location: %s", r.raw)
	}
	t.Run("coverage at every level is the SQL share of visited buildings", func(t *testing.T) {
		for _, code := range []string{"150203002001001", "150203002001", "150203002", "150203"} {
			var got struct {
				Grid struct{ VisitCoverage float64 }
			}
			g.as(g.keys["command_center"], fmt.Sprintf(`{ grid(code: %q) { visitCoverage(days: 30) } }`, code), nil).decode(t, &got)
			var want float64
			if err := g.db.Store.Pool().QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM visits v
  WHERE v.building_id = b.id AND v.at > $2::timestamptz - interval '30 days' AND v.at <= $2))::float8 / count(*)
FROM buildings b JOIN grids g ON g.id = b.grid_id WHERE g.code LIKE $1 || '%'`, code, testClock).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.Grid.VisitCoverage-want) > 1e-9 || want < 0.5 {
				t.Errorf("%s: %g, want %g", code, got.Grid.VisitCoverage, want)
			}
		}
	})
}

func TestWorkFiguresAddUp(t *testing.T) {
	a := district(t)
	type figures struct {
		PatrolKilometres, OnDutyHours               float64
		Visits, VisitedBuildings, Buildings         int
		VisitCoverage                               *float64
		IncidentsFoundOnPatrol                      int
		MedianMinutesToAccept, MedianMinutesToClose *float64
	}
	period := map[string]any{"from": testdb.Reference.AddDate(0, 0, -30).Format(time.RFC3339), "to": testdb.Reference.Format(time.RFC3339)}
	of := func(code string) figures {
		var got struct{ WorkFigures figures }
		vars := map[string]any{"code": code, "from": period["from"], "to": period["to"]}
		a.data(`query($code: String, $from: DateTime, $to: DateTime) { workFigures(gridCode: $code, from: $from, to: $to) {
			patrolKilometres onDutyHours visits visitedBuildings buildings visitCoverage incidentsFoundOnPatrol
			medianMinutesToAccept medianMinutesToClose } }`, vars, &got)
		return got.WorkFigures
	}
	street := of("150203002")
	var sum figures
	for _, c := range []string{"150203002001", "150203002002", "150203002003", "150203002004", "150203002005", "150203002006"} {
		if a.scalar(`SELECT count(*) FROM grids WHERE code = $1`, c) == 0 {
			continue
		}
		f := of(c)
		sum.PatrolKilometres += f.PatrolKilometres
		sum.OnDutyHours += f.OnDutyHours
		sum.Visits += f.Visits
		sum.VisitedBuildings += f.VisitedBuildings
		sum.Buildings += f.Buildings
		sum.IncidentsFoundOnPatrol += f.IncidentsFoundOnPatrol
	}
	t.Run("a street's sums are its communities'", func(t *testing.T) {
		if math.Abs(street.PatrolKilometres-sum.PatrolKilometres) > 1e-6 || math.Abs(street.OnDutyHours-sum.OnDutyHours) > 1e-6 ||
			street.Visits != sum.Visits || street.VisitedBuildings != sum.VisitedBuildings || street.Buildings != sum.Buildings ||
			street.IncidentsFoundOnPatrol != sum.IncidentsFoundOnPatrol {
			t.Errorf("street %+v, communities' sum %+v", street, sum)
		}
		if street.PatrolKilometres == 0 || street.Visits == 0 || street.IncidentsFoundOnPatrol == 0 {
			t.Errorf("nothing measured: %+v", street)
		}
	})
	// A track covers at most a week.
	week := map[string]any{"from": testdb.Reference.AddDate(0, 0, -7).Format(time.RFC3339), "to": period["to"]}
	var got struct {
		WorkFigures struct{ PatrolKilometres, OnDutyHours float64 }
		Workers     struct {
			Edges []struct {
				Node struct {
					Code  string
					Track struct{ DistanceMeters, OnDutyHours float64 }
				}
			}
		}
	}
	a.data(`query($from: DateTime!, $to: DateTime!) { workers(first: 1000) { edges { node { code
		track(from: $from, to: $to) { distanceMeters onDutyHours } } } }
		workFigures(gridCode: "150203002", from: $from, to: $to) { patrolKilometres onDutyHours } }`, week, &got)
	t.Run("a street's patrols are its workers' tracks", func(t *testing.T) {
		var metres, hours float64
		n := 0
		for _, e := range got.Workers.Edges {
			if strings.HasPrefix(e.Node.Code, "150203002") {
				metres += e.Node.Track.DistanceMeters
				hours += e.Node.Track.OnDutyHours
				n++
			}
		}
		f := got.WorkFigures
		if n == 0 || metres == 0 || math.Abs(f.PatrolKilometres-metres/1000) > 1e-6 || math.Abs(f.OnDutyHours-hours) > 1e-6 {
			t.Errorf("street over a week: %g km, %g h; its %d workers' tracks: %g km, %g h", f.PatrolKilometres, f.OnDutyHours, n, metres/1000, hours)
		}
	})
	t.Run("a street's coverage is the ratio of its communities' summed parts", func(t *testing.T) {
		if street.VisitCoverage == nil || math.Abs(*street.VisitCoverage-float64(sum.VisitedBuildings)/float64(sum.Buildings)) > 1e-12 {
			t.Errorf("coverage %v, want %d/%d", street.VisitCoverage, sum.VisitedBuildings, sum.Buildings)
		}
	})
	t.Run("counts and the median are those of SQL written here", func(t *testing.T) {
		from, to := testdb.Reference.AddDate(0, 0, -30), testdb.Reference
		if want := a.scalar(`SELECT count(*) FROM visits v JOIN grids g ON g.id = v.grid_id WHERE g.code LIKE '150203002%' AND v.at >= $1 AND v.at < $2`, from, to); street.Visits != want {
			t.Errorf("visits %d, want %d", street.Visits, want)
		}
		if want := a.scalar(`SELECT count(*) FROM incidents i JOIN grids g ON g.id = i.grid_id WHERE g.code LIKE '150203002%'
AND i.source = 'GRID_PATROL' AND i.reported_at >= $1 AND i.reported_at < $2`, from, to); street.IncidentsFoundOnPatrol != want {
			t.Errorf("found on patrol %d, want %d", street.IncidentsFoundOnPatrol, want)
		}
		var want float64
		if err := a.db.Store.Pool().QueryRow(context.Background(), `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - reported_at) / 60)
FROM incidents i JOIN grids g ON g.id = i.grid_id WHERE g.code LIKE '150203002%' AND i.reported_at >= $1 AND i.reported_at < $2 AND closed_at IS NOT NULL`, from, to).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if street.MedianMinutesToClose == nil || math.Abs(*street.MedianMinutesToClose-want) > 1e-9 {
			t.Errorf("median to close %v, want %g", street.MedianMinutesToClose, want)
		}
	})
}

func TestWorkerMovedObeysTheFence(t *testing.T) {
	g := guardedDistrict(t)
	// A worker of another street, with a key of its own.
	var other int64
	var fence string
	if err := g.db.Store.Pool().QueryRow(context.Background(), `SELECT w.id, c.code FROM grid_workers w JOIN grids gr ON gr.id = w.grid_id
JOIN grids c ON c.id = gr.parent_id WHERE gr.code LIKE '150203001%' ORDER BY w.id LIMIT 1`).Scan(&other, &fence); err != nil {
		t.Fatal(err)
	}
	key, prefix, hash := auth.NewKey()
	if _, err := g.db.Store.CreateKey(context.Background(), store.APIKey{Prefix: prefix, Hash: hash, Name: "测试·另一街道网格员",
		Role: "grid_worker", WorkerID: &other, FenceCode: &fence}); err != nil {
		t.Fatal(err)
	}
	office := dialWSAs(t, g.api, g.keys["street_office"])
	office.subscribe("1", `subscription { workerMoved { code geometry } }`, nil)
	public := dialWSAs(t, g.api, "")
	public.subscribe("2", `subscription { workerMoved { code } }`, nil)
	time.Sleep(300 * time.Millisecond)
	move := func(cred string, at time.Duration, lon, lat float64) {
		var r struct{ ReportPositions model.PositionResult }
		g.as(cred, `mutation($p: [PositionInput!]!) { reportPositions(points: $p) { accepted } }`, map[string]any{"p": []map[string]any{
			{"at": testClock.Add(at).Format(time.RFC3339), "lon": lon, "lat": lat}}}).decode(t, &r)
	}
	lon := g.scalarF(`SELECT ST_X(ST_PointOnSurface(geom)) FROM grids WHERE code = '150203001001001'`)
	lat := g.scalarF(`SELECT ST_Y(ST_PointOnSurface(geom)) FROM grids WHERE code = '150203001001001'`)
	move(key, time.Minute, lon, lat)                              // another street
	move(g.keys["grid_worker"], 2*time.Minute, 109.8301, 40.6401) // the office's street
	m, ok := office.next(15 * time.Second)
	if !ok || !strings.Contains(string(m.Payload), testWorkerCode) || !strings.Contains(string(m.Payload), "109.8301") {
		t.Errorf("the street office got %+v first, want worker %s at its new position (the other street's must not arrive)", m, testWorkerCode)
	}
	if m := public.read(10 * time.Second); !strings.Contains(string(m.Payload), "FORBIDDEN") {
		t.Errorf("the public got %s, want FORBIDDEN", m.Payload)
	}
}
