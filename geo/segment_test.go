package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestIntersect(t *testing.T) {
	p := func(x, y float64) orb.Point { return orb.Point{x, y} }
	tests := []struct {
		name       string
		a, b, c, d orb.Point
		want       hit
		at         orb.Point
	}{
		{"an X crosses in the middle", p(0, 0), p(2, 2), p(0, 2), p(2, 0), hitCross, p(1, 1)},
		{"parallel segments do not meet", p(0, 0), p(2, 0), p(0, 1), p(2, 1), hitNone, p(0, 0)},
		{"segments on one line with a gap do not meet", p(0, 0), p(1, 0), p(2, 0), p(3, 0), hitNone, p(0, 0)},
		{"a chain meets at its shared vertex", p(0, 0), p(1, 0), p(1, 0), p(1, 1), hitPoint, p(1, 0)},
		{"a T touches where the stem ends", p(0, 0), p(2, 0), p(1, 0), p(1, 1), hitPoint, p(1, 0)},
		{"a T touches when the bar comes second", p(1, 1), p(1, 0), p(0, 0), p(2, 0), hitPoint, p(1, 0)},
		{"collinear segments end to end touch at one point", p(0, 0), p(1, 0), p(1, 0), p(2, 0), hitPoint, p(1, 0)},
		{"collinear segments sharing a stretch overlap", p(0, 0), p(2, 0), p(1, 0), p(3, 0), hitOverlap, p(2, 0)},
		{"a segment doubling back overlaps its predecessor", p(0, 0), p(0, 2), p(0, 2), p(0, 1), hitOverlap, p(0, 2)},
		{"a segment inside another overlaps it", p(0, 0), p(4, 4), p(1, 1), p(2, 2), hitOverlap, p(1, 1)},
		{"segments that would cross if extended do not meet", p(0, 0), p(1, 1), p(3, 0), p(2, 1), hitNone, p(0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, at := intersect(tt.a, tt.b, tt.c, tt.d)
			if got != tt.want || (got != hitNone && at != tt.at) {
				t.Errorf("got %v at %v, want %v at %v", got, at, tt.want, tt.at)
			}
		})
	}
}
