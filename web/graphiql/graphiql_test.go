package graphiql

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, path string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var (
	srcHrefRe = regexp.MustCompile(`(?i)\b(?:src|href)\s*=\s*["']?([^"'\s>]+)`)
	jsRefRe   = regexp.MustCompile(`<script[^>]+src="(graphiql\.js\?v=[0-9a-f]+)"`)
	cssRefRe  = regexp.MustCompile(`<link[^>]+href="(graphiql\.css\?v=[0-9a-f]+)"`)
)

func TestIndex(t *testing.T) {
	res := get(t, "/", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", cc)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	html := body(t, res)
	if !strings.Contains(html, "<title>gridhub · GraphiQL</title>") {
		t.Errorf("index has no gridhub title:\n%s", html)
	}
	if !jsRefRe.MatchString(html) {
		t.Errorf("index does not reference the local graphiql.js:\n%s", html)
	}
	if !cssRefRe.MatchString(html) {
		t.Errorf("index does not reference the local graphiql.css:\n%s", html)
	}
	for _, m := range srcHrefRe.FindAllStringSubmatch(html, -1) {
		ref := strings.ToLower(m[1])
		if strings.HasPrefix(ref, "http:") || strings.HasPrefix(ref, "https:") || strings.HasPrefix(ref, "//") {
			t.Errorf("index loads a remote resource: %s", m[0])
		}
	}
	if strings.Contains(html, "http://") || strings.Contains(html, "https://") {
		t.Errorf("index contains an http(s) URL:\n%s", html)
	}

	// The references in index.html resolve to the embedded assets.
	for _, ref := range []string{jsRefRe.FindStringSubmatch(html)[1], cssRefRe.FindStringSubmatch(html)[1]} {
		if r := get(t, "/"+ref, nil); r.StatusCode != http.StatusOK {
			t.Errorf("GET /%s = %d", ref, r.StatusCode)
		}
	}
}

func TestAssets(t *testing.T) {
	for _, tc := range []struct{ path, ctype, mustContain string }{
		{"/graphiql.js", "text/javascript", "graphiql"},
		{"/graphiql.css", "text/css", ".graphiql-container"},
	} {
		res := get(t, tc.path, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d", tc.path, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
			t.Errorf("GET %s: Content-Type = %q, want %s", tc.path, ct, tc.ctype)
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("GET %s: Cache-Control = %q, want a long max-age", tc.path, cc)
		}
		b := body(t, res)
		if len(b) < 10_000 || !strings.Contains(b, tc.mustContain) {
			t.Errorf("GET %s: unexpected body (%d bytes)", tc.path, len(b))
		}
		// Nothing fetched from a CDN at run time.
		for _, cdn := range []string{"//fonts.googleapis.com", "//fonts.gstatic.com", "//unpkg.com", "//cdn.jsdelivr.net", "//cdnjs.cloudflare.com", "//esm.sh"} {
			if strings.Contains(b, cdn) {
				t.Errorf("GET %s: bundle references %s", tc.path, cdn)
			}
		}
	}
}

func TestGzipAndConditional(t *testing.T) {
	plain := body(t, get(t, "/graphiql.js", nil))

	res := get(t, "/graphiql.js", map[string]string{"Accept-Encoding": "gzip, br"})
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader([]byte(body(t, res))))
	if err != nil {
		t.Fatal(err)
	}
	unz, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if string(unz) != plain {
		t.Error("gzip body does not decompress to the plain body")
	}

	if res := get(t, "/graphiql.js", map[string]string{"Accept-Encoding": "gzip;q=0"}); res.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 must not get gzip")
	}

	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	res = get(t, "/graphiql.js", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag})
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET = %d, want 304", res.StatusCode)
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	for _, p := range []string{"/nope", "/dist/index.html", "/index.html", "/graphiql.js.map", "/graphql"} {
		if res := get(t, p, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, res.StatusCode)
		}
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}")))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405", rec.Code)
	}
	rec = httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/graphiql.css", nil))
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD /graphiql.css = %d, %d body bytes", rec.Code, rec.Body.Len())
	}
}
