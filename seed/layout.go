package seed

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"
)

// Level names as the grids table spells them.
const (
	lvDistrict  = "DISTRICT"
	lvStreet    = "STREET"
	lvCommunity = "COMMUNITY"
	lvGrid      = "GRID"
)

const (
	districtCode = "150203"
	districtName = "昆都仑区"
	// The 252 网格党支部 of the source document: one or more per grid, so never more grids.
	maxGrids = 252
)

// unit is one node of the grid tree.
type unit struct {
	id       int64
	level    string
	code     string
	name     string
	parent   *unit
	children []*unit
	r        rect
	agri     bool // in one of the 3 agri-related units: larger, sparser, villages

	// GRID level only.
	worker, phone string
	density       float64 // buildings per quad before scaling
	popWeight     float64
	street        *unit
	community     *unit
}

// district is the generated map: the lattice and the tree over it.
type district struct {
	lat         *lattice
	root        *unit
	streets     []*unit
	communities []*unit
	grids       []*unit
	all         []*unit // in id order
}

var urbanStreets = []string{"少先路街道", "沼潭街道", "林荫路街道", "友谊大街街道", "阿尔丁大街街道", "团结大街街道",
	"鞍山道街道", "前进道街道", "市府东路街道", "白云路街道", "黄河西路街道", "昆工路街道"}

func newDistrict() (*district, error) {
	lat, err := newLattice()
	if err != nil {
		return nil, err
	}
	r := stream(sLayout)
	d := &district{lat: lat}
	d.root = &unit{level: lvDistrict, code: districtCode, name: districtName, r: rect{0, 0, nx, ny}}

	// The built-up area lies south-east around the seat; the agri-related units take the
	// hills to the north and the river plain to the west, each several times a street's size.
	core := rect{22, 0, nx, 62}
	var streetRects []rect
	rowCuts := cuts(r, core.j0, core.j1, 3)
	for row := 2; row >= 0; row-- { // numbered from the north-west, like a reading order
		colCuts := cuts(r, core.i0, core.i1, 4)
		for c := range 4 {
			streetRects = append(streetRects, rect{colCuts[c], rowCuts[row], colCuts[c+1], rowCuts[row+1]})
		}
	}
	for k, name := range urbanStreets {
		d.addStreet(name, streetRects[k], false)
	}
	d.addStreet("昆北街道", rect{66, 62, nx, ny}, true)
	d.addStreet("昆河镇", rect{0, 0, 22, 62}, true)
	d.addStreet("卜尔汉图镇", rect{0, 62, 66, ny}, true)

	names := newNamer(stream(sNames))
	perCommunity := map[*unit]int{}
	total := 0
	for _, s := range d.streets {
		n := between(r, 4, 6)
		if s.agri {
			n = between(r, 4, 5)
		}
		for k, cr := range split(r, s.r, n) {
			c := &unit{level: lvCommunity, parent: s, r: cr, agri: s.agri,
				code: fmt.Sprintf("%s%03d", s.code, k+1), name: names.community(s)}
			s.children = append(s.children, c)
			d.communities = append(d.communities, c)
			perCommunity[c] = 3
			if !s.agri && chance(r, 0.45) {
				perCommunity[c] = 4
			}
			total += perCommunity[c]
		}
	}
	// Leave a few of the 252 branches over for 小区党支部 in the busiest grids.
	for _, k := range r.Perm(len(d.communities)) {
		if c := d.communities[k]; total > maxGrids-6 && perCommunity[c] == 4 {
			perCommunity[c] = 3
			total--
		}
	}
	if total > maxGrids {
		return nil, fmt.Errorf("seed: %d grids, more than the %d grid branches", total, maxGrids)
	}
	for _, c := range d.communities {
		for k, gr := range split(r, c.r, perCommunity[c]) {
			g := &unit{level: lvGrid, parent: c, r: gr, agri: c.agri, street: c.parent, community: c,
				code: fmt.Sprintf("%s%03d", c.code, k+1), name: fmt.Sprintf("%s第%s网格", c.name, chineseNumber(k+1))}
			g.worker, g.phone = names.person(), names.mobile()
			g.density, g.popWeight = density(r, d.middle(g), g)
			c.children = append(c.children, g)
			d.grids = append(d.grids, g)
		}
	}
	d.all = append(append(append([]*unit{d.root}, d.streets...), d.communities...), d.grids...)
	for k, u := range d.all {
		u.id = int64(k + 1)
	}
	return d, nil
}

func (d *district) addStreet(name string, r rect, agri bool) {
	s := &unit{level: lvStreet, parent: d.root, r: r, agri: agri, name: name,
		code: fmt.Sprintf("%s%03d", districtCode, len(d.streets)+1)}
	d.root.children = append(d.root.children, s)
	d.streets = append(d.streets, s)
}

// cuts divides [lo,hi) into n spans of roughly equal size, each varied by up to ±15%.
func cuts(r *rand.Rand, lo, hi, n int) []int {
	out := []int{lo}
	for k := 1; k < n; k++ {
		even := float64(lo) + float64(hi-lo)*float64(k)/float64(n)
		c := int(math.Round(even + uniform(r, -0.15, 0.15)*float64(hi-lo)/float64(n)))
		out = append(out, c)
	}
	return append(out, hi)
}

// split cuts r into n rectangles by recursive halving across its longer side (in metres),
// so the pieces stay compact.
func split(r *rand.Rand, a rect, n int) []rect {
	if n <= 1 {
		return []rect{a}
	}
	n1 := n / 2
	frac := float64(n1)/float64(n) + uniform(r, -0.08, 0.08)
	widthM, heightM := float64(a.w())*(lonMax-lonMin)/nx*mPerLon, float64(a.h())*(latMax-latMin)/ny*mPerLat
	var p, q rect
	if (widthM >= heightM && a.w() >= n) || a.h() < n {
		c := a.i0 + clamp(int(math.Round(frac*float64(a.w()))), n1, a.w()-(n-n1))
		p, q = rect{a.i0, a.j0, c, a.j1}, rect{c, a.j0, a.i1, a.j1}
	} else {
		c := a.j0 + clamp(int(math.Round(frac*float64(a.h()))), n1, a.h()-(n-n1))
		p, q = rect{a.i0, a.j0, a.i1, c}, rect{a.i0, c, a.i1, a.j1}
	}
	return append(split(r, p, n1), split(r, q, n-n1)...)
}

func clamp(x, lo, hi int) int { return max(lo, min(hi, x)) }

// density gives a grid its buildings per quad (dense near the seat, thinning outwards,
// sparse villages in the agri-related units) and its share of the population.
func density(r *rand.Rand, mid orb.Point, g *unit) (float64, float64) {
	x, y := toMetres(centre, mid)
	km := math.Hypot(x, y) / 1000
	noise := uniform(r, 0.75, 1.25)
	switch {
	case g.street.name == "昆北街道":
		b := 0.12 * noise
		return b, b * 0.35
	case g.agri:
		b := 0.05 * noise
		return b, b * 0.08
	}
	b := (0.45 + 0.9*math.Exp(-km*km/9)) * noise
	return b, b * uniform(r, 0.9, 1.1)
}
