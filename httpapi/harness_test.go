package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"gridhub/auth"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gridhub/internal/testdb"
	"gridhub/seed"
	"gridhub/store"
)

// api is a gridhub HTTP handler over a test schema.
type api struct {
	t       testing.TB
	srv     *httptest.Server
	db      *testdb.DB
	queries *atomic.Int64 // SQL statements run, counted by a pgx tracer
}

type countingTracer struct{ n *atomic.Int64 }

func (c countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// testConfig serves the built-in roles, with callers without a credential acting as the
// command centre (the graph's own tests read everything) and its rate limit lifted.
func testConfig() Config {
	policy, err := auth.LoadPolicy("")
	if err != nil {
		panic(err)
	}
	cc := policy.Roles["command_center"]
	cc.Rate.PerSecond, cc.Rate.Burst = 1e6, 1e6
	return Config{
		Policy:          policy,
		AnonymousRole:   "command_center",
		JWT:             &auth.JWTConfig{},
		AuthFailures:    auth.Rate{PerSecond: 1000, Burst: 1000},
		CORSOrigins:     []string{"http://localhost:8080"},
		CursorSecret:    []byte("test-secret"),
		RequestTimeout:  30 * time.Second,
		MaxBodyBytes:    512 << 10,
		ComplexityLimit: 100000,
		ExecBudget:      200000,
	}
}

// newAPI serves the handler chain over db.
func newAPI(t testing.TB, db *testdb.DB, queries *atomic.Int64) *api {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	h, done := New(db.Store, testConfig(), log)
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); done() })
	return &api{t: t, srv: srv, db: db, queries: queries}
}

// testClock is the store's "now" for the district: 10:00 on its reference day, when its
// workers are out on patrol.
var testClock = testdb.Reference.Add(10 * time.Hour)

var (
	districtOnce sync.Once
	districtAPI  *api
	districtErr  = "the demo district could not be set up (see the first test that asked for it)"
)

// district is the demo district, loaded once for the package's tests and benchmarks:
// at scale 1, or GRIDHUB_BENCH_SCALE for benchmarks.
func district(t testing.TB) *api {
	t.Helper()
	districtOnce.Do(func() {
		var n atomic.Int64
		db := testdb.New(&onceTB{TB: t}, func(o *store.Options) { o.Tracer = countingTracer{&n}; o.Now = func() time.Time { return testClock } })
		scale := 1
		if _, ok := t.(*testing.B); ok {
			if s, err := strconv.Atoi(os.Getenv("GRIDHUB_BENCH_SCALE")); err == nil && s > 0 {
				scale = s
			}
		}
		if _, err := seed.Run(context.Background(), db.Store, seed.Options{Scale: scale, Reference: testdb.Reference}); err != nil {
			districtErr = "seed the demo district: " + err.Error()
			return
		}
		districtAPI = newAPI(&onceTB{TB: t}, db, &n)
	})
	if districtAPI == nil {
		t.Fatal(districtErr)
	}
	c := *districtAPI
	c.t = t // failures are reported on the test that asked
	return &c
}

// onceTB keeps the shared district alive for the whole package: its cleanups run at the
// end of TestMain instead of the end of the first test that asked for it.
type onceTB struct{ testing.TB }

var cleanups []func()

func (o *onceTB) Cleanup(f func()) { cleanups = append(cleanups, f) }

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	os.Exit(code)
}

type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	Data       json.RawMessage `json:"data"`
	Errors     []gqlError      `json:"errors"`
	status     int
	raw        []byte
	retryAfter string
}

func (e gqlError) code() string { s, _ := e.Extensions["code"].(string); return s }

// do posts a GraphQL request without a credential and decodes the response.
func (a *api) do(query string, vars map[string]any) gqlResponse {
	a.t.Helper()
	r := a.as("", query, vars)
	if !json.Valid(r.raw) {
		a.t.Fatalf("response is not JSON (status %d): %.300s", r.status, r.raw)
	}
	return r
}

// as posts a GraphQL request with a credential ("" for none).
func (a *api) as(cred, query string, vars map[string]any) gqlResponse {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out gqlResponse
	_ = json.Unmarshal(raw, &out)
	out.status, out.raw = resp.StatusCode, raw
	if resp.StatusCode == http.StatusTooManyRequests {
		out.retryAfter = resp.Header.Get("Retry-After")
	}
	return out
}

// decode decodes a response that must have succeeded into v.
func (r gqlResponse) decode(t testing.TB, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("query failed: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data: %v (%.300s)", err, r.Data)
	}
}

// data runs a query that must succeed and decodes its data into v.
func (a *api) data(query string, vars map[string]any, v any) {
	a.t.Helper()
	r := a.do(query, vars)
	if len(r.Errors) > 0 {
		a.t.Fatalf("query failed: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		a.t.Fatalf("decode data: %v (%.300s)", err, r.Data)
	}
}

// exec runs SQL directly in the test schema (for fixtures and independent counts).
func (a *api) exec(sql string, args ...any) {
	a.t.Helper()
	if _, err := a.db.Store.Pool().Exec(context.Background(), sql, args...); err != nil {
		a.t.Fatalf("exec %.80s: %v", strings.TrimSpace(sql), err)
	}
}

func (a *api) scalar(sql string, args ...any) int {
	a.t.Helper()
	var n int
	if err := a.db.Store.Pool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		a.t.Fatalf("query %.80s: %v", strings.TrimSpace(sql), err)
	}
	return n
}

func (a *api) scalarF(sql string, args ...any) float64 {
	a.t.Helper()
	var f float64
	if err := a.db.Store.Pool().QueryRow(context.Background(), sql, args...).Scan(&f); err != nil {
		a.t.Fatalf("query %.80s: %v", strings.TrimSpace(sql), err)
	}
	return f
}

func (a *api) scalarS(sql string, args ...any) string {
	a.t.Helper()
	var s string
	if err := a.db.Store.Pool().QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		a.t.Fatalf("query %.80s: %v", strings.TrimSpace(sql), err)
	}
	return s
}

// awaitOne waits until sql counts 1 (audit entries are written in batches, off the request
// path) and fails, saying what, when it still does not after 20 s.
func (a *api) awaitOne(t *testing.T, sql, what string) {
	t.Helper()
	for i := 0; ; i++ {
		n := a.scalar(sql)
		if n == 1 {
			return
		}
		if i == 100 {
			t.Fatalf("%d %s, want 1", n, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// square is a WGS84 box, stored as grids are (a MultiPolygon).
func square(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf("ST_Multi(ST_MakeEnvelope(%g, %g, %g, %g, 4326))", x0, y0, x1, y1)
}

// putSmallTree inserts a test district 150203 over [109.80, 109.82] × [40.60, 40.62] with
// one street and one community (ids 1-3), and under it the GRID rows given as SQL value
// lists (id, code, level, parent_id, name, geom).
func putSmallTree(a *api, grids ...string) {
	a.t.Helper()
	a.exec(`INSERT INTO grids (id, code, level, parent_id, name, geom) VALUES
	 (1, '150203', 'DISTRICT', NULL, '测试区', ` + square(109.80, 40.60, 109.82, 40.62) + `),
	 (2, '150203001', 'STREET', 1, '测试街道', ` + square(109.80, 40.60, 109.82, 40.62) + `),
	 (3, '150203001001', 'COMMUNITY', 2, '测试社区', ` + square(109.80, 40.60, 109.82, 40.62) + `),
	 ` + strings.Join(grids, ",\n\t ") + ``)
}
