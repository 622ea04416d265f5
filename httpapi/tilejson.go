package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"gridhub/model"
	"gridhub/store"
)

// TileJSON zooms: tiles are served at any zoom up to geo.MaxTileZoom, but from
// tileJSONMaxZoom on nothing changes but precision, so clients over-zoom its tiles.
const (
	tileJSONMaxZoom = store.DenseClusterBelow
	tileJSONZoom    = 12 // the zoom showing the whole district
)

// vectorLayer documents one MVT layer for TileJSON's vector_layers.
type vectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

// vectorLayers documents the MVT layers of each data layer (the grid tiles hold two).
func vectorLayers(l model.Layer, o store.TileOptions) []vectorLayer {
	vl := vectorLayer{ID: store.TileLayerName(l), MaxZoom: tileJSONMaxZoom, Fields: map[string]string{}}
	for _, f := range store.TileFields(l, o) {
		vl.Fields[f.Name] = f.Type + ": " + f.Description
	}
	var cluster string
	if o.ClusterBelow > 0 {
		cluster = fmt.Sprintf(" Below zoom %d, points are clustered in 64-pixel cells (of a 512-pixel tile), counted inside the tile only so that counts add up.", o.ClusterBelow)
	}
	if o.ClusterAbove > 0 {
		cluster += fmt.Sprintf(" Up to zoom %d, a tile that would hold more than %d of them holds such clusters instead.", store.DenseClusterBelow-1, o.ClusterAbove)
	}
	switch l {
	case model.LayerGrid:
		vl.Description = fmt.Sprintf("Grid units (网格): the DISTRICT outline at every zoom, with its STREET units below zoom %d, "+
			"COMMUNITY units at zooms %d-%d and GRID units from zoom %d. Polygons are simplified to a pixel below zoom %d.",
			store.GridCommunityFrom, store.GridCommunityFrom, store.GridGridFrom-1, store.GridGridFrom, store.SimplifyBelow)
		label := vectorLayer{ID: store.GridLabelLayer, MaxZoom: tileJSONMaxZoom, Fields: vl.Fields,
			Description: "One point inside each unit of the grid layer, in the one tile holding it: where to draw the unit's name."}
		return []vectorLayer{vl, label}
	case model.LayerBuilding:
		vl.MinZoom = store.BuildingsFrom
		vl.Description = fmt.Sprintf("Building footprints (楼栋) from zoom %d, simplified to a pixel below zoom %d.", store.BuildingsFrom, store.SimplifyBelow)
	case model.LayerPartyUnit:
		vl.Description = "Party units (党组织): community committees, grid branches, building groups." + cluster
	case model.LayerCamera:
		vl.Description = "Cameras (雪亮工程, 云眼卫士)." + cluster
	case model.LayerServicePoint:
		vl.Description = "Service points: legal service, mediation, civilisation practice, enforcement, studios, police." + cluster
	case model.LayerIncident:
		vl.Description = "Incidents (事件), in every status unless the tile URL asks for some with ?statuses=REPORTED,ACCEPTED,…; " +
			"overdue is computed when the tile is built." + cluster
	case model.LayerWorker:
		vl.Description = "Grid workers (网格员) at their last known position." + cluster
	case model.LayerVisit:
		vl.Description = "Grid workers' visits (走访)." + cluster
	}
	return []vectorLayer{vl}
}

type tileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	Attribution  string        `json:"attribution"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Bounds       [4]float64    `json:"bounds"`
	Center       [3]float64    `json:"center"`
	VectorLayers []vectorLayer `json:"vector_layers"`
}

// tileJSON answers GET /tiles/{layer}.json: TileJSON 3.0.0, so that MapLibre, OpenLayers
// and QGIS add a layer by its URL.
func (ts *tiles) tileJSON(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".json")
	ls, known := tileLayers(name)
	if !ok || !known {
		http.Error(w, "no such tile set: use /tiles/{layer}.json with a layer of "+layerNames(), http.StatusNotFound)
		return
	}
	ext, err := ts.st.DistrictExtent(r.Context())
	if errors.Is(err, store.ErrNotFound) {
		// No district loaded yet: the whole web-mercator world, so clients still work.
		ext, err = store.Extent{MinLon: -180, MinLat: -85.0511, MaxLon: 180, MaxLat: 85.0511}, nil
	}
	if err != nil {
		ts.fail(w, r, err)
		return
	}
	tj := tileJSON{
		TileJSON:    "3.0.0",
		Name:        "gridhub " + name,
		Description: "Vector tiles of the district's governance grid map (" + name + "), built by PostGIS.",
		Attribution: "gridhub",
		Scheme:      "xyz",
		Tiles:       []string{baseURL(r) + "/tiles/" + name + "/{z}/{x}/{y}.mvt"},
		MaxZoom:     tileJSONMaxZoom,
		Bounds:      [4]float64{ext.MinLon, ext.MinLat, ext.MaxLon, ext.MaxLat},
		Center:      [3]float64{(ext.MinLon + ext.MaxLon) / 2, (ext.MinLat + ext.MaxLat) / 2, tileJSONZoom},
	}
	for _, l := range ls {
		tj.VectorLayers = append(tj.VectorLayers, vectorLayers(l, ts.opts)...)
	}
	b, err := json.MarshalIndent(tj, "", "  ")
	if err != nil {
		ts.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=300")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

// baseURL is how the client reached us: the request's Host, and https when the request
// came over TLS or a proxy in front says so in X-Forwarded-Proto.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ","); p != "" {
		switch p = strings.ToLower(strings.TrimSpace(p)); p {
		case "http", "https":
			scheme = p
		}
	}
	return scheme + "://" + r.Host
}
