package seed

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// At scale 1 the district has about 7,000 buildings housing 608,000 people (实有人口
// 60余万). Scale N multiplies both: a building keeps realistic floors, households and
// residents, so a scaled district is simply N times as populous. On the same ground,
// N times as many buildings means N times smaller lots, so footprints shrink with scale
// (below 20 m from scale ~4 on); that is fine for the benchmarks scales exist for.
const (
	buildingsPerScale  = 7000
	residentsPerScale  = 608000
	minBuildingsInGrid = 4
)

var buildingColumns = []string{"id", "grid_id", "name", "address", "floors", "households", "residents", "geom"}

type building struct {
	id                            int64
	name, addr                    string
	floors, cap, households, resi int
	centre                        orb.Point
	ring                          orb.Ring
}

// buildingGen generates the buildings grid by grid and remembers, per grid, the first
// residential ones: the party's 楼栋党小组 are tied to those.
type buildingGen struct {
	d       *district
	counts  []int64 // buildings per grid
	pops    []int64 // residents per grid
	gi      int
	buf     []building
	bi      int
	nextID  int64
	numbers map[string]int // last 楼 number handed out per compound

	homes     [][]building // per grid, up to keepHomes residential buildings
	homeCount []int        // per grid, all residential buildings
	idSpan    [][2]int64   // per grid, its buildings' first and last id (ids are consecutive)
}

const keepHomes = 32

func newBuildingGen(d *district, scale int) *buildingGen {
	bw := make([]float64, len(d.grids))
	pw := make([]float64, len(d.grids))
	for k, g := range d.grids {
		bw[k] = float64(g.r.quads()) * g.density
		pw[k] = float64(g.r.quads()) * g.popWeight
	}
	return &buildingGen{
		d:         d,
		counts:    apportion(int64(buildingsPerScale*scale), bw, minBuildingsInGrid),
		pops:      apportion(int64(residentsPerScale*scale), pw, 0),
		numbers:   map[string]int{},
		homes:     make([][]building, len(d.grids)),
		homeCount: make([]int, len(d.grids)),
		idSpan:    make([][2]int64, len(d.grids)),
	}
}

func (b *buildingGen) next() ([]any, error) {
	for b.bi == len(b.buf) {
		if b.gi == len(b.d.grids) {
			return nil, nil
		}
		b.buf = b.grid(b.gi)
		b.bi = 0
		b.gi++
	}
	x := &b.buf[b.bi]
	b.bi++
	g := b.d.grids[b.gi-1]
	shape := orb.MultiPolygon{orb.Polygon{x.ring}}
	return []any{x.id, g.id, x.name, x.addr, int32(x.floors), int32(x.households), int32(x.resi), geom(shape)}, nil
}

// grid lays out grid k's buildings on lots: each quad is cut into sub×sub lots, enough
// that a fifth or more stay empty, and the buildings take a random choice of them.
// Distinct lots never overlap and a footprint stays inside its lot, so buildings neither
// overlap nor cross a grid border.
func (b *buildingGen) grid(k int) []building {
	g := b.d.grids[k]
	r := stream(sBuildings, uint64(g.id))
	n := int(b.counts[k])
	q := g.r.quads()
	sub := 1
	for float64(q*sub*sub)*0.8 < float64(n) {
		sub++
	}
	lots := make([]int, q*sub*sub)
	for x := range lots {
		lots[x] = x
	}
	for x := range n { // partial Fisher–Yates: the first n are a uniform choice
		y := x + r.IntN(len(lots)-x)
		lots[x], lots[y] = lots[y], lots[x]
	}
	chosen := lots[:n]
	slices.Sort(chosen) // number buildings in survey order, not draw order

	out := make([]building, 0, n)
	for idx, lot := range chosen {
		qi, rest := lot/(sub*sub), lot%(sub*sub)
		i, j := g.r.i0+qi%g.r.w(), g.r.j0+qi/g.r.w()
		a, c := rest%sub, rest/sub
		ds := b.design(r, g, idx == 0)
		ring, centre, ok := b.footprint(r, i, j, a, c, sub, ds)
		if !ok {
			continue
		}
		x := building{ring: ring, centre: centre, floors: ds.floors, cap: ds.cap}
		b.name(&x, g, spot{p: centre, i: i, j: j}, ds.use, a+c*sub)
		out = append(out, x)
	}
	b.populate(r, k, out)
	b.idSpan[k] = [2]int64{b.nextID + 1, b.nextID + int64(len(out))}
	for x := range out {
		b.nextID++
		out[x].id = b.nextID
		if out[x].resi > 0 {
			b.homeCount[k]++
			if len(b.homes[k]) < keepHomes {
				b.homes[k] = append(b.homes[k], out[x])
			}
		}
	}
	return out
}

