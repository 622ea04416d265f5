package geo

import (
	"bytes"
	"testing"

	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/geojson"
)

// AppendWKB writes what orb writes for every geometry type it reads, and leaves the rest
// to orb.
func TestAppendWKBMatchesOrb(t *testing.T) {
	for _, c := range []struct{ name, geojson string }{
		{"a point", `{"type":"Point","coordinates":[109.8325,40.6411]}`},
		{"a point with a height and odd spacing", `{ "coordinates" : [ 109.8325 , 40.6411, 1050.5 ] , "type" : "Point" }`},
		{"a line", `{"type":"LineString","coordinates":[[1,2],[3,4.5e-3]]}`},
		{"a polygon with a hole", `{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[1,1],[2,1],[2,2],[1,1]]]}`},
		{"points", `{"type":"MultiPoint","coordinates":[[1,2],[-3,-4]]}`},
		{"lines", `{"type":"MultiLineString","coordinates":[[[1,2],[3,4]],[[5,6],[7,8]]]}`},
		{"polygons, after a foreign member", `{"bbox":[0,0,1,1],"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,2],[3,2],[3,3],[2,2]]]]}`},
		{"an empty polygon", `{"type":"Polygon","coordinates":[]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, err := geojson.UnmarshalGeometry([]byte(c.geojson))
			if err != nil {
				t.Fatal(err)
			}
			want, err := wkb.Marshal(g.Geometry())
			if err != nil {
				t.Fatal(err)
			}
			got, ok := AppendWKB(nil, []byte(c.geojson))
			if !ok || !bytes.Equal(got, want) {
				t.Errorf("got %x (%v), want %x", got, ok, want)
			}
		})
	}
	for _, c := range []struct{ name, geojson string }{
		{"a collection", `{"type":"GeometryCollection","geometries":[]}`},
		{"a point of one ordinate", `{"type":"Point","coordinates":[1]}`},
		{"a polygon given as a line", `{"type":"Polygon","coordinates":[[1,2],[3,4]]}`},
		{"an unknown type", `{"type":"Circle","coordinates":[1,2]}`},
		{"no coordinates", `{"type":"Point"}`},
	} {
		t.Run(c.name+" is left to orb", func(t *testing.T) {
			if got, ok := AppendWKB(nil, []byte(c.geojson)); ok {
				t.Errorf("read as %x", got)
			}
		})
	}
}
