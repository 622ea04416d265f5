package geo

import (
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

func TestBD09ToGCJ02(t *testing.T) {
	tests := []struct {
		name string
		p    orb.Point
	}{
		{"the district centre comes back within a millimetre", vectorGCJ02},
		{"a point in Kashgar comes back within a millimetre", orb.Point{75.99, 39.47}},
		{"a point in Guangzhou comes back within a millimetre", orb.Point{113.26, 23.13}},
		{"a point abroad comes back within a millimetre, as BD-09 applies everywhere", orb.Point{2.35, 48.86}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lon, lat := BD09ToGCJ02(GCJ02ToBD09(tt.p[0], tt.p[1]))
			if d := orbgeo.Distance(tt.p, orb.Point{lon, lat}); d > 0.001 {
				t.Errorf("came back %.4f m away", d)
			}
		})
	}
	t.Run("the iteration improves on the closed form everywhere in China", func(t *testing.T) {
		for lon := 73.0; lon <= 135; lon += 2.5 {
			for lat := 18.0; lat <= 53; lat += 2.5 {
				p := orb.Point{lon, lat}
				bx, by := GCJ02ToBD09(lon, lat)
				ax, ay := bd09ToGCJ02Approx(bx, by)
				ix, iy := BD09ToGCJ02(bx, by)
				approx := orbgeo.Distance(p, orb.Point{ax, ay})
				iterated := orbgeo.Distance(p, orb.Point{ix, iy})
				if iterated > 0.001 || iterated > approx {
					t.Fatalf("at %v: iterated %.4f m, closed form %.4f m", p, iterated, approx)
				}
			}
		}
	})
}
