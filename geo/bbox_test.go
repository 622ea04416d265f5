package geo

import (
	"math"
	"testing"
)

func TestParseAreaBBox(t *testing.T) {
	testAreas(t, []areaCase{
		{"a bbox over the district is accepted", AreaSpec{BBox: []float64{109.78, 40.60, 109.90, 40.70}}, AreaBBox, "", ""},
		{"a bbox of one point is accepted", AreaSpec{BBox: []float64{109.8, 40.6, 109.8, 40.6}}, AreaBBox, "", ""},
		{"a bbox of the whole world is accepted", AreaSpec{BBox: []float64{-180, -90, 180, 90}}, AreaBBox, "", ""},
		{"a bbox of three numbers is a bad area", AreaSpec{BBox: []float64{1, 2, 3}}, 0, ProblemArea, "bbox must have 4 numbers [minLon, minLat, maxLon, maxLat], not 3"},
		{"a bbox with NaN is a bad area", AreaSpec{BBox: []float64{math.NaN(), 0, 1, 1}}, 0, ProblemArea, "bbox must hold finite numbers"},
		{"a bbox with infinity is a bad area", AreaSpec{BBox: []float64{0, 0, math.Inf(1), 1}}, 0, ProblemArea, "bbox must hold finite numbers"},
		{"a bbox past 180 is a bad area", AreaSpec{BBox: []float64{170, 0, 190, 1}}, 0, ProblemArea, "bbox maxLon 190 is outside [-180, 180]"},
		{"a bbox past the pole is a bad area", AreaSpec{BBox: []float64{0, -91, 1, 1}}, 0, ProblemArea, "bbox minLat -91 is outside [-90, 90]"},
		{"a bbox with lat and lon swapped is a bad area", AreaSpec{BBox: []float64{40.60, 109.78, 40.70, 109.90}}, 0, ProblemArea, "bbox minLat 109.78 is outside [-90, 90]"},
		{"a bbox with west east of east is a bad area", AreaSpec{BBox: []float64{109.9, 40.6, 109.8, 40.7}}, 0, ProblemArea, "bbox minLon 109.9 is greater than maxLon 109.8; boxes across the antimeridian are not supported"},
		{"a bbox with south north of north is a bad area", AreaSpec{BBox: []float64{109.8, 40.7, 109.9, 40.6}}, 0, ProblemArea, "bbox minLat 40.7 is greater than maxLat 40.6"},
	})
}
