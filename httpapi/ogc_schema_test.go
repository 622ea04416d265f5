package httpapi

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// ogcSchemas compiles the OGC API – Features Part 1 schemas vendored under testdata.
func ogcSchemas(t *testing.T) func(name string) *jsonschema.Schema {
	t.Helper()
	dir := filepath.Join("testdata", "ogcapi-features-1")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no OGC schemas in %s: %v", dir, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := yaml.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// The schemas write "type: null" unquoted, which YAML reads as null rather than
		// the type name "null" they mean.
		fixNullTypes(v)
		js, _ := json.Marshal(v)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("https://schemas.test/"+filepath.Base(f), doc); err != nil {
			t.Fatal(err)
		}
	}
	return func(name string) *jsonschema.Schema {
		s, err := c.Compile("https://schemas.test/" + name)
		if err != nil {
			t.Fatalf("compile %s: %v", name, err)
		}
		return s
	}
}

func fixNullTypes(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k == "type" && x == nil {
				v[k] = "null"
			}
			if ts, ok := x.([]any); ok && k == "type" {
				for i, t := range ts {
					if t == nil {
						ts[i] = "null"
					}
				}
			}
			fixNullTypes(x)
		}
	case []any:
		for _, x := range v {
			fixNullTypes(x)
		}
	}
}

func TestOGCDocumentsValidate(t *testing.T) {
	a := district(t)
	schema := ogcSchemas(t)
	var anIncident ogcFeatures
	ogcJSON(t, a, "/ogc/collections/incidents/items?limit=1", "", &anIncident)
	for _, c := range []struct{ path, schema string }{
		{"/ogc", "landingPage.yaml"},
		{"/ogc/conformance", "confClasses.yaml"},
		{"/ogc/collections", "collections.yaml"},
		{"/ogc/collections/incidents", "collection.yaml"},
		{"/ogc/collections/grids", "collection.yaml"},
		{"/ogc/collections/incidents/items?limit=50", "featureCollectionGeoJSON.yaml"},
		{"/ogc/collections/grids/items?limit=5&crs=EPSG:3857", "featureCollectionGeoJSON.yaml"},
		{"/ogc/collections/incidents/items/" + anIncident.Features[0].ID, "featureGeoJSON.yaml"},
		{"/ogc/collections/rivers", "exception.yaml"},
	} {
		t.Run(c.path+" against "+c.schema, func(t *testing.T) {
			r := ogcGet(t, a, c.path, "")
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
			if err != nil {
				t.Fatalf("%d, not JSON: %.200s", r.status, r.body)
			}
			if err := schema(c.schema).Validate(doc); err != nil {
				t.Errorf("%v", err)
			}
		})
	}
	t.Run("queryables are a JSON Schema", func(t *testing.T) {
		for _, coll := range []string{"incidents", "grids", "cameras"} {
			r := ogcGet(t, a, "/ogc/collections/"+coll+"/queryables", "")
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
			if err != nil {
				t.Fatalf("%s: %.200s", coll, r.body)
			}
			c := jsonschema.NewCompiler()
			if err := c.AddResource("https://queryables.test/"+coll, doc); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Compile("https://queryables.test/" + coll); err != nil {
				t.Errorf("%s: %v", coll, err)
			}
		}
	})
	t.Run("the OpenAPI document is valid OpenAPI 3.0", func(t *testing.T) {
		// The document differs by role: the collections and queryables it may read.
		for who, srv := range map[string]*api{"the command centre": a, "the public": guardedDistrict(t).api} {
			r := ogcGet(t, srv, "/ogc/api", "")
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/vnd.oai.openapi+json") {
				t.Errorf("Content-Type %q", ct)
			}
			loader := openapi3.NewLoader()
			doc, err := loader.LoadFromData(r.body)
			if err != nil {
				t.Fatalf("%s: load: %v", who, err)
			}
			if err := doc.Validate(loader.Context); err != nil {
				t.Errorf("%s: invalid: %v", who, err)
			}
			if doc.Paths.Find("/collections/incidents/items") == nil {
				t.Errorf("%s: no path for the incidents' items", who)
			}
			if cams := doc.Paths.Find("/collections/cameras/items") != nil; cams != (who == "the command centre") {
				t.Errorf("%s: a path for cameras: %v", who, cams)
			}
		}
	})
}
