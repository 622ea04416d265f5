// Package ogc serves the hub's layers as OGC API – Features (Part 1 Core, Part 2 CRS,
// Part 3 Filtering with basic CQL2), for desktop GIS, GDAL and ArcGIS. Every read goes
// through the store with the caller's scope, so that a key sees here exactly what it
// sees in GraphQL: the same layers, rows, properties and coarsened geometry.
package ogc

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"gridhub/auth"
	"gridhub/model"
	"gridhub/store"
)

// Prefix is where the API is mounted.
const Prefix = "/ogc"

// Server answers the OGC API's requests.
type Server struct {
	st      *store.Store
	log     *slog.Logger
	baseURL func(*http.Request) string
	mux     *http.ServeMux
}

// New serves the API under Prefix over st; baseURL says how the client reached the
// server (scheme and host), for the absolute links every response carries.
func New(st *store.Store, log *slog.Logger, baseURL func(*http.Request) string) *Server {
	s := &Server{st: st, log: log, baseURL: baseURL, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET "+Prefix+"/{$}", s.serve(s.landing))
	s.mux.HandleFunc("GET "+Prefix+"/conformance", s.serve(s.conformance))
	s.mux.HandleFunc("GET "+Prefix+"/api", s.serve(s.api))
	s.mux.HandleFunc("GET "+Prefix+"/collections", s.serve(s.collections))
	s.mux.HandleFunc("GET "+Prefix+"/collections/{id}", s.serve(s.collection))
	s.mux.HandleFunc("GET "+Prefix+"/collections/{id}/items", s.serve(s.items))
	s.mux.HandleFunc("GET "+Prefix+"/collections/{id}/items/{fid}", s.serve(s.item))
	s.mux.HandleFunc("GET "+Prefix+"/collections/{id}/queryables", s.serve(s.queryables))
	s.mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.fail(w, r, errorf(http.StatusMethodNotAllowed, model.CodeBadInput, "only GET is served here"))
			return
		}
		s.fail(w, r, errorf(http.StatusNotFound, model.CodeNotFound, "no such resource: see %s", Prefix))
	})
	return s
}

// serve adapts a handler that returns its error: fail is the one place errors are
// answered, as exceptions with their codes.
func (s *Server) serve(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	}
}

// ServeHTTP serves /ogc (the landing page) and everything under it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == Prefix {
		r2 := *r
		u := *r.URL
		u.Path = Prefix + "/"
		r2.URL = &u
		r = &r2
	}
	s.mux.ServeHTTP(w, r)
}

// format is what a response is written as.
type format int

const (
	formatJSON format = iota
	formatHTML
)

// formatOf reads ?f= (json, geojson or html), else the Accept header: a browser asks for
// text/html first, GIS clients for JSON.
func formatOf(r *http.Request) (format, error) {
	switch f := r.URL.Query().Get("f"); f {
	case "json", "geojson", "application/json", "application/geo+json":
		return formatJSON, nil
	case "html", "text/html":
		return formatHTML, nil
	case "":
	default:
		return formatJSON, errorf(http.StatusBadRequest, model.CodeBadInput, "f must be json or html, not %q", truncate(f))
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.TrimSpace(mt) {
		case "text/html":
			return formatHTML, nil
		case "application/json", "application/geo+json", "application/schema+json", "application/vnd.oai.openapi+json":
			return formatJSON, nil
		}
	}
	return formatJSON, nil
}

// link is an OGC API link object.
type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// linker builds absolute links that keep the caller's api_key: a client that lost its
// Authorization header (the reason api_key exists) follows links as they are.
type linker struct {
	base string
	key  string
}

func (s *Server) linker(r *http.Request) linker {
	return linker{base: s.baseURL(r) + Prefix, key: r.URL.Query().Get("api_key")}
}

// href is the URL of path (under Prefix) with query q (may be nil) in format f.
func (l linker) href(path string, q url.Values, f string) string {
	v := url.Values{}
	for k, vs := range q {
		v[k] = vs
	}
	if f != "" {
		v.Set("f", f)
	}
	if l.key != "" {
		v.Set("api_key", l.key)
	}
	u := l.base + path
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

// self and alternate are a resource's links to itself in the format served and in the
// other one.
func (l linker) selfAndAlternate(path string, q url.Values, f format, jsonType, title string) []link {
	j := link{Href: l.href(path, q, "json"), Type: jsonType, Title: title + " (JSON)"}
	h := link{Href: l.href(path, q, "html"), Type: "text/html", Title: title + " (HTML)"}
	if f == formatHTML {
		h.Rel, j.Rel = "self", "alternate"
		return []link{h, j}
	}
	j.Rel, h.Rel = "self", "alternate"
	return []link{j, h}
}

// readable reports whether the caller's role may read layer l.
func readable(r *http.Request, l model.Layer) bool {
	p := auth.From(r.Context())
	return p == nil || p.Role.CanRead(l)
}

// truncate keeps echoed client strings short.
func truncate(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
