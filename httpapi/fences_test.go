package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestStreetOfficeSeesExactlyItsStreet(t *testing.T) {
	g := guardedDistrict(t)
	key := g.keys["street_office"]
	fenced := func(table string) int {
		return g.scalar(`SELECT count(*) FROM ` + table + ` WHERE grid_id IN (SELECT id FROM grids WHERE code LIKE '150203002%')`)
	}
	count := func(q string) int {
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
	for table, q := range map[string]string{
		"incidents": `{ incidents { totalCount } }`, "cameras": `{ cameras { totalCount } }`,
		"buildings": `{ buildings { totalCount } }`, "service_points": `{ servicePoints { totalCount } }`,
		"party_units": `{ partyUnits { totalCount } }`,
	} {
		t.Run(table+" count as the fenced SQL does", func(t *testing.T) {
			if got, want := count(q), fenced(table); got != want || want == 0 {
				t.Errorf("got %d, want %d", got, want)
			}
		})
	}
	t.Run("features over the whole district hold only its street's incidents", func(t *testing.T) {
		if got, want := count(`{ features(area: {gridCode: "150203"}, layers: [INCIDENT]) { totalCount } }`), fenced("incidents"); got != want {
			t.Errorf("got %d, want %d", got, want)
		}
	})
	t.Run("stats of the district are its street's", func(t *testing.T) {
		r := g.as(key, `{ stats { incidents cameras buildings } }`, nil)
		var got struct {
			Stats struct{ Incidents, Cameras, Buildings int }
		}
		_ = json.Unmarshal(r.Data, &got)
		if got.Stats.Incidents != fenced("incidents") || got.Stats.Cameras != fenced("cameras") || got.Stats.Buildings != fenced("buildings") {
			t.Errorf("stats %+v, want the fenced counts", got.Stats)
		}
	})
	t.Run("clusters add up to its street's incidents", func(t *testing.T) {
		r := g.as(key, `{ clusters(area: {gridCode: "150203"}, layer: INCIDENT, zoom: 12) { count } }`, nil)
		var got struct{ Clusters []struct{ Count int } }
		_ = json.Unmarshal(r.Data, &got)
		sum := 0
		for _, c := range got.Clusters {
			sum += c.Count
		}
		if sum != fenced("incidents") {
			t.Errorf("clusters hold %d, want %d", sum, fenced("incidents"))
		}
	})
	t.Run("an incident of another street does not exist for it", func(t *testing.T) {
		var ids struct {
			Incidents struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		_ = json.Unmarshal(g.as(g.keys["command_center"], `{ incidents(area: {gridCode: "150203001"}, first: 1) { edges { node { id } } } }`, nil).Data, &ids)
		id := ids.Incidents.Edges[0].Node.ID
		if r := g.as(key, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}); string(r.Data) != `{"node":null}` {
			t.Errorf("node: %s", r.raw)
		}
		if r := g.as(key, `mutation($id: ID!) { transitionIncident(id: $id, to: ACCEPTED) { status } }`, map[string]any{"id": id}); r.codeOf() != "NOT_FOUND" {
			t.Errorf("transition of a fenced-out incident: %s, want NOT_FOUND", r.raw)
		}
		if r := g.as(key, `{ grid(code: "150203001") { code } }`, nil); string(r.Data) != `{"grid":null}` {
			t.Errorf("another street's grid: %s", r.raw)
		}
	})
	t.Run("it reports inside its street, not outside, and the timeline names it", func(t *testing.T) {
		inside := g.as(key, reportMutation, map[string]any{"in": report("楼道堆物", "市容环境", 109.8325, 40.6411), "key": "so-in"})
		var got reported
		_ = json.Unmarshal(inside.Data, &got)
		if inside.codeOf() != "ok" || !strings.HasPrefix(got.ReportIncident.Grid.Code, "150203002") {
			t.Fatalf("inside: %.300s", inside.raw)
		}
		if actor := g.scalarS(`SELECT actor FROM incident_events e JOIN incidents i ON i.id = e.incident_id WHERE i.idempotency_key = 'so-in'`); actor != "测试·street_office" {
			t.Errorf("timeline actor %q, want the key's name", actor)
		}
		lon := g.scalarF(`SELECT ST_X(ST_PointOnSurface(geom)) FROM grids WHERE code = '150203001001001'`)
		lat := g.scalarF(`SELECT ST_Y(ST_PointOnSurface(geom)) FROM grids WHERE code = '150203001001001'`)
		if r := g.as(key, reportMutation, map[string]any{"in": report("x", "市容环境", lon, lat), "key": "so-out"}); r.codeOf() != "FORBIDDEN" {
			t.Errorf("outside: %.300s, want FORBIDDEN", r.raw)
		}
	})
}

func TestSubscriptionsObeyTheFence(t *testing.T) {
	g := guardedDistrict(t)
	before := liveSubscribers(t, g.api)
	office := dialWSAs(t, g.api, g.keys["street_office"])
	office.subscribe("1", `subscription { incidentChanged { code } }`, nil)
	public := dialWSAs(t, g.api, "")
	public.subscribe("2", `subscription { incidentChanged { category status } }`, nil)
	waitSubscribers(t, g.api, before+2)
	report := func(key string, lon, lat float64, k string) string {
		r := g.as(key, reportMutation, map[string]any{"in": report("围栏测试", "市容环境", lon, lat), "key": k})
		var got reported
		_ = json.Unmarshal(r.Data, &got)
		if got.ReportIncident.Code == "" {
			t.Fatalf("report: %.300s", r.raw)
		}
		return got.ReportIncident.Code
	}
	lon := g.scalarF(`SELECT ST_X(ST_PointOnSurface(geom)) FROM grids WHERE code = '150203001001001'`)
	lat := g.scalarF(`SELECT ST_Y(ST_PointOnSurface(geom)) FROM grids WHERE code = '150203001001001'`)
	report(g.keys["command_center"], lon, lat, "fence-out") // another street
	inside := report(g.keys["command_center"], 109.8325, 40.6411, "fence-in")
	m, ok := office.next(10 * time.Second)
	if !ok || !strings.Contains(string(m.Payload), inside) {
		t.Errorf("the street office got %+v first, want %s (the other street's report must not arrive)", m, inside)
	}
	m, ok = public.next(10 * time.Second)
	if !ok || strings.Contains(string(m.Payload), "SJ") || !strings.Contains(string(m.Payload), "REPORTED") {
		t.Errorf("the public got %+v, want category and status only", m)
	}
	t.Run("a subscription asking for a denied field is refused", func(t *testing.T) {
		c := dialWSAs(t, g.api, "")
		c.subscribe("3", `subscription { incidentChanged { code } }`, nil)
		report(g.keys["command_center"], 109.8325, 40.6411, "fence-in-2")
		for range 3 {
			m := c.read(10 * time.Second)
			if strings.Contains(string(m.Payload), "SJ") {
				t.Fatalf("the public received an incident code: %s", m.Payload)
			}
			if strings.Contains(string(m.Payload), "FORBIDDEN") {
				return
			}
		}
		t.Error("no FORBIDDEN error for the denied field")
	})
}

// dialWSAs opens a graphql-transport-ws connection sending key in connection_init.
func dialWSAs(t *testing.T, a *api, key string) *wsClient {
	t.Helper()
	if key == "" {
		return dialWSWith(t, a, map[string]any{})
	}
	return dialWSWith(t, a, map[string]any{"Authorization": "Bearer " + key})
}
