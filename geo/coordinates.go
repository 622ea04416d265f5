package geo

import (
	"bytes"

	"github.com/paulmach/orb"
)

// coordReader reads the coordinates member of a Polygon or MultiPolygon
// straight into orb types. Its input has passed json.Valid, so it checks
// nesting and position sizes only.
type coordReader struct {
	scanner
	base  int // where coords starts in the document, for byte offsets in messages
	multi bool
	pts   []orb.Point
	// rings records where each ring's points start and end in pts; the
	// rings are sliced out only at the end, because pts may still move.
	rings [][][2]int
}

// readCoordinates reads coords as the coordinates of a MultiPolygon (multi)
// or a Polygon. coords must be a sub-slice of raw, the whole document, for
// the byte offsets in messages to be right.
func readCoordinates(raw, coords []byte, multi bool, maxVertices int) (orb.MultiPolygon, *Error) {
	// Every position opens a bracket, so the count of brackets bounds the
	// points and one allocation holds them all.
	r := &coordReader{
		scanner: scanner{b: coords},
		base:    cap(raw) - cap(coords), // coords is raw[base:...]
		multi:   multi,
		pts:     make([]orb.Point, 0, bytes.Count(coords, []byte{'['})),
	}
	if err := r.read(); err != nil {
		return nil, err
	}
	if maxVertices > 0 && len(r.pts) > maxVertices {
		return nil, errorf(ProblemComplexity, "polygon has %d vertices; the limit is %d", len(r.pts), maxVertices)
	}
	mp := make(orb.MultiPolygon, len(r.rings))
	for pi, rings := range r.rings {
		mp[pi] = make(orb.Polygon, len(rings))
		for ri, span := range rings {
			mp[pi][ri] = orb.Ring(r.pts[span[0]:span[1]:span[1]])
		}
	}
	return mp, nil
}

func (r *coordReader) read() *Error {
	if !r.multi {
		if err := r.polygon(0); err != nil {
			return err
		}
		return r.noRings()
	}
	if err := r.open(); err != nil {
		return err
	}
	if r.peek() == ']' {
		return errorf(ProblemGeometry, "polygon has no coordinates")
	}
	for pi := 0; ; pi++ {
		if err := r.polygon(pi); err != nil {
			return err
		}
		if r.next() != ',' {
			return r.noRings()
		}
	}
}

// noRings reports the first polygon given as [].
func (r *coordReader) noRings() *Error {
	for pi, rings := range r.rings {
		if len(rings) == 0 {
			return errorf(ProblemGeometry, "polygon %d has no rings", pi)
		}
	}
	return nil
}

func (r *coordReader) polygon(pi int) *Error {
	r.rings = append(r.rings, nil)
	if err := r.open(); err != nil {
		return err
	}
	if r.peek() == ']' {
		r.next()
		return nil
	}
	for ri := 0; ; ri++ {
		if err := r.ring(pi, ri); err != nil {
			return err
		}
		if r.next() != ',' {
			return nil
		}
	}
}

func (r *coordReader) ring(pi, ri int) *Error {
	start := len(r.pts)
	if err := r.open(); err != nil {
		return err
	}
	if r.peek() == ']' {
		r.next()
	} else {
		for vi := 0; ; vi++ {
			if err := r.position(pi, ri, vi); err != nil {
				return err
			}
			if r.next() != ',' {
				break
			}
		}
	}
	r.rings[pi] = append(r.rings[pi], [2]int{start, len(r.pts)})
	return nil
}

func (r *coordReader) position(pi, ri, vi int) *Error {
	if err := r.open(); err != nil {
		return err
	}
	var p orb.Point
	n := 0
	if r.peek() != ']' {
		for {
			at := r.offset()
			v, ok, err := r.number()
			if !ok {
				return r.shapeError()
			}
			if err != nil {
				return errorf(ProblemGeometry, "%s, position %d: the number at byte %d is too large for a float64", ringName(pi, ri), vi, at)
			}
			if n < 2 {
				p[n] = v
			}
			n++
			if r.next() != ',' {
				break
			}
		}
	} else {
		r.next()
	}
	if n < 2 || n > 3 {
		return errorf(ProblemGeometry, "%s, position %d: a position has 2 or 3 numbers, not %d", ringName(pi, ri), vi, n)
	}
	r.pts = append(r.pts, p)
	return nil
}

// offset is the reader's position in the whole document, which is what a
// client's editor shows.
func (r *coordReader) offset() int {
	r.skipSpace()
	return r.base + r.i
}

// open consumes the '[' that must come next, or reports a shape error at
// the token that came instead.
func (r *coordReader) open() *Error {
	if r.peek() != '[' {
		return r.shapeError()
	}
	r.i++
	return nil
}

func (r *coordReader) shapeError() *Error {
	shape := "Polygon coordinates must be an array of rings, each an array of [lon, lat] positions"
	if r.multi {
		shape = "MultiPolygon coordinates must be an array of polygons, each an array of rings of [lon, lat] positions"
	}
	return errorf(ProblemGeometry, "%s (at byte %d)", shape, r.offset())
}
