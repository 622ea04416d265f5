package httpapi

import (
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gridhub/internal/testdb"
)

const reportMutation = `mutation($in: ReportIncidentInput!, $key: String!) { reportIncident(input: $in, idempotencyKey: $key) {
	id code status priority reportedAt dueAt category grid { code } timeline { from to note actor } } }`

type reported struct {
	ReportIncident struct {
		ID, Code, Status, Category string
		Priority                   int
		ReportedAt, DueAt          time.Time
		Grid                       *struct{ Code string }
		Timeline                   []struct {
			From *string
			To   string
		}
	}
}

func report(title, category string, lon, lat float64) map[string]any {
	return map[string]any{"title": title, "category": category, "source": "HOTLINE", "location": []float64{lon, lat}}
}

func TestReportIncident(t *testing.T) {
	a := district(t)

	t.Run("a report becomes a REPORTED incident in its grid, numbered and due by its category", func(t *testing.T) {
		var got reported
		a.data(reportMutation, map[string]any{"in": report("井盖缺失", "突发事件", 109.8325, 40.6411), "key": "report-1"}, &got)
		inc := got.ReportIncident
		if !regexp.MustCompile(`^SJ\d{8}\d{6}$`).MatchString(inc.Code) || inc.Code[2:10] != inc.ReportedAt.In(time.FixedZone("CST", 8*3600)).Format("20060102") {
			t.Errorf("code %q, want SJ + the Beijing date it was reported (%s) + 6 digits", inc.Code, inc.ReportedAt)
		}
		var at struct{ GridAt struct{ Code string } }
		a.data(`{ gridAt(lon: 109.8325, lat: 40.6411) { code } }`, nil, &at)
		if inc.Grid == nil || inc.Grid.Code != at.GridAt.Code {
			t.Errorf("grid %+v, want %s (gridAt)", inc.Grid, at.GridAt.Code)
		}
		if d := inc.DueAt.Sub(inc.ReportedAt); d != 2*time.Hour {
			t.Errorf("due %s after the report, want 2h for 突发事件", d)
		}
		if inc.Status != "REPORTED" || inc.Priority != 3 || len(inc.Timeline) != 1 || inc.Timeline[0].From != nil || inc.Timeline[0].To != "REPORTED" {
			t.Errorf("got %+v, want REPORTED, priority 3 (the input's default) and one timeline entry from null", inc)
		}
	})

	t.Run("a report, its retry and a reused key each take one statement", func(t *testing.T) {
		const q = `mutation($in: ReportIncidentInput!, $key: String!) { reportIncident(input: $in, idempotencyKey: $key) { id code status dueAt } }`
		for _, c := range []struct {
			name string
			in   map[string]any
			code string
		}{
			{"a new report", report("树木倒伏", "突发事件", 109.8325, 40.6411), ""},
			{"its retry", report("树木倒伏", "突发事件", 109.8325, 40.6411), ""},
			{"the key reused", report("另一棵树", "突发事件", 109.8325, 40.6411), "IDEMPOTENCY_CONFLICT"},
		} {
			before := a.queries.Load()
			r := a.do(q, map[string]any{"in": c.in, "key": "one-statement"})
			if n := a.queries.Load() - before; n != 1 {
				t.Errorf("%s: %d statements, want 1", c.name, n)
			}
			got := ""
			if len(r.Errors) > 0 {
				got = r.Errors[0].code()
			}
			if got != c.code {
				t.Errorf("%s: %.300s, want errors %q", c.name, r.raw, c.code)
			}
		}
	})

	t.Run("an explicit null priority takes the category's default", func(t *testing.T) {
		in := report("燃气泄漏", "突发事件", 109.8325, 40.6411)
		in["priority"] = nil
		var got reported
		a.data(reportMutation, map[string]any{"in": in, "key": "null-priority"}, &got)
		if got.ReportIncident.Priority != 1 {
			t.Errorf("priority %d, want 1 (突发事件's default)", got.ReportIncident.Priority)
		}
	})

	t.Run("a point just outside every grid goes to the nearest grid within 100 m", func(t *testing.T) {
		// 50 m outside the district's west edge at its south-west corner area.
		var edge struct {
			Grids struct {
				Edges []struct{ Node struct{ Code string } }
			}
		}
		a.data(`{ grids(level: DISTRICT) { edges { node { code } } } }`, nil, &edge)
		lon := a.scalarF(`SELECT ST_XMin(geom) - 0.0005 FROM grids WHERE level = 'DISTRICT'`)
		lat := a.scalarF(`SELECT ST_Y(ST_ClosestPoint(geom, ST_SetSRID(ST_MakePoint($1, 40.65), 4326))) FROM grids WHERE level = 'DISTRICT'`, lon)
		var got reported
		a.data(reportMutation, map[string]any{"in": report("路边垃圾堆放", "市容环境", lon, lat), "key": "report-edge"}, &got)
		want := a.scalarS(`SELECT code FROM grids WHERE level = 'GRID' ORDER BY ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) LIMIT 1`, lon, lat)
		if got.ReportIncident.Grid == nil || got.ReportIncident.Grid.Code != want {
			t.Errorf("grid %+v, want the nearest %s", got.ReportIncident.Grid, want)
		}
	})

	t.Run("32 concurrent retries of one report make one incident", func(t *testing.T) {
		before := a.scalar(`SELECT count(*) FROM incidents`)
		ids := make([]string, 32)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Go(func() {
				r := a.do(reportMutation, map[string]any{"in": report("占道经营", "街面秩序", 109.83, 40.64), "key": "retry-32"})
				var got reported
				if len(r.Errors) > 0 || json.Unmarshal(r.Data, &got) != nil {
					t.Errorf("retry %d: %s", i, r.raw)
				}
				ids[i] = got.ReportIncident.ID
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] || id == "" {
				t.Fatalf("retries returned different incidents: %v", ids)
			}
		}
		if n := a.scalar(`SELECT count(*) FROM incidents`) - before; n != 1 {
			t.Errorf("%d incidents written, want 1", n)
		}
		if n := a.scalar(`SELECT count(*) FROM incident_events e JOIN incidents i ON i.id = e.incident_id WHERE i.idempotency_key = 'retry-32'`); n != 1 {
			t.Errorf("%d timeline entries, want 1", n)
		}
	})

	cases := []struct {
		name, key, code string
		in              map[string]any
	}{
		{"the same key with another payload is IDEMPOTENCY_CONFLICT", "retry-32", "IDEMPOTENCY_CONFLICT", report("另一件事", "街面秩序", 109.83, 40.64)},
		{"an unknown category is BAD_INPUT", "k-cat", "BAD_INPUT", report("x", "不存在的类别", 109.83, 40.64)},
		{"a location far from the district is BAD_AREA", "k-far", "BAD_AREA", report("x", "市容环境", 116.39, 39.9)},
		{"an empty title is OUT_OF_RANGE", "k-title", "OUT_OF_RANGE", report("  ", "市容环境", 109.83, 40.64)},
		{"a 201-character title is OUT_OF_RANGE", "k-title2", "OUT_OF_RANGE", report(strings.Repeat("长", 201), "市容环境", 109.83, 40.64)},
		{"a latitude of 95 is OUT_OF_RANGE", "k-lat", "OUT_OF_RANGE", report("x", "市容环境", 109.83, 95)},
		{"a location of three numbers is BAD_INPUT", "k-loc", "BAD_INPUT", map[string]any{"title": "x", "category": "市容环境", "source": "WECHAT", "location": []float64{1, 2, 3}}},
		{"priority 9 is OUT_OF_RANGE", "k-prio", "OUT_OF_RANGE", map[string]any{"title": "x", "category": "市容环境", "source": "WECHAT", "location": []float64{109.83, 40.64}, "priority": 9}},
		{"an empty key is BAD_INPUT", "", "BAD_INPUT", report("x", "市容环境", 109.83, 40.64)},
		{"a 129-character key is BAD_INPUT", strings.Repeat("k", 129), "BAD_INPUT", report("x", "市容环境", 109.83, 40.64)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := a.scalar(`SELECT count(*) FROM incidents`)
			r := a.do(reportMutation, map[string]any{"in": c.in, "key": c.key})
			if len(r.Errors) == 0 || r.Errors[0].code() != c.code {
				t.Fatalf("got %.300s, want %s", r.raw, c.code)
			}
			if n := a.scalar(`SELECT count(*) FROM incidents`); n != before {
				t.Errorf("a refused report wrote %d incidents", n-before)
			}
		})
	}

	t.Run("GCJ02 locations are converted before the grid is chosen", func(t *testing.T) {
		var got reported
		a.data(reportMutation, map[string]any{"in": map[string]any{"title": "夜间施工噪音", "category": "施工管理", "source": "WECHAT",
			"location": []float64{109.838221, 40.642252}, "crs": "GCJ02"}, "key": "gcj"}, &got)
		lon := a.scalarF(`SELECT ST_X(geom) FROM incidents WHERE idempotency_key = 'gcj'`)
		if lon < 109.8324 || lon > 109.8326 {
			t.Errorf("stored lon %f, want about 109.8325 (the WGS84 of the GCJ02 test vector)", lon)
		}
	})
}

