package httpapi

// Benchmarks of the map clients' hot paths, each beside the bare SQL that gives the
// same answer, run through pgx in the same process and run:
//
//	make db && TEST_DATABASE_URL=postgres://gridhub:gridhub@127.0.0.1:54329/gridhub_test?sslmode=disable \
//	  GRIDHUB_BENCH_SCALE=10 go test -run '^$' -bench . -benchtime 3s -count 3 ./httpapi
//
// bench/README.md has the figures.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"gridhub/auth"
	"gridhub/model"
	"gridhub/store"
)

// incidentBox finds a square around the district centre holding about n incidents.
func incidentBox(b *testing.B, a *api, n int) []float64 {
	half := 0.001
	for ; half < 0.2; half *= 1.1 {
		c := a.scalar(`SELECT count(*) FROM incidents WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)`,
			109.8325-half, 40.6411-half, 109.8325+half, 40.6411+half)
		if c >= n {
			b.Logf("bbox ±%.4f° holds %d incidents", half, c)
			break
		}
	}
	return []float64{109.8325 - half, 40.6411 - half, 109.8325 + half, 40.6411 + half}
}

// plainClient does not ask for gzip: the bare SQL it is compared with is not compressed.
var plainClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// post sends a GraphQL request and returns the raw response body.
func (a *api) post(b *testing.B, body []byte) []byte {
	resp, err := plainClient.Post(a.srv.URL+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d: %.200s", resp.StatusCode, out)
	}
	return out
}

// bareCollection is the whole FeatureCollection built in one SQL statement.
const bareCollection = `SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(f.feature ORDER BY f.id), '[]'::json))
FROM (SELECT t.id, json_build_object('type', 'Feature', 'id', t.id, 'geometry', ST_AsGeoJSON(t.geom, 7)::json, 'properties',
  (SELECT row_to_json(o) FROM (SELECT 'INCIDENT'::text AS layer, t.title AS name, t.code, t.category, t.status, t.source,
   t.priority, t.reported_at AS "reportedAt", t.due_at AS "dueAt",
   (t.status NOT IN ('RESOLVED', 'CLOSED', 'REJECTED') AND t.due_at < now()) AS overdue) o)) AS feature
  FROM incidents t WHERE ST_Intersects(t.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) ORDER BY t.id LIMIT 5000) f`

func BenchmarkFeatureCollection5000Incidents(b *testing.B) {
	a := district(b)
	box := incidentBox(b, a, 5000)
	body, _ := json.Marshal(map[string]any{
		"query":     `query($b: [Float!]) { featureCollection(area: {bbox: $b}, layers: [INCIDENT], limit: 5000) }`,
		"variables": map[string]any{"b": box},
	})
	ctx := context.Background()
	bare := func() []byte {
		var out []byte
		if err := a.db.Store.Pool().QueryRow(ctx, bareCollection, box[0], box[1], box[2], box[3]).Scan(&out); err != nil {
			b.Fatal(err)
		}
		return out
	}

	// Same features, same order, before anything is timed.
	var hub struct {
		Data struct {
			FeatureCollection struct{ Features []struct{ ID string } }
		}
	}
	var sql struct{ Features []struct{ ID int64 } }
	_ = json.Unmarshal(a.post(b, body), &hub)
	_ = json.Unmarshal(bare(), &sql)
	if len(hub.Data.FeatureCollection.Features) != len(sql.Features) || len(sql.Features) == 0 {
		b.Fatalf("gridhub has %d features, the bare SQL %d", len(hub.Data.FeatureCollection.Features), len(sql.Features))
	}
	for i, f := range sql.Features {
		if hub.Data.FeatureCollection.Features[i].ID != model.GlobalID(model.LayerIncident, f.ID) {
			b.Fatalf("feature %d differs", i)
		}
	}

	b.Run("gridhub", func(b *testing.B) {
		for b.Loop() {
			b.SetBytes(int64(len(a.post(b, body))))
		}
	})
	b.Run("bare-sql", func(b *testing.B) {
		for b.Loop() {
			b.SetBytes(int64(len(bare())))
		}
	})
}

// bareNested is 1,000 incidents with their grid and the grid's parent, as JSON.
const bareNested = `SELECT json_agg(json_build_object('code', t.code, 'grid', json_build_object('code', g.code, 'parent', json_build_object('code', p.code))) ORDER BY t.id)
FROM (SELECT * FROM incidents t WHERE ST_Intersects(t.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) ORDER BY t.id LIMIT 1000) t
JOIN grids g ON g.id = t.grid_id JOIN grids p ON p.id = g.parent_id`