// populate shares the grid's residents among its buildings by capacity (so the grid sums
// to its share exactly) and derives households at 2.3–2.9 people each.
func (b *buildingGen) populate(r *rand.Rand, k int, out []building) {
	caps := make([]float64, len(out))
	for x := range out {
		caps[x] = float64(out[x].cap)
	}
	for x, p := range apportion(b.pops[k], caps, 0) {
		out[x].resi = int(p)
		if p > 0 {
			hh := int(math.Round(float64(p) / uniform(r, 2.3, 2.9)))
			out[x].households = clamp(hh, 1, max(out[x].cap, 1))
		}
	}
}

// footprint fits a rectangle of the design's size into lot (a,c) of quad (i,j), aligned
// with the lot (or turned slightly), at least a couple of metres inside it.
func (b *buildingGen) footprint(r *rand.Rand, i, j, a, c, sub int, ds design) (orb.Ring, orb.Point, bool) {
	l := b.d.lat
	s := float64(sub)
	u0, u1, v0, v1 := float64(a)/s, float64(a+1)/s, float64(c)/s, float64(c+1)/s
	um, vm := (u0+u1)/2, (v0+v1)/2
	lot := [4]orb.Point{l.point(i, j, u0, v0), l.point(i, j, u1, v0), l.point(i, j, u1, v1), l.point(i, j, u0, v1)}
	centre := l.point(i, j, um, vm)
	ex, ey := toMetres(l.point(i, j, u0, vm), l.point(i, j, u1, vm))
	fx, fy := toMetres(l.point(i, j, um, v0), l.point(i, j, um, v1))
	lw, lh := math.Hypot(ex, ey), math.Hypot(fx, fy)
	theta := math.Atan2(ey, ex)
	if lh > lw { // lay the long side along the lot's long side
		theta = math.Atan2(fy, fx)
	}
	if chance(r, 0.35) {
		theta += uniform(r, -0.2, 0.2)
	}
	long, short := max(lw, lh), min(lw, lh)
	length, width := min(ds.length, 0.8*long), min(ds.width, 0.8*short, ds.length)
	margin := min(2, 0.05*short)
	cos, sin := math.Cos(theta), math.Sin(theta)
	for range 20 {
		ring := make(orb.Ring, 0, 5)
		fits := true
		for _, cn := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
			x, y := cn[0]*length/2, cn[1]*width/2
			p := fromMetres(centre, x*cos-y*sin, x*sin+y*cos)
			if !insideConvex(lot, p, margin) {
				fits = false
				break
			}
			ring = append(ring, p)
		}
		if fits {
			return append(ring, ring[0]), centre, true
		}
		length, width = length*0.85, width*0.85
	}
	return nil, orb.Point{}, false
}

// name gives a building its name and door address: compound buildings are numbered per
// compound (楼号), village houses per community (门牌号).
func (b *buildingGen) name(x *building, g *unit, s spot, use string, sub int) {
	if g.agri {
		village := g.community.name
		b.numbers[village]++
		house := addressIn(g, s, sub) + strconv.Itoa(b.numbers[village]) + "号"
		if use != "" {
			x.name, x.addr = village+use, house
			return
		}
		x.name, x.addr = strings.TrimPrefix(house, g.street.name)+"院", house
		return
	}
	cp := compound(s.i, s.j)
	door := address(s, sub)
	if use != "" {
		x.name, x.addr = cp+use, door
		return
	}
	b.numbers[cp]++
	no := strconv.Itoa(b.numbers[cp]) + "号楼"
	x.name, x.addr = cp+no, door+cp+no
}
