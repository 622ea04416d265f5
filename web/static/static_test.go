package static

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestSite(t *testing.T) {
	big := bytes.Repeat([]byte("网格 grid "), 500)
	s := &Site{Files: map[string]*File{
		"/":      NewFile([]byte(`<script src="a.js"></script>`), "text/html", Revalidate),
		"/a.js":  NewFile(big, "text/javascript", Immutable),
		"/t.txt": NewFile([]byte("x"), "text/plain", Revalidate),
	}, Page: func(h http.Header, r *http.Request) {
		if r.URL.Path == "/" {
			h.Set("Content-Security-Policy", "default-src 'self'")
		}
	}}
	get := func(method, path string, hdr map[string]string) *http.Response {
		req := httptest.NewRequest(method, path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec.Result()
	}
	t.Run("a file comes with its type, caching and the page's headers", func(t *testing.T) {
		r := get(http.MethodGet, "/", nil)
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != "text/html" || r.Header.Get("Cache-Control") != Revalidate ||
			r.Header.Get("Content-Security-Policy") == "" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("got %d %v", r.StatusCode, r.Header)
		}
		if get(http.MethodGet, "/a.js", nil).Header.Get("Content-Security-Policy") != "" {
			t.Errorf("the page's headers reach other files")
		}
	})
	t.Run("gzip when asked and smaller, with its own ETag; 304 on either", func(t *testing.T) {
		plain := get(http.MethodGet, "/a.js", nil)
		gz := get(http.MethodGet, "/a.js", map[string]string{"Accept-Encoding": "gzip"})
		if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("ETag") == plain.Header.Get("ETag") || gz.ContentLength >= plain.ContentLength {
			t.Errorf("gzip %v vs plain %v", gz.Header, plain.Header)
		}
		if r := get(http.MethodGet, "/a.js", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": gz.Header.Get("ETag")}); r.StatusCode != http.StatusNotModified {
			t.Errorf("conditional GET: %d", r.StatusCode)
		}
		if r := get(http.MethodGet, "/t.txt", map[string]string{"Accept-Encoding": "gzip"}); r.Header.Get("Content-Encoding") != "" {
			t.Errorf("a one-byte file was gzipped")
		}
	})
	t.Run("HEAD has no body, other methods and paths are refused", func(t *testing.T) {
		if r := get(http.MethodHead, "/a.js", nil); r.StatusCode != 200 {
			t.Errorf("HEAD: %d", r.StatusCode)
		}
		if r := get(http.MethodPost, "/a.js", nil); r.StatusCode != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST: %d", r.StatusCode)
		}
		if r := get(http.MethodGet, "/b.js", nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("unknown path: %d", r.StatusCode)
		}
	})
	t.Run("versioned names carry their content's hash", func(t *testing.T) {
		idx := Versioned([]byte(`<script src="a.js"></script>`), "src", "a.js", big)
		if !strings.Contains(string(idx), `src="a.js?v=`+Hash(big)+`"`) {
			t.Errorf("got %s", idx)
		}
	})
}

func TestNegotiation(t *testing.T) {
	for _, c := range []struct {
		header string
		want   bool
	}{{"gzip", true}, {"br, gzip;q=0.5", true}, {"gzip;q=0", false}, {"gzip; q=0.000", false}, {"identity", false}, {"", false}, {"GZIP", true}} {
		if got := AcceptsGzip(c.header); got != c.want {
			t.Errorf("AcceptsGzip(%q) = %v", c.header, got)
		}
	}
	if !ETagMatches(`"a", W/"b"`, `"b"`) || !ETagMatches("*", `"x"`) || ETagMatches(`"a"`, `"b"`) {
		t.Errorf("ETagMatches")
	}
}
