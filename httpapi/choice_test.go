package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
)

// TestChosenProperties: featureCollection(properties:) and the tiles' ?properties= keep
// the properties named, refuse names that do not exist (BAD_INPUT, 400) and names the
// caller may not read (FORBIDDEN, 403); collections are compact JSON.
func TestChosenProperties(t *testing.T) {
	g := guardedDistrict(t)
	cc := g.keys["command_center"]
	const collection = `query($p: [String!]) { featureCollection(area: {gridCode: "150203002"}, layers: [INCIDENT, CAMERA], properties: $p, limit: 50) }`
	keys := func(t *testing.T, raw json.RawMessage) map[string]bool {
		var fc struct {
			FeatureCollection struct {
				Features []struct{ Properties map[string]any }
			}
		}
		if err := json.Unmarshal(raw, &fc); err != nil || len(fc.FeatureCollection.Features) == 0 {
			t.Fatalf("no features: %v %.200s", err, raw)
		}
		seen := map[string]bool{}
		for _, f := range fc.FeatureCollection.Features {
			for k := range f.Properties {
				seen[k] = true
			}
		}
		return seen
	}
	t.Run("a collection is written without spaces around colons", func(t *testing.T) {
		r := g.as(cc, collection, nil)
		if len(r.Errors) > 0 || strings.Contains(string(r.raw), `" : `) || strings.Contains(string(r.raw), `", "`) {
			t.Errorf("%.300s", r.raw)
		}
	})
	t.Run("a collection keeps the properties chosen, and layer", func(t *testing.T) {
		r := g.as(cc, collection, map[string]any{"p": []string{"name", "status"}})
		if len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		got := keys(t, r.Data)
		if len(got) != 3 || !got["layer"] || !got["name"] || !got["status"] {
			t.Errorf("properties %v, want layer, name and status", got)
		}
	})
	for _, c := range []struct {
		name, key, code string
		props           []string
	}{
		{"a property no layer has is BAD_INPUT", cc, "BAD_INPUT", []string{"name", "colour"}},
		{"a property the role may not read is FORBIDDEN", "public", "FORBIDDEN", []string{"code"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			key := c.key
			if k, ok := g.keys[c.key]; ok {
				key = k
			}
			layers := "[INCIDENT, CAMERA]"
			if c.key == "public" {
				layers = "[INCIDENT]"
			}
			r := g.as(key, strings.Replace(collection, "[INCIDENT, CAMERA]", layers, 1), map[string]any{"p": c.props})
			if r.codeOf() != c.code {
				t.Errorf("got %s: %s", r.codeOf(), r.raw)
			}
		})
	}

	tile := centreTile(16)
	path := fmt.Sprintf("/tiles/incident/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y)
	for _, c := range []struct{ query, want string }{
		{"name,status", "name,status"},
		{"id,status", "id,status"},
		{"", "category,code,id,name,overdue,priority,status"},
	} {
		t.Run("a tile keeps the attributes chosen: "+c.query, func(t *testing.T) {
			q := ""
			if c.query != "" {
				q = "?properties=" + c.query
			}
			r := getTile(t, g.api, path+q, map[string]string{"Authorization": "Bearer " + cc})
			ls, err := mvt.Unmarshal(r.body)
			if r.status != http.StatusOK || err != nil || len(ls) != 1 || len(ls[0].Features) == 0 {
				t.Fatalf("status %d, %v", r.status, err)
			}
			var got []string
			for k := range ls[0].Features[0].Properties {
				got = append(got, k)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != c.want {
				t.Errorf("attributes %v, want %s", got, c.want)
			}
			if ls[0].Features[0].ID == nil {
				t.Error("a feature without its MVT id")
			}
		})
	}
	for _, c := range []struct {
		name, query, role string
		status            int
	}{
		{"an attribute no layer has is a bad request", "?properties=name,colour", "command_center", http.StatusBadRequest},
		{"an attribute the role may not read is forbidden", "?properties=code", "public", http.StatusForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			if r := getTile(t, g.api, path+c.query, map[string]string{"Authorization": "Bearer " + g.keys[c.role]}); r.status != c.status {
				t.Errorf("status %d, want %d: %s", r.status, c.status, r.body)
			}
		})
	}
}
