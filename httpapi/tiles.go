package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"gridhub/auth"
	"gridhub/geo"
	"gridhub/internal/requestid"
	"gridhub/model"
	"gridhub/store"
	"gridhub/web/static"
)

// tiles serves the layers as Mapbox Vector Tiles built by PostGIS, and their TileJSON.
type tiles struct {
	st   *store.Store
	log  *slog.Logger
	opts store.TileOptions
}

// allLayers is the URL name of the tile holding every layer.
const allLayers = "all"

// tileLayers parses a layer name from a tile URL: a layer in lower case, or "all".
func tileLayers(name string) ([]model.Layer, bool) {
	if name == allLayers {
		return model.Layers, true
	}
	l := model.Layer(strings.ToUpper(name))
	if name != store.TileLayerName(l) || !l.IsValid() {
		return nil, false
	}
	return []model.Layer{l}, true
}

// tileMaxAge is how long a client may keep a tile: incidents change by the minute,
// camera status by the hour, the rest when the district's data is reloaded.
func tileMaxAge(ls []model.Layer) int {
	switch {
	case len(ls) != 1 || ls[0] == model.LayerIncident:
		return 30
	case ls[0] == model.LayerCamera:
		return 300
	}
	return 3600
}

// tile answers GET /tiles/{layer}/{z}/{x}/{y}.mvt; ?statuses=REPORTED,ACCEPTED,… keeps
// the incidents in those statuses only (and the clusters count only them), and
// ?properties=name,status keeps those attributes only.
func (ts *tiles) tile(w http.ResponseWriter, r *http.Request) {
	ls, ok := tileLayers(r.PathValue("layer"))
	if !ok {
		badTileRequest(w, "unknown layer "+strconv.Quote(r.PathValue("layer"))+": use one of "+layerNames())
		return
	}
	file, ok := strings.CutSuffix(r.PathValue("y"), ".mvt")
	if !ok {
		badTileRequest(w, "a tile is /tiles/{layer}/{z}/{x}/{y}.mvt")
		return
	}
	z, zerr := strconv.Atoi(r.PathValue("z"))
	x, xerr := strconv.Atoi(r.PathValue("x"))
	y, yerr := strconv.Atoi(file)
	if zerr != nil || xerr != nil || yerr != nil {
		badTileRequest(w, "z, x and y must be whole numbers")
		return
	}
	if err := geo.CheckTile(z, x, y); err != nil {
		badTileRequest(w, err.Error())
		return
	}
	opts := ts.opts
	if q := r.URL.Query().Get("statuses"); q != "" {
		for _, s := range strings.Split(q, ",") {
			st := model.IncidentStatus(strings.TrimSpace(s))
			if !slices.Contains(model.IncidentStatuses, st) {
				badTileRequest(w, "unknown incident status "+strconv.Quote(s)+" in statuses")
				return
			}
			opts.Statuses = append(opts.Statuses, st)
		}
	}
	// The caller's role decides the layers: "all" holds those it may read, a layer it may
	// not read is refused. Its fence, row filters, hidden attributes and coarsening apply
	// inside the statement, as for every read.
	if p := auth.From(r.Context()); p != nil {
		var readable []model.Layer
		for _, l := range ls {
			if p.Role.CanRead(l) {
				readable = append(readable, l)
			}
		}
		if len(readable) < len(ls) && len(ls) == 1 {
			http.Error(w, "the "+p.Role.Name+" role may not read the "+string(ls[0])+" layer", http.StatusForbidden)
			return
		}
		ls = readable
	}
	if q, ok := r.URL.Query()["properties"]; ok {
		// ?properties=name,status: the attributes the map draws with (id always comes).
		opts.Properties = []string{}
		for _, name := range strings.Split(strings.Join(q, ","), ",") {
			if name = strings.TrimSpace(name); name != "" {
				opts.Properties = append(opts.Properties, name)
			}
		}
		if err := store.CheckChoice(r.Context(), ls, opts.Properties, store.TileProperties); err != nil {
			status := http.StatusBadRequest
			var coded *model.Error
			if errors.As(err, &coded) && coded.Code == model.CodeForbidden {
				status = http.StatusForbidden
			}
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, err.Error(), status)
			return
		}
	}
	b, err := ts.st.Tile(r.Context(), ls, z, x, y, opts)
	if err != nil {
		ts.fail(w, r, err)
		return
	}
	h := w.Header()
	// What a tile holds depends on the credential: shared caches must not hand it on.
	h.Set("Cache-Control", "private, max-age="+strconv.Itoa(tileMaxAge(ls)))
	h.Set("Vary", "Authorization")
	if len(b) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	// A strong ETag per representation: the gzip one is marked, and a conditional
	// request naming either is answered 304 (RFC 9110 §8.8.3).
	sum := sha256.Sum256(b)
	etag := hex.EncodeToString(sum[:16])
	gz := len(b) >= minGzipTile && static.AcceptsGzip(r.Header.Get("Accept-Encoding"))
	h.Add("Vary", "Accept-Encoding")
	tag := `"` + etag + `"`
	if gz {
		tag = `"` + etag + `-gz"`
	}
	h.Set("ETag", tag)
	if inm := r.Header.Get("If-None-Match"); static.ETagMatches(inm, `"`+etag+`"`) || static.ETagMatches(inm, `"`+etag+`-gz"`) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/vnd.mapbox-vector-tile")
	if gz {
		b = gzipTile(b)
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

// fail answers a failed tile or TileJSON plainly; the cause goes to the log only. Like
// the GraphQL errors (UNAVAILABLE in both cases), it tells a database out of reach from a
// request that ran out of time.
func (ts *tiles) fail(w http.ResponseWriter, r *http.Request, err error) {
	id := requestid.From(r.Context())
	retryLater := func() {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Retry-After", "5")
	}
	switch {
	case errors.Is(r.Context().Err(), context.Canceled):
		// The client went away and cancelled the query with it: nobody is left to answer.
		ts.log.Debug("tile request cancelled", "id", id)
		w.WriteHeader(http.StatusServiceUnavailable)
	case errors.Is(err, store.ErrUnavailable):
		ts.log.Warn("tile: database unavailable", "id", id, "path", r.URL.Path, "err", err)
		retryLater()
		http.Error(w, "database unavailable, request "+id, http.StatusServiceUnavailable)
	case errors.Is(err, store.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		// The request's deadline or statement_timeout: the database is up but the tile
		// (or the wait for a connection) took longer than a request may.
		ts.log.Warn("tile: took too long", "id", id, "path", r.URL.Path, "err", err)
		retryLater()
		http.Error(w, "the tile took too long to build and was stopped; try again shortly, request "+id, http.StatusServiceUnavailable)
	default:
		ts.log.Error("tile failed", "id", id, "path", r.URL.Path, "err", err)
		http.Error(w, "internal error, request "+id, http.StatusInternalServerError)
	}
}

func badTileRequest(w http.ResponseWriter, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, msg, http.StatusBadRequest)
}

func layerNames() string {
	var names []string
	for _, l := range model.Layers {
		names = append(names, store.TileLayerName(l))
	}
	return strings.Join(append(names, allLayers), ", ")
}
