package ogc

import (
	"net/http"
	"strconv"

	"gridhub/model"
	"gridhub/store"
)

// obj is a JSON object of the OpenAPI document.
type obj = map[string]any

func ref(name string) obj { return obj{"$ref": name} }

func param(name, in, desc string, schema obj) obj {
	o := obj{"name": name, "in": in, "description": desc, "required": in == "path", "schema": schema}
	if in == "query" {
		// Lists are comma-separated: bbox=1,2,3,4.
		o["style"], o["explode"] = "form", false
	}
	return o
}

// parameters are the query parameters /items takes, as components.
var parameters = obj{
	"f": param("f", "query", "json (GeoJSON/JSON) or html; without it, the Accept header decides.", obj{"type": "string", "enum": []string{"json", "html"}}),
	"bbox": param("bbox", "query", "Only features intersecting the box: 4 numbers (or 6 with heights, ignored), in bbox-crs, axis order as that CRS has it.",
		obj{"type": "array", "minItems": 4, "maxItems": 6, "items": obj{"type": "number"}}),
	"bbox-crs": param("bbox-crs", "query", "The CRS of bbox (default CRS84).", obj{"type": "string", "format": "uri"}),
	"crs":      param("crs", "query", "The CRS of the geometry in the response (default CRS84); Content-Crs says which was used.", obj{"type": "string", "format": "uri"}),
	"limit": param("limit", "query", "Features on one page.",
		obj{"type": "integer", "minimum": 1, "maximum": maxLimit, "default": defaultLimit}),
	"datetime": param("datetime", "query", "Incidents only: reportedAt at an instant, on a date, or in an interval a/b (.. or empty for an open end).", obj{"type": "string"}),
	"properties": param("properties", "query", "The properties to include, comma-separated.",
		obj{"type": "array", "items": obj{"type": "string"}}),
	"filter":      param("filter", "query", "A CQL2 text filter: comparisons, AND/OR/NOT, IS NULL, IN, S_INTERSECTS.", obj{"type": "string"}),
	"filter-lang": param("filter-lang", "query", "The filter's language.", obj{"type": "string", "enum": []string{"cql2-text"}, "default": "cql2-text"}),
	"filter-crs":  param("filter-crs", "query", "The CRS of the filter's geometries (default CRS84).", obj{"type": "string", "format": "uri"}),
	"after":       param("after", "query", "Paging: the features after this key (next links carry it).", obj{"type": "integer", "minimum": 1}),
	"before":      param("before", "query", "Paging: the features before this key (prev links carry it).", obj{"type": "integer", "minimum": 1}),
	"featureId":   param("featureId", "path", "A feature's id (the global id GraphQL's node(id) takes).", obj{"type": "string"}),
}

var schemas = obj{
	"link": obj{"type": "object", "required": []string{"href", "rel"}, "properties": obj{
		"href": obj{"type": "string"}, "rel": obj{"type": "string"}, "type": obj{"type": "string"}, "title": obj{"type": "string"}}},
	"links":     obj{"type": "array", "items": ref("#/components/schemas/link")},
	"exception": obj{"type": "object", "required": []string{"code"}, "properties": obj{"code": obj{"type": "string"}, "description": obj{"type": "string"}}},
	"landingPage": obj{"type": "object", "required": []string{"links"}, "properties": obj{
		"title": obj{"type": "string"}, "description": obj{"type": "string"}, "links": ref("#/components/schemas/links")}},
	"confClasses": obj{"type": "object", "required": []string{"conformsTo"}, "properties": obj{
		"conformsTo": obj{"type": "array", "items": obj{"type": "string"}}}},
	"collection": obj{"type": "object", "required": []string{"id", "links"}, "properties": obj{
		"id": obj{"type": "string"}, "title": obj{"type": "string"}, "description": obj{"type": "string"},
		"links": ref("#/components/schemas/links"), "extent": obj{"type": "object"}, "itemType": obj{"type": "string"},
		"crs": obj{"type": "array", "items": obj{"type": "string"}}, "storageCrs": obj{"type": "string"}}},
	"collections": obj{"type": "object", "required": []string{"links", "collections"}, "properties": obj{
		"links": ref("#/components/schemas/links"), "collections": obj{"type": "array", "items": ref("#/components/schemas/collection")},
		"crs": obj{"type": "array", "items": obj{"type": "string"}}}},
	"feature": obj{"type": "object", "required": []string{"type", "geometry", "properties"}, "properties": obj{
		"type": obj{"type": "string", "enum": []string{"Feature"}}, "id": obj{"type": "string"},
		"geometry": obj{"type": "object", "nullable": true}, "properties": obj{"type": "object", "nullable": true},
		"links": ref("#/components/schemas/links")}},
	"featureCollection": obj{"type": "object", "required": []string{"type", "features"}, "properties": obj{
		"type": obj{"type": "string", "enum": []string{"FeatureCollection"}}, "features": obj{"type": "array", "items": ref("#/components/schemas/feature")},
		"links": ref("#/components/schemas/links"), "timeStamp": obj{"type": "string", "format": "date-time"},
		"numberMatched": obj{"type": "integer", "minimum": 0}, "numberReturned": obj{"type": "integer", "minimum": 0}}},
	"queryables": obj{"type": "object", "properties": obj{"properties": obj{"type": "object"}}},
}

