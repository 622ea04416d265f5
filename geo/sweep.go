package geo

import (
	"cmp"
	"slices"

	"github.com/paulmach/orb"
)

// sweepBudget caps the sweep's work: one unit per pair of edges looked at,
// pairCost more per pair whose boxes overlap and so get an exact test. Real
// polygons, however detailed, cost a few units per edge; only a
// deliberately pathological one, such as a comb of thousands of long
// diagonal teeth side by side, gets near it, and it is turned away as
// TOO_COMPLEX (in a few tens of milliseconds) rather than costing the server
// a quadratic scan.
const (
	sweepBudget = 16_000_000
	pairCost    = 8
)

// segment is one edge of a ring, with what a message needs to name it.
type segment struct {
	a, b orb.Point
	poly int32
	ring int32
	idx  int32 // position in the ring's edge cycle, for adjacency
	n    int32 // edges in the ring's cycle
	pos  int32 // index of its first position in the client's ring
}

// extent is a segment's box in sweep order, kept apart from the segment so
// the inner loop of the sweep runs over small, contiguous values.
type extent struct {
	lo, hi   float64 // along the sweep axis
	lo2, hi2 float64 // across it
	seg      int32
}

// appendSegments adds the edges of r, skipping the zero-length ones that
// repeated positions make: OGC allows repeated positions, and an edge of
// zero length would otherwise "touch" both neighbours.
func appendSegments(segs []segment, r orb.Ring, pi, ri int) []segment {
	start := len(segs)
	for i := 0; i+1 < len(r); i++ {
		if r[i] == r[i+1] {
			continue
		}
		segs = append(segs, segment{a: r[i], b: r[i+1], poly: int32(pi), ring: int32(ri), pos: int32(i)})
	}
	n := int32(len(segs) - start)
	for i := range segs[start:] {
		segs[start+i].idx = int32(i)
		segs[start+i].n = n
	}
	return segs
}

// checkSegments finds the first forbidden meeting of two edges. It is a
// sweep-and-prune: edges sorted by where they start along one axis, each
// compared only with those that start before it ends, and those only when
// their extents across the axis overlap too. It sweeps along whichever axis
// the edges are shortest on relative to the polygon's span, so a polygon of
// long horizontal edges is swept vertically.
func checkSegments(segs []segment) *Error {
	ext := extents(segs)
	// Ties go to the earlier edge in the input, so the error reported for a
	// given polygon never changes.
	slices.SortFunc(ext, func(s, t extent) int {
		if c := cmp.Compare(s.lo, t.lo); c != 0 {
			return c
		}
		return cmp.Compare(s.seg, t.seg)
	})
	work := 0
	for i := range ext {
		s := &ext[i]
		for j := i + 1; j < len(ext) && ext[j].lo <= s.hi; j++ {
			t := &ext[j]
			work++
			if t.lo2 > s.hi2 || t.hi2 < s.lo2 {
				continue
			}
			work += pairCost
			a, b := &segs[s.seg], &segs[t.seg]
			if s.seg > t.seg {
				a, b = b, a
			}
			if err := checkPair(a, b); err != nil {
				return err
			}
		}
		if work > sweepBudget {
			return errorf(ProblemComplexity, "polygon has too many edges running alongside each other to check; simplify it")
		}
	}
	return nil
}

func extents(segs []segment) []extent {
	var b orb.Bound
	var sumX, sumY float64
	for i, s := range segs {
		if i == 0 {
			b = s.a.Bound()
		}
		b = b.Extend(s.a).Extend(s.b)
		sumX += abs(s.b[0] - s.a[0])
		sumY += abs(s.b[1] - s.a[1])
	}
	// Compare sumX/width with sumY/height without dividing by a zero span.
	k := 0
	if sumY*(b.Max[0]-b.Min[0]) < sumX*(b.Max[1]-b.Min[1]) {
		k = 1
	}
	ext := make([]extent, len(segs))
	for i, s := range segs {
		ext[i] = extent{
			lo: min(s.a[k], s.b[k]), hi: max(s.a[k], s.b[k]),
			lo2: min(s.a[1-k], s.b[1-k]), hi2: max(s.a[1-k], s.b[1-k]),
			seg: int32(i),
		}
	}
	return ext
}

// checkPair applies the validity rules to two edges whose boxes overlap.
func checkPair(s, t *segment) *Error {
	kind, at := intersect(s.a, s.b, t.a, t.b)
	if kind == hitNone {
		return nil
	}
	if s.poly != t.poly {
		switch kind {
		case hitCross:
			return errorf(ProblemGeometry, "polygons %d and %d cross at %s; polygons of a MultiPolygon may not overlap", s.poly, t.poly, where(at))
		case hitOverlap:
			return errorf(ProblemGeometry, "polygons %d and %d share an edge near %s; merge them or leave a gap", s.poly, t.poly, where(at))
		}
		return nil // touching at a point is allowed between polygons
	}
	if s.ring != t.ring {
		verb := map[hit]string{hitPoint: "touch", hitCross: "cross", hitOverlap: "share an edge"}[kind]
		return errorf(ProblemGeometry, "rings %d and %d of polygon %d %s at %s; rings of a polygon may not meet", min(s.ring, t.ring), max(s.ring, t.ring), s.poly, verb, where(at))
	}
	shared, adjacent := sharedVertex(s, t)
	if adjacent && kind == hitPoint && at == shared {
		return nil
	}
	name := ringName(int(s.poly), int(s.ring))
	if adjacent {
		return errorf(ProblemGeometry, "%s doubles back on itself at %s", name, where(shared))
	}
	first, second := min(s.pos, t.pos), max(s.pos, t.pos)
	switch kind {
	case hitCross:
		return errorf(ProblemGeometry, "%s crosses itself at segments %d and %d near %s", name, first, second, where(at))
	case hitOverlap:
		return errorf(ProblemGeometry, "%s runs back along itself at segments %d and %d near %s", name, first, second, where(at))
	}
	return errorf(ProblemGeometry, "%s touches itself at %s (segments %d and %d)", name, where(at), first, second)
}

// sharedVertex returns the vertex two consecutive edges of a ring share.
func sharedVertex(s, t *segment) (orb.Point, bool) {
	switch {
	case t.idx == s.idx+1 || (t.idx == 0 && s.idx == s.n-1):
		return s.b, true
	case s.idx == t.idx+1 || (s.idx == 0 && t.idx == t.n-1):
		return t.b, true
	}
	return orb.Point{}, false
}
