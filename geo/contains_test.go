package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestAreaContains(t *testing.T) {
	square := orb.MultiPolygon{{{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {0, 0}}, {{0.5, 0.5}, {0.5, 1}, {1, 1}, {1, 0.5}, {0.5, 0.5}}}}
	circle := &Area{Kind: AreaCircle, Center: orb.Point{109.83, 40.64}, Radius: 1000}
	cases := []struct {
		name string
		area *Area
		p    orb.Point
		want bool
	}{
		{"a bbox holds a point on its edge", &Area{Kind: AreaBBox, Bound: orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}}, orb.Point{1, 0.5}, true},
		{"a bbox does not hold a point just outside", &Area{Kind: AreaBBox, Bound: orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}}, orb.Point{1.0000001, 0.5}, false},
		{"a polygon holds an inner point", PolygonArea(square), orb.Point{1.5, 1.5}, true},
		{"a polygon holds a point on its shell", PolygonArea(square), orb.Point{2, 1}, true},
		{"a polygon does not hold a point in its hole", PolygonArea(square), orb.Point{0.75, 0.75}, false},
		{"a circle holds a point 990 m away", circle, orb.Point{109.83 + 990/(111195*0.7581), 40.64}, true},
		{"a circle does not hold a point 1010 m away", circle, orb.Point{109.83 + 1010/(111195*0.7581), 40.64}, false},
		{"a grid area is never answered here", &Area{Kind: AreaGrid, GridCode: "150203"}, orb.Point{0, 0}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.area.Contains(c.p); got != c.want {
				t.Errorf("Contains(%v) = %v, want %v", c.p, got, c.want)
			}
		})
	}
}