const transitionMutation = `mutation($id: ID!, $to: IncidentStatus!, $note: String) { transitionIncident(id: $id, to: $to, note: $note) {
	status closedAt timeline { from to note } } }`

func TestTransitionIncident(t *testing.T) {
	a := district(t)
	newIncident := func(key string) string {
		var got reported
		a.data(reportMutation, map[string]any{"in": report("邻里漏水纠纷", "矛盾纠纷", 109.83, 40.64), "key": key}, &got)
		return got.ReportIncident.ID
	}
	move := func(id, to string) gqlResponse {
		return a.do(transitionMutation, map[string]any{"id": id, "to": to, "note": "处理意见"})
	}

	t.Run("the whole workflow with a failed verification ends CLOSED with closedAt", func(t *testing.T) {
		id := newIncident("flow")
		for _, to := range []string{"ACCEPTED", "DISPATCHED", "IN_PROGRESS", "RESOLVED", "IN_PROGRESS", "RESOLVED", "CLOSED"} {
			if r := move(id, to); len(r.Errors) > 0 {
				t.Fatalf("move to %s: %+v", to, r.Errors)
			}
		}
		var got struct {
			Node struct {
				Status   string
				ClosedAt *time.Time
				Timeline []struct {
					From *string
					To   string
				}
			}
		}
		a.data(`query($id: ID!) { node(id: $id) { ... on Incident { status closedAt timeline { from to } } } }`, map[string]any{"id": id}, &got)
		if got.Node.Status != "CLOSED" || got.Node.ClosedAt == nil || len(got.Node.Timeline) != 8 {
			t.Errorf("got %+v, want CLOSED with closedAt and 8 timeline entries", got.Node)
		}
		for i := 1; i < len(got.Node.Timeline); i++ {
			if got.Node.Timeline[i].From == nil || *got.Node.Timeline[i].From != got.Node.Timeline[i-1].To {
				t.Errorf("timeline entry %d does not follow the one before: %+v", i, got.Node.Timeline)
			}
		}
	})

	t.Run("an illegal move is INVALID_TRANSITION naming the allowed targets", func(t *testing.T) {
		id := newIncident("illegal")
		r := move(id, "CLOSED")
		if len(r.Errors) == 0 || r.Errors[0].code() != "INVALID_TRANSITION" || !strings.Contains(r.Errors[0].Message, "ACCEPTED, REJECTED") {
			t.Errorf("got %.300s, want INVALID_TRANSITION naming ACCEPTED, REJECTED", r.raw)
		}
	})

	t.Run("an unknown id is NOT_FOUND", func(t *testing.T) {
		r := move("R1JJRDox", "ACCEPTED") // a grid's id
		if len(r.Errors) == 0 || r.Errors[0].code() != "NOT_FOUND" {
			t.Errorf("got %.300s, want NOT_FOUND", r.raw)
		}
	})

	t.Run("concurrent moves of one incident take turns: one wins, the timeline never forks", func(t *testing.T) {
		id := newIncident("race")
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, refused := 0, 0
		for i := range 20 {
			to := "ACCEPTED"
			if i%2 == 1 {
				to = "REJECTED"
			}
			wg.Go(func() {
				r := move(id, to)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case len(r.Errors) == 0:
					wins++
				case r.Errors[0].code() == "INVALID_TRANSITION":
					refused++
				default:
					t.Errorf("unexpected %s", r.raw)
				}
			})
		}
		wg.Wait()
		events := a.scalar(`SELECT count(*) FROM incident_events e JOIN incidents i ON i.id = e.incident_id WHERE i.idempotency_key = 'race'`)
		// ACCEPTED then REJECTED is a legal pair, so at most two moves can win.
		if wins < 1 || wins > 2 || wins+refused != 20 || events != 1+wins {
			t.Errorf("%d moves won, %d refused, %d timeline entries; want 1-2 wins and one entry per win plus the report", wins, refused, events)
		}
	})

	t.Run("incidentCategories lists each category's time limit", func(t *testing.T) {
		var got struct {
			IncidentCategories []struct {
				Name             string
				LimitHours       *float64
				LimitWorkingDays *int
			}
		}
		a.data(`{ incidentCategories { name limitHours limitWorkingDays } }`, nil, &got)
		if len(got.IncidentCategories) != 8 {
			t.Fatalf("%d categories, want 8", len(got.IncidentCategories))
		}
		for _, c := range got.IncidentCategories {
			if (c.LimitHours == nil) == (c.LimitWorkingDays == nil) {
				t.Errorf("%s: exactly one of limitHours and limitWorkingDays must be set: %+v", c.Name, c)
			}
			if c.Name == "矛盾纠纷" && (c.LimitWorkingDays == nil || *c.LimitWorkingDays != 10) {
				t.Errorf("矛盾纠纷: want 10 working days, got %+v", c)
			}
		}
	})
}

