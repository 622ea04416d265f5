package geo

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

func TestParseArea(t *testing.T) {
	square := []byte(`{"type":"Polygon","coordinates":[[[109.80,40.62],[109.82,40.62],[109.82,40.64],[109.80,40.64],[109.80,40.62]]]}`)
	str := func(s string) *string { return &s }
	testAreas(t, []areaCase{
		{"nothing given is a bad area", AreaSpec{}, 0, ProblemArea, "give exactly one of bbox, polygon, circle, gridCode, tile"},
		{"a bbox and a tile together are a bad area", AreaSpec{BBox: []float64{0, 0, 1, 1}, Tile: &TileSpec{}}, 0, ProblemArea, "give exactly one of bbox, polygon, circle, gridCode, tile"},
		{"an empty but present bbox still counts as given", AreaSpec{BBox: []float64{}, GridCode: str("150203")}, 0, ProblemArea, "give exactly one of bbox, polygon, circle, gridCode, tile"},
		{"an unknown crs is a bad area", AreaSpec{BBox: []float64{0, 0, 1, 1}, CRS: "EPSG:3857"}, 0, ProblemArea, `crs must be one of WGS84, CGCS2000, GCJ02, BD09, not "EPSG:3857"`},
		{"a polygon is accepted", AreaSpec{Polygon: square}, AreaPolygon, "", ""},
		{"a bow-tie polygon keeps its geometry error", AreaSpec{Polygon: []byte(`{"type":"Polygon","coordinates":[[[0,0],[2,2],[2,0],[0,2],[0,0]]]}`)}, 0, ProblemGeometry, "ring 0 of polygon 0 crosses itself at segments 0 and 2 near (1, 1)"},
		{"a polygon over the vertex limit is too complex", AreaSpec{Polygon: square, CRS: GCJ02}, 0, ProblemComplexity, "polygon has 5 vertices; the limit is 4"},
		{"an empty polygon is a bad geometry", AreaSpec{Polygon: []byte{}}, 0, ProblemGeometry, "polygon must be a GeoJSON geometry object: it is empty"},
	})
}

// areaCase is one row of the ParseArea tables; kind is checked when code is
// empty, code and message otherwise.
type areaCase struct {
	name string
	spec AreaSpec
	kind AreaKind
	code Problem
	msg  string
}

func testAreas(t *testing.T, tests []areaCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit := 100
			if tt.code == ProblemComplexity {
				limit = 4
			}
			a, err := ParseArea(tt.spec, limit)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				if a.Kind != tt.kind {
					t.Errorf("kind: got %v, want %v", a.Kind, tt.kind)
				}
				checkArea(t, a)
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%T), want *Error", err, err)
			}
			if e.Problem != tt.code || e.Message != tt.msg {
				t.Errorf("got %s %q,\nwant %s %q", e.Problem, e.Message, tt.code, tt.msg)
			}
		})
	}
}

