// Package graphiql serves an offline GraphiQL IDE for gridhub.
//
// The page, its JavaScript (React + GraphiQL 3 + CodeMirror 5) and its CSS
// (fonts inlined as data: URLs) are embedded from dist/ into the binary, so
// the IDE works in command centres without internet access: nothing is loaded
// from a CDN. The page talks to the same origin only: POST /graphql for
// queries and mutations, ws(s)://<host>/graphql (graphql-transport-ws) for
// subscriptions. Headers typed into the headers pane, e.g.
// {"Authorization": "Bearer …"}, are sent as HTTP headers and also in the
// websocket connection_init payload.
//
// dist/ is committed, so building gridhub needs no npm. To rebuild it after
// changing package.json or src/ (needs Node 20+ and the npm registry):
//
//	cd web/graphiql && npm ci && npm run build
//
// then commit dist/ together with package.json and package-lock.json.
package graphiql

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

//go:embed dist
var distFS embed.FS

// Names of the files in dist/ (written by build.mjs).
const (
	indexFile = "index.html"
	jsFile    = "graphiql.js"
	cssFile   = "graphiql.css"
)

// contentSecurityPolicy keeps the page strictly same-origin: any accidental
// attempt to load a script, style, font or image from elsewhere is blocked by
// the browser. Inline styles are allowed because React UI libraries inject
// <style> elements; fonts and icons are data: URLs inside the CSS.
const contentSecurityPolicy = "default-src 'self'; " +
	"script-src 'self'; " +
	"style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; " +
	"font-src 'self' data:; " +
	"connect-src 'self' ws: wss:; " +
	"base-uri 'self'; form-action 'self'; frame-ancestors 'self'; object-src 'none'"

type asset struct {
	body        []byte
	contentType string
	cache       string
	etag        string

	gzipOnce sync.Once
	gzipBody []byte // nil when compression does not pay off
}

func (a *asset) gzipped() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(a.body)
		if zw.Close() == nil && buf.Len() < len(a.body) {
			a.gzipBody = buf.Bytes()
		}
	})
	return a.gzipBody
}

type handler struct {
	assets map[string]*asset // keyed by URL path
}

var (
	loadOnce sync.Once
	loaded   *handler
)

// Handler returns an http.Handler that serves GraphiQL: the page at "/",
// "/graphiql.js" and "/graphiql.css", and 404 for any other path. Mount it
// at "/" (the /graphql endpoint should be registered separately and wins
// as the more specific pattern in http.ServeMux).
func Handler() http.Handler {
	loadOnce.Do(func() { loaded = mustLoad(distFS) })
	return loaded
}

func mustLoad(fsys fs.FS) *handler {
	read := func(name string) []byte {
		b, err := fs.ReadFile(fsys, "dist/"+name)
		if err != nil {
			panic("graphiql: embedded bundle is incomplete (rebuild with `cd web/graphiql && npm ci && npm run build`): " + err.Error())
		}
		return b
	}
	js, css, index := read(jsFile), read(cssFile), read(indexFile)

	// The asset names carry no hash, so index.html references them with a
	// content-hash query string: the assets can then be cached for a year and
	// a new gridhub build still makes browsers fetch the new bundle.
	jsTag, cssTag := shortHash(js), shortHash(css)
	index = bytes.Replace(index, []byte(`src="`+jsFile+`"`), []byte(`src="`+jsFile+`?v=`+jsTag+`"`), 1)
	index = bytes.Replace(index, []byte(`href="`+cssFile+`"`), []byte(`href="`+cssFile+`?v=`+cssTag+`"`), 1)

	const immutable = "public, max-age=31536000, immutable"
	return &handler{assets: map[string]*asset{
		"/": {
			body:        index,
			contentType: "text/html; charset=utf-8",
			cache:       "no-cache",
			etag:        `"` + shortHash(index) + `"`,
		},
		"/" + jsFile: {
			body:        js,
			contentType: "text/javascript; charset=utf-8",
			cache:       immutable,
			etag:        `"` + jsTag + `"`,
		},
		"/" + cssFile: {
			body:        css,
			contentType: "text/css; charset=utf-8",
			cache:       immutable,
			etag:        `"` + cssTag + `"`,
		},
	}}
}

func shortHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

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
	if r.URL.Path == "/" {
		hdr.Set("Content-Security-Policy", contentSecurityPolicy)
		hdr.Set("Referrer-Policy", "no-referrer")
	}

	// The gzip representation gets its own ETag (as a cache must not mix the
	// two up); a conditional request matching either is answered with 304.
	body, etag := a.body, a.etag
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		if gz := a.gzipped(); gz != nil {
			body, etag = gz, strings.TrimSuffix(a.etag, `"`)+`-gz"`
			hdr.Set("Content-Encoding", "gzip")
		}
	}
	hdr.Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); etagMatch(inm, etag) || etagMatch(inm, a.etag) {
		hdr.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func etagMatch(ifNoneMatch, etag string) bool {
	if ifNoneMatch == "" {
		return false
	}
	for _, t := range strings.Split(ifNoneMatch, ",") {
		t = strings.TrimSpace(t)
		t = strings.TrimPrefix(t, "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether the Accept-Encoding header allows gzip
// (a "gzip;q=0" entry refuses it).
func acceptsGzip(ae string) bool {
	for _, part := range strings.Split(ae, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		params = strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return !(params == "q=0" || params == "q=0.0" || params == "q=0.00" || params == "q=0.000")
	}
	return false
}
