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
	"embed"
	"io/fs"
	"net/http"
	"sync"

	"gridhub/web/static"
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

var (
	loadOnce sync.Once
	loaded   http.Handler
)

// Handler returns an http.Handler that serves GraphiQL: the page at "/",
// "/graphiql.js" and "/graphiql.css", and 404 for any other path. Mount it
// at "/" (the /graphql endpoint should be registered separately and wins
// as the more specific pattern in http.ServeMux).
func Handler() http.Handler {
	loadOnce.Do(func() { loaded = mustLoad(distFS) })
	return loaded
}

func mustLoad(fsys fs.FS) http.Handler {
	read := func(name string) []byte {
		b, err := fs.ReadFile(fsys, "dist/"+name)
		if err != nil {
			panic("graphiql: embedded bundle is incomplete (rebuild with `cd web/graphiql && npm ci && npm run build`): " + err.Error())
		}
		return b
	}
	js, css, index := read(jsFile), read(cssFile), read(indexFile)
	index = static.Versioned(index, "src", jsFile, js)
	index = static.Versioned(index, "href", cssFile, css)
	return &static.Site{
		Files: map[string]*static.File{
			"/":           static.NewFile(index, "text/html; charset=utf-8", static.Revalidate),
			"/" + jsFile:  static.NewFile(js, "text/javascript; charset=utf-8", static.Immutable),
			"/" + cssFile: static.NewFile(css, "text/css; charset=utf-8", static.Immutable),
		},
		Page: func(h http.Header, r *http.Request) {
			if r.URL.Path == "/" {
				h.Set("Content-Security-Policy", contentSecurityPolicy)
				h.Set("Referrer-Policy", "no-referrer")
			}
		},
	}
}