func BenchmarkFeaturesWithGridAndParent1000(b *testing.B) {
	a := district(b)
	box := incidentBox(b, a, 1000)
	body, _ := json.Marshal(map[string]any{
		"query": `query($b: [Float!]) { features(area: {bbox: $b}, layers: [INCIDENT], first: 1000) { edges { node {
			... on Incident { code grid { code parent { code } } } } } } }`,
		"variables": map[string]any{"b": box},
	})
	ctx := context.Background()
	bare := func() []byte {
		var out []byte
		if err := a.db.Store.Pool().QueryRow(ctx, bareNested, box[0], box[1], box[2], box[3]).Scan(&out); err != nil {
			b.Fatal(err)
		}
		return out
	}
	var hub struct {
		Data struct {
			Features struct {
				Edges []struct{ Node struct{ Code string } }
			}
		}
	}
	var sql []struct{ Code string }
	_ = json.Unmarshal(a.post(b, body), &hub)
	_ = json.Unmarshal(bare(), &sql)
	var hc, sc []string
	for _, e := range hub.Data.Features.Edges {
		hc = append(hc, e.Node.Code)
	}
	for _, s := range sql {
		sc = append(sc, s.Code)
	}
	if len(hc) != 1000 || !slices.Equal(hc, sc) {
		b.Fatalf("gridhub gives %d incidents, the bare SQL %d, not the same", len(hc), len(sc))
	}
	b.Run("gridhub", func(b *testing.B) {
		before := a.queries.Load()
		for b.Loop() {
			b.SetBytes(int64(len(a.post(b, body))))
		}
		b.ReportMetric(float64(a.queries.Load()-before)/float64(b.N), "statements/op")
	})
	b.Run("bare-sql", func(b *testing.B) {
		for b.Loop() {
			b.SetBytes(int64(len(bare())))
		}
	})
}

// BenchmarkNested500 is a panel list's query: 500 incidents, each with its grid, the
// grid's street and the cameras within 200 m.
func BenchmarkNested500(b *testing.B) {
	a := district(b)
	body, _ := json.Marshal(map[string]any{"query": `{ incidents(first: 500) { edges { node { code
		grid { code parent { code } } nearbyCameras { distanceMeters feature { name } } } } } }`})
	before := a.queries.Load()
	for b.Loop() {
		b.SetBytes(int64(len(a.post(b, body))))
	}
	b.ReportMetric(float64(a.queries.Load()-before)/float64(b.N), "statements/op")
}

// BenchmarkFenceOverhead is the cost of authorization and fencing: the same ~5,000
// incidents as a featureCollection, for the command centre (unfenced) and for a street
// office key fenced to the whole district (so the answer is the same), in one run.
func BenchmarkFenceOverhead(b *testing.B) {
	a := district(b)
	box := incidentBox(b, a, 5000)
	cfg := testConfig()
	cfg.Policy, _ = auth.LoadPolicy("")
	for _, r := range cfg.Policy.Roles {
		r.Rate = auth.Rate{PerSecond: 1e6, Burst: 1e6}
	}
	cfg.AnonymousRole = ""
	h, done := New(a.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer done()
	srv := httptest.NewServer(h)
	defer srv.Close()
	key := func(role string, fence *string) string {
		k, prefix, hash := auth.NewKey()
		if _, err := a.db.Store.CreateKey(context.Background(), store.APIKey{Prefix: prefix, Hash: hash, Name: "bench " + role, Role: role, FenceCode: fence}); err != nil {
			b.Fatal(err)
		}
		return k
	}
	district := "150203"
	keys := map[string]string{"unfenced": key("command_center", nil), "fenced": key("street_office", &district)}
	body, _ := json.Marshal(map[string]any{
		"query":     `query($b: [Float!]) { featureCollection(area: {bbox: $b}, layers: [INCIDENT], limit: 5000) }`,
		"variables": map[string]any{"b": box},
	})
	post := func(k string) []byte {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+k)
		resp, err := plainClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return out
	}
	count := func(raw []byte) int { return bytes.Count(raw, []byte(`"type":"Feature"`)) }
	if u, f := count(post(keys["unfenced"])), count(post(keys["fenced"])); u != f || u == 0 {
		b.Fatalf("unfenced %d features, fenced %d: the comparison needs the same answer", u, f)
	}
	for _, name := range []string{"unfenced", "fenced"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				b.SetBytes(int64(len(post(keys[name]))))
			}
		})
	}
}

// BenchmarkSmallCollection is a map viewport's request (~100 incidents as a
// featureCollection, W1 of the load suite) made with a command-centre key, so that key
// authentication and the audit log are in it: the per-request cost of the server beside
// the bare SQL. Profile it with -cpuprofile.
func BenchmarkSmallCollection(b *testing.B) {
	a := district(b)
	box := incidentBox(b, a, 100)
	cfg := testConfig()
	cfg.Policy, _ = auth.LoadPolicy("")
	cfg.Policy.Roles["command_center"].Rate = auth.Rate{PerSecond: 1e6, Burst: 1e6}
	cfg.AnonymousRole, cfg.KeyCacheTTL = "", 5*time.Second
	h, done := New(a.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer done()
	srv := httptest.NewServer(h)
	defer srv.Close()
	k, prefix, hash := auth.NewKey()
	if _, err := a.db.Store.CreateKey(context.Background(), store.APIKey{Prefix: prefix, Hash: hash, Name: "bench", Role: "command_center"}); err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{
		"query":     `query($b: [Float!]) { featureCollection(area: {bbox: $b}, layers: [INCIDENT], limit: 5000) }`,
		"variables": map[string]any{"b": box},
	})
	ctx := context.Background()
	b.Run("gridhub", func(b *testing.B) {
		for b.Loop() {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+k)
			resp, err := plainClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			b.SetBytes(n)
		}
	})
	b.Run("bare-sql", func(b *testing.B) {
		for b.Loop() {
			var out []byte
			if err := a.db.Store.Pool().QueryRow(ctx, bareCollection, box[0], box[1], box[2], box[3]).Scan(&out); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(out)))
		}
	})
}
