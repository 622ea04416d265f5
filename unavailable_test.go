package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

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
	h, done := newHandler(st, testConfig(), slog.New(slog.NewTextHandler(io.Discard, nil)))
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
