package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

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
