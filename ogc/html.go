package ogc

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"

	"gridhub/store"
)

//go:embed pages.html
var pagesFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"cell": cell,
}).ParseFS(pagesFS, "pages.html"))

// page is what every HTML page shows: a title and its document.
type page struct {
	Title string
	Data  any
	// Home is the landing page's URL (keeping the caller's api_key).
	Home string
}

// html renders the page tmpl.
func (s *Server) html(w http.ResponseWriter, r *http.Request, status int, tmpl string, p page) {
	p.Home = s.linker(r).href("/", nil, "html")
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, tmpl, p); err != nil {
		s.log.ErrorContext(r.Context(), "ogc page", "page", tmpl, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Vary", "Authorization, Accept")
	// The pages are plain: no scripts, styles inline.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// htmlFeature is a feature as a table row.
type htmlFeature struct {
	ID         string          `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
	Href       string          `json:"-"`
}

type itemsPage struct {
	Collection              string
	Columns                 []store.Property
	Features                []htmlFeature
	Matched, Returned       int
	Links                   []link
	Next, Prev, First, JSON string
}

// decodeFeatures reads a page's features back for an HTML table.
func (s *Server) decodeFeatures(r *http.Request, c collectionDef, raw []byte) ([]htmlFeature, error) {
	var fs []htmlFeature
	if err := json.Unmarshal(append(append([]byte{'['}, raw...), ']'), &fs); err != nil {
		return nil, fmt.Errorf("decode features for HTML: %w", err)
	}
	l := s.linker(r)
	for i := range fs {
		fs[i].Href = l.href("/collections/"+c.id+"/items/"+fs[i].ID, nil, "html")
	}
	return fs, nil
}

// columns are the properties a page shows: those asked for, else every visible one.
func columns(r *http.Request, c collectionDef, asked []string) []store.Property {
	all := store.Properties(r.Context(), c.layer)
	if asked == nil {
		return slices.DeleteFunc(all, func(p store.Property) bool { return p.OnRequest })
	}
	var out []store.Property
	for _, name := range asked {
		for _, p := range all {
			if p.Name == name {
				out = append(out, p)
			}
		}
	}
	return out
}

func (s *Server) itemsHTML(w http.ResponseWriter, r *http.Request, c collectionDef, pg store.ItemsPage, q store.ItemsQuery, links []link) error {
	fs, err := s.decodeFeatures(r, c, pg.Features)
	if err != nil {
		return err
	}
	ip := itemsPage{Collection: c.title, Columns: columns(r, c, q.Props), Features: fs, Matched: pg.Matched, Returned: pg.Returned, Links: links}
	for _, l := range links {
		switch l.Rel {
		case "next":
			ip.Next = l.Href
		case "prev":
			ip.Prev = l.Href
		case "first":
			ip.First = l.Href
		case "alternate":
			ip.JSON = l.Href
		}
	}
	s.html(w, r, http.StatusOK, "items", page{Title: c.title, Data: ip})
	return nil
}

func (s *Server) itemHTML(w http.ResponseWriter, r *http.Request, c collectionDef, pg store.ItemsPage, links []link) error {
	fs, err := s.decodeFeatures(r, c, pg.Features)
	if err != nil {
		return err
	}
	if len(fs) != 1 {
		return fmt.Errorf("feature page: %d features", len(fs))
	}
	s.html(w, r, http.StatusOK, "item", page{Title: c.title + " · " + fs[0].ID, Data: struct {
		Feature htmlFeature
		Columns []store.Property
		Links   []link
	}{fs[0], columns(r, c, nil), links}})
	return nil
}

// cell writes a property's value for a table cell ("" for none).
func cell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		if v {
			return "是"
		}
		return "否"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
