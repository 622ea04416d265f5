package seed

import "math/rand/v2"

// design is what a building is before it is placed: its height, how many households it
// was built for, its footprint size in metres, and its use when nobody lives in it.
type design struct {
	floors, cap   int
	length, width float64
	use           string
}

var (
	urbanUses = []string{"幼儿园", "小学", "菜市场", "社区卫生服务站", "商厦", "超市", "宾馆", "物业服务中心", "老年活动中心", "邮政所"}
	ruralUses = []string{"村委会", "养殖场", "仓库", "农机大院", "村民活动室", "卫生室"}
	highRise  = []int{11, 12, 18, 18, 24, 26, 28, 32, 33}
)

// design draws a building type. Kundulun is mostly six-storey walk-ups from the steel
// works' decades, with newer towers and some old low housing; the agri-related units
// are village courtyards. The first building of a grid is always lived in, so every
// grid's residents have somewhere to live.
func (b *buildingGen) design(r *rand.Rand, g *unit, home bool) design {
	x := r.Float64()
	if home {
		x *= 0.85
	}
	if g.agri && (g.street.name != "昆北街道" || x < 0.5) {
		if x < 0.85 {
			return design{floors: 1 + b2i(chance(r, 0.2)), cap: between(r, 1, 3), length: uniform(r, 15, 25), width: uniform(r, 10, 16)}
		}
		return design{floors: 1, length: uniform(r, 20, 50), width: uniform(r, 12, 30), use: pick(r, ruralUses)}
	}
	switch {
	case x < 0.52: // 多层: 5–7 floors, 2–4 entrances, 2 flats per landing
		units, floors := between(r, 2, 4), pick(r, []int{5, 6, 6, 6, 7})
		return design{floors: floors, cap: floors * units * 2, length: float64(units) * uniform(r, 13, 15), width: uniform(r, 10.5, 13)}
	case x < 0.73: // 高层: towers of 1–2 entrances, 4 flats per landing
		units, floors := between(r, 1, 2), pick(r, highRise)
		return design{floors: floors, cap: floors * units * 4, length: float64(units) * uniform(r, 22, 28), width: uniform(r, 16, 22)}
	case x < 0.85: // 平房 and low old housing
		units, floors := between(r, 1, 3), between(r, 1, 3)
		return design{floors: floors, cap: floors * units * 2, length: 12*float64(units) + uniform(r, 4, 10), width: uniform(r, 9, 12)}
	}
	return design{floors: between(r, 2, 6), length: uniform(r, 25, 60), width: uniform(r, 15, 40), use: pick(r, urbanUses)}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