func TestParseAreaCRS(t *testing.T) {
	t.Run("a GCJ-02 circle around the test vector is centred on its WGS84 point", func(t *testing.T) {
		a, err := ParseArea(AreaSpec{CRS: GCJ02, Circle: &CircleSpec{Center: vectorGCJ02[:], RadiusMeters: 500}}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if d := orbgeo.Distance(a.Center, vectorWGS84); d > 0.1 {
			t.Errorf("centre %v is %.2f m from %v", a.Center, d, vectorWGS84)
		}
		if !a.Bound.Contains(vectorWGS84) {
			t.Errorf("bound %v does not contain the centre", a.Bound)
		}
	})
	t.Run("a BD-09 bbox is the envelope of its four converted corners", func(t *testing.T) {
		b := []float64{109.80, 40.62, 109.86, 40.66}
		a, err := ParseArea(AreaSpec{CRS: BD09, BBox: b}, 0)
		if err != nil {
			t.Fatal(err)
		}
		var want orb.Bound
		for i, c := range [][2]float64{{b[0], b[1]}, {b[2], b[1]}, {b[2], b[3]}, {b[0], b[3]}} {
			lon, lat := ToWGS84(BD09, c[0], c[1])
			if i == 0 {
				want = orb.Point{lon, lat}.Bound()
			}
			want = want.Extend(orb.Point{lon, lat})
		}
		if a.Bound != want {
			t.Errorf("got %v, want %v", a.Bound, want)
		}
		// BD-09 sits north-east of WGS84 near Baotou, so the box moves back
		// south-west by hundreds of metres.
		if a.Bound.Min[0] >= b[0] || a.Bound.Min[1] >= b[1] {
			t.Errorf("got %v, want it south-west of %v", a.Bound, b)
		}
	})
	t.Run("a GCJ-02 polygon has every vertex converted", func(t *testing.T) {
		raw := []byte(`{"type":"Polygon","coordinates":[[[109.838221,40.642252],[109.848221,40.642252],[109.848221,40.652252],[109.838221,40.642252]]]}`)
		a, err := ParseArea(AreaSpec{CRS: GCJ02, Polygon: raw}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if d := orbgeo.Distance(a.Polygon[0][0][0], vectorWGS84); d > 0.1 {
			t.Errorf("first vertex %v is %.2f m from %v", a.Polygon[0][0][0], d, vectorWGS84)
		}
		if a.Bound != a.Polygon.Bound() {
			t.Errorf("bound %v is not the polygon's %v", a.Bound, a.Polygon.Bound())
		}
	})
	t.Run("a CGCS2000 bbox is taken as it is", func(t *testing.T) {
		a, err := ParseArea(AreaSpec{CRS: CGCS2000, BBox: []float64{109.8, 40.6, 109.9, 40.7}}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := (orb.Bound{Min: orb.Point{109.8, 40.6}, Max: orb.Point{109.9, 40.7}}); a.Bound != want {
			t.Errorf("got %v, want %v", a.Bound, want)
		}
	})
	t.Run("a tile ignores the crs, as tiles are defined over WGS84", func(t *testing.T) {
		a, err := ParseArea(AreaSpec{CRS: BD09, Tile: &TileSpec{Z: 14, X: 13190, Y: 6164}}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := TileBound(14, 13190, 6164); a.Bound != want {
			t.Errorf("got %v, want %v", a.Bound, want)
		}
	})
}

func FuzzParseArea(f *testing.F) {
	square := `{"type":"Polygon","coordinates":[[[109.80,40.62],[109.82,40.62],[109.82,40.64],[109.80,40.64],[109.80,40.62]]]}`
	// mask picks the fields given: 1 bbox, 2 polygon, 4 circle, 8 gridCode,
	// 16 tile; n is the length of the bbox and circle centre slices.
	f.Add(uint8(1), uint8(4), 109.78, 40.60, 109.90, 40.70, "", 0.0, "", 0, 0, 0, "")
	f.Add(uint8(1), uint8(4), 109.78, 40.60, 109.90, 40.70, "", 0.0, "", 0, 0, 0, "BD09")
	f.Add(uint8(1), uint8(4), 137.8, 55.8, 137.9, 55.9, "", 0.0, "", 0, 0, 0, "GCJ02")
	f.Add(uint8(1), uint8(3), 1.0, 2.0, 3.0, 4.0, "", 0.0, "", 0, 0, 0, "")
	f.Add(uint8(1), uint8(4), math.NaN(), 0.0, math.Inf(1), 1.0, "", 0.0, "", 0, 0, 0, "")
	f.Add(uint8(2), uint8(0), 0.0, 0.0, 0.0, 0.0, square, 0.0, "", 0, 0, 0, "GCJ02")
	f.Add(uint8(2), uint8(0), 0.0, 0.0, 0.0, 0.0, `{"type":"Polygon","coordinates":[[[72.0,30],[72.01,30],[72.01,30.01],[72.0,30]]]}`, 0.0, "", 0, 0, 0, "BD09")
	f.Add(uint8(2), uint8(0), 0.0, 0.0, 0.0, 0.0, `{"type":"Polygon","crs":{},"coordinates":[]}`, 0.0, "", 0, 0, 0, "")
	f.Add(uint8(4), uint8(2), 109.8325, 40.6411, 0.0, 0.0, "", 1000.0, "", 0, 0, 0, "GCJ02")
	f.Add(uint8(4), uint8(2), 0.0, 89.99, 0.0, 0.0, "", 50000.0, "", 0, 0, 0, "")
	f.Add(uint8(4), uint8(2), 180.0, -90.0, 0.0, 0.0, "", 1e-300, "", 0, 0, 0, "BD09")
	f.Add(uint8(4), uint8(2), -180.0, 0.0, 0.0, 0.0, "", math.Inf(1), "", 0, 0, 0, "")
	f.Add(uint8(8), uint8(0), 0.0, 0.0, 0.0, 0.0, "", 0.0, "150203001002003", 0, 0, 0, "")
	f.Add(uint8(8), uint8(0), 0.0, 0.0, 0.0, 0.0, "", 0.0, "１５０２０３", 0, 0, 0, "")
	f.Add(uint8(16), uint8(0), 0.0, 0.0, 0.0, 0.0, "", 0.0, "", 14, 13190, 6164, "")
	f.Add(uint8(16), uint8(0), 0.0, 0.0, 0.0, 0.0, "", 0.0, "", 22, 1<<22-1, 0, "")
	f.Add(uint8(16), uint8(0), 0.0, 0.0, 0.0, 0.0, "", 0.0, "", 62, math.MaxInt, math.MinInt, "")
	f.Add(uint8(31), uint8(4), 0.0, 0.0, 1.0, 1.0, square, 10.0, "150203", 0, 0, 0, "wgs84")
	f.Fuzz(func(t *testing.T, mask, n uint8, a, b, c, d float64, polygon string, radius float64, code string, z, x, y int, crs string) {
		nums := []float64{a, b, c, d, a, b}[:n%7]
		var s AreaSpec
		s.CRS = CRS(crs)
		if mask&1 != 0 {
			s.BBox = nums
		}
		if mask&2 != 0 {
			s.Polygon = []byte(polygon)
		}
		if mask&4 != 0 {
			s.Circle = &CircleSpec{Center: nums, RadiusMeters: radius}
		}
		if mask&8 != 0 {
			s.GridCode = &code
		}
		if mask&16 != 0 {
			s.Tile = &TileSpec{Z: z, X: x, Y: y}
		}
		area, err := ParseArea(s, 2000)
		if err != nil {
			checkError(t, err)
			return
		}
		checkArea(t, area)
	})
}

// checkArea fails unless a has what the store relies on for its kind.
func checkArea(t *testing.T, a *Area) {
	t.Helper()
	inWorld := func(b orb.Bound) bool {
		return CheckLonLat(b.Min[0], b.Min[1]) == nil && CheckLonLat(b.Max[0], b.Max[1]) == nil &&
			b.Min[0] <= b.Max[0] && b.Min[1] <= b.Max[1]
	}
	switch a.Kind {
	case AreaBBox:
		if !inWorld(a.Bound) {
			t.Fatalf("bbox bound %v", a.Bound)
		}
	case AreaPolygon:
		checkParsedPolygon(t, a.Polygon)
		if !inWorld(a.Bound) || a.Bound != a.Polygon.Bound() {
			t.Fatalf("polygon bound %v", a.Bound)
		}
	case AreaCircle:
		if CheckLonLat(a.Center[0], a.Center[1]) != nil || !(a.Radius > 0 && a.Radius <= MaxCircleRadius) {
			t.Fatalf("circle %v radius %v", a.Center, a.Radius)
		}
		if !inWorld(a.Bound) || !a.Bound.Contains(a.Center) {
			t.Fatalf("circle bound %v for %v", a.Bound, a.Center)
		}
	case AreaGrid:
		if _, err := parseGridCode(a.GridCode); err != nil || !a.Bound.IsZero() {
			t.Fatalf("grid %q bound %v", a.GridCode, a.Bound)
		}
	default:
		t.Fatalf("kind %v", a.Kind)
	}
}
