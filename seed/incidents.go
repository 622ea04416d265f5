package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"gridhub/store"
)

// The source document's year: 1.1万 incidents handled, 1,686 disputes mediated with
// ¥11,086,100 involved, 178 public-opinion events. All scale with Scale.
const (
	incidentsPerScale = 11000
	disputesPerScale  = 1686
	opinionsPerScale  = 178
	disputeFenPerUnit = 1108610000 // ¥11,086,100.00 in fen
	disputeCategory   = "矛盾纠纷"
	opinionCategory   = "舆情"
	days              = 365
)

// shanghai is China Standard Time; China has kept UTC+8 without daylight saving since
// 1991, so a fixed zone is exact and needs no tz database.
var shanghai = time.FixedZone("CST", 8*3600)

// Shares of the categories without a fixed count.
var categoryWeights = map[string]float64{"市容环境": 30, "宣传广告": 12, "施工管理": 12, "街面秩序": 22, "突发事件": 6, "治安隐患": 18}

// incidentPlan is everything drawn up front so that incidents can then be generated day
// by day, twice over (rows, then their events), without holding them.
type incidentPlan struct {
	d        *district
	cats     []store.SeedCategory
	end, ref time.Time // incidents are reported in the 365 days before end; events stop at ref
	order    []uint8   // category of the n-th incident in time order
	amounts  []int64   // fen, of the n-th dispute
	daily    []int64
	gridCum  []float64
	dispute  int
}

func newIncidentPlan(d *district, b *buildingGen, cats []store.SeedCategory, scale int, ref time.Time) (*incidentPlan, error) {
	r := stream(sIncidentPlan)
	ref = ref.In(shanghai)
	p := &incidentPlan{d: d, cats: cats, ref: ref, dispute: -1,
		end: time.Date(ref.Year(), ref.Month(), ref.Day(), 0, 0, 0, 0, shanghai)}
	total := int64(incidentsPerScale * scale)
	counts := make([]int64, len(cats))
	weights := make([]float64, len(cats))
	fixed, opinion := int64(0), false
	for k, c := range cats {
		switch c.Name {
		case disputeCategory:
			counts[k], p.dispute = int64(disputesPerScale*scale), k
		case opinionCategory:
			counts[k], opinion = int64(opinionsPerScale*scale), true
		default:
			weights[k] = categoryWeights[c.Name]
			if weights[k] == 0 {
				weights[k] = 3
			}
		}
		fixed += counts[k]
	}
	if p.dispute < 0 || !opinion {
		return nil, fmt.Errorf("seed: incident_categories lacks %s or %s", disputeCategory, opinionCategory)
	}
	for k, n := range apportion(total-fixed, weights, 0) {
		counts[k] += n
	}
	p.order = make([]uint8, 0, total)
	for k, n := range counts {
		p.order = append(p.order, slices.Repeat([]uint8{uint8(k)}, int(n))...)
	}
	r.Shuffle(len(p.order), func(a, b int) { p.order[a], p.order[b] = p.order[b], p.order[a] })

	// Three in ten disputes involve no money; the rest are log-normal around a few
	// thousand yuan, apportioned in whole 10-yuan steps onto the document's exact total.
	raw := make([]float64, counts[p.dispute])
	for k := range raw {
		if !chance(r, 0.3) {
			raw[k] = math.Exp(8.3 + 1.3*r.NormFloat64())
		}
	}
	for _, tens := range apportion(int64(disputeFenPerUnit/1000*scale), raw, 0) {
		p.amounts = append(p.amounts, tens*1000)
	}

	// More reports on weekdays and in the warm months.
	dw := make([]float64, days)
	for k := range dw {
		day := p.end.AddDate(0, 0, k-days)
		w := 1 + 0.15*math.Sin(2*math.Pi*float64(day.YearDay()-100)/365)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w *= 0.8
		}
		dw[k] = w * uniform(r, 0.85, 1.15)
	}
	p.daily = apportion(total, dw, 0)

	// Where people live, things get reported; the hills still see a few.
	gw := make([]float64, len(d.grids))
	for k := range d.grids {
		gw[k] = float64(b.pops[k]) + 40*float64(scale)
	}
	p.gridCum = cumulative(gw)
	return p, nil
}

