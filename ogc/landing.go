package ogc

import (
	"net/http"
	"slices"
	"strconv"

	"gridhub/model"
)

// conformanceClasses are the parts of OGC API – Features served: Part 1 (core, GeoJSON,
// HTML, OpenAPI 3.0), Part 2 (CRS by reference) and Part 3 (filter, queryables, basic
// CQL2 in text with the basic spatial functions).
var conformanceClasses = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
}

type landingDoc struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Links       []link `json:"links"`
}

func (s *Server) landing(w http.ResponseWriter, r *http.Request) error {
	f, err := s.check(r, nil)
	if err != nil {
		return err
	}
	l := s.linker(r)
	doc := landingDoc{
		Title:       "gridhub 网格治理地图 OGC API – Features",
		Description: "The district's governance grid map — grid units, buildings, party units, cameras, service points and incidents — as OGC API – Features, under the caller's role.",
		Links: append(l.selfAndAlternate("/", nil, f, "application/json", "首页"),
			link{Href: l.href("/api", nil, "json"), Rel: "service-desc", Type: "application/vnd.oai.openapi+json;version=3.0", Title: "OpenAPI 3.0"},
			link{Href: l.href("/api", nil, "html"), Rel: "service-doc", Type: "text/html", Title: "接口说明"},
			link{Href: l.href("/conformance", nil, "json"), Rel: "conformance", Type: "application/json", Title: "符合性声明"},
			link{Href: l.href("/collections", nil, "json"), Rel: "data", Type: "application/json", Title: "数据集"},
		),
	}
	s.write(w, r, f, "application/json", "landing", page{Title: "网格治理地图 OGC API", Data: doc})
	return nil
}

type conformanceDoc struct {
	ConformsTo []string `json:"conformsTo"`
}

func (s *Server) conformance(w http.ResponseWriter, r *http.Request) error {
	f, err := s.check(r, nil)
	if err != nil {
		return err
	}
	s.write(w, r, f, "application/json", "conformance", page{Title: "符合性声明", Data: conformanceDoc{ConformsTo: conformanceClasses}})
	return nil
}

// commonParams are accepted on every request: the format and the credential.
var commonParams = []string{"f", "api_key"}

// check reads the format and refuses query parameters the API does not define (OGC API
// – Features asks for 400 rather than silently ignoring a misspelt filter).
func (s *Server) check(r *http.Request, allowed []string) (format, error) {
	f, err := formatOf(r)
	if err != nil {
		return f, err
	}
	for k := range r.URL.Query() {
		if !slices.Contains(commonParams, k) && !slices.Contains(allowed, k) {
			return f, errorf(http.StatusBadRequest, model.CodeBadInput, "unknown query parameter %q", truncate(k))
		}
	}
	return f, nil
}

// write answers a document as JSON (of type jsonType) or as the HTML page tmpl.
func (s *Server) write(w http.ResponseWriter, r *http.Request, f format, jsonType, tmpl string, p page) {
	if f == formatHTML {
		s.html(w, r, http.StatusOK, tmpl, p)
		return
	}
	b := mustJSON(p.Data)
	h := w.Header()
	h.Set("Content-Type", jsonType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	// What a document holds depends on the credential: shared caches must not hand it on.
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Vary", "Authorization, Accept")
	_, _ = w.Write(b)
}
