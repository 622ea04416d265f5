package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

func TestCircleBound(t *testing.T) {
	tests := []struct {
		name   string
		center orb.Point
		radius float64
	}{
		{"a 1 km circle at the district centre", vectorWGS84, 1000},
		{"a 50 km circle at the district centre", vectorWGS84, MaxCircleRadius},
		{"a 50 km circle on the equator", orb.Point{0, 0}, MaxCircleRadius},
		{"a 50 km circle at 80° north", orb.Point{30, 80}, MaxCircleRadius},
		{"a 10 m circle in the far south", orb.Point{-70, -85}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name+" contains its whole rim, even on the ellipsoid", func(t *testing.T) {
			b := CircleBound(tt.center, tt.radius)
			for az := 0.0; az < 360; az += 1 {
				// Step out on the sphere a little further than the radius to
				// stand in for the ellipsoid's longer metres.
				p := orbgeo.PointAtBearingAndDistance(tt.center, az, tt.radius*1.005)
				if !b.Contains(p) {
					t.Fatalf("%v misses %v at bearing %v", b, p, az)
				}
			}
			if w := b.Max[0] - b.Min[0]; w > 0 && w < 360 {
				h := b.Max[1] - b.Min[1]
				if want := 2 * tt.radius * 1.02 / 111_000; h > want {
					t.Errorf("height %v° is looser than %v°", h, want)
				}
			}
		})
	}

	wholeWorld := []struct {
		name   string
		center orb.Point
		radius float64
	}{
		{"a circle over the north pole spans every longitude", orb.Point{10, 89.9}, 20_000},
		{"a circle across the antimeridian spans every longitude", orb.Point{179.9, -16}, 20_000},
		{"a circle just west of the antimeridian spans every longitude", orb.Point{-179.99, 65}, 5_000},
	}
	for _, tt := range wholeWorld {
		t.Run(tt.name, func(t *testing.T) {
			b := CircleBound(tt.center, tt.radius)
			if b.Min[0] != -180 || b.Max[0] != 180 || b.Min[1] < -90 || b.Max[1] > 90 || !b.Contains(tt.center) {
				t.Errorf("got %v", b)
			}
		})
	}

	t.Run("a circle near the antimeridian that does not cross it keeps a narrow box", func(t *testing.T) {
		b := CircleBound(orb.Point{179, 0}, 10_000)
		if b.Min[0] < 178.8 || b.Max[0] > 179.2 || math.IsNaN(b.Min[0]) {
			t.Errorf("got %v", b)
		}
	})
}

func TestParseAreaCircle(t *testing.T) {
	testAreas(t, []areaCase{
		{"a 1 km circle is accepted", AreaSpec{Circle: &CircleSpec{Center: []float64{109.8325, 40.6411}, RadiusMeters: 1000}}, AreaCircle, "", ""},
		{"a circle of the largest radius is accepted", AreaSpec{Circle: &CircleSpec{Center: []float64{109.8325, 40.6411}, RadiusMeters: 50000}}, AreaCircle, "", ""},
		{"a circle of radius 0 is out of range", AreaSpec{Circle: &CircleSpec{Center: []float64{109.8, 40.6}}}, 0, ProblemRange, "radiusMeters must be in (0, 50000]"},
		{"a circle of negative radius is out of range", AreaSpec{Circle: &CircleSpec{Center: []float64{109.8, 40.6}, RadiusMeters: -5}}, 0, ProblemRange, "radiusMeters must be in (0, 50000]"},
		{"a circle just over the largest radius is out of range", AreaSpec{Circle: &CircleSpec{Center: []float64{109.8, 40.6}, RadiusMeters: 50000.001}}, 0, ProblemRange, "radiusMeters must be in (0, 50000]"},
		{"a circle of NaN radius is out of range", AreaSpec{Circle: &CircleSpec{Center: []float64{109.8, 40.6}, RadiusMeters: math.NaN()}}, 0, ProblemRange, "radiusMeters must be in (0, 50000]"},
		{"a circle centre of three numbers is a bad area", AreaSpec{Circle: &CircleSpec{Center: []float64{109.8, 40.6, 1000}, RadiusMeters: 10}}, 0, ProblemArea, "circle center must be [lon, lat], not 3 numbers"},
		{"a circle centre off the globe is out of range", AreaSpec{Circle: &CircleSpec{Center: []float64{109.8, 95}, RadiusMeters: 10}}, 0, ProblemRange, "circle center: lat 95 is outside [-90, 90]"},
		{"a circle centre of infinity is bad input", AreaSpec{Circle: &CircleSpec{Center: []float64{math.Inf(1), 40}, RadiusMeters: 10}}, 0, ProblemInput, "circle center: lon must be a finite number"},
	})
}
