package seed

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/paulmach/orb"

	"gridhub/store"
)

// Grid workers: the grid's own worker (the name and phone the grid carries), a second in
// large grids who also serves the next grid of the community, their patrols along the
// lattice's streets inside their grids on the days before the reference day (two stints
// a day, a point every 30 s), and visits (走访) reaching 60–95 % of each grid's buildings
// in the 30 days before it. Everything is drawn from streams of its own, so the rest of
// the district does not change with it.

const (
	// patrolDays of history, as the district keeps a week of patrols (~0.7 million points).
	patrolDays     = 7
	patrolEvery    = 30 * time.Second
	patrolStint    = 90 * time.Minute
	secondWorkerAt = 80 // quads: larger grids get a second worker
	visitDays      = 30
	metresPerLat   = 111050.0
	metresPerLon   = 84450.0 // at the district's latitude
)

var workerColumns = []string{"id", "code", "name", "phone", "grid_id", "on_duty", "last_seen_at", "geom"}
var workerGridColumns = []string{"worker_id", "grid_id"}
var positionColumns = []string{"worker_id", "at", "geom", "accuracy_m"}

type worker struct {
	id          int64
	code        string
	name, phone string
	grids       []*unit // the first is the main grid
	onDuty      bool
}

// workers are the district's grid workers in id order.
func (d *district) workers() []*worker {
	r := stream(sWorkers)
	names := newNamer(stream(sWorkers, 1))
	var out []*worker
	for _, g := range d.grids {
		w := &worker{id: int64(len(out) + 1), code: g.code + "01", name: g.worker, phone: g.phone, grids: []*unit{g}, onDuty: chance(r, 0.85)}
		out = append(out, w)
		if g.r.quads() < secondWorkerAt {
			continue
		}
		w2 := &worker{id: int64(len(out) + 1), code: g.code + "02", name: names.person(), phone: names.mobile(), grids: []*unit{g}, onDuty: chance(r, 0.85)}
		sibs := g.community.children
		for k, s := range sibs {
			if s == g && k+1 < len(sibs) {
				w2.grids = append(w2.grids, sibs[k+1])
			}
		}
		out = append(out, w2)
	}
	return out
}

// fix is one generated position.
type fix struct {
	at  time.Time
	p   orb.Point
	acc float32
}

// patrol is worker w's day (day days before ref): two stints walking the streets of
// its main grid.
func (d *district) patrol(w *worker, ref time.Time, day int) []fix {
	r := stream(sPatrol, uint64(w.id), uint64(day))
	date := ref.AddDate(0, 0, -day)
	var out []fix
	for _, start := range []time.Duration{9 * time.Hour, 14*time.Hour + 30*time.Minute} {
		t0 := date.Add(start + time.Duration(r.IntN(20))*time.Minute)
		out = append(out, d.walk(r, w.grids[0].r, t0)...)
	}
	return out
}

// walk follows lattice edges inside g from a random corner for a stint, never turning
// back where it can go on, at a walking pace; points carry a few metres of GPS noise.
func (d *district) walk(r *rand.Rand, g rect, t0 time.Time) []fix {
	i, j := g.i0+r.IntN(g.w()+1), g.j0+r.IntN(g.h()+1)
	pi, pj := i, j
	ni, nj := i, j
	speed := uniform(r, 1.1, 1.6)
	var out []fix
	var along, edge float64 // metres walked on the current edge, its length
	steps := int(patrolStint / patrolEvery)
	for s := 0; s <= steps; s++ {
		for along >= edge {
			along -= edge
			pi, pj, i, j = i, j, ni, nj
			ni, nj = d.nextCorner(r, g, pi, pj, i, j)
			edge = metres(d.lat.at(i, j), d.lat.at(ni, nj))
		}
		a, b := d.lat.at(i, j), d.lat.at(ni, nj)
		f := along / edge
		p := orb.Point{a[0] + f*(b[0]-a[0]) + r.NormFloat64()*4/metresPerLon, a[1] + f*(b[1]-a[1]) + r.NormFloat64()*4/metresPerLat}
		out = append(out, fix{at: t0.Add(time.Duration(s) * patrolEvery), p: p, acc: float32(uniform(r, 3, 15))})
		along += speed * patrolEvery.Seconds()
	}
	return out
}

