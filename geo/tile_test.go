package geo

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/project"
)

func TestCheckTile(t *testing.T) {
	tests := []struct {
		name    string
		z, x, y int
		msg     string
	}{
		{"the world tile is served", 0, 0, 0, ""},
		{"the last tile at zoom 22 is served", 22, 1<<22 - 1, 1<<22 - 1, ""},
		{"a tile over Baotou at zoom 14 is served", 14, 13190, 6164, ""},
		{"a negative zoom is out of range", -1, 0, 0, "tile z -1 is outside 0..22"},
		{"zoom 23 is out of range", 23, 0, 0, "tile z 23 is outside 0..22"},
		{"x past the edge of the zoom is out of range", 3, 8, 0, "tile x 8 is outside 0..7 at zoom 3"},
		{"a negative y is out of range", 3, 0, -1, "tile y -1 is outside 0..7 at zoom 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckTile(tt.z, tt.x, tt.y)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Problem != ProblemRange || e.Message != tt.msg {
				t.Errorf("got %v, want OUT_OF_RANGE %q", err, tt.msg)
			}
		})
	}
}

func TestTileBound(t *testing.T) {
	tests := []struct {
		name    string
		z, x, y int
		want    orb.Bound
	}{
		{"the world tile spans web mercator's whole square", 0, 0, 0, orb.Bound{Min: orb.Point{-180, -85.0511287798066}, Max: orb.Point{180, 85.0511287798066}}},
		{"the top-left tile at zoom 1 is the north-west quarter", 1, 0, 0, orb.Bound{Min: orb.Point{-180, 0}, Max: orb.Point{0, 85.0511287798066}}},
		{"the bottom-right tile at zoom 1 is the south-east quarter", 1, 1, 1, orb.Bound{Min: orb.Point{0, -85.0511287798066}, Max: orb.Point{180, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TileBound(tt.z, tt.x, tt.y); !boundNear(got, tt.want, 1e-9) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("every tile agrees with orb's maptile", func(t *testing.T) {
		for _, z := range []int{2, 9, 14, 22} {
			n := 1 << z
			for _, xy := range [][2]int{{0, 0}, {n - 1, n - 1}, {n / 3, n / 5}, {n * 3 / 4, n / 2}} {
				want := maptile.New(uint32(xy[0]), uint32(xy[1]), maptile.Zoom(z)).Bound()
				if got := TileBound(z, xy[0], xy[1]); !boundNear(got, want, 1e-9) {
					t.Errorf("%d/%d/%d: got %v, want %v", z, xy[0], xy[1], got, want)
				}
			}
		}
	})
	t.Run("a tile over Baotou contains the district centre", func(t *testing.T) {
		if b := TileBound(14, 13190, 6164); !b.Contains(vectorWGS84) {
			t.Errorf("%v does not contain %v", b, vectorWGS84)
		}
	})
}

func TestTileMercatorBound(t *testing.T) {
	const half = 20037508.342789244
	tests := []struct {
		name    string
		z, x, y int
		want    orb.Bound
	}{
		{"the world tile is the whole EPSG:3857 square", 0, 0, 0, orb.Bound{Min: orb.Point{-half, -half}, Max: orb.Point{half, half}}},
		{"the top-right tile at zoom 1 is the north-east quarter", 1, 1, 0, orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{half, half}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TileMercatorBound(tt.z, tt.x, tt.y); !boundNear(got, tt.want, 1e-6) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("it is the projection of the lon/lat bound", func(t *testing.T) {
		z, x, y := 14, 13190, 6164
		ll := TileBound(z, x, y)
		want := orb.Bound{Min: project.WGS84.ToMercator(ll.Min), Max: project.WGS84.ToMercator(ll.Max)}
		if got := TileMercatorBound(z, x, y); !boundNear(got, want, 1e-4) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestZoomHelpers(t *testing.T) {
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"one tile at zoom 0 spans 360 degrees", CellSizeDegrees(0, 256), 360},
		{"64 pixels at zoom 10 span a sixteenth of a tile", CellSizeDegrees(10, 64), 360.0 / 1024 / 4},
		{"a pixel at zoom 0 on the equator is about 156 km", MetersPerPixel(0, 0), 156543.03392804097},
		{"a pixel at zoom 16 at Baotou is about 1.8 m", math.Round(MetersPerPixel(16, 40.6411)*100) / 100, 1.81},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if math.Abs(tt.got-tt.want) > 1e-9*math.Abs(tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func boundNear(a, b orb.Bound, tol float64) bool {
	return math.Abs(a.Min[0]-b.Min[0]) <= tol && math.Abs(a.Min[1]-b.Min[1]) <= tol &&
		math.Abs(a.Max[0]-b.Max[0]) <= tol && math.Abs(a.Max[1]-b.Max[1]) <= tol
}

func TestParseAreaTile(t *testing.T) {
	testAreas(t, []areaCase{
		{"a tile becomes a bbox", AreaSpec{Tile: &TileSpec{Z: 14, X: 13190, Y: 6164}}, AreaBBox, "", ""},
		{"a tile too deep is out of range", AreaSpec{Tile: &TileSpec{Z: 23}}, 0, ProblemRange, "tile z 23 is outside 0..22"},
		{"a tile off the zoom's grid is out of range", AreaSpec{Tile: &TileSpec{Z: 2, X: 1, Y: 4}}, 0, ProblemRange, "tile y 4 is outside 0..3 at zoom 2"},
	})
}
