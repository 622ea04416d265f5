package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestZoomAwareGeometry(t *testing.T) {
	a := district(t)
	size := func(zoom int) int {
		r := a.do(`query($z: Int) { featureCollection(area: {gridCode: "150203"}, layers: [GRID], zoom: $z) }`, map[string]any{"z": zoom})
		if len(r.Errors) > 0 {
			t.Fatalf("zoom %d: %+v", zoom, r.Errors)
		}
		return len(r.Data)
	}
	t.Run("grid outlines shrink at low zoom", func(t *testing.T) {
		low, high := size(10), size(18)
		t.Logf("all grid units as GeoJSON: %d bytes at z10, %d at z18", low, high)
		if low*2 > high {
			t.Errorf("z10 collection is %d bytes, z18 %d: want less than half", low, high)
		}
	})
	t.Run("geometry(simplify:) drops vertices and rounds coordinates", func(t *testing.T) {
		var got struct {
			Grid struct{ Raw, Simple json.RawMessage }
		}
		a.data(`{ grid(code: "150203") { raw: geometry simple: geometry(simplify: 100) } }`, nil, &got)
		if len(got.Grid.Simple)*2 > len(got.Grid.Raw) {
			t.Errorf("simplified outline %d bytes, raw %d: want less than half", len(got.Grid.Simple), len(got.Grid.Raw))
		}
		var g struct{ Type string }
		if json.Unmarshal(got.Grid.Simple, &g) != nil || g.Type != "MultiPolygon" {
			t.Errorf("simplified geometry is not a MultiPolygon: %.100s", got.Grid.Simple)
		}
	})
	t.Run("features(zoom:) simplifies its nodes' geometry by default", func(t *testing.T) {
		var got struct {
			Features struct {
				Edges []struct {
					Node struct{ Geometry json.RawMessage }
				}
			}
		}
		a.data(`{ features(area: {gridCode: "150203"}, layers: [GRID], first: 1, zoom: 10) { edges { node { geometry } } } }`, nil, &got)
		var raw struct {
			Grid struct{ Geometry json.RawMessage }
		}
		a.data(`{ grid(code: "150203") { geometry } }`, nil, &raw)
		if z := got.Features.Edges[0].Node.Geometry; len(z)*2 > len(raw.Grid.Geometry) {
			t.Errorf("at zoom 10 the district outline is %d bytes, unsimplified %d", len(z), len(raw.Grid.Geometry))
		}
	})
	t.Run("a simplify tolerance out of range is OUT_OF_RANGE", func(t *testing.T) {
		r := a.do(`{ grid(code: "150203") { geometry(simplify: -1) } }`, nil)
		if len(r.Errors) == 0 || r.Errors[0].code() != "OUT_OF_RANGE" || !strings.Contains(r.Errors[0].Message, "simplify") {
			t.Errorf("got %.200s", r.raw)
		}
	})
}
