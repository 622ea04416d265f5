package ogc

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"gridhub/auth"
	"gridhub/geo"
	"gridhub/model"
	"gridhub/store"
)

// Page sizes: GIS clients page through whole layers, so a page may be large.
const (
	defaultLimit = 100
	maxLimit     = 10000
)

// itemsParams are the query parameters of /items besides the queryables' own.
var itemsParams = []string{"limit", "bbox", "bbox-crs", "crs", "datetime", "properties", "filter", "filter-lang", "filter-crs", "after", "before"}

func (s *Server) items(w http.ResponseWriter, r *http.Request) error {
	c, err := collectionOf(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	f, err := s.check(r, slices.Concat(itemsParams, queryableNames(ctx, c.layer)))
	if err != nil {
		return err
	}
	q, out, err := parseItems(ctx, c, r.URL.Query())
	if err != nil {
		return err
	}
	auth.Touch(ctx, describeArea(q.Filter.Area), c.layer)
	pg, err := s.st.Items(ctx, c.layer, q)
	if err != nil {
		return err
	}
	links := s.pageLinks(r, c, q, pg, f)
	if f == formatHTML {
		return s.itemsHTML(w, r, c, pg, q, links)
	}
	writeCollection(w, out, pg, links)
	return nil
}

// pageLinks are self, alternate, next and prev (keyset: next starts after the page's
// last id, prev ends before its first, so that rows written meanwhile move no page).
func (s *Server) pageLinks(r *http.Request, c collectionDef, q store.ItemsQuery, pg store.ItemsPage, f format) []link {
	l := s.linker(r)
	path := "/collections/" + c.id + "/items"
	params := url.Values{}
	for k, v := range r.URL.Query() {
		if k != "f" && k != "api_key" {
			params[k] = v
		}
	}
	links := l.selfAndAlternate(path, params, f, "application/geo+json", c.title)
	ftype := "application/geo+json"
	fname := "json"
	if f == formatHTML {
		ftype, fname = "text/html", "html"
	}
	onward := func(rel, key string, id int64) {
		v := url.Values{}
		for k, vs := range params {
			if k != "after" && k != "before" {
				v[k] = vs
			}
		}
		v.Set(key, strconv.FormatInt(id, 10))
		links = append(links, link{Href: l.href(path, v, fname), Rel: rel, Type: ftype, Title: map[string]string{"next": "下一页", "prev": "上一页"}[rel]})
	}
	hasNext := pg.More
	hasPrev := q.After != 0
	if q.Before != 0 {
		hasNext, hasPrev = true, pg.More
	}
	if hasNext && pg.Returned > 0 {
		onward("next", "after", pg.Last)
	}
	if hasPrev && pg.Returned > 0 {
		onward("prev", "before", pg.First)
	} else if q.Before != 0 && pg.Returned == 0 {
		// Nothing before that key: the first page is what comes before it.
		links = append(links, link{Href: l.href(path, params, fname), Rel: "first", Type: ftype, Title: "第一页"})
	}
	return links
}

// writeCollection writes the page as a GeoJSON FeatureCollection: the features as the
// store built them, wrapped without copying them again.
func writeCollection(w http.ResponseWriter, out crsDef, pg store.ItemsPage, links []link) {
	head := []byte(`{"type":"FeatureCollection","numberMatched":` + strconv.Itoa(pg.Matched) + `,"numberReturned":` +
		strconv.Itoa(pg.Returned) + `,"timeStamp":"` + time.Now().UTC().Format(time.RFC3339) + `","links":`)
	lb := mustJSON(links)
	head = append(append(head, lb...), `,"features":[`...)
	tail := []byte("]}")
	h := w.Header()
	h.Set("Content-Type", "application/geo+json")
	h.Set("Content-Crs", "<"+out.uri+">")
	h.Set("Content-Length", strconv.Itoa(len(head)+len(pg.Features)+len(tail)))
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Vary", "Authorization, Accept")
	_, _ = w.Write(head)
	_, _ = w.Write(pg.Features)
	_, _ = w.Write(tail)
}

func (s *Server) item(w http.ResponseWriter, r *http.Request) error {
	c, err := collectionOf(r)
	if err != nil {
		return err
	}
	f, err := s.check(r, []string{"crs", "properties"})
	if err != nil {
		return err
	}
	fid := r.PathValue("fid")
	l, id, ok := model.ParseGlobalID(fid)
	if !ok || l != c.layer {
		return errorf(http.StatusNotFound, model.CodeNotFound, "no feature %q in %s", truncate(fid), c.id)
	}
	ctx := r.Context()
	v := r.URL.Query()
	out, err := parseCRS(v.Get("crs"), "crs")
	if err != nil {
		return err
	}
	props, err := parseProperties(v)
	if err != nil {
		return err
	}
	q := store.ItemsQuery{Filter: c.filter(), ID: id, Limit: 1, Props: props, Out: out.output()}
	auth.Touch(ctx, "", c.layer)
	pg, err := s.st.Items(ctx, c.layer, q)
	if err != nil {
		return err
	}
	if pg.Returned == 0 {
		// Outside the caller's fence or rows, it does not exist for it.
		return errorf(http.StatusNotFound, model.CodeNotFound, "no feature %q in %s", truncate(fid), c.id)
	}
	lk := s.linker(r)
	path := "/collections/" + c.id + "/items/" + fid
	links := append(lk.selfAndAlternate(path, nil, f, "application/geo+json", c.title),
		link{Href: lk.href("/collections/"+c.id, nil, "json"), Rel: "collection", Type: "application/json", Title: c.title})
	if f == formatHTML {
		return s.itemHTML(w, r, c, pg, links)
	}
	// The feature as the store wrote it, with its links added before the closing brace.
	feat := pg.Features
	body := append(append(append([]byte{}, feat[:len(feat)-1]...), `,"links":`...), mustJSON(links)...)
	body = append(body, '}')
	h := w.Header()
	h.Set("Content-Type", "application/geo+json")
	h.Set("Content-Crs", "<"+out.uri+">")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Vary", "Authorization, Accept")
	_, _ = w.Write(body)
	return nil
}

// describeArea is the bbox for the audit log ("" for none).
func describeArea(a *geo.Area) string {
	if a == nil {
		return ""
	}
	return fmt.Sprintf("bbox %.6f,%.6f,%.6f,%.6f", a.Bound.Min[0], a.Bound.Min[1], a.Bound.Max[0], a.Bound.Max[1])
}
