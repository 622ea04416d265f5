package httpapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTileResponses(t *testing.T) {
	a := mapAPI(t)
	c := centreTile(14)
	path := fmt.Sprintf("/tiles/incident/%d/%d/%d.mvt", c.Z, c.X, c.Y)
	ok := getTile(t, a, path, nil)
	// Incidents' overdue flags follow the clock, and reports change their tiles: the ETag
	// checks use buildings, which stay put.
	still := fmt.Sprintf("/tiles/building/%d/%d/%d.mvt", c.Z, c.X, c.Y)
	t.Run("a tile is an MVT with a strong ETag and a short max-age for incidents", func(t *testing.T) {
		if ok.status != http.StatusOK || ok.header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
			t.Fatalf("status %d, Content-Type %q", ok.status, ok.header.Get("Content-Type"))
		}
		if e := ok.header.Get("ETag"); !strings.HasPrefix(e, `"`) || len(e) < 18 {
			t.Errorf("ETag %q, want a strong one", e)
		}
		if cc := ok.header.Get("Cache-Control"); cc != "private, max-age=30" {
			t.Errorf("Cache-Control %q", cc)
		}
	})
	t.Run("grids are cached longer", func(t *testing.T) {
		r := getTile(t, a, fmt.Sprintf("/tiles/grid/%d/%d/%d.mvt", c.Z, c.X, c.Y), nil)
		if cc := r.header.Get("Cache-Control"); cc != "private, max-age=3600" {
			t.Errorf("Cache-Control %q", cc)
		}
	})
	t.Run("If-None-Match with the ETag answers 304 without a body", func(t *testing.T) {
		tag := getTile(t, a, still, nil).header.Get("ETag")
		r := getTile(t, a, still, map[string]string{"If-None-Match": `"x", ` + tag})
		if r.status != http.StatusNotModified || len(r.body) != 0 {
			t.Errorf("status %d, %d bytes", r.status, len(r.body))
		}
	})
	t.Run("a client accepting gzip gets the same tile compressed, under its own ETag", func(t *testing.T) {
		plain := getTile(t, a, still, map[string]string{"Accept-Encoding": "identity"})
		gz := getTile(t, a, still, map[string]string{"Accept-Encoding": "br, gzip"})
		if gz.header.Get("Content-Encoding") != "gzip" || plain.header.Get("Content-Encoding") != "" {
			t.Fatalf("Content-Encoding %q and %q", gz.header.Get("Content-Encoding"), plain.header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz.body))
		if err != nil {
			t.Fatal(err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(unzipped, plain.body) || len(gz.body) >= len(plain.body) {
			t.Errorf("gzip body of %d bytes unzips to %d bytes, the plain body has %d (%v)", len(gz.body), len(unzipped), len(plain.body), err)
		}
		if gz.header.Get("ETag") == plain.header.Get("ETag") || !strings.Contains(strings.Join(gz.header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("ETags %q and %q, Vary %q", gz.header.Get("ETag"), plain.header.Get("ETag"), gz.header.Get("Vary"))
		}
		for _, tag := range []string{gz.header.Get("ETag"), plain.header.Get("ETag")} {
			if r := getTile(t, a, still, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": tag}); r.status != http.StatusNotModified {
				t.Errorf("If-None-Match %s: status %d, ETag %s", tag, r.status, r.header.Get("ETag"))
			}
		}
		if r := getTile(t, a, still, map[string]string{"Accept-Encoding": "gzip;q=0"}); r.header.Get("Content-Encoding") != "" {
			t.Error("gzip;q=0 got gzip")
		}
	})
	t.Run("an empty tile answers 204", func(t *testing.T) {
		for _, p := range []string{"/tiles/all/10/0/0.mvt", "/tiles/building/11/1648/770.mvt"} {
			if r := getTile(t, a, p, nil); r.status != http.StatusNoContent || len(r.body) != 0 {
				t.Errorf("%s: status %d, %d bytes", p, r.status, len(r.body))
			}
		}
	})
	t.Run("bad requests answer 400 in plain text", func(t *testing.T) {
		for p, want := range map[string]string{
			"/tiles/incidents/1/0/0.mvt": "unknown layer",
			"/tiles/INCIDENT/1/0/0.mvt":  "unknown layer",
			"/tiles/incident/23/0/0.mvt": "outside 0..22",
			"/tiles/incident/2/4/0.mvt":  "outside 0..3",
			"/tiles/incident/2/0/-1.mvt": "outside 0..3",
			"/tiles/incident/a/0/0.mvt":  "whole numbers",
			"/tiles/incident/1/0/0.pbf":  ".mvt",
		} {
			r := getTile(t, a, p, nil)
			if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), want) ||
				!strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
				t.Errorf("%s: %d %q, want 400 saying %q", p, r.status, r.body, want)
			}
		}
	})
}

func TestTileQueryIsCancelledWithTheRequest(t *testing.T) {
	a := mapAPI(t)
	ctx := context.Background()
	// A lock on the table holds the tile's query until the client gives up.
	tx, err := a.db.Store.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	c := centreTile(15)
	req, _ := http.NewRequestWithContext(rctx, http.MethodGet, fmt.Sprintf("%s/tiles/incident/%d/%d/%d.mvt", a.srv.URL, c.Z, c.X, c.Y), nil)
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	waiting := `SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%ST_AsMVT%' AND wait_event_type = 'Lock'`
	poll(t, func() bool { return a.scalar(waiting) == 1 }, "the tile query to wait on the lock")
	cancel()
	<-done
	poll(t, func() bool { return a.scalar(waiting) == 0 }, "the tile query to be cancelled")
}

// poll waits up to two seconds for cond.
func poll(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("gave up waiting for %s", what)
}

func TestTileDatabaseDownIsPlain503(t *testing.T) {
	a, p := proxiedAPI(t)
	if r := getTile(t, a, "/tiles/all/14/13190/6164.mvt", nil); r.status != http.StatusNoContent {
		t.Fatalf("with the database up, an empty district: status %d", r.status)
	}
	p.cut()
	r := getTile(t, a, "/tiles/all/14/13190/6164.mvt", map[string]string{"X-Request-ID": "tile-test-0001"})
	if r.status != http.StatusServiceUnavailable || string(r.body) != "database unavailable, request tile-test-0001\n" {
		t.Errorf("status %d, body %q: want 503 saying only that", r.status, r.body)
	}
}
