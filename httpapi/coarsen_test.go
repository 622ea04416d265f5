package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"gridhub/auth"
	"gridhub/graph"
	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/resolvers"
	"gridhub/store"
)

// The coarsening cell of the built-in city_management role: 100 m in degrees.
var cell = 100 / 111320.0

// coarse is a small district where one camera (id 1) and one incident (id 1) can stand at
// two places, a and b, that snap to the same point s of the cell grid but lie on either
// side of the edge between the two grids, at different distances from everything.
type coarse struct {
	*api
	s, a, b [2]float64
	keys    map[string]string // role → key
	policy  *auth.Policy
}

func coarseDistrict(t *testing.T) *coarse {
	db := testdb.New(t)
	s := [2]float64{math.RoundToEven(109.812/cell) * cell, math.RoundToEven(40.61/cell) * cell}
	c := &coarse{s: s, a: [2]float64{s[0] - 0.3*cell, s[1] + 0.2*cell}, b: [2]float64{s[0] + 0.3*cell, s[1] - 0.25*cell}, keys: map[string]string{}}

	policy, err := auth.LoadPolicy("")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range policy.Roles {
		r.Rate, r.Complexity = auth.Rate{PerSecond: 1e6, Burst: 1e6}, 1e9
	}
	// Incidents too, so that live updates and the incident paths are probed as well.
	policy.Roles["city_management"].Coarsen[model.LayerIncident] = 100
	cfg := testConfig()
	cfg.Policy, cfg.AnonymousRole, cfg.KeyCacheTTL, cfg.ExecBudget = policy, "", time.Hour, 0
	c.policy = policy
	cfg.TileClusterBelow, cfg.TileClusterAbove = clusterBelow, store.DefaultClusterAbove
	h, done := New(db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); done() })
	c.api = &api{t: t, srv: srv, db: db}

	putSmallTree(c.api,
		`(4, '150203001001001', 'GRID', 3, '西网格', `+square(109.80, 40.60, s[0], 40.62)+`)`,
		`(5, '150203001001002', 'GRID', 3, '东网格', `+square(s[0], 40.60, 109.82, 40.62)+`)`)
	for i, p := range [][2]float64{{109.805, 40.605}, {109.815, 40.615}, {s[0] + 2*cell, s[1]}} {
		grid := 4
		if p[0] > s[0] {
			grid = 5
		}
		c.exec(`INSERT INTO cameras (id, code, kind, status, name, grid_id, geom) VALUES ($1, $2, 'YUNYAN', 'ONLINE', $3, $4, ST_SetSRID(ST_MakePoint($5, $6), 4326))`,
			i+2, fmt.Sprintf("150203000013200%05d", i+2), fmt.Sprintf("固定摄像机%d", i+2), grid, p[0], p[1])
		c.exec(`INSERT INTO incidents (id, code, title, category, source, status, priority, reported_at, due_at, grid_id, geom)
VALUES ($1, $2, $3, '市容环境', 'HOTLINE', 'ACCEPTED', 3, '2026-03-01 09:00+08', '2026-03-02 09:00+08', $4, ST_SetSRID(ST_MakePoint($5, $6), 4326))`,
			i+2, fmt.Sprintf("SJ20260301%06d", i+2), fmt.Sprintf("固定事件%d", i+2), grid, p[0]+cell/3, p[1])
	}
	c.exec(`INSERT INTO cameras (id, code, kind, status, name, grid_id, geom) VALUES (1, '15020300001320000001', 'XUELIANG', 'ONLINE', '被粗化的摄像机', 4, ST_SetSRID(ST_MakePoint($1, $2), 4326))`, c.a[0], c.a[1])
	c.exec(`INSERT INTO incidents (id, code, title, category, source, status, priority, reported_at, due_at, grid_id, geom)
VALUES (1, 'SJ20260301000001', '被粗化的事件', '市容环境', 'HOTLINE', 'REPORTED', 3, '2026-03-01 09:00+08', '2026-03-02 09:00+08', 4, ST_SetSRID(ST_MakePoint($1, $2), 4326))`, c.a[0], c.a[1])
	c.exec(`INSERT INTO service_points (id, kind, name, address, grid_id, geom) VALUES (1, 'LEGAL_SERVICE', '法律服务站', '测试路1号', 5, ST_SetSRID(ST_MakePoint($1, $2), 4326))`, s[0]+cell/2, s[1]+cell/4)
	for _, role := range []string{"city_management", "command_center"} {
		key, prefix, hash := auth.NewKey()
		if _, err := db.Store.CreateKey(context.Background(), store.APIKey{Prefix: prefix, Hash: hash, Name: role, Role: role}); err != nil {
			t.Fatal(err)
		}
		c.keys[role] = key
	}
	return c
}

