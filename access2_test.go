package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridhub/auth"
)

func TestRateLimits(t *testing.T) {
	a := district(t)
	cfg := testConfig()
	cfg.Policy, _ = auth.LoadPolicy("")
	cfg.Policy.Roles["public"].Rate = auth.Rate{PerSecond: 2, Burst: 5}
	cfg.AnonymousRole, cfg.AuthFailures = "public", auth.Rate{PerSecond: 0.5, Burst: 3}
	h, done := newHandler(a.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer done()
	srv := httptest.NewServer(h)
	defer srv.Close()
	g := &guarded{api: &api{t: t, srv: srv, db: a.db}}

	t.Run("a caller past its burst is RATE_LIMITED with Retry-After", func(t *testing.T) {
		var limited gqlResponse
		for range 10 {
			if r := g.as("", `{ stats { incidents } }`, nil); r.status == http.StatusTooManyRequests {
				limited = r
				break
			}
		}
		if limited.codeOf() != "RATE_LIMITED" {
			t.Fatalf("10 quick requests on a burst of 5 were all served")
		}
		if s, err := strconv.Atoi(limited.retryAfter); err != nil || s < 1 {
			t.Errorf("Retry-After %q, want whole seconds", limited.retryAfter)
		}
	})
	t.Run("failed sign-ins from one address are limited too", func(t *testing.T) {
		codes := []string{}
		for range 5 {
			codes = append(codes, g.as("gh_00000000_"+strings.Repeat("x", 43), `{ stats { incidents } }`, nil).codeOf())
		}
		if codes[0] != "UNAUTHENTICATED" || codes[4] != "RATE_LIMITED" {
			t.Errorf("codes %v: want UNAUTHENTICATED first, RATE_LIMITED once the failures' burst is spent", codes)
		}
	})
}

func TestSubscriptionsObeyTheFence(t *testing.T) {
	g := guardedDistrict(t)
	office := dialWSAs(t, g.api, g.keys["street_office"])
	office.subscribe("1", `subscription { incidentChanged { code } }`, nil)
	public := dialWSAs(t, g.api, "")
	public.subscribe("2", `subscription { incidentChanged { category status } }`, nil)
	time.Sleep(300 * time.Millisecond)
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

func TestAuditLog(t *testing.T) {
	g := guardedDistrict(t)
	before := time.Now().Add(-time.Second)
	r := g.as(g.keys["judicial"], `query Disputes { incidents(area: {bbox: [109.8, 40.6, 109.9, 40.7]}, first: 3) { totalCount } }`, nil)
	if r.codeOf() != "ok" {
		t.Fatal(string(r.raw))
	}
	g.as(g.keys["judicial"], `query Cams { cameras { totalCount } }`, nil)
	var got struct {
		AuditLog []struct {
			Principal, Role, Operation, Outcome, VariablesSha256 string
			Layers                                               []string
			Area                                                 *string
			ResultBytes                                          int
		}
	}
	var disputes, cams bool
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && !(disputes && cams) {
		time.Sleep(200 * time.Millisecond) // entries are written in batches, off the request path
		r := g.as(g.keys["command_center"], `query($s: DateTime) { auditLog(since: $s, first: 50) { principal role operation outcome variablesSha256 layers area resultBytes } }`,
			map[string]any{"s": before.Format(time.RFC3339Nano)})
		_ = json.Unmarshal(r.Data, &got)
		for _, e := range got.AuditLog {
			switch e.Operation {
			case "Disputes":
				disputes = e.Role == "judicial" && e.Outcome == "ok" && len(e.Layers) == 1 && e.Layers[0] == "INCIDENT" &&
					e.Area != nil && strings.HasPrefix(*e.Area, "bbox") && len(e.VariablesSha256) == 64 && e.ResultBytes > 0
			case "Cams":
				cams = e.Outcome == "FORBIDDEN"
			}
		}
	}
	if !disputes || !cams {
		t.Errorf("audit log %+v: want the judicial key's Disputes (ok, INCIDENT, bbox) and Cams (FORBIDDEN)", got.AuditLog)
	}
}

func TestPolicyAndKeysFromTheCommandLine(t *testing.T) {
	db := district(t).db
	run1 := func(args ...string) (string, error) {
		var out bytes.Buffer
		env := map[string]string{"DATABASE_URL": db.URL + "&search_path=" + db.Schema + ",public"}
		err := run(context.Background(), args, func(k string) string { return env[k] }, &out, nil)
		return out.String(), err
	}
	t.Run("keys create shows a key once and keys list shows its prefix, not the key", func(t *testing.T) {
		out, err := run1("keys", "create", "-role", "judicial", "-name", "区司法局", "-expires", "720h")
		if err != nil {
			t.Fatal(err)
		}
		key := strings.Fields(out)[0]
		prefix, ok := auth.KeyPrefix(key)
		if !ok {
			t.Fatalf("output %q has no key", out)
		}
		list, err := run1("keys", "list")
		if err != nil || !strings.Contains(list, prefix) || strings.Contains(list, key) {
			t.Errorf("list %q: want the prefix %s and never the key", list, prefix)
		}
		if _, err := run1("keys", "revoke", prefix); err != nil {
			t.Error(err)
		}
		if list, _ := run1("keys", "list"); !strings.Contains(list, "revoked") {
			t.Errorf("list after revoke: %q", list)
		}
	})
	t.Run("a street office key needs a fence", func(t *testing.T) {
		if _, err := run1("keys", "create", "-role", "street_office", "-name", "x"); err == nil {
			t.Error("created a street office key without --fence")
		}
	})
	t.Run("a bad policy stops the program with the reason", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "policy.yaml")
		_ = os.WriteFile(bad, []byte("roles:\n  x:\n    layers: [GRID, SPACESHIP]\n    rate: {perSecond: 1, burst: 1}\n    complexity: 100\n"), 0o600)
		var out bytes.Buffer
		err := run(context.Background(), []string{"migrate"}, func(k string) string {
			return map[string]string{"DATABASE_URL": db.URL, "GRIDHUB_POLICY": bad}[k]
		}, &out, nil)
		if err == nil || !strings.Contains(err.Error(), "SPACESHIP") {
			t.Errorf("got %v, want an error naming the unknown layer", err)
		}
	})
}

