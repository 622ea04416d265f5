// Package mapui serves gridhub's command-centre map page at /map/.
//
// The page (OpenLayers with its canvas 2D renderer, and the graphql-ws client) is
// bundled by esbuild into dist/ and embedded, so it works without internet access. It
// draws the hub's own vector tiles (/tiles/…) and asks /graphql for everything else; the
// only other origin it may load from is the basemap's, when one is configured.
//
// dist/ is committed, so building gridhub needs no npm. To rebuild it after changing
// package.json or src/ (Node 20+ and the npm registry):
//
//	cd web/mapui && npm ci && npm run build
//
// then commit dist/ together with package.json and package-lock.json.
package mapui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

//go:embed dist
var distFS embed.FS

// Options is what the page is told through /map/config.json.
type Options struct {
	// Basemap is an XYZ tile URL template ({z}, {x}, {y} or {-y}; a host may hold a
	// range such as t{0-7}); empty for a plain background.
	Basemap            string
	BasemapAttribution string
	// ClusterBelow is the zoom below which the point tiles hold clusters.
	ClusterBelow int
}

// asset is one embedded file, with its gzip form when that is smaller.
type asset struct {
	body, gz    []byte
	contentType string
	cache       string
	etag        string
}

func newAsset(body []byte, contentType, cache string) *asset {
	a := &asset{body: body, contentType: contentType, cache: cache, etag: hash(body)}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(body)
	if zw.Close() == nil && buf.Len() < len(body) {
		a.gz = buf.Bytes()
	}
	return a
}

func hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

type handler struct {
	assets map[string]*asset // keyed by URL path
	csp    string            // without connect-src, which depends on the request's host
}

// Handler serves the page at /map/, its script and style, and /map/config.json. Mount
// it at "/map/" (http.ServeMux then redirects /map to /map/). It panics when the
// embedded bundle is incomplete, which only a broken build can cause.
func Handler(o Options) http.Handler {
	read := func(name string) []byte {
		b, err := fs.ReadFile(distFS, "dist/"+name)
		if err != nil {
			panic("mapui: embedded bundle is incomplete (rebuild with `cd web/mapui && npm ci && npm run build`): " + err.Error())
		}
		return b
	}
	js, css, index := read("map.js"), read("map.css"), read("index.html")
	// Content-hash query strings let the assets be cached for a year while a new build
	// still reaches every browser.
	index = bytes.Replace(index, []byte(`src="map.js"`), []byte(`src="map.js?v=`+hash(js)+`"`), 1)
	index = bytes.Replace(index, []byte(`href="map.css"`), []byte(`href="map.css?v=`+hash(css)+`"`), 1)
	cfg, _ := json.Marshal(pageConfig(o))

	const immutable = "public, max-age=31536000, immutable"
	return &handler{
		csp: policy(basemapOrigins(o.Basemap)),
		assets: map[string]*asset{
			"/map/":            newAsset(index, "text/html; charset=utf-8", "no-cache"),
			"/map/map.js":      newAsset(js, "text/javascript; charset=utf-8", immutable),
			"/map/map.css":     newAsset(css, "text/css; charset=utf-8", immutable),
			"/map/config.json": newAsset(cfg, "application/json", "no-cache"),
		},
	}
}

type basemap struct {
	URL         string `json:"url"`
	Attribution string `json:"attribution,omitempty"`
}

func pageConfig(o Options) any {
	var bm *basemap
	if o.Basemap != "" {
		bm = &basemap{URL: o.Basemap, Attribution: o.BasemapAttribution}
	}
	return struct {
		Basemap      *basemap `json:"basemap"`
		ClusterBelow int      `json:"clusterBelow"`
	}{bm, o.ClusterBelow}
}

// policy is a same-origin Content-Security-Policy; images may also come from the basemap.
func policy(imgOrigins []string) string {
	img := strings.Join(append([]string{"'self'", "data:", "blob:"}, imgOrigins...), " ")
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + img + "; font-src 'self' data:; " +
		"worker-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'; object-src 'none'; "
}

var saneHost = regexp.MustCompile(`^[A-Za-z0-9.\-\[\]:]+$`)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a, ok := h.assets[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Cache-Control", a.cache)
	hdr.Set("Vary", "Accept-Encoding")
	hdr.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Path == "/map/" {
		// The live updates' websocket goes to this same host; 'self' covers it in CSP 3
		// browsers, the explicit ws(s) sources in older ones.
		connect := "connect-src 'self'"
		if saneHost.MatchString(r.Host) {
			connect += " ws://" + r.Host + " wss://" + r.Host
		}
		hdr.Set("Content-Security-Policy", h.csp+connect)
		hdr.Set("Referrer-Policy", "no-referrer")
	}
	body, etag := a.body, a.etag
	if a.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, etag = a.gz, a.etag+"-gz"
		hdr.Set("Content-Encoding", "gzip")
	}
	hdr.Set("ETag", `"`+etag+`"`)
	// ServeContent answers If-None-Match with 304 and HEAD without a body.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip ("gzip;q=0" refuses it).
func acceptsGzip(ae string) bool {
	for _, part := range strings.Split(ae, ",") {
		coding, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q, found := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !found {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err == nil && v > 0
	}
	return false
}
