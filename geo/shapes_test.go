package geo

import (
	"bytes"
	"fmt"
	"math"
	"slices"
)

// starPolygon is a simple polygon of n vertices around the district centre
// whose radius wobbles, so its edges vary in length and direction as a real
// boundary's do.
func starPolygon(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := 0; i <= n-1; i++ {
		k := i % (n - 1)
		th := 2 * math.Pi * float64(k) / float64(n-1)
		r := 0.02 * (1 + 0.3*math.Sin(7*th) + 0.05*math.Sin(131*th))
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%.7f,%.7f]", 109.8325+r*math.Cos(th), 40.6411+r*math.Sin(th))
	}
	b.WriteString(`]]}`)
	return b.Bytes()
}

// combPolygon is a valid polygon of n vertices whose long teeth lie side by
// side a unit apart: the worst case for a sweep. angle 0 makes horizontal
// teeth, which sweeping along y handles; at 45° the teeth are long on both
// axes, so no axis helps.
func combPolygon(n int, angle float64) []byte {
	const length = 50_000.0
	teeth := (n - 3) / 2
	sin, cos := math.Sincos(angle * math.Pi / 180)
	at := func(u, v float64) [2]float64 { return [2]float64{u*cos - v*sin, u*sin + v*cos} }
	var pts [][2]float64
	for i := range teeth {
		near, far := at(0, float64(i)), at(length, float64(i))
		if i%2 == 1 {
			near, far = far, near
		}
		pts = append(pts, near, far)
	}
	pts = append(pts, at(-10, float64(teeth-1)), at(-10, 0))
	return ringJSON(pts, 1e-6)
}

// spiralPolygon is a valid strip wound turns times around the centre, out
// along one edge and back along the other: every vertical line crosses it
// many times, as a winding road's buffer does.
func spiralPolygon(n int, turns float64) []byte {
	half := n / 2
	var out, back [][2]float64
	for i := range half {
		th := 2 * math.Pi * turns * float64(i) / float64(half-1)
		r := 1 + th // the arms of a turn are 2π apart
		out = append(out, [2]float64{r * math.Cos(th), r * math.Sin(th)})
		back = append(back, [2]float64{(r + 3) * math.Cos(th), (r + 3) * math.Sin(th)})
	}
	slices.Reverse(back)
	return ringJSON(append(out, back...), 1e-4)
}

// bowtiePolygon is a star polygon whose last two vertices are swapped.
func bowtiePolygon(n int) []byte {
	var pts [][2]float64
	for i := range n - 1 {
		th := 2 * math.Pi * float64(i) / float64(n-1)
		pts = append(pts, [2]float64{math.Cos(th), math.Sin(th)})
	}
	pts[n/2], pts[n/2+1] = pts[n/2+1], pts[n/2]
	return ringJSON(pts, 0.01)
}

// ringJSON scales pts into a box near the district and closes the ring.
func ringJSON(pts [][2]float64, scale float64) []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i, p := range append(pts, pts[0]) {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%.9f,%.9f]", 109.8+p[0]*scale, 40.6+p[1]*scale)
	}
	b.WriteString(`]]}`)
	return b.Bytes()
}