// standAt puts the camera and the incident at p, in the grid their stored point is in.
func (c *coarse) standAt(p [2]float64) {
	grid := 4
	if p[0] > c.s[0] {
		grid = 5
	}
	for _, table := range []string{"cameras", "incidents"} {
		c.exec(`UPDATE `+table+` SET geom = ST_SetSRID(ST_MakePoint($1, $2), 4326), grid_id = $3 WHERE id = 1`, p[0], p[1], grid)
	}
}

// space is what the probes ask about: points, areas of every kind and tiles at a, b and
// their snapped point s, and the camera's and incident's ids. Selections leave out what
// role may not read (those are FORBIDDEN on either side) and the timeline's times.
func (c *coarse) space(role *auth.Role, guard *resolvers.FieldGuard) probeSpace {
	ps := probeSpace{
		radii:  []float64{3, 60},
		ids:    []string{model.GlobalID(model.LayerCamera, 1), model.GlobalID(model.LayerIncident, 1)},
		codes:  []string{"150203", "150203001001001", "150203001001002"},
		layer:  []string{"CAMERA", "INCIDENT"},
		layers: []string{"GRID", "BUILDING", "CAMERA", "SERVICE_POINT", "INCIDENT"},
		zooms:  []int{12, 18, 22},
		skip: func(object, field string) bool {
			l, ok := guard.Layer(object, field)
			return (ok && !role.CanRead(l)) || role.Field(object, field) == auth.Deny || object+"."+field == "Incident.timeline"
		},
	}
	for _, code := range ps.codes {
		ps.areas = append(ps.areas, map[string]any{"gridCode": code})
	}
	for _, p := range [][2]float64{c.a, c.b, c.s} {
		ps.points = append(ps.points, p)
		d := 2e-5 // about 2 m
		ps.areas = append(ps.areas,
			map[string]any{"bbox": []float64{p[0] - d, p[1] - d, p[0] + d, p[1] + d}},
			map[string]any{"circle": map[string]any{"center": []float64{p[0], p[1]}, "radiusMeters": 3}},
			map[string]any{"polygon": map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{
				{p[0] - d, p[1] - d}, {p[0] + d, p[1] - d}, {p[0] + d, p[1] + d}, {p[0] - d, p[1] + d}, {p[0] - d, p[1] - d}}}}})
		for _, z := range []int{16, 22} {
			tl := maptile.At(orb.Point(p), maptile.Zoom(z))
			ps.areas = append(ps.areas, map[string]any{"tile": map[string]any{"z": z, "x": tl.X, "y": tl.Y}})
		}
	}
	return ps
}

