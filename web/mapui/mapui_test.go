package mapui

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func serve(t *testing.T, h http.Handler, method, path string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.Host = "hub.example:8080"
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func read(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var assetRef = regexp.MustCompile(`(?:src|href)="(map\.(?:js|css)\?v=[0-9a-f]{16})"`)

func TestPageIsSameOriginAndOffline(t *testing.T) {
	h := Handler(Options{ClusterBelow: 14})
	res := serve(t, h, http.MethodGet, "/map/", nil)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /map/: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self';", "img-src 'self' data: blob:;", "connect-src 'self' ws://hub.example:8080 wss://hub.example:8080"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	html := read(t, res)
	if strings.Contains(html, "http://") || strings.Contains(html, "https://") {
		t.Errorf("the page names a remote URL:\n%s", html)
	}
	refs := assetRef.FindAllStringSubmatch(html, -1)
	if len(refs) != 2 {
		t.Fatalf("the page references %d hashed assets, want map.js and map.css:\n%s", len(refs), html)
	}
	for _, ref := range refs {
		r := serve(t, h, http.MethodGet, "/map/"+ref[1], nil)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s: %d, Cache-Control %q", ref[1], r.StatusCode, r.Header.Get("Cache-Control"))
		}
		for _, cdn := range []string{"//unpkg.com", "//cdn.jsdelivr.net", "//fonts.googleapis.com", "tile.openstreetmap.org"} {
			if strings.Contains(read(t, r), cdn) {
				t.Errorf("%s references %s", ref[1], cdn)
			}
		}
	}
}

func TestBasemapIsPassedOnAndAllowed(t *testing.T) {
	tmpl := "https://t{0-7}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY"
	if err := CheckBasemap(tmpl); err != nil {
		t.Fatal(err)
	}
	h := Handler(Options{Basemap: tmpl, BasemapAttribution: "© 天地图", ClusterBelow: 14})
	csp := serve(t, h, http.MethodGet, "/map/", nil).Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "https://t0.tianditu.gov.cn") || !strings.Contains(csp, "https://t7.tianditu.gov.cn;") || strings.Contains(csp, "t8.") {
		t.Errorf("CSP %q does not allow exactly the basemap hosts", csp)
	}
	var cfg struct {
		Basemap      *struct{ URL, Attribution string }
		ClusterBelow int
	}
	if err := json.Unmarshal([]byte(read(t, serve(t, h, http.MethodGet, "/map/config.json", nil))), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Basemap == nil || cfg.Basemap.URL != tmpl || cfg.Basemap.Attribution != "© 天地图" || cfg.ClusterBelow != 14 {
		t.Errorf("config.json: %+v", cfg)
	}
	plain := Handler(Options{})
	if body := read(t, serve(t, plain, http.MethodGet, "/map/config.json", nil)); !strings.Contains(body, `"basemap":null`) {
		t.Errorf("without a basemap, config.json is %s", body)
	}
}

func TestCheckBasemap(t *testing.T) {
	for tmpl, ok := range map[string]bool{
		"":                                     true,
		"http://tiles.example/{z}/{x}/{y}.png": true,
		"https://{a-c}.tiles.example/{z}/{x}/{-y}.png": true,
		"https://tiles.example/{z}/{x}.png":            false,
		"ftp://tiles.example/{z}/{x}/{y}.png":          false,
		"https://{a-c}.{0-3}.example/{z}/{x}/{y}":      false,
		"https://x'; script-src *;/{z}/{x}/{y}":        false,
		"/relative/{z}/{x}/{y}.png":                    false,
	} {
		if err := CheckBasemap(tmpl); (err == nil) != ok {
			t.Errorf("CheckBasemap(%q) = %v, want ok %v", tmpl, err, ok)
		}
	}
}

func TestGzipConditionalAndMethods(t *testing.T) {
	h := Handler(Options{})
	res := serve(t, h, http.MethodGet, "/map/map.js", map[string]string{"Accept-Encoding": "gzip"})
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("Content-Encoding %q, want gzip", res.Header.Get("Content-Encoding"))
	}
	if r := serve(t, h, http.MethodGet, "/map/map.js", map[string]string{"Accept-Encoding": "gzip;q=0"}); r.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
	if r := serve(t, h, http.MethodGet, "/map/map.js", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": res.Header.Get("ETag")}); r.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: %d, want 304", r.StatusCode)
	}
	if r := serve(t, h, http.MethodPost, "/map/", nil); r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", r.StatusCode)
	}
	for _, p := range []string{"/map/index.html", "/map/nope", "/map/dist/map.js"} {
		if r := serve(t, h, http.MethodGet, p, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.StatusCode)
		}
	}
}
