package geo

import (
	"fmt"
	"testing"
)

func TestReadCoordinates(t *testing.T) {
	tests := []struct {
		name   string
		coords string
		multi  bool
		want   string // fmt of the MultiPolygon, or the error message
	}{
		{"a polygon's rings are read", `[[[0,0],[1,0],[1,1],[0,0]]]`, false, "[[[[0 0] [1 0] [1 1] [0 0]]]]"},
		{"spaces anywhere are allowed", " [ [ [ 0 , 0 ] ,\n[ 1 , 0 ] ] , [ ] ] ", false, "[[[[0 0] [1 0]] []]]"},
		{"a multipolygon's polygons are read", `[[[[0,0],[1,1]]],[[[2,2]]]]`, true, "[[[[0 0] [1 1]]] [[[2 2]]]]"},
		{"an altitude is dropped", `[[[0,0,100],[1,0,-5.5]]]`, false, "[[[[0 0] [1 0]]]]"},
		{"exponents and negative zero are numbers", `[[[1e1,-0],[-2.5E-1,3]]]`, false, "[[[[10 -0] [-0.25 3]]]]"},
		{"an empty multipolygon is an error", `[]`, true, "polygon has no coordinates"},
		{"an empty polygon is an error", `[]`, false, "polygon 0 has no rings"},
		{"an empty polygon in a multipolygon is an error", `[[[[0,0]]],[]]`, true, "polygon 1 has no rings"},
		{"a position of one number is an error", `[[[0,0],[1]]]`, false, "ring 0 of polygon 0, position 1: a position has 2 or 3 numbers, not 1"},
		{"an empty position is an error", `[[[]]]`, false, "ring 0 of polygon 0, position 0: a position has 2 or 3 numbers, not 0"},
		{"a position of four numbers is an error", `[[[0,0],[1,2,3,4]]]`, false, "ring 0 of polygon 0, position 1: a position has 2 or 3 numbers, not 4"},
		{"a ring where a polygon belongs is a shape error", `[[[0,0],[1,1]]]`, true, "MultiPolygon coordinates must be an array of polygons, each an array of rings of [lon, lat] positions (at byte 3)"},
		{"a null position is a shape error", `[[null]]`, false, "Polygon coordinates must be an array of rings, each an array of [lon, lat] positions (at byte 2)"},
		{"an object is a shape error", `{"a":1}`, false, "Polygon coordinates must be an array of rings, each an array of [lon, lat] positions (at byte 0)"},
		{"a number too large names its byte", `[[[0, 1e999]]]`, false, "ring 0 of polygon 0, position 0: the number at byte 6 is too large for a float64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := []byte(tt.coords)
			mp, err := readCoordinates(c, c, tt.multi, 0)
			got := fmt.Sprint(mp)
			if err != nil {
				got = err.Message
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	t.Run("byte offsets count from the start of the whole document", func(t *testing.T) {
		doc := []byte(`{"coordinates":[[[0,0],[1]]]}`)
		_, err := readCoordinates(doc, doc[15:len(doc)-1], false, 0)
		_, err2 := readCoordinates(doc, doc[15:len(doc)-1], true, 0)
		if err == nil || err2 == nil || err2.Message != "MultiPolygon coordinates must be an array of polygons, each an array of rings of [lon, lat] positions (at byte 18)" {
			t.Errorf("got %v and %v", err, err2)
		}
	})
	t.Run("the rings share one backing array and cannot grow into each other", func(t *testing.T) {
		c := []byte(`[[[0,0],[1,1]],[[2,2]]]`)
		mp, err := readCoordinates(c, c, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		r0 := mp[0][0]
		if cap(r0) != len(r0) {
			t.Errorf("ring 0 has spare capacity %d: appending to it would overwrite ring 1", cap(r0)-len(r0))
		}
	})
}
