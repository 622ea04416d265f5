package seed

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/paulmach/orb"
)

var gridColumns = []string{"id", "code", "level", "parent_id", "name", "worker_name", "worker_phone", "geom"}

// gridRows lists every unit, parents first. Population and households are left at zero:
// the store sums them from the buildings once those are in.
func (d *district) gridRows() [][]any {
	out := make([][]any, 0, len(d.all))
	for _, u := range d.all {
		var parent any
		if u.parent != nil {
			parent = u.parent.id
		}
		out = append(out, []any{u.id, u.code, u.level, parent, u.name, opt(u.worker), opt(u.phone), geom(d.lat.shape(u.r))})
	}
	return out
}

// spot is a point strictly inside one quad of a grid, with the quad it lies in.
type spot struct {
	p    orb.Point
	i, j int
	u, v float64
}

// spotIn picks a point in a random quad of grid g, kept off the quad's edges so it can
// never sit on a border between two grids (whose owner would be ambiguous).
func (d *district) spotIn(r *rand.Rand, g *unit) spot {
	i := g.r.i0 + r.IntN(g.r.w())
	j := g.r.j0 + r.IntN(g.r.h())
	return d.spotAt(i, j, uniform(r, 0.05, 0.95), uniform(r, 0.05, 0.95))
}

func (d *district) spotAt(i, j int, u, v float64) spot {
	return spot{p: d.lat.point(i, j, u, v), i: i, j: j, u: u, v: v}
}

// gridOf finds the GRID-level unit holding quad (i,j).
func (d *district) gridOf(i, j int) *unit {
	u := d.root
	for len(u.children) > 0 {
		for _, c := range u.children {
			if i >= c.r.i0 && i < c.r.i1 && j >= c.r.j0 && j < c.r.j1 {
				u = c
				break
			}
		}
	}
	return u
}

// central returns the grid under u whose middle lies nearest to p: where a unit's
// offices go.
func (d *district) central(u *unit, p orb.Point) *unit {
	var best *unit
	bestD := math.Inf(1)
	var walk func(*unit)
	walk = func(x *unit) {
		if x.level == lvGrid {
			dx, dy := toMetres(p, d.middle(x))
			if dd := math.Hypot(dx, dy); dd < bestD {
				best, bestD = x, dd
			}
			return
		}
		for _, c := range x.children {
			walk(c)
		}
	}
	walk(u)
	return best
}

// middle is the geographic middle of u's rectangle.
func (d *district) middle(u *unit) orb.Point {
	ci, cj := u.r.mid()
	return d.lat.point(int(ci), int(cj), ci-math.Floor(ci), cj-math.Floor(cj))
}

// addressIn writes a postal address for a spot in grid g: a door number on a road in
// town, the village and its group (组) in the agri-related units.
func addressIn(g *unit, s spot, sub int) string {
	if g.agri {
		c := g.community
		return g.street.name + c.name + chineseNumber((s.j-c.r.j0)*6/c.r.h()+1) + "组"
	}
	return address(s, sub)
}

// address writes a door address near the spot.
func address(s spot, sub int) string {
	ew, ns := roadsNear(s.i, s.j)
	road := ew
	if (s.i+s.j)%2 == 1 {
		road = ns
	}
	return road + strconv.Itoa(houseNumber(s.i, s.j, sub)) + "号"
}
