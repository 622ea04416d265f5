package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gridhub/auth"
	"gridhub/internal/testdb"
)

// TestProfilesOnTheirOwnAddress: GRIDHUB_PPROF_ADDR serves Go's profiles there, and the
// API's address does not.
func TestProfilesOnTheirOwnAddress(t *testing.T) {
	db := testdb.New(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pprofAddr := ln.Addr().String()
	ln.Close()
	env := map[string]string{
		"DATABASE_URL":       db.URL + "&search_path=" + db.Schema + ",public",
		"GRIDHUB_ADDR":       "127.0.0.1:0",
		"GRIDHUB_PPROF_ADDR": pprofAddr,
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, &out, ready) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	var api string
	select {
	case api = <-ready:
	case err := <-done:
		t.Fatalf("server stopped: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	get := func(url string) (int, string) {
		for range 50 { // the profile listener starts just after the API's
			resp, err := http.Get(url)
			if err != nil {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp.StatusCode, string(b)
		}
		t.Fatalf("GET %s: no answer", url)
		return 0, ""
	}
	if code, body := get(fmt.Sprintf("http://%s/debug/pprof/heap?debug=1", pprofAddr)); code != http.StatusOK || !strings.Contains(body, "heap profile") {
		t.Errorf("profiles address: %d %.100q, want the heap profile", code, body)
	}
	if code, body := get("http://" + api + "/debug/pprof/heap?debug=1"); strings.Contains(body, "heap profile") {
		t.Errorf("the API's address served a profile (%d)", code)
	}
}

func TestPolicyAndKeysFromTheCommandLine(t *testing.T) {
	db := testdb.New(t)
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
		err := run(context.Background(), []string{"serve"}, func(k string) string {
			return map[string]string{"DATABASE_URL": db.URL, "GRIDHUB_POLICY": bad}[k]
		}, &out, nil)
		if err == nil || !strings.Contains(err.Error(), "SPACESHIP") {
			t.Errorf("got %v, want an error naming the unknown layer", err)
		}
	})
}
