package seed

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// The district is cut from one jittered lattice of quads. Every unit at every level is a
// rectangle of whole quads in lattice index space, and its ring walks the lattice
// vertices along that rectangle's border. Neighbours therefore share their border
// vertices as the very same float64 values, so children tile their parent exactly and
// the parents can be built in Go without a polygon union.

const (
	lonMin, lonMax = 109.78, 109.90
	latMin, latMax = 40.60, 40.70
	// ~84 m × 111 m quads at this latitude.
	nx, ny = 120, 100
)

// The district seat; the dense core and the district-level offices sit around it.
var centre = orb.Point{109.8325, 40.6411}

// Metres per degree at the district's latitude: distances here only size buildings and
// weigh density, so the local flat approximation is enough.
var (
	mPerLon = 111320 * math.Cos(40.65*math.Pi/180)
	mPerLat = 110950.0
)

type lattice struct {
	v []orb.Point // (nx+1)*(ny+1), row-major from the south-west corner
}

// rect is the quads [i0,i1) × [j0,j1).
type rect struct{ i0, j0, i1, j1 int }

func (r rect) w() int     { return r.i1 - r.i0 }
func (r rect) h() int     { return r.j1 - r.j0 }
func (r rect) quads() int { return r.w() * r.h() }

// centre in fractional lattice coordinates.
func (r rect) mid() (float64, float64) {
	return float64(r.i0+r.i1) / 2, float64(r.j0+r.j1) / 2
}

func newLattice() (*lattice, error) {
	r := stream(sLattice)
	// A gentle large-scale wave bends the "roads", a small per-vertex jitter roughens the
	// borders; together they stay under half a quad, so rows and columns never cross and
	// every quad stays convex (checked below).
	p1, p2 := r.Float64(), r.Float64()
	dx, dy := (lonMax-lonMin)/nx, (latMax-latMin)/ny
	l := &lattice{v: make([]orb.Point, (nx+1)*(ny+1))}
	for j := 0; j <= ny; j++ {
		for i := 0; i <= nx; i++ {
			ox := 0.28*math.Sin(2*math.Pi*(1.7*float64(j)/ny+p1)) + uniform(r, -0.15, 0.15)
			oy := 0.28*math.Sin(2*math.Pi*(1.3*float64(i)/nx+p2)) + uniform(r, -0.15, 0.15)
			// The outline only moves inwards, keeping the district inside its box.
			switch i {
			case 0:
				ox = math.Abs(ox)
			case nx:
				ox = -math.Abs(ox)
			}
			switch j {
			case 0:
				oy = math.Abs(oy)
			case ny:
				oy = -math.Abs(oy)
			}
			l.v[j*(nx+1)+i] = orb.Point{lonMin + (float64(i)+ox)*dx, latMin + (float64(j)+oy)*dy}
		}
	}
	for j := 0; j < ny; j++ {
		for i := 0; i < nx; i++ {
			if !convex(l.quad(i, j)) {
				return nil, fmt.Errorf("seed: lattice quad %d,%d is not convex", i, j)
			}
		}
	}
	return l, nil
}

func (l *lattice) at(i, j int) orb.Point { return l.v[j*(nx+1)+i] }

// quad returns the corners of quad (i,j) counter-clockwise from its south-west corner.
func (l *lattice) quad(i, j int) [4]orb.Point {
	return [4]orb.Point{l.at(i, j), l.at(i+1, j), l.at(i+1, j+1), l.at(i, j+1)}
}

// point maps (u,v) in [0,1]² bilinearly into quad (i,j). Lines of constant u or v stay
// straight, so sub-rectangles of the unit square become convex sub-quads that tile it.
func (l *lattice) point(i, j int, u, v float64) orb.Point {
	q := l.quad(i, j)
	a, b, c, d := (1-u)*(1-v), u*(1-v), u*v, (1-u)*v
	return orb.Point{
		a*q[0][0] + b*q[1][0] + c*q[2][0] + d*q[3][0],
		a*q[0][1] + b*q[1][1] + c*q[2][1] + d*q[3][1],
	}
}

// ring walks the border of r counter-clockwise through every lattice vertex on it.
func (l *lattice) ring(r rect) orb.Ring {
	ring := make(orb.Ring, 0, 2*(r.w()+r.h())+1)
	for i := r.i0; i < r.i1; i++ {
		ring = append(ring, l.at(i, r.j0))
	}
	for j := r.j0; j < r.j1; j++ {
		ring = append(ring, l.at(r.i1, j))
	}
	for i := r.i1; i > r.i0; i-- {
		ring = append(ring, l.at(i, r.j1))
	}
	for j := r.j1; j > r.j0; j-- {
		ring = append(ring, l.at(r.i0, j))
	}
	return append(ring, ring[0])
}

func (l *lattice) shape(r rect) orb.MultiPolygon {
	return orb.MultiPolygon{orb.Polygon{l.ring(r)}}
}

// convex reports whether the counter-clockwise quad turns left at every corner.
func convex(q [4]orb.Point) bool {
	for k := range 4 {
		a, b, c := q[k], q[(k+1)%4], q[(k+2)%4]
		if (b[0]-a[0])*(c[1]-b[1])-(b[1]-a[1])*(c[0]-b[0]) <= 0 {
			return false
		}
	}
	return true
}

// toMetres and fromMetres convert around an origin in the local flat frame.
func toMetres(o, p orb.Point) (float64, float64) {
	return (p[0] - o[0]) * mPerLon, (p[1] - o[1]) * mPerLat
}

func fromMetres(o orb.Point, x, y float64) orb.Point {
	return orb.Point{o[0] + x/mPerLon, o[1] + y/mPerLat}
}

// insideConvex reports whether p lies inside the counter-clockwise convex quad q at least
// margin metres from every edge.
func insideConvex(q [4]orb.Point, p orb.Point, margin float64) bool {
	for k := range 4 {
		ax, ay := toMetres(p, q[k])
		bx, by := toMetres(p, q[(k+1)%4])
		ex, ey := bx-ax, by-ay
		// Signed distance of p (the origin here) from edge a→b, positive on the left.
		if (ex*(-ay)-ey*(-ax))/math.Hypot(ex, ey) < margin {
			return false
		}
	}
	return true
}
