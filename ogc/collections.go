package ogc

import (
	"errors"
	"net/http"
	"time"

	"gridhub/model"
	"gridhub/store"
)

// collectionDef is one collection: a layer, or one level of the grid layer.
type collectionDef struct {
	id          string
	layer       model.Layer
	level       model.GridLevel // grid levels only
	title       string
	description string
}

// collectionDefs are the six layers and, for GIS users who want one level at a time,
// the grid levels below the district as collections of their own.
var collectionDefs = []collectionDef{
	{"grid_units", model.LayerGrid, "", "网格单元（全部层级）",
		"The district and every street, community and grid under it (level says which); children tile their parent."},
	{"streets", model.LayerGrid, model.GridLevelStreet, "街道（镇）", "The 15 street offices and agri-related towns."},
	{"communities", model.LayerGrid, model.GridLevelCommunity, "社区", "Communities, each inside one street."},
	{"grids", model.LayerGrid, model.GridLevelGrid, "网格", "Grids, the smallest unit, each with its grid worker."},
	{"buildings", model.LayerBuilding, "", "楼栋", "Building footprints with households and residents."},
	{"party_units", model.LayerPartyUnit, "", "党组织", "Community committees, grid branches and building groups."},
	{"cameras", model.LayerCamera, "", "视频监控", "雪亮工程 and 云眼卫士 cameras with their online status."},
	{"service_points", model.LayerServicePoint, "", "服务站点", "Legal service, mediation, civilisation practice, enforcement, studios and police."},
	{"incidents", model.LayerIncident, "", "事件", "Incidents in every status; datetime filters on reportedAt."},
	{"grid_workers", model.LayerWorker, "", "网格员", "Grid workers at their last known position."},
	{"visits", model.LayerVisit, "", "走访", "Grid workers' recorded visits to buildings and places."},
}

func findCollection(id string) (collectionDef, bool) {
	for _, c := range collectionDefs {
		if c.id == id {
			return c, true
		}
	}
	return collectionDef{}, false
}

// collectionOf is the {id} of the request's path, if the caller may read it: an unknown
// collection is NOT_FOUND, one of a layer the role may not read FORBIDDEN.
func collectionOf(r *http.Request) (collectionDef, error) {
	c, ok := findCollection(r.PathValue("id"))
	if !ok {
		return c, errorf(http.StatusNotFound, model.CodeNotFound, "no collection %q: see %s/collections", truncate(r.PathValue("id")), Prefix)
	}
	if !readable(r, c.layer) {
		return c, errorf(http.StatusForbidden, model.CodeForbidden, "this credential may not read the %s layer", c.layer)
	}
	return c, nil
}

// filter is the store filter of the collection's own rows.
func (c collectionDef) filter() store.Filter { return store.Filter{Level: c.level} }

type extent struct {
	Spatial struct {
		BBox [][4]float64 `json:"bbox"`
		CRS  string       `json:"crs"`
	} `json:"spatial"`
	Temporal *temporal `json:"temporal,omitempty"`
}

type temporal struct {
	Interval [][2]*string `json:"interval"`
	TRS      string       `json:"trs"`
}

type collectionDoc struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Links       []link   `json:"links"`
	Extent      *extent  `json:"extent,omitempty"`
	ItemType    string   `json:"itemType"`
	CRS         []string `json:"crs"`
	StorageCRS  string   `json:"storageCrs"`
}

type collectionsDoc struct {
	Links       []link          `json:"links"`
	Collections []collectionDoc `json:"collections"`
	CRS         []string        `json:"crs"`
}

// describe is a collection's document; ext is the district's extent (nil when there is
// no district yet), since is the first incident's time.
func (s *Server) describe(r *http.Request, c collectionDef, ext *store.Extent, since *time.Time) collectionDoc {
	l := s.linker(r)
	base := "/collections/" + c.id
	d := collectionDoc{ID: c.id, Title: c.title, Description: c.description, ItemType: "feature", CRS: crsURIs(), StorageCRS: crs84.uri}
	d.Links = []link{
		{Href: l.href(base, nil, "json"), Rel: "self", Type: "application/json", Title: c.title},
		{Href: l.href(base, nil, "html"), Rel: "alternate", Type: "text/html", Title: c.title + " (HTML)"},
		{Href: l.href(base+"/items", nil, "json"), Rel: "items", Type: "application/geo+json", Title: c.title + " (GeoJSON)"},
		{Href: l.href(base+"/items", nil, "html"), Rel: "items", Type: "text/html", Title: c.title + " (HTML)"},
		{Href: l.href(base+"/queryables", nil, "json"), Rel: "http://www.opengis.net/def/rel/ogc/1.0/queryables", Type: "application/schema+json", Title: "可查询属性"},
	}
	if ext != nil {
		d.Extent = &extent{}
		d.Extent.Spatial.BBox = [][4]float64{{ext.MinLon, ext.MinLat, ext.MaxLon, ext.MaxLat}}
		d.Extent.Spatial.CRS = crs84.uri
		if c.layer == model.LayerIncident && since != nil {
			from := since.UTC().Format(time.RFC3339)
			d.Extent.Temporal = &temporal{Interval: [][2]*string{{&from, nil}}, TRS: "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
		}
	}
	return d
}

// extents reads what every collection document shows: the district's extent and the
// first incident's time (in the caller's scope); both are absent before a district is
// loaded.
func (s *Server) extents(r *http.Request) (*store.Extent, *time.Time, error) {
	ext, err := s.st.DistrictExtent(r.Context())
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var since *time.Time
	if readable(r, model.LayerIncident) {
		if since, err = s.st.FirstReported(r.Context()); err != nil {
			return nil, nil, err
		}
	}
	return &ext, since, nil
}

// metadata reads what every collection document needs: the format asked for, the
// district's extent and the first incident's time.
func (s *Server) metadata(r *http.Request) (format, *store.Extent, *time.Time, error) {
	f, err := s.check(r, nil)
	if err != nil {
		return f, nil, nil, err
	}
	ext, since, err := s.extents(r)
	return f, ext, since, err
}

func (s *Server) collections(w http.ResponseWriter, r *http.Request) error {
	f, ext, since, err := s.metadata(r)
	if err != nil {
		return err
	}
	doc := collectionsDoc{CRS: crsURIs(), Links: s.linker(r).selfAndAlternate("/collections", nil, f, "application/json", "数据集")}
	doc.Collections = []collectionDoc{}
	for _, c := range collectionDefs {
		// What the role may not read does not exist for it.
		if readable(r, c.layer) {
			doc.Collections = append(doc.Collections, s.describe(r, c, ext, since))
		}
	}
	s.write(w, r, f, "application/json", "collections", page{Title: "数据集", Data: doc})
	return nil
}

func (s *Server) collection(w http.ResponseWriter, r *http.Request) error {
	c, err := collectionOf(r)
	if err != nil {
		return err
	}
	f, ext, since, err := s.metadata(r)
	if err != nil {
		return err
	}
	doc := s.describe(r, c, ext, since)
	if f == formatHTML {
		doc.Links[0].Rel, doc.Links[1].Rel = "alternate", "self"
	}
	s.write(w, r, f, "application/json", "collection", page{Title: c.title, Data: doc})
	return nil
}