// TestCoarsenedGeometryCannotBeObserved: for a role that coarsens cameras and incidents,
// moving them within their cell changes no answer on any path the schema, the tile
// routes or the OGC API offer: the true point is not observable. The same probes as the command centre,
// which sees true points, do tell the two places apart, so the probes can see a leak.
func TestCoarsenedGeometryCannotBeObserved(t *testing.T) {
	c := coarseDistrict(t)
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}}).Schema()
	guard := resolvers.NewFieldGuard(schema)
	tiles := c.tilePaths()
	answers := func(role string) (map[string]string, map[string]string) {
		queries, err := c.space(c.policy.Roles[role], guard).probes(schema, schema.Query, 6)
		if err != nil {
			t.Fatal(err)
		}
		q, tl := map[string]string{}, map[string]string{}
		for _, p := range queries {
			r := c.asRole(role, p.query, p.vars)
			if c := r.codeOf(); c == "GRAPHQL_VALIDATION_FAILED" || c == "GRAPHQL_PARSE_FAILED" || c == "TOO_COMPLEX" {
				t.Fatalf("the probe %s is not a valid document: %s\n%s", p.name, r.raw, p.query)
			}
			for _, e := range r.Errors {
				if e.code() == "INTERNAL" {
					t.Fatalf("the probe %s answered INTERNAL: %s", p.name, e.Message)
				}
			}
			q[p.name] = fmt.Sprintf("%d %s", r.status, r.raw)
		}
		for _, path := range append(tiles, c.ogcPaths(role)...) {
			r := getTile(t, c.api, path, map[string]string{"Authorization": "Bearer " + c.keys[role]})
			tl[path] = fmt.Sprintf("%d %x", r.status, volatile.ReplaceAll(r.body, nil))
		}
		return q, tl
	}
	differences := func(role string) (int, int, []string) {
		c.standAt(c.a)
		qa, ta := answers(role)
		c.standAt(c.b)
		qb, tb := answers(role)
		var dq, dt int
		var examples []string
		for k := range qa {
			if qa[k] != qb[k] {
				dq++
				examples = append(examples, k+"\n"+firstDifference(qa[k], qb[k]))
			}
		}
		for k := range ta {
			if ta[k] != tb[k] {
				dt++
				examples = append(examples, "tile "+k)
			}
		}
		return dq, dt, examples
	}
	t.Run("the coarsening role's answers are the same whether the points stand at a or b", func(t *testing.T) {
		dq, dt, examples := differences("city_management")
		if dq+dt > 0 {
			t.Errorf("%d query and %d tile answers tell a from b:\n%s", dq, dt, strings.Join(examples[:min(len(examples), 8)], "\n"))
		}
		c.standAt(c.a)
		var seen struct{ Cameras struct{ TotalCount int } }
		c.asRole("city_management", `{ cameras(area: {bbox: [`+fmt.Sprintf("%g, %g, %g, %g", c.s[0]-1e-6, c.s[1]-1e-6, c.s[0]+1e-6, c.s[1]+1e-6)+`]}) { totalCount } }`, nil).decode(t, &seen)
		if seen.Cameras.TotalCount != 1 {
			t.Errorf("a box around the snapped point finds %d cameras, want the coarsened one", seen.Cameras.TotalCount)
		}
	})
	t.Run("the command centre's answers, on the same probes, do tell a from b", func(t *testing.T) {
		dq, dt, _ := differences("command_center")
		if dq < 20 || dt < 10 {
			t.Errorf("only %d query and %d tile answers differ: the probes would not see a leak", dq, dt)
		}
	})
}

// TestCoarsenedIncidentsCannotBeObservedLive: every subscription the schema offers, with
// areas and points around a and b, hears the same of the coarsened incident's change
// whether it stands at a or b; the command centre's do not.
func TestCoarsenedIncidentsCannotBeObservedLive(t *testing.T) {
	c := coarseDistrict(t)
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}}).Schema()
	guard := resolvers.NewFieldGuard(schema)
	heard := func(role string, at [2]float64) map[string]string {
		c.standAt(at)
		subs, err := c.space(c.policy.Roles[role], guard).probes(schema, schema.Subscription, 3)
		if err != nil {
			t.Fatal(err)
		}
		ws := dialWSWith(t, c.api, map[string]any{"Authorization": "Bearer " + c.keys[role]})
		ws.subscribe("sentinel", `subscription { incidentChanged { code } }`, nil)
		for i, p := range subs {
			ws.subscribe(fmt.Sprint(i), p.query, p.vars)
		}
		waitListening(t, c.api)
		// A subscription to a layer the role may not read is refused, never held.
		held := 1
		for _, p := range subs {
			field := strings.TrimPrefix(strings.Fields(p.name)[0], "Subscription.")
			if l, ok := guard.Layer("Subscription", field); !ok || c.policy.Roles[role].CanRead(l) {
				held++
			}
		}
		waitSubscribers(t, c.api, held)
		c.exec(`UPDATE incidents SET status = 'REPORTED' WHERE id = 1`)
		if err := c.db.Store.TransitionIncident(context.Background(), 1, model.StatusAccepted, nil, "测试", nil); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		sentinel := false
		for {
			// Once the sentinel has heard the change, the hub has handed it to every
			// subscriber; their messages follow within moments.
			wait := 10 * time.Second
			if sentinel {
				wait = 500 * time.Millisecond
			}
			m := ws.read(wait)
			if m.Type == "timeout" || m.Type == "closed" {
				break
			}
			if m.Type != "next" && m.Type != "error" {
				continue
			}
			if m.ID == "sentinel" {
				sentinel = true
				continue
			}
			i := 0
			fmt.Sscan(m.ID, &i)
			if strings.Contains(string(m.Payload), "GRAPHQL_VALIDATION_FAILED") || strings.Contains(string(m.Payload), "TOO_COMPLEX") {
				t.Fatalf("the probe %s is not a valid document: %s", subs[i].name, m.Payload)
			}
			got[subs[i].name] += m.Type + " " + string(m.Payload)
		}
		if !sentinel {
			t.Fatal("the change was not heard at all")
		}
		return got
	}
	diff := func(role string) []string {
		atA, atB := heard(role, c.a), heard(role, c.b)
		var out []string
		for k := range atA {
			if atA[k] != atB[k] {
				out = append(out, k+"\n"+firstDifference(atA[k], atB[k]))
			}
		}
		for k := range atB {
			if _, ok := atA[k]; !ok {
				out = append(out, k+" heard only at b")
			}
		}
		return out
	}
	if d := diff("city_management"); len(d) > 0 {
		t.Errorf("%d subscriptions of the coarsening role tell a from b:\n%s", len(d), strings.Join(d[:min(len(d), 5)], "\n"))
	}
	if d := diff("command_center"); len(d) < 4 {
		t.Errorf("only %d of the command centre's subscriptions tell a from b: the probes would not see a leak", len(d))
	}
}

