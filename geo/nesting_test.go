package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestLocate(t *testing.T) {
	square := orb.Ring{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}}
	donut := orb.Polygon{square, {{1, 1}, {1, 3}, {3, 3}, {3, 1}, {1, 1}}}
	tests := []struct {
		name string
		got  location
		want location
	}{
		{"the centre of a square is inside it", locateInRing(orb.Point{2, 2}, square), inside},
		{"a point beside a square is outside it", locateInRing(orb.Point{5, 2}, square), outside},
		{"a point level with a vertex but outside is outside", locateInRing(orb.Point{-1, 4}, square), outside},
		{"a point on an edge is on the boundary", locateInRing(orb.Point{4, 2}, square), onBoundary},
		{"a vertex is on the boundary", locateInRing(orb.Point{0, 0}, square), onBoundary},
		{"a point in a donut's hole is outside the donut", locateInPolygon(orb.Point{2, 2}, donut), outside},
		{"a point in a donut's ring is inside the donut", locateInPolygon(orb.Point{0.5, 2}, donut), inside},
		{"a point on a donut's hole edge is on its boundary", locateInPolygon(orb.Point{1, 2}, donut), onBoundary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestShellInside(t *testing.T) {
	big := orb.Polygon{{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}}}
	tests := []struct {
		name  string
		shell orb.Ring
		want  bool
	}{
		{"a shell far away is not inside", orb.Ring{{5, 5}, {6, 5}, {6, 6}, {5, 5}}, false},
		{"a shell touching a corner from outside is not inside", orb.Ring{{4, 4}, {5, 4}, {5, 5}, {4, 4}}, false},
		{"a shell whose vertices all lie on the boundary but cuts across is inside", orb.Ring{{0, 2}, {2, 0}, {4, 2}, {0, 2}}, true},
		{"a shell strictly inside is inside", orb.Ring{{1, 1}, {2, 1}, {2, 2}, {1, 1}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shellInside(tt.shell, big); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