func TestIncidentChangedAcrossInstances(t *testing.T) {
	db := testdb.New(t)
	a, b := newAPI(t, db, nil), newAPI(t, db, nil)
	seedSmallDistrict(t, a)
	sub := dialWS(t, a, false)
	// Only the east half of the fixture district, and only new reports.
	sub.subscribe("1", `subscription { incidentChanged(area: {bbox: [109.81, 40.60, 109.82, 40.62]}, statuses: [REPORTED, ACCEPTED]) { code status } }`, nil)
	waitListening(t, a)

	write := func(api *api, key string, lon float64) string {
		var got reported
		api.data(reportMutation, map[string]any{"in": report("测试事件", "市容环境", lon, 40.61), "key": key}, &got)
		return got.ReportIncident.Code
	}
	expect := func(code, status string) {
		t.Helper()
		m, ok := sub.next(10 * time.Second)
		if !ok {
			t.Fatalf("no event for %s (%s): got %+v", code, status, m)
		}
		var p struct {
			Data struct{ IncidentChanged struct{ Code, Status string } }
		}
		_ = json.Unmarshal(m.Payload, &p)
		if p.Data.IncidentChanged.Code != code || p.Data.IncidentChanged.Status != status {
			t.Fatalf("got %s, want %s %s", m.Payload, code, status)
		}
	}

	t.Run("a report written through instance B reaches a subscriber on A", func(t *testing.T) {
		expect(write(b, "x1", 109.815), "REPORTED")
	})
	t.Run("changes outside the area or status filter are not delivered", func(t *testing.T) {
		write(b, "x-west", 109.805) // outside the bbox
		inside := write(b, "x2", 109.816)
		var id struct {
			Incidents struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		b.data(`{ incidents(filter: {statuses: [REPORTED]}, first: 1000) { edges { node { id } } } }`, nil, &id)
		expect(inside, "REPORTED") // the west one, written first, never came
	})
	t.Run("after the listener's connection is killed, a change written in the gap still arrives", func(t *testing.T) {
		n := a.scalar(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'gridhub-listener' AND query LIKE '%' || $1 || '%'`, db.Schema)
		if n < 2 {
			t.Fatalf("terminated %d listeners, want both instances'", n)
		}
		code := write(b, "gap", 109.817) // written while A's listener reconnects
		expect(code, "REPORTED")
		expect(write(b, "after", 109.818), "REPORTED")
	})
	t.Run("the legacy graphql-ws protocol is served too", func(t *testing.T) {
		before := liveSubscribers(t, a)
		old := dialWS(t, a, true)
		old.subscribe("9", `subscription { incidentChanged { code } }`, nil)
		waitSubscribers(t, a, before+1)
		code := write(b, "legacy", 109.819)
		m, ok := old.next(10 * time.Second)
		if !ok || !strings.Contains(string(m.Payload), code) {
			t.Errorf("legacy client got %+v, want %s", m, code)
		}
		expect(code, "REPORTED")
	})
}

// seedSmallDistrict loads the fixture district (see fixture) with categories intact.
func seedSmallDistrict(t *testing.T, a *api) {
	putSmallTree(a,
		`(4, '150203001001001', 'GRID', 3, '西网格', `+square(109.80, 40.60, 109.81, 40.62)+`)`,
		`(5, '150203001001002', 'GRID', 3, '东网格', `+square(109.81, 40.60, 109.82, 40.62)+`)`)
}

// waitListening waits until the instance's hub listens, so no test write races its start.
func waitListening(t *testing.T, a *api) {
	for range 100 {
		if a.scalar(`SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gridhub-listener' AND query LIKE '%' || $1 || '%'`, a.db.Schema) >= 1 {
			time.Sleep(100 * time.Millisecond)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the live listener did not start")
}