// Reports by hour of day (Beijing time).
var hourly = cumulative([]float64{0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.5, 1, 1.6, 2, 2, 1.8, 1.2, 1.2, 1.7, 1.9, 1.9, 1.6, 1.2, 1, 0.9, 0.7, 0.5, 0.4})

type incident struct {
	id               int64
	code             string
	cat              store.SeedCategory
	title, desc, src string
	priority         int
	reported, due    time.Time
	amount           int64 // fen; -1 for no amount
	grid             *unit
	at               spot
	events           []event
}

// incidentIter walks the plan day by day. Each day has its own random stream, so both
// walks draw exactly the same incidents.
type incidentIter struct {
	p        *incidentPlan
	day      int
	r        *rand.Rand
	times    []time.Time
	k        int
	n        int64 // incidents so far
	disputes int
}

func (p *incidentPlan) iter() *incidentIter { return &incidentIter{p: p, day: -1} }

func (it *incidentIter) next() *incident {
	for it.day < 0 || it.k == len(it.times) {
		it.day++
		if it.day == days {
			return nil
		}
		it.startDay()
	}
	p, r := it.p, it.r
	x := &incident{id: it.n + 1, reported: it.times[it.k], amount: -1}
	x.code = fmt.Sprintf("SJ%s%06d", x.reported.Format("20060102"), it.k+1)
	it.k++
	c := int(p.order[it.n])
	it.n++
	x.cat = p.cats[c]
	if c == p.dispute {
		x.amount = p.amounts[it.disputes]
		it.disputes++
	}
	x.grid = p.d.grids[sampleCum(r, p.gridCum)]
	x.at = p.d.spotIn(r, x.grid)
	w, ok := sourceWeights[x.cat.Name]
	if !ok {
		w = []float64{1, 1, 1, 1, 1, 1}
	}
	x.src = sources[sampleCum(r, cumulative(w))]
	x.priority = x.cat.DefaultPriority
	switch y := r.Float64(); {
	case y < 0.15:
		x.priority--
	case y > 0.85:
		x.priority++
	}
	x.priority = clamp(x.priority, 1, 5)
	x.due = x.cat.DueAt(x.reported)
	it.describe(x)
	x.events = p.lifecycle(r, x)
	return x
}

func (it *incidentIter) startDay() {
	it.r = stream(sIncidentDay, uint64(it.day))
	start := it.p.end.AddDate(0, 0, it.day-days)
	it.times = it.times[:0]
	for range it.p.daily[it.day] {
		sec := sampleCum(it.r, hourly)*3600 + it.r.IntN(3600)
		it.times = append(it.times, start.Add(time.Duration(sec)*time.Second))
	}
	slices.SortFunc(it.times, func(a, b time.Time) int { return a.Compare(b) })
	it.k = 0
}

// describe writes title and description: where, what, and who said so.
func (it *incidentIter) describe(x *incident) {
	r, s, g := it.r, x.at, x.grid
	is := pickIssue(r, x.cat.Name, x.amount > 0)
	var place string
	switch {
	case g.agri:
		place = g.community.name
	case x.src == "CAMERA":
		ew, ns := roadsNear(s.i, s.j)
		place = ew + "与" + ns + "交叉口"
	case chance(r, 0.5):
		place = compound(s.i, s.j)
	default:
		place = address(s, int(x.id%7)) + "附近"
	}
	x.title = place + is.title
	x.desc = sourcePhrases[x.src] + place + is.detail + "。"
	if x.amount > 0 {
		x.desc += fmt.Sprintf("涉及金额%d元。", x.amount/100)
	}
	x.desc += "所属网格：" + g.name + "。"
}
