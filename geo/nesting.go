package geo

import (
	"cmp"
	"slices"

	"github.com/paulmach/orb"
)

// location is where a point lies relative to a ring or polygon.
type location int

const (
	outside location = iota
	inside
	onBoundary
)

// locateInRing classifies p against ring r by crossing number, with points
// on an edge reported as such so callers can pick another test point.
func locateInRing(p orb.Point, r orb.Ring) location {
	in := false
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if orient(a, b, p) == 0 && inBox(a, b, p) {
			return onBoundary
		}
		if (a[1] > p[1]) != (b[1] > p[1]) {
			x := a[0] + (p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if p[0] < x {
				in = !in
			}
		}
	}
	if in {
		return inside
	}
	return outside
}

// locateInPolygon classifies p against a polygon with holes.
func locateInPolygon(p orb.Point, poly orb.Polygon) location {
	switch locateInRing(p, poly[0]) {
	case outside:
		return outside
	case onBoundary:
		return onBoundary
	}
	for _, h := range poly[1:] {
		switch locateInRing(p, h) {
		case inside:
			return outside
		case onBoundary:
			return onBoundary
		}
	}
	return inside
}

// checkNesting checks what edge tests cannot see once no edges meet wrongly:
// holes inside their shell and not inside each other, and polygons of a
// MultiPolygon not inside one another. With edges known not to cross, one
// point of a ring tells where the whole ring is.
func checkNesting(mp orb.MultiPolygon) *Error {
	for pi, p := range mp {
		if err := checkHoles(p, pi); err != nil {
			return err
		}
	}
	return checkPolygonsApart(mp)
}

func checkHoles(p orb.Polygon, pi int) *Error {
	for hi := 1; hi < len(p); hi++ {
		if locateInRing(p[hi][0], p[0]) != inside {
			return errorf(ProblemGeometry, "ring %d of polygon %d is a hole outside its shell (ring 0)", hi, pi)
		}
	}
	if len(p) < 3 {
		return nil
	}
	holes := boundsOf(p[1:])
	for i, a := range holes {
		for _, b := range holes[i+1:] {
			if b.bound.Min[0] > a.bound.Max[0] {
				break
			}
			if !a.bound.Intersects(b.bound) {
				continue
			}
			ra, rb := p[a.index+1], p[b.index+1]
			if locateInRing(rb[0], ra) == inside {
				return errorf(ProblemGeometry, "ring %d of polygon %d lies inside ring %d; holes may not nest", b.index+1, pi, a.index+1)
			}
			if locateInRing(ra[0], rb) == inside {
				return errorf(ProblemGeometry, "ring %d of polygon %d lies inside ring %d; holes may not nest", a.index+1, pi, b.index+1)
			}
		}
	}
	return nil
}

func checkPolygonsApart(mp orb.MultiPolygon) *Error {
	if len(mp) < 2 {
		return nil
	}
	shells := make([]orb.Ring, len(mp))
	for i, p := range mp {
		shells[i] = p[0]
	}
	bs := boundsOf(shells)
	for i, a := range bs {
		for _, b := range bs[i+1:] {
			if b.bound.Min[0] > a.bound.Max[0] {
				break
			}
			if !a.bound.Intersects(b.bound) {
				continue
			}
			if shellInside(mp[a.index][0], mp[b.index]) || shellInside(mp[b.index][0], mp[a.index]) {
				return errorf(ProblemGeometry, "polygons %d and %d overlap; polygons of a MultiPolygon may not overlap", min(a.index, b.index), max(a.index, b.index))
			}
		}
	}
	return nil
}

// shellInside reports whether shell reaches into the interior of poly. Edges
// of different polygons may touch at points, so a vertex may lie on poly's
// boundary; the first vertex or edge midpoint off it decides. A shell that
// has no such point would have to share edges with poly, which the edge
// check has already refused, so that case is reported as overlapping.
func shellInside(shell orb.Ring, poly orb.Polygon) bool {
	for _, v := range shell {
		if l := locateInPolygon(v, poly); l != onBoundary {
			return l == inside
		}
	}
	for i := 0; i+1 < len(shell); i++ {
		m := orb.Point{(shell[i][0] + shell[i+1][0]) / 2, (shell[i][1] + shell[i+1][1]) / 2}
		if l := locateInPolygon(m, poly); l != onBoundary {
			return l == inside
		}
	}
	return true
}

type indexedBound struct {
	bound orb.Bound
	index int
}

// boundsOf returns the rings' bounds sorted by west edge, so pair loops can
// stop at the first ring that starts east of the current one.
func boundsOf(rs []orb.Ring) []indexedBound {
	out := make([]indexedBound, len(rs))
	for i, r := range rs {
		out[i] = indexedBound{bound: r.Bound(), index: i}
	}
	slices.SortFunc(out, func(a, b indexedBound) int {
		if c := cmp.Compare(a.bound.Min[0], b.bound.Min[0]); c != 0 {
			return c
		}
		return cmp.Compare(a.index, b.index)
	})
	return out
}
