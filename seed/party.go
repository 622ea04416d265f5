package seed

import (
	"strings"

	"github.com/paulmach/orb"
)

// The source document's party organisation: 社区党组织 → 252 网格党支部 (some of them
// 小区党支部) → 721 楼栋党小组. These counts do not change with scale.
const (
	gridBranches   = 252
	buildingGroups = 721
)

var partyColumns = []string{"id", "kind", "name", "parent_id", "org_grid_id", "grid_id", "building_id", "member_count", "geom"}

func (d *district) partyRows(b *buildingGen) [][]any {
	r := stream(sParty)
	var out [][]any
	var id int64
	add := func(kind, name string, parent any, org, grid *unit, building any, members int, p orb.Point) int64 {
		id++
		out = append(out, []any{id, kind, name, parent, org.id, grid.id, building, int32(members), geom(p)})
		return id
	}

	committees := map[*unit]int64{}
	for _, c := range d.communities {
		g := d.central(c, d.middle(c))
		name, members := c.name+"党委", between(r, 80, 320)
		if strings.HasSuffix(c.name, "村") {
			name, members = c.name+"党总支", between(r, 30, 120)
		}
		committees[c] = add("COMMUNITY_COMMITTEE", name, nil, c, g, nil, members, d.spotIn(r, g).p)
	}

	// One branch per grid; the branches left over go to the grids with most buildings,
	// as 小区党支部 of a compound there.
	weights := make([]float64, len(d.grids))
	for k := range d.grids {
		weights[k] = float64(b.counts[k])
	}
	extra := apportion(int64(gridBranches-len(d.grids)), weights, 0)
	branches := make([][]int64, len(d.grids))
	for k, g := range d.grids {
		parent := committees[g.community]
		branches[k] = append(branches[k], add("GRID_BRANCH", g.name+"党支部", parent, g, g, nil, between(r, 15, 60), d.spotIn(r, g).p))
		used := map[string]bool{}
		for n := int64(0); n < extra[k]; n++ {
			s := d.spotIn(r, g)
			name := compound(s.i, s.j) + "党支部"
			if g.agri || used[name] {
				name = g.name + "第" + chineseNumber(len(branches[k])+1) + "党支部"
			}
			used[name] = true
			branches[k] = append(branches[k], add("GRID_BRANCH", name, parent, g, g, nil, between(r, 12, 45), s.p))
		}
	}

	homes := make([]float64, len(d.grids))
	limits := make([]int64, len(d.grids))
	for k := range d.grids {
		homes[k] = float64(b.homeCount[k])
		limits[k] = int64(len(b.homes[k]))
	}
	for k, n := range capped(buildingGroups, homes, limits) {
		g := d.grids[k]
		for x, h := range r.Perm(len(b.homes[k]))[:n] {
			home := b.homes[k][h]
			members := min(between(r, 3, 7)+home.households/40, 15)
			add("BUILDING_GROUP", home.name+"党小组", branches[k][x%len(branches[k])], g, g, home.id, members, home.centre)
		}
	}
	return out
}

// capped apportions total by weights without giving any share more than its limit,
// passing the excess on to shares with room left.
func capped(total int64, weights []float64, limits []int64) []int64 {
	out := make([]int64, len(weights))
	left := total
	w := append([]float64(nil), weights...)
	for left > 0 {
		open := false
		for k := range w {
			if out[k] >= limits[k] {
				w[k] = 0
			} else if w[k] > 0 {
				open = true
			}
		}
		if !open {
			break // fewer homes than groups: the caller's counts will show it
		}
		give := apportion(left, w, 0)
		for k, n := range give {
			n = min(n, limits[k]-out[k])
			out[k] += n
			left -= n
		}
	}
	return out
}
