package seed

import (
	"math/rand/v2"
	"sort"
)

// baseSeed fixes the district: change it and every generated row changes.
const baseSeed = 0x6b756e64756c756e // "kundulun"

// stream returns an independent generator for one purpose (a table, a grid, a day), so
// that the rows of one part do not shift when another part draws more or fewer numbers,
// and so that a part can be regenerated (incidents are walked twice: rows, then events).
func stream(parts ...uint64) *rand.Rand {
	h := uint64(baseSeed)
	for _, p := range parts {
		h = splitmix(h ^ p)
	}
	return rand.New(rand.NewPCG(h, splitmix(h)))
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Stream purposes.
const (
	sLattice = iota + 1
	sLayout
	sNames
	sBuildings
	sParty
	sCameras
	sServices
	sIncidentPlan
	sIncidentDay
	sWorkers
	sPatrol
	sVisits
)

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

func between(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo+1) }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// chance is true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// apportion splits total into len(weights) integers proportional to weights that sum to
// total exactly (largest remainder; ties go to the lower index, so it is deterministic).
// Every share is at least floor (when total allows).
func apportion(total int64, weights []float64, floor int64) []int64 {
	out := make([]int64, len(weights))
	if len(weights) == 0 {
		return out
	}
	if int64(len(weights))*floor <= total {
		for i := range out {
			out[i] = floor
		}
		total -= int64(len(weights)) * floor
	}
	var sum float64
	for _, w := range weights {
		sum += w
	}
	if sum <= 0 {
		weights = make([]float64, len(weights))
		for i := range weights {
			weights[i] = 1
		}
		sum = float64(len(weights))
	}
	type rem struct {
		i int
		f float64
	}
	rems := make([]rem, len(weights))
	var given int64
	for i, w := range weights {
		exact := float64(total) * w / sum
		n := int64(exact)
		out[i] += n
		given += n
		rems[i] = rem{i, exact - float64(n)}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].f > rems[b].f })
	for k := 0; given < total; k = (k + 1) % len(rems) {
		out[rems[k].i]++
		given++
	}
	return out
}

// cumulative turns weights into a table for weighted draws with sampleCum.
func cumulative(weights []float64) []float64 {
	c := make([]float64, len(weights))
	var s float64
	for i, w := range weights {
		s += w
		c[i] = s
	}
	return c
}

func sampleCum(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	i := sort.SearchFloat64s(cum, x)
	if i >= len(cum) {
		i = len(cum) - 1
	}
	return i
}
