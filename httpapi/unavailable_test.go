package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gridhub/internal/testdb"
	"gridhub/store"
)

// proxy forwards TCP to the database until cut, so a test can take the database away
// from a running server.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			d, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, d)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(d, c); d.Close() }()
			go func() { _, _ = io.Copy(c, d); c.Close() }()
		}
	}()
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// proxiedAPI serves a fresh schema through a TCP proxy to the database, so that a test
// can take the database away from the running server with p.cut().
func proxiedAPI(t *testing.T) (*api, *proxy) {
	t.Helper()
	db := testdb.New(t)
	u, err := url.Parse(db.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	st, err := store.Open(context.Background(), u.String(), store.Options{SearchPath: db.Schema, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	h, done := New(st, testConfig(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); done() })
	return &api{t: t, srv: srv, db: db}, p
}

func TestDatabaseDownIsUnavailable(t *testing.T) {
	a, p := proxiedAPI(t)
	srv := a.srv

	if r := a.do(`{ stats { population } }`, nil); len(r.Errors) > 0 {
		t.Fatalf("with the database up: %+v", r.Errors)
	}
	p.cut()

	t.Run("a query answers UNAVAILABLE without driver text", func(t *testing.T) {
		r := a.do(`{ stats { population } }`, nil)
		if len(r.Errors) == 0 || r.Errors[0].code() != "UNAVAILABLE" {
			t.Fatalf("got %s, want an UNAVAILABLE error", r.raw)
		}
		if strings.Contains(string(r.raw), "dial") || strings.Contains(string(r.raw), "127.0.0.1") {
			t.Errorf("the error leaks connection details: %s", r.raw)
		}
	})
	t.Run("readyz says not ready while healthz stays up", func(t *testing.T) {
		for path, want := range map[string]int{"/readyz": http.StatusServiceUnavailable, "/healthz": http.StatusOK} {
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("%s: status %d, want %d", path, resp.StatusCode, want)
			}
		}
	})
}

// logBuffer collects a server's log lines for a test to read while the server runs.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestTimeoutIsNotDatabaseDown holds the incident table locked so that reads of it wait
// until they run out of time, by the request's deadline or by statement_timeout: the
// answers must say the request took too long, not that the database is down.
func TestTimeoutIsNotDatabaseDown(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		request, statementTimeout time.Duration
	}{
		{"the request's deadline", 300 * time.Millisecond, 0},
		{"statement_timeout", 30 * time.Second, 300 * time.Millisecond},
	} {
		t.Run(tc.name+" answers that the request took too long", func(t *testing.T) {
			db := testdb.New(t, func(o *store.Options) { o.StatementTimeout = tc.statementTimeout })
			var logs logBuffer
			cfg := testConfig()
			cfg.RequestTimeout = tc.request
			h, done := New(db.Store, cfg, slog.New(slog.NewTextHandler(&logs, nil)))
			srv := httptest.NewServer(h)
			t.Cleanup(func() { srv.Close(); done() })
			a := &api{t: t, srv: srv, db: db}

			ctx := context.Background()
			tx, err := db.Store.Pool().Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			if _, err := tx.Exec(ctx, `LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE`); err != nil {
				t.Fatal(err)
			}

			r := getTile(t, a, "/tiles/incident/14/13190/6164.mvt", map[string]string{"X-Request-ID": "tile-slow-0001"})
			if r.status != http.StatusServiceUnavailable || !strings.Contains(string(r.body), "took too long") ||
				!strings.Contains(string(r.body), "tile-slow-0001") || r.header.Get("Retry-After") == "" {
				t.Errorf("tile: status %d, Retry-After %q, body %q: want 503 saying it took too long", r.status, r.header.Get("Retry-After"), r.body)
			}
			g := a.do(`{ incidents(first: 1) { edges { node { id } } } }`, nil)
			if len(g.Errors) == 0 || g.Errors[0].code() != "UNAVAILABLE" || !strings.Contains(g.Errors[0].Message, "took too long") {
				t.Errorf("GraphQL: %s: want UNAVAILABLE saying it took too long", g.raw)
			}
			if l := logs.String(); !strings.Contains(l, "tile: took too long") || strings.Contains(l, "database unavailable") {
				t.Errorf("the log does not say the tile took too long, or says the database is unavailable:\n%s", l)
			}
		})
	}
}

// TestClientThatHangsUpIsNotAnError: a client that goes away while its request waits (here
// on a locked table) is logged once, at info level, and counted; nothing is logged as an
// error, so that an operator's alerting on ERROR means a bug of ours.
func TestClientThatHangsUpIsNotAnError(t *testing.T) {
	db := testdb.New(t)
	var logs logBuffer
	h, done := New(db.Store, testConfig(), slog.New(slog.NewTextHandler(&logs, nil)))
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); done() })
	a := &api{t: t, srv: srv, db: db}
	seedSmallDistrict(t, a)

	ctx := context.Background()
	tx, err := db.Store.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE grids IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	// Many fields, each of which would fail on its own once the request is cancelled.
	var fields []string
	for i := range 15 {
		fields = append(fields, fmt.Sprintf(`g%d: grids(first: 100) { edges { node { code } } }`, i))
	}
	query := `{ ` + strings.Join(fields, " ") + ` }`
	body, _ := json.Marshal(map[string]any{"query": query})
	reqCtx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(reqCtx, http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the request was answered (%d) while the table was locked", resp.StatusCode)
	}
	var metrics string
	for range 100 {
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if metrics = string(b); strings.Contains(metrics, "gridhub_graphql_cancelled_total 1\n") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(metrics, "gridhub_graphql_cancelled_total 1\n") {
		t.Errorf("the cancelled request is not counted:\n%s", grepLines(metrics, "cancelled"))
	}
	l := logs.String()
	if n := strings.Count(l, "request cancelled by the client"); n != 1 || strings.Contains(l, "level=ERROR") {
		t.Errorf("want one info line for the cancelled request and no errors, got %d lines:\n%s", n, l)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
