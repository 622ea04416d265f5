package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestRingArea(t *testing.T) {
	tests := []struct {
		name string
		ring orb.Ring
		want float64
	}{
		{"a counter-clockwise unit square has area 1", orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}, 1},
		{"a clockwise unit square has area -1", orb.Ring{{0, 0}, {0, 1}, {1, 1}, {1, 0}, {0, 0}}, -1},
		{"collinear points have no area", orb.Ring{{0, 0}, {1, 1}, {2, 2}, {0, 0}}, 0},
		{"a tiny square far from the origin keeps its area", orb.Ring{{179.9999999, 89.9999999}, {180, 89.9999999}, {180, 90}, {179.9999999, 90}, {179.9999999, 89.9999999}}, 1e-14},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ringArea(tt.ring)
			if d := got - tt.want; d > 1e-9*abs(tt.want)+1e-20 || -d > 1e-9*abs(tt.want)+1e-20 {
				// The far square's corners are not exact in binary, so its
				// area is only close to 1e-14.
				if tt.want == 0 || abs(d) > 0.01*abs(tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestValidateMultiPolygon(t *testing.T) {
	square := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}
	tests := []struct {
		name string
		mp   orb.MultiPolygon
		msg  string
	}{
		{"a square is valid", orb.MultiPolygon{{square}}, ""},
		{"no polygons is an error", orb.MultiPolygon{}, "polygon has no coordinates"},
		{"a polygon without rings is an error", orb.MultiPolygon{{}}, "polygon 0 has no rings"},
		{"a converted point off the globe is out of range", orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 91}, {0, 0}}}}, "ring 0 of polygon 0, position 2: lat 91 is outside [-90, 90]"},
		{"a NaN position is bad input", orb.MultiPolygon{{{{0, 0}, {nan(), 0}, {1, 1}, {0, 0}}}}, "ring 0 of polygon 0, position 1: lon must be a finite number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateMultiPolygon(tt.mp)
			switch {
			case tt.msg == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.msg != "" && (err == nil || err.Message != tt.msg):
				t.Errorf("got %v, want %q", err, tt.msg)
			}
		})
	}
}

func TestWhere(t *testing.T) {
	if got, want := where(orb.Point{109.83821234567, -40.1}), "(109.8382123, -40.1)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
