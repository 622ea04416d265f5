package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"gridhub/auth"
	"gridhub/store"
)

// guarded is the demo district served with the built-in policy as a deployment would:
// callers without a credential are the public; keys of every role exist.
type guarded struct {
	*api
	keys map[string]string // role → key
	// resolved is the same server with every field resolved on its own (no compiled
	// selections): what compiled answers must equal.
	resolved *api
}

var (
	guardedOnce sync.Once
	guardedAPI  *guarded
)

const jwtSecret = "a-department-sso-secret-of-32-bytes!"

func guardedDistrict(t *testing.T) *guarded {
	a := district(t)
	guardedOnce.Do(func() {
		cfg := testConfig()
		policy, _ := auth.LoadPolicy("")
		for _, r := range policy.Roles {
			// The matrix sends hundreds of requests; TestRateLimits checks the budgets.
			r.Rate = auth.Rate{PerSecond: 1e6, Burst: 1e6}
		}
		cfg.Policy, cfg.AnonymousRole, cfg.KeyCacheTTL = policy, "public", 0
		cfg.JWT = &auth.JWTConfig{HS256Secret: []byte(jwtSecret), Issuer: "sso.example", Audience: "gridhub", RoleClaim: "role", FenceClaim: "grid"}
		h, done := New(a.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		srv := httptest.NewServer(h)
		cleanups = append(cleanups, func() { srv.Close(); done() })
		cfg.ResolveEveryField = true
		rh, rdone := New(a.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		rsrv := httptest.NewServer(rh)
		cleanups = append(cleanups, func() { rsrv.Close(); rdone() })
		g := &guarded{api: &api{srv: srv, db: a.db, queries: a.queries}, keys: map[string]string{},
			resolved: &api{srv: rsrv, db: a.db, queries: a.queries}}
		for _, role := range []string{"command_center", "street_office", "judicial", "city_management", "public"} {
			key, prefix, hash := auth.NewKey()
			k := store.APIKey{Prefix: prefix, Hash: hash, Name: "测试·" + role, Role: role}
			if role == "street_office" {
				fence := "150203002"
				k.FenceCode = &fence
			}
			if _, err := a.db.Store.CreateKey(context.Background(), k); err != nil {
				panic(err)
			}
			g.keys[role] = key
		}
		key, prefix, hash := auth.NewKey()
		worker, fence := testWorker(a)
		k := store.APIKey{Prefix: prefix, Hash: hash, Name: "测试·grid_worker", Role: "grid_worker", WorkerID: &worker, FenceCode: &fence}
		if _, err := a.db.Store.CreateKey(context.Background(), k); err != nil {
			panic(err)
		}
		g.keys["grid_worker"] = key
		guardedAPI = g
	})
	c := *guardedAPI
	inner, resolved := *c.api, *c.resolved
	inner.t, resolved.t = t, t
	c.api, c.resolved = &inner, &resolved
	return &c
}

// codeOf is the first error's code, or "ok".
func (r gqlResponse) codeOf() string {
	if len(r.Errors) == 0 {
		return "ok"
	}
	return r.Errors[0].code()
}

var layerQueries = map[string]string{
	"GRID":          `{ grids(first: 1) { totalCount } }`,
	"BUILDING":      `{ buildings(first: 1) { totalCount } }`,
	"PARTY_UNIT":    `{ partyUnits(first: 1) { totalCount } }`,
	"CAMERA":        `{ cameras(first: 1) { totalCount } }`,
	"SERVICE_POINT": `{ servicePoints(first: 1) { totalCount } }`,
	"INCIDENT":      `{ incidents(first: 1) { totalCount } }`,
	"WORKER":        `{ workers(first: 1) { totalCount } }`,
	"VISIT":         `{ visits(first: 1) { totalCount } }`,
}

var readableLayers = map[string][]string{
	"command_center":  {"GRID", "BUILDING", "PARTY_UNIT", "CAMERA", "SERVICE_POINT", "INCIDENT", "WORKER", "VISIT"},
	"street_office":   {"GRID", "BUILDING", "PARTY_UNIT", "CAMERA", "SERVICE_POINT", "INCIDENT", "WORKER", "VISIT"},
	"grid_worker":     {"GRID", "BUILDING", "SERVICE_POINT", "INCIDENT", "WORKER", "VISIT"},
	"judicial":        {"GRID", "SERVICE_POINT", "INCIDENT"},
	"city_management": {"GRID", "BUILDING", "CAMERA", "SERVICE_POINT", "INCIDENT"},
	"public":          {"GRID", "SERVICE_POINT", "INCIDENT"},
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestRolesReadOnlyTheirLayersOnEveryPath(t *testing.T) {
	g := guardedDistrict(t)
	for role, key := range g.keys {
		for layer := range layerQueries {
			want := "FORBIDDEN"
			if contains(readableLayers[role], layer) {
				want = "ok"
			}
			paths := map[string]string{
				"list":              layerQueries[layer],
				"features":          `{ features(area: {gridCode: "150203"}, layers: [` + layer + `], first: 1) { totalCount } }`,
				"featureCollection": `{ featureCollection(area: {gridCode: "150203"}, layers: [` + layer + `], limit: 1) }`,
				"clusters":          `{ clusters(area: {gridCode: "150203"}, layer: ` + layer + `, zoom: 10) { count } }`,
				"nearby":            `{ nearby(lon: 109.8325, lat: 40.6411, radiusMeters: 3000, layers: [` + layer + `]) { distanceMeters } }`,
			}
			for path, q := range paths {
				t.Run(role+" reading "+layer+" through "+path+" gets "+want, func(t *testing.T) {
					r := g.as(key, q, nil)
					if got := r.codeOf(); got != want {
						t.Errorf("got %s (%.200s), want %s", got, r.raw, want)
					}
				})
			}
		}
	}
}

func TestRestrictedFieldsAndRelations(t *testing.T) {
	g := guardedDistrict(t)
	cases := []struct {
		name, role, query, want string
	}{
		{"the command centre reads camera stream URLs", "command_center", `{ cameras(first: 1) { edges { node { streamUrl } } } }`, "ok"},
		{"a street office may not read camera stream URLs", "street_office", `{ cameras(first: 1) { edges { node { streamUrl } } } }`, "FORBIDDEN"},
		{"city management may not read camera stream URLs", "city_management", `{ cameras(first: 1) { edges { node { streamUrl } } } }`, "FORBIDDEN"},
		{"the public may not reach cameras through a grid", "public", `{ grid(code: "150203002") { cameras { totalCount } } }`, "FORBIDDEN"},
		{"the public may not reach cameras near an incident", "public", `{ incidents(first: 1) { edges { node { nearbyCameras { distanceMeters } } } } }`, "FORBIDDEN"},
		{"the judiciary may not reach cameras near an incident", "judicial", `{ incidents(first: 1) { edges { node { nearbyCameras { distanceMeters } } } } }`, "FORBIDDEN"},
		{"the public may not read an incident's title", "public", `{ incidents(first: 1) { edges { node { name } } } }`, "FORBIDDEN"},
		{"the public may not read an incident's timeline", "public", `{ incidents(first: 1) { edges { node { timeline { note } } } } }`, "FORBIDDEN"},
		{"the public reads an incident's category, status and grid", "public", `{ incidents(first: 1) { edges { node { id category status grid { name } } } } }`, "ok"},
		{"the public may not read a grid worker's phone", "public", `{ grid(code: "150203002001001") { workerPhone } }`, "FORBIDDEN"},
		{"the public may not count cameras in stats", "public", `{ stats { cameras } }`, "FORBIDDEN"},
		{"the public may not count buildings in stats", "public", `{ stats { population } }`, "FORBIDDEN"},
		{"the public counts incidents in stats", "public", `{ stats { incidents openIncidents } }`, "ok"},
		{"the judiciary may not reach party units through a grid", "judicial", `{ grid(code: "150203002001001") { partyUnits { name } } }`, "FORBIDDEN"},
		{"the public may not report incidents", "public", `mutation { reportIncident(input: {title: "x", category: "市容环境", source: WECHAT, location: [109.83, 40.64]}, idempotencyKey: "p1") { id } }`, "FORBIDDEN"},
		{"the judiciary may not report incidents", "judicial", `mutation { reportIncident(input: {title: "x", category: "矛盾纠纷", source: WECHAT, location: [109.83, 40.64]}, idempotencyKey: "j1") { id } }`, "FORBIDDEN"},
		{"only the command centre reads the audit log", "street_office", `{ auditLog { id } }`, "FORBIDDEN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := g.as(g.keys[c.role], c.query, nil)
			if got := r.codeOf(); got != c.want {
				t.Errorf("got %s (%.300s), want %s", got, r.raw, c.want)
			}
		})
	}

	t.Run("a camera's id gives null, not its existence, to a role without cameras", func(t *testing.T) {
		var ids struct {
			Cameras struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		_ = json.Unmarshal(g.as(g.keys["command_center"], `{ cameras(first: 1) { edges { node { id } } } }`, nil).Data, &ids)
		r := g.as(g.keys["public"], `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": ids.Cameras.Edges[0].Node.ID})
		if r.codeOf() != "ok" || string(r.Data) != `{"node":null}` {
			t.Errorf("got %s, want node null", r.raw)
		}
	})
	t.Run("the judiciary sees grid workers' phones masked", func(t *testing.T) {
		r := g.as(g.keys["judicial"], `{ grid(code: "150203002001001") { workerPhone } }`, nil)
		var got struct{ Grid struct{ WorkerPhone string } }
		_ = json.Unmarshal(r.Data, &got)
		if p := got.Grid.WorkerPhone; len(p) != 11 || p[3:7] != "****" {
			t.Errorf("phone %q, want 138****1234-style", p)
		}
	})
	t.Run("the public gets null for a grid worker's name", func(t *testing.T) {
		r := g.as(g.keys["public"], `{ grid(code: "150203002001001") { name workerName } }`, nil)
		if r.codeOf() != "ok" || !strings.Contains(string(r.Data), `"workerName":null`) {
			t.Errorf("got %s", r.raw)
		}
	})
	t.Run("the public's incident collection carries only category, status and overdue-free properties", func(t *testing.T) {
		r := g.as("", `{ featureCollection(area: {gridCode: "150203"}, layers: [INCIDENT], limit: 50) }`, nil)
		var got struct {
			FeatureCollection struct {
				Features []struct{ Properties map[string]any }
			}
		}
		_ = json.Unmarshal(r.Data, &got)
		if len(got.FeatureCollection.Features) == 0 {
			t.Fatalf("no features: %.200s", r.raw)
		}
		for _, f := range got.FeatureCollection.Features {
			for k := range f.Properties {
				if !contains([]string{"layer", "category", "status"}, k) {
					t.Fatalf("the public sees incident property %q", k)
				}
			}
		}
	})
	t.Run("city management sees cameras snapped to a 100 m grid", func(t *testing.T) {
		r := g.as(g.keys["city_management"], `{ featureCollection(area: {gridCode: "150203002"}, layers: [CAMERA], limit: 20) }`, nil)
		var got struct {
			FeatureCollection struct {
				Features []struct {
					Geometry struct{ Coordinates []float64 }
				}
			}
		}
		_ = json.Unmarshal(r.Data, &got)
		cell := 100 / 111320.0
		for _, f := range got.FeatureCollection.Features {
			for _, v := range f.Geometry.Coordinates {
				if q := v / cell; math.Abs(q-math.Round(q)) > 1e-3 {
					t.Fatalf("coordinate %v is not on the 100 m grid", v)
				}
			}
		}
		if len(got.FeatureCollection.Features) == 0 {
			t.Fatalf("no cameras: %.200s", r.raw)
		}
	})
}

func TestJudicialSeesDisputesAndLegalServices(t *testing.T) {
	g := guardedDistrict(t)
	key := g.keys["judicial"]
	r := g.as(key, `{ servicePoints { totalCount } incidents { totalCount } }`, nil)
	var got struct {
		ServicePoints, Incidents struct{ TotalCount int }
	}
	_ = json.Unmarshal(r.Data, &got)
	if want := g.scalar(`SELECT count(*) FROM service_points WHERE kind IN ('LEGAL_SERVICE', 'MEDIATION')`); got.ServicePoints.TotalCount != want {
		t.Errorf("service points %d, want %d", got.ServicePoints.TotalCount, want)
	}
	if want := g.scalar(`SELECT count(*) FROM incidents WHERE category = '矛盾纠纷'`); got.Incidents.TotalCount != want {
		t.Errorf("incidents %d, want %d disputes", got.Incidents.TotalCount, want)
	}
}