// nextCorner picks a neighbour of (i, j) inside g, not (pi, pj) unless it is the only one.
func (d *district) nextCorner(r *rand.Rand, g rect, pi, pj, i, j int) (int, int) {
	var opts [][2]int
	for _, o := range [][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
		x, y := i+o[0], j+o[1]
		if x >= g.i0 && x <= g.i1 && y >= g.j0 && y <= g.j1 && (x != pi || y != pj) {
			opts = append(opts, [2]int{x, y})
		}
	}
	if len(opts) == 0 {
		return pi, pj
	}
	o := pick(r, opts)
	return o[0], o[1]
}

func metres(a, b orb.Point) float64 {
	return math.Hypot((a[0]-b[0])*metresPerLon, (a[1]-b[1])*metresPerLat)
}

// workerRows are the workers at the last point of their latest patrol.
func (d *district) workerRows(ws []*worker, ref time.Time) [][]any {
	out := make([][]any, len(ws))
	for k, w := range ws {
		day := d.patrol(w, ref, 1)
		last := day[len(day)-1]
		out[k] = []any{w.id, w.code, w.name, opt(w.phone), w.grids[0].id, w.onDuty, last.at, geom(last.p)}
	}
	return out
}

func workerGridRows(ws []*worker) [][]any {
	var out [][]any
	for _, w := range ws {
		for _, g := range w.grids {
			out = append(out, []any{w.id, g.id})
		}
	}
	return out
}

// positionRows streams every worker's patrols, oldest day first.
func (d *district) positionRows(ws []*worker, ref time.Time) func() ([]any, error) {
	day, k := patrolDays, 0
	var buf []fix
	return func() ([]any, error) {
		for len(buf) == 0 {
			if k == len(ws) {
				k, day = 0, day-1
			}
			if day < 1 {
				return nil, nil
			}
			buf = d.patrol(ws[k], ref, day)
			k++
		}
		f := buf[0]
		buf = buf[1:]
		return []any{ws[k-1].id, f.at, geom(f.p), f.acc}, nil
	}
}

// patrolDates are the days the positions fall on.
func patrolDates(ref time.Time) []time.Time {
	out := make([]time.Time, patrolDays)
	for k := range out {
		out[k] = ref.AddDate(0, 0, -(k + 1))
	}
	return out
}

var visitKinds = []string{"ROUTINE", "ROUTINE", "ROUTINE", "ROUTINE", "ROUTINE", "ROUTINE", "ROUTINE", "CARE", "FOLLOW_UP", "DISPUTE", "INSPECTION"}

var visitNotes = []string{"", "", "入户走访，了解居民诉求", "走访独居老人，身体状况良好", "排查安全隐患，楼道已清理",
	"宣传反诈知识", "回访上次反映问题，已解决", "核实实有人口信息", "调解邻里噪音纠纷"}

// visits reach a share of 60–95 % of each grid's buildings in the visitDays before ref
// (some twice), by the grid's own worker, in working hours.
func (d *district) visits(b *buildingGen, ws []*worker, ref time.Time) []store.SeedVisit {
	mainWorker := map[*unit]int64{}
	for _, w := range ws {
		if _, ok := mainWorker[w.grids[0]]; !ok {
			mainWorker[w.grids[0]] = w.id
		}
	}
	var out []store.SeedVisit
	for k, g := range d.grids {
		r := stream(sVisits, uint64(g.id))
		first, last := b.idSpan[k][0], b.idSpan[k][1]
		n := int(last - first + 1)
		if n <= 0 {
			continue
		}
		m := int(math.Round(uniform(r, 0.62, 0.93) * float64(n)))
		m = min(max(m, int(math.Ceil(0.60*float64(n)))), int(math.Floor(0.95*float64(n))))
		ids := make([]int64, n)
		for x := range ids {
			ids[x] = first + int64(x)
		}
		for x := range m {
			y := x + r.IntN(n-x)
			ids[x], ids[y] = ids[y], ids[x]
		}
		for x := range m {
			times := 1
			if chance(r, 0.1) {
				times = 2
			}
			for range times {
				at := ref.AddDate(0, 0, -between(r, 1, visitDays-1)).Add(time.Duration(between(r, 9*60, 17*60)) * time.Minute)
				out = append(out, store.SeedVisit{Worker: mainWorker[g], Building: ids[x], At: at, Kind: pick(r, visitKinds), Note: pick(r, visitNotes)})
			}
		}
	}
	return out
}
