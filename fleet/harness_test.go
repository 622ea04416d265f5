// Package fleet tests gridhub as a fleet: hubs reading from streaming replicas with
// read-your-writes, state shared across hubs, and a transaction pooler in front.
package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gridhub/auth"
	"gridhub/httpapi"
	"gridhub/internal/pgcluster"
	"gridhub/store"
)

// config serves the built-in roles, callers without a credential acting as the command
// centre with its rate lifted.
func config(t testing.TB) httpapi.Config {
	t.Helper()
	policy, err := auth.LoadPolicy("")
	if err != nil {
		t.Fatal(err)
	}
	cc := policy.Roles["command_center"]
	cc.Rate.PerSecond, cc.Rate.Burst = 1e6, 1e6
	return httpapi.Config{
		Policy:          policy,
		AnonymousRole:   "command_center",
		JWT:             &auth.JWTConfig{},
		AuthFailures:    auth.Rate{PerSecond: 1000, Burst: 1000},
		CursorSecret:    []byte("fleet-secret"),
		RequestTimeout:  30 * time.Second,
		MaxBodyBytes:    512 << 10,
		ComplexityLimit: 100000,
	}
}

// open opens a store on url and migrates it.
func open(t testing.TB, url string, o store.Options) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if o.MaxConns == 0 {
		o.MaxConns = 8
	}
	st, err := store.Open(ctx, url, o)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(st.Close)
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return st
}

// hub serves the whole handler over st, as one instance of a fleet.
func hub(t testing.TB, st *store.Store, cfg httpapi.Config) *httptest.Server {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	h, done := httpapi.New(st, cfg, log)
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); done() })
	return srv
}

// putDistrict writes a one-grid district over [109.80, 109.82] × [40.60, 40.62].
func putDistrict(t testing.TB, st *store.Store) {
	t.Helper()
	sq := "ST_Multi(ST_MakeEnvelope(109.80, 40.60, 109.82, 40.62, 4326))"
	execSQL(t, st, `INSERT INTO grids (id, code, level, parent_id, name, geom) VALUES
	 (1, '150203', 'DISTRICT', NULL, '测试区', `+sq+`),
	 (2, '150203001', 'STREET', 1, '测试街道', `+sq+`),
	 (3, '150203001001', 'COMMUNITY', 2, '测试社区', `+sq+`),
	 (4, '150203001001001', 'GRID', 3, '测试网格', `+sq+`)`)
}

func execSQL(t testing.TB, st *store.Store, sql string, args ...any) {
	t.Helper()
	if _, err := st.Pool().Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("exec %.80s: %v", strings.TrimSpace(sql), err)
	}
}

// onReplica runs sql on the replica as its superuser (pausing and resuming replay).
func onReplica(t testing.TB, r *pgcluster.Cluster, sql string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, r.URL("gridhub"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

type answer struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	Extensions map[string]any `json:"extensions"`
	header     http.Header
	status     int
}

func (a answer) code() string {
	if len(a.Errors) == 0 {
		return ""
	}
	c, _ := a.Errors[0].Extensions["code"].(string)
	return c
}

// post sends a GraphQL operation to srv with the headers given as name, value pairs.
func post(t testing.TB, srv *httptest.Server, query string, vars map[string]any, headers ...string) answer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("answer %d is not JSON: %s", resp.StatusCode, b)
	}
	a.header, a.status = resp.Header, resp.StatusCode
	return a
}

// eventually waits for cond, failing the test with what after a generous while.
func eventually(t testing.TB, what string, cond func() bool, state ...func() string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			var s []string
			for _, f := range state {
				s = append(s, f())
			}
			t.Fatalf("still not so after a minute: %s %s", what, strings.Join(s, " "))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// metric is the value of the /metrics line that starts with name (labels included).
func metric(t testing.TB, srv *httptest.Server, name string) string {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			return v
		}
	}
	return ""
}