// respond is a 200 answer of schema in JSON (of type mediaType) and HTML, and the errors.
func respond(desc, mediaType, schema string) obj {
	exc := obj{"description": "An exception, with the hub's error code in code.",
		"content": obj{"application/json": obj{"schema": ref("#/components/schemas/exception")}}}
	return obj{
		"200": obj{"description": desc, "content": obj{mediaType: obj{"schema": ref("#/components/schemas/" + schema)},
			"text/html": obj{"schema": obj{"type": "string"}}}},
		"400": exc, "401": exc, "403": exc, "404": exc, "429": exc, "500": exc, "503": exc,
	}
}

func get(summary, id string, params []any, responses obj) obj {
	return obj{"get": obj{"summary": summary, "operationId": id, "parameters": params, "responses": responses}}
}

func pref(names ...string) []any {
	out := []any{}
	for _, n := range names {
		out = append(out, ref("#/components/parameters/"+n))
	}
	return out
}

// openAPI is the API's OpenAPI 3.0 document as the caller sees it: the collections it
// may read, each with the query parameters of its queryables.
func (s *Server) openAPI(r *http.Request) obj {
	paths := obj{
		"/":            get("Landing page", "getLandingPage", pref("f"), respond("The landing page.", "application/json", "landingPage")),
		"/conformance": get("Conformance classes", "getConformance", pref("f"), respond("The conformance classes.", "application/json", "confClasses")),
		"/api":         get("This document", "getAPI", pref("f"), obj{"200": obj{"description": "The OpenAPI document.", "content": obj{"application/vnd.oai.openapi+json;version=3.0": obj{"schema": obj{"type": "object"}}}}}),
		"/collections": get("The collections", "getCollections", pref("f"), respond("The collections the caller may read.", "application/json", "collections")),
	}
	ctx := r.Context()
	for _, c := range collectionDefs {
		if !readable(r, c.layer) {
			continue
		}
		base := "/collections/" + c.id
		paths[base] = get(c.title, "describe_"+c.id, pref("f"), respond("The collection.", "application/json", "collection"))
		paths[base+"/queryables"] = get(c.title+": queryables", "queryables_"+c.id, pref("f"), respond("Its queryables (JSON Schema).", "application/schema+json", "queryables"))
		ps := pref("f", "bbox", "bbox-crs", "crs", "limit", "properties", "filter", "filter-lang", "filter-crs", "after", "before")
		if c.layer == model.LayerIncident {
			ps = append(ps, ref("#/components/parameters/datetime"))
		}
		for _, p := range store.Properties(ctx, c.layer) {
			if p.Queryable {
				sch := obj{"type": p.Type}
				if p.Format != "" {
					sch["format"] = p.Format
				}
				if p.Enum != nil {
					// Several values of an enumeration may be given, comma-separated.
					sch = obj{"type": "string"}
				}
				ps = append(ps, param(p.Name, "query", p.Title+" equals this value", sch))
			}
		}
		paths[base+"/items"] = get(c.title+": features", "items_"+c.id, ps, respond("A page of features.", "application/geo+json", "featureCollection"))
		paths[base+"/items/{featureId}"] = get(c.title+": one feature", "item_"+c.id, pref("f", "featureId", "crs", "properties"),
			respond("The feature.", "application/geo+json", "feature"))
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{"title": "gridhub OGC API – Features", "version": "1.0.0",
			"description": "The district's governance grid map as OGC API – Features (Parts 1, 2 and 3), under the caller's role. " +
				"Limit: at most " + strconv.Itoa(maxLimit) + " features a page."},
		"servers": []any{obj{"url": s.baseURL(r) + Prefix}},
		"paths":   paths,
		"components": obj{
			"parameters": parameters,
			"schemas":    schemas,
			"securitySchemes": obj{
				"bearer": obj{"type": "http", "scheme": "bearer", "description": "An API key (gh_…) or a department's JWT."},
				"apiKey": obj{"type": "apiKey", "in": "query", "name": "api_key", "description": "The same credential, for clients that drop headers."},
			},
		},
		// Without a credential a caller acts in the anonymous role, where one is configured.
		"security": []any{obj{}, obj{"bearer": []string{}}, obj{"apiKey": []string{}}},
	}
}

type apiPath struct{ Path, Summary string }

func (s *Server) api(w http.ResponseWriter, r *http.Request) error {
	f, err := s.check(r, nil)
	if err != nil {
		return err
	}
	doc := s.openAPI(r)
	if f == formatHTML {
		var ps []apiPath
		paths := doc["paths"].(obj)
		for _, p := range []string{"/", "/conformance", "/api", "/collections"} {
			ps = append(ps, apiPath{Prefix + p, paths[p].(obj)["get"].(obj)["summary"].(string)})
		}
		for _, c := range collectionDefs {
			for _, suffix := range []string{"", "/queryables", "/items", "/items/{featureId}"} {
				if op, ok := paths["/collections/"+c.id+suffix].(obj); ok {
					ps = append(ps, apiPath{Prefix + "/collections/" + c.id + suffix, op["get"].(obj)["summary"].(string)})
				}
			}
		}
		s.html(w, r, http.StatusOK, "api", page{Title: "接口说明 (OpenAPI)", Data: struct {
			JSON  string
			Paths []apiPath
		}{s.linker(r).href("/api", nil, "json"), ps}})
		return nil
	}
	s.write(w, r, f, "application/vnd.oai.openapi+json;version=3.0", "", page{Data: doc})
	return nil
}
