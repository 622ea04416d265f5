package ogc

import (
	"context"
	"net/http"

	"gridhub/model"
	"gridhub/store"
)

// schemaProp is one property in a JSON Schema (queryables, the OpenAPI document).
type schemaProp struct {
	Title  string   `json:"title,omitempty"`
	Type   string   `json:"type,omitempty"`
	Format string   `json:"format,omitempty"`
	Enum   []string `json:"enum,omitempty"`
	Ref    string   `json:"$ref,omitempty"`
}

type queryablesDoc struct {
	Schema     string                `json:"$schema"`
	ID         string                `json:"$id"`
	Type       string                `json:"type"`
	Title      string                `json:"title"`
	Properties map[string]schemaProp `json:"properties"`
	// Order keeps the attribute table's order for the HTML page (JSON objects have none).
	Order                []string `json:"-"`
	AdditionalProperties bool     `json:"additionalProperties"`
}

// geometryFormats are the Part 5 formats naming each layer's geometry type.
var geometryFormats = map[model.Layer]string{
	model.LayerGrid:         "geometry-multipolygon",
	model.LayerBuilding:     "geometry-multipolygon",
	model.LayerPartyUnit:    "geometry-point",
	model.LayerCamera:       "geometry-point",
	model.LayerServicePoint: "geometry-point",
	model.LayerIncident:     "geometry-point",
	model.LayerWorker:       "geometry-point",
	model.LayerVisit:        "geometry-point",
}

// queryablesOf is the JSON Schema of what the caller may filter a collection's items
// on: the geometry (S_INTERSECTS, bbox) and the queryable properties it may see.
func queryablesOf(ctx context.Context, c collectionDef, id string) queryablesDoc {
	d := queryablesDoc{Schema: "https://json-schema.org/draft/2020-12/schema", ID: id, Type: "object", Title: c.title,
		Properties: map[string]schemaProp{"geometry": {Title: "几何", Format: geometryFormats[c.layer]}}, Order: []string{"geometry"}}
	for _, p := range store.Properties(ctx, c.layer) {
		if p.Queryable {
			d.Properties[p.Name] = propSchema(p)
			d.Order = append(d.Order, p.Name)
		}
	}
	return d
}

func propSchema(p store.Property) schemaProp {
	return schemaProp{Title: p.Title, Type: p.Type, Format: p.Format, Enum: p.Enum}
}

func (s *Server) queryables(w http.ResponseWriter, r *http.Request) error {
	c, err := collectionOf(r)
	if err != nil {
		return err
	}
	f, err := s.check(r, nil)
	if err != nil {
		return err
	}
	doc := queryablesOf(r.Context(), c, s.baseURL(r)+Prefix+"/collections/"+c.id+"/queryables")
	s.write(w, r, f, "application/schema+json", "queryables", page{Title: c.title + " · 可查询属性", Data: doc})
	return nil
}
