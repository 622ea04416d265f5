package httpapi

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
)

func TestAllowListAndIntrospection(t *testing.T) {
	a := district(t)
	const allowed = `{ stats { incidents } }`
	cfg := testConfig()
	cfg.AllowList = map[string]bool{docHash(allowed): true}
	cfg.Policy.Roles["command_center"].Introspection = false
	h, done := New(a.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
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
	h2, done2 := New(a.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer done2()
	srv2 := httptest.NewServer(h2)
	defer srv2.Close()
	g2 := &guarded{api: &api{t: t, srv: srv2, db: a.db}}
	if r := g2.as("", `{ __schema { types { name } } }`, nil); r.codeOf() == "ok" {
		t.Errorf("introspection answered for a role without it: %.200s", r.raw)
	}
}
