package geo

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// TestSweepAgreesWithEveryPair checks the sweep's pruning against looking at
// every pair of edges, on random rings over a tiny integer grid, where
// collinear edges, shared vertices and T-junctions are common.
func TestSweepAgreesWithEveryPair(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	valid := 0
	for i := range 20_000 {
		mp := randomMultiPolygon(rng)
		var segs []segment
		for pi, p := range mp {
			for ri, r := range p {
				segs = appendSegments(segs, r, pi, ri)
			}
		}
		want := everyPair(segs) == nil
		got := checkSegments(append([]segment(nil), segs...)) == nil
		if got != want {
			t.Fatalf("case %d: sweep says valid=%v, every pair says %v, for %v", i, got, want, mp)
		}
		if got {
			valid++
		}
	}
	if valid < 500 {
		t.Errorf("only %d of the random cases were valid; the test is not exercising acceptance", valid)
	}
}

func everyPair(segs []segment) *Error {
	for i := range segs {
		for j := i + 1; j < len(segs); j++ {
			if err := checkPair(&segs[i], &segs[j]); err != nil {
				return err
			}
		}
	}
	return nil
}

func randomMultiPolygon(rng *rand.Rand) orb.MultiPolygon {
	var mp orb.MultiPolygon
	for range 1 + rng.IntN(2) {
		var p orb.Polygon
		for range 1 + rng.IntN(2) {
			n := 3 + rng.IntN(4)
			r := make(orb.Ring, 0, n+1)
			for range n {
				r = append(r, orb.Point{float64(rng.IntN(5)), float64(rng.IntN(5))})
			}
			p = append(p, append(r, r[0]))
		}
		mp = append(mp, p)
	}
	return mp
}

func TestSweepAxis(t *testing.T) {
	tests := []struct {
		name string
		ring orb.Ring
	}{
		{"a polygon of long horizontal edges is swept along y", orb.Ring{{0, 0}, {10, 0}, {10, 1}, {0, 1}, {0, 2}, {10, 2}, {10, 3}, {-1, 3}, {-1, 0}, {0, 0}}},
		{"a polygon of long vertical edges is swept along x", orb.Ring{{0, 0}, {0, 10}, {1, 10}, {1, 0}, {2, 0}, {2, 10}, {3, 10}, {3, -1}, {0, -1}, {0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The first edge is one of the long ones: across the sweep axis
			// it is long, along it it has no extent at all.
			ext := extents(appendSegments(nil, tt.ring, 0, 0))
			if ext[0].hi != ext[0].lo || ext[0].hi2-ext[0].lo2 != 10 {
				t.Errorf("first edge's extent along the sweep is [%v, %v], across [%v, %v]", ext[0].lo, ext[0].hi, ext[0].lo2, ext[0].hi2)
			}
		})
	}
}

// FuzzSweep builds rings from bytes on a 6×6 grid, where degenerate
// meetings are the rule, and checks the sweep against every pair and the
// whole validation for panics.
func FuzzSweep(f *testing.F) {
	f.Add([]byte{3, 0, 0, 5, 0, 5, 5, 4, 0, 0, 1, 1, 1, 2})
	f.Add([]byte{2, 0, 0, 2, 2, 2, 0, 0, 2, 3, 1, 1, 3, 3, 3, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		var mp orb.MultiPolygon
		for len(data) > 1 && len(mp) < 3 {
			n := 3 + int(data[0]%5)
			data = data[1:]
			var r orb.Ring
			for len(r) < n && len(data) > 1 {
				r = append(r, orb.Point{float64(data[0] % 6), float64(data[1] % 6)})
				data = data[2:]
			}
			if len(r) == 0 {
				break
			}
			r = append(r, r[0])
			if len(data) > 0 && data[0]%2 == 1 && len(mp) > 0 {
				mp[len(mp)-1] = append(mp[len(mp)-1], r) // a hole
			} else {
				mp = append(mp, orb.Polygon{r})
			}
		}
		if len(mp) == 0 {
			return
		}
		_ = validateMultiPolygon(mp)
		var segs []segment
		for pi, p := range mp {
			for ri, r := range p {
				segs = appendSegments(segs, r, pi, ri)
			}
		}
		if (everyPair(segs) == nil) != (checkSegments(append([]segment(nil), segs...)) == nil) {
			t.Fatalf("sweep and every pair disagree on %v", mp)
		}
	})
}