func TestTilesObeyTheRole(t *testing.T) {
	g := guardedDistrict(t)
	// The z14 tile over the district centre, in the street office's street.
	c := centreTile(14)
	get := func(key, layer string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/tiles/%s/%d/%d/%d.mvt", g.srv.URL, layer, c.Z, c.X, c.Y), nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	t.Run("the public may not fetch camera tiles", func(t *testing.T) {
		if code, _ := get("", "camera"); code != http.StatusForbidden {
			t.Errorf("status %d, want 403", code)
		}
	})
	t.Run("the public's all-layers tile has no camera, building or party layer", func(t *testing.T) {
		if _, full := get(g.keys["command_center"], "all"); !bytes.Contains(full, []byte("camera")) {
			t.Fatal("the command centre's tile has no cameras either: the check below would prove nothing")
		}
		_, b := get("", "all")
		for _, name := range []string{"camera", "building", "party_unit"} {
			if bytes.Contains(b, []byte(name)) {
				t.Errorf("the tile holds a %s layer", name)
			}
		}
	})
	t.Run("the public's incident tile carries no titles or codes", func(t *testing.T) {
		code, b := get("", "incident")
		if code != http.StatusOK {
			t.Fatalf("status %d: the centre tile should hold incidents", code)
		}
		if _, full := get(g.keys["command_center"], "incident"); !bytes.Contains(full, []byte("code")) {
			t.Fatal("the command centre's tile has no codes either: the check below would prove nothing")
		}
		if bytes.Contains(b, []byte("SJ2")) || bytes.Contains(b, []byte("code")) {
			t.Error("an incident code reached the public")
		}
	})
	t.Run("a street office's tile of another street is empty", func(t *testing.T) {
		// z14 over 少先路 (street 001): whatever it holds, it is not the office's.
		lon := g.scalarF(`SELECT ST_X(ST_PointOnSurface(geom)) FROM grids WHERE code = '150203001'`)
		lat := g.scalarF(`SELECT ST_Y(ST_PointOnSurface(geom)) FROM grids WHERE code = '150203001'`)
		n := 1 << 14
		tx := int((lon + 180) / 360 * float64(n))
		ty := int((1 - math.Log(math.Tan(lat*math.Pi/180)+1/math.Cos(lat*math.Pi/180))/math.Pi) / 2 * float64(n))
		req, _ := http.NewRequest(http.MethodGet, g.srv.URL+"/tiles/incident/14/"+strconv.Itoa(tx)+"/"+strconv.Itoa(ty)+".mvt", nil)
		req.Header.Set("Authorization", "Bearer "+g.keys["street_office"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		inside := g.scalar(`SELECT count(*) FROM incidents i JOIN grids gr ON gr.id = i.grid_id WHERE gr.code LIKE '150203002%'
			AND i.geom && ST_Transform(ST_TileEnvelope(14, $1, $2), 4326)`, tx, ty)
		if inside == 0 && resp.StatusCode != http.StatusNoContent {
			t.Errorf("status %d, want 204 (nothing of its street in this tile)", resp.StatusCode)
		}
	})
}

func TestAllowListAndIntrospection(t *testing.T) {
	a := district(t)
	const allowed = `{ stats { incidents } }`
	cfg := testConfig()
	cfg.AllowList = map[string]bool{docHash(allowed): true}
	cfg.Policy.Roles["command_center"].Introspection = false
	h, done := newHandler(a.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer done()
	srv := httptest.NewServer(h)
	defer srv.Close()
	g := &guarded{api: &api{t: t, srv: srv, db: a.db}}
	if r := g.as("", allowed, nil); r.codeOf() != "ok" {
		t.Errorf("the allowed document: %s", r.raw)
	}
	if r := g.as("", `{ stats { cameras } }`, nil); r.codeOf() != "FORBIDDEN" {
		t.Errorf("a document off the list: %s, want FORBIDDEN", r.raw)
	}
	cfg.AllowList = nil
	h2, done2 := newHandler(a.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer done2()
	srv2 := httptest.NewServer(h2)
	defer srv2.Close()
	g2 := &guarded{api: &api{t: t, srv: srv2, db: a.db}}
	if r := g2.as("", `{ __schema { types { name } } }`, nil); r.codeOf() == "ok" {
		t.Errorf("introspection answered for a role without it: %.200s", r.raw)
	}
}
