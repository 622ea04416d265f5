package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// validateMultiPolygon checks what PostGIS's ST_IsValid checks (see
// ParsePolygonGeoJSON for where it is stricter) on a polygon already in
// WGS84. It runs on every client polygon and again after a GCJ-02 or BD-09
// conversion, whose offset jumps at the edge of China's box and so could
// fold a polygon that straddles it.
func validateMultiPolygon(mp orb.MultiPolygon) *Error {
	if len(mp) == 0 {
		return errorf(ProblemGeometry, "polygon has no coordinates")
	}
	n := 0
	for pi, p := range mp {
		if len(p) == 0 {
			return errorf(ProblemGeometry, "polygon %d has no rings", pi)
		}
		for ri, r := range p {
			if err := checkRing(r, pi, ri); err != nil {
				return err
			}
			n += len(r)
		}
	}
	segs := make([]segment, 0, n)
	for pi, p := range mp {
		for ri, r := range p {
			segs = appendSegments(segs, r, pi, ri)
		}
	}
	if err := checkSegments(segs); err != nil {
		return err
	}
	// A ring whose edges neither cross nor overlap has non-zero area in exact
	// arithmetic; this catches the rounding cases so no caller ever sees a
	// ring of no area.
	for pi, p := range mp {
		for ri, r := range p {
			if ringArea(r) == 0 {
				return errorf(ProblemGeometry, "%s has zero area", ringName(pi, ri))
			}
		}
	}
	return checkNesting(mp)
}

// checkRing checks one ring on its own: positions, closure and at least
// three distinct positions.
func checkRing(r orb.Ring, pi, ri int) *Error {
	for vi, p := range r {
		if err := checkLonLat(p[0], p[1]); err != nil {
			return errorf(err.Problem, "%s, position %d: %s", ringName(pi, ri), vi, err.Message)
		}
	}
	if len(r) < 4 {
		return errorf(ProblemGeometry, "%s has %d positions; a ring needs at least 4, the last equal to the first", ringName(pi, ri), len(r))
	}
	if r[0] != r[len(r)-1] {
		return errorf(ProblemGeometry, "%s is not closed: its last position must equal its first", ringName(pi, ri))
	}
	distinct := 0
	for i := 1; i < len(r); i++ {
		if r[i] != r[i-1] {
			distinct++
		}
	}
	if distinct < 3 {
		return errorf(ProblemGeometry, "%s has fewer than 3 distinct positions", ringName(pi, ri))
	}
	return nil
}

// ringArea is the shoelace sum about the first vertex, which keeps the
// products small for a ring far from (0, 0) and so keeps thin rings from
// rounding to zero.
func ringArea(r orb.Ring) float64 {
	o := r[0]
	s := 0.0
	for i := 1; i+1 < len(r); i++ {
		s += (r[i][0]-o[0])*(r[i+1][1]-o[1]) - (r[i+1][0]-o[0])*(r[i][1]-o[1])
	}
	return s / 2
}

// where formats a point for a message, to the 7 decimals (about 1 cm) that
// are all a client can act on.
func where(p orb.Point) string {
	r := func(v float64) string { return num(math.Round(v*1e7) / 1e7) }
	return fmt.Sprintf("(%s, %s)", r(p[0]), r(p[1]))
}
