package seed

import (
	"math/rand/v2"
	"strings"
)

// Fixed by the source document: 64 新时代文明实践中心/所/站, 21 特色工作室, and an
// enforcement body in each of the 15 streets and towns (综合执法中心 in the 12 urban
// streets, 综合执法局 in the 3 agri-related units).
const (
	civilizationPoints = 64
	studios            = 21
)

var serviceColumns = []string{"id", "kind", "name", "address", "phone", "opening_hours", "grid_id", "geom"}

const (
	officeHours = "周一至周五 8:30-12:00, 14:30-17:30"
	allWeek     = "周一至周日 9:00-17:00"
)

// The first three studios are the document's own; the rest are of the same sort.
var studioNames = strings.Fields(`劳动争议诉调工作室 郭孝红工作室 苏玉淮工作室 老娘舅调解工作室 心理疏导工作室
	为老服务工作室 法律明白人工作室 巾帼志愿服务工作室 青少年成长工作室 退役军人服务工作室 物业纠纷调解工作室
	家事调解工作室 邻里守望工作室 红色物业工作室 平安志愿者工作室 禁毒宣传工作室 残疾人服务工作室
	民族团结工作室 社会工作服务工作室 居家养老服务工作室 银发调解工作室`)

type service struct {
	kind, name, hours string
	unit              *unit // the unit it serves; it sits in that unit's most central grid
}

func (d *district) serviceList(r *rand.Rand) []service {
	var s []service
	add := func(kind, name, hours string, u *unit) { s = append(s, service{kind, name, hours, u}) }

	add("LEGAL_SERVICE", districtName+"公共法律服务中心", officeHours, d.root)
	add("MEDIATION", districtName+"社会矛盾纠纷调处化解中心", officeHours, d.root)
	add("CIVILIZATION_PRACTICE", districtName+"新时代文明实践中心", allWeek, d.root)
	for _, st := range d.streets {
		add("LEGAL_SERVICE", st.name+"公共法律服务工作站", officeHours, st)
		add("CIVILIZATION_PRACTICE", st.name+"新时代文明实践所", allWeek, st)
		enf := st.name + "综合执法中心"
		if st.agri {
			enf = st.name + "综合执法局"
		}
		add("ENFORCEMENT", enf, officeHours+"（执法值班24小时）", st)
		add("POLICE", "昆都仑区公安分局"+strings.TrimSuffix(strings.TrimSuffix(st.name, "街道"), "镇")+"派出所", "24小时", st)
	}
	for _, c := range d.communities {
		add("LEGAL_SERVICE", c.name+"法律服务工作室", officeHours, c)
		add("MEDIATION", c.name+"人民调解委员会调解室", officeHours, c)
	}
	// 新时代文明实践站 in as many communities as the 64 leave room for.
	for _, k := range r.Perm(len(d.communities))[:civilizationPoints-1-len(d.streets)] {
		c := d.communities[k]
		add("CIVILIZATION_PRACTICE", c.name+"新时代文明实践站", allWeek, c)
	}
	for k, name := range studioNames[:studios] {
		c := d.communities[r.IntN(len(d.communities))]
		if k == 0 {
			add("STUDIO", districtName+name, officeHours, d.root)
			continue
		}
		add("STUDIO", name, officeHours, c)
	}
	// 24小时警局: walk-in stations on the busiest streets, beyond the police stations.
	for _, k := range []int{0, 3, 4} {
		st := d.streets[k]
		add("POLICE", "24小时警局"+strings.TrimSuffix(st.name, "街道")+"站", "24小时", st)
	}
	return s
}

func (d *district) serviceRows() [][]any {
	r := stream(sServices)
	var out [][]any
	for k, s := range d.serviceList(r) {
		g := s.unit
		if g.level != lvGrid {
			at := d.middle(s.unit)
			if s.unit == d.root {
				at = centre
			}
			g = d.central(s.unit, at)
		}
		p := d.spotIn(r, g)
		out = append(out, []any{int64(k + 1), s.kind, s.name, addressIn(g, p, k), landline(r), s.hours, g.id, geom(p.p)})
	}
	return out
}
