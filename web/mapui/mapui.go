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
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"regexp"
	"strings"

	"gridhub/web/static"
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
	index = static.Versioned(index, "src", "map.js", js)
	index = static.Versioned(index, "href", "map.css", css)
	cfg, _ := json.Marshal(pageConfig(o))
	csp := policy(basemapOrigins(o.Basemap))
	return &static.Site{
		Files: map[string]*static.File{
			"/map/":            static.NewFile(index, "text/html; charset=utf-8", static.Revalidate),
			"/map/map.js":      static.NewFile(js, "text/javascript; charset=utf-8", static.Immutable),
			"/map/map.css":     static.NewFile(css, "text/css; charset=utf-8", static.Immutable),
			"/map/config.json": static.NewFile(cfg, "application/json", static.Revalidate),
		},
		Page: func(h http.Header, r *http.Request) {
			if r.URL.Path != "/map/" {
				return
			}
			// The live updates' websocket goes to this same host; 'self' covers it in CSP 3
			// browsers, the explicit ws(s) sources in older ones.
			connect := "connect-src 'self'"
			if saneHost.MatchString(r.Host) {
				connect += " ws://" + r.Host + " wss://" + r.Host
			}
			h.Set("Content-Security-Policy", csp+connect)
			h.Set("Referrer-Policy", "no-referrer")
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