// volatile is what differs from one request to the next in OGC answers: when it was made,
// and its request id.
var volatile = regexp.MustCompile(`"(timeStamp|requestId)":"[^"]*",?`)

// ogcPaths are the OGC API's items of every collection the role may read (as its
// collections page lists them), with a bbox and a spatial filter around a, b and s, and
// the coarsened features by id.
func (c *coarse) ogcPaths(role string) []string {
	var cols struct{ Collections []struct{ ID string } }
	r := getTile(c.t, c.api, "/ogc/collections?f=json", map[string]string{"Authorization": "Bearer " + c.keys[role]})
	if err := json.Unmarshal(r.body, &cols); err != nil || len(cols.Collections) == 0 {
		c.t.Fatalf("the OGC collections: %d %.200s", r.status, r.body)
	}
	var out []string
	for _, col := range cols.Collections {
		base := "/ogc/collections/" + col.ID + "/items?f=json&limit=1000"
		out = append(out, base, "/ogc/collections/"+col.ID+"/items/"+model.GlobalID(model.LayerCamera, 1)+"?f=json",
			"/ogc/collections/"+col.ID+"/items/"+model.GlobalID(model.LayerIncident, 1)+"?f=json")
		for _, p := range [][2]float64{c.a, c.b, c.s} {
			d := 2e-5
			out = append(out, fmt.Sprintf("%s&bbox=%.9f,%.9f,%.9f,%.9f", base, p[0]-d, p[1]-d, p[0]+d, p[1]+d),
				fmt.Sprintf("%s&filter=%s", base, url.QueryEscape(fmt.Sprintf("S_INTERSECTS(geometry, BBOX(%.9f,%.9f,%.9f,%.9f))", p[0]-d, p[1]-d, p[0]+d, p[1]+d))))
		}
	}
	return out
}

// tilePaths are the tile routes' URLs at every zoom for every tile layer, over a, b and s.
func (c *coarse) tilePaths() []string {
	names := []string{allLayers}
	for _, l := range model.Layers {
		names = append(names, store.TileLayerName(l))
	}
	seen := map[string]bool{}
	var out []string
	for _, name := range names {
		for z := 0; z <= 22; z++ {
			for _, p := range [][2]float64{c.a, c.b, c.s} {
				tl := maptile.At(orb.Point(p), maptile.Zoom(z))
				path := fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", name, z, tl.X, tl.Y)
				if !seen[path] {
					seen[path] = true
					out = append(out, path)
				}
			}
		}
	}
	return out
}

// asRole posts a GraphQL request with the role's key.
func (c *coarse) asRole(role, query string, vars map[string]any) gqlResponse {
	c.t.Helper()
	return c.as(c.keys[role], query, vars)
}

// firstDifference shows where two answers part.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-120)
	return fmt.Sprintf("  at a: …%.240s\n  at b: …%.240s", a[from:], b[from:])
}
