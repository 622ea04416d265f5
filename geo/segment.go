package geo

import "github.com/paulmach/orb"

// hit classifies how two segments meet. Validity rules differ by kind: two
// edges of different polygons may touch at a point but never cross or run
// along each other.
type hit int

const (
	hitNone    hit = iota
	hitPoint       // they share exactly one point, an endpoint of at least one
	hitCross       // they cross at a point inside both
	hitOverlap     // they are collinear and share a stretch of positive length
)

// orient is twice the signed area of triangle abc: positive when c is left
// of a→b. Measuring from a keeps the products small for nearby points.
func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// intersect classifies segments ab and cd, neither of zero length, and
// returns a point where they meet (for messages).
func intersect(a, b, c, d orb.Point) (hit, orb.Point) {
	o1, o2 := orient(c, d, a), orient(c, d, b)
	d1, d2 := sign(o1), sign(o2)
	d3, d4 := sign(orient(a, b, c)), sign(orient(a, b, d))
	if d1*d2 < 0 && d3*d4 < 0 {
		t := o1 / (o1 - o2)
		return hitCross, orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
	}
	if (d1 == 0 && d2 == 0) || (d3 == 0 && d4 == 0) {
		return collinear(a, b, c, d)
	}
	switch {
	case d1 == 0 && inBox(c, d, a):
		return hitPoint, a
	case d2 == 0 && inBox(c, d, b):
		return hitPoint, b
	case d3 == 0 && inBox(a, b, c):
		return hitPoint, c
	case d4 == 0 && inBox(a, b, d):
		return hitPoint, d
	}
	return hitNone, orb.Point{}
}

// collinear compares two segments on one line along the axis the first one
// spans most, where the comparison is best conditioned.
func collinear(a, b, c, d orb.Point) (hit, orb.Point) {
	k := 0
	if abs(b[1]-a[1]) > abs(b[0]-a[0]) {
		k = 1
	}
	lo := max(min(a[k], b[k]), min(c[k], d[k]))
	hi := min(max(a[k], b[k]), max(c[k], d[k]))
	switch {
	case lo < hi:
		p := a
		if a[k] < lo || a[k] > hi {
			p = b
		}
		if p[k] < lo || p[k] > hi {
			p = c
			if c[k] < lo || c[k] > hi {
				p = d
			}
		}
		return hitOverlap, p
	case lo == hi:
		for _, p := range [...]orb.Point{a, b, c, d} {
			if p[k] == lo {
				return hitPoint, p
			}
		}
	}
	return hitNone, orb.Point{}
}

// inBox reports whether p, already known to be on the line through a and b,
// lies between them.
func inBox(a, b, p orb.Point) bool {
	return p[0] >= min(a[0], b[0]) && p[0] <= max(a[0], b[0]) &&
		p[1] >= min(a[1], b[1]) && p[1] <= max(a[1], b[1])
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
