package seed

import (
	"fmt"
	"math"
)

// 雪亮工程 added 1,993 cameras and 云眼卫士 1,618: fixed at every scale.
const (
	xueliangCameras = 1993
	yunyanCameras   = 1618
)

var cameraColumns = []string{"id", "code", "kind", "status", "name", "heading", "stream_url", "grid_id", "geom"}

// GB/T 28181 device codes: centre 15020300 (内蒙古/包头/昆都仑区/基层 00), industry
// (00 社会治安路面接入 for the road cameras of 雪亮工程, 01 社会治安社区接入 for the
// compound cameras of 云眼卫士), type 131 摄像机 or 132 网络摄像机, then the network
// (0 监控报警专网, 8 社会资源接入网) and a 6-digit serial.
type cameraKind struct {
	kind, industry, network string
	count                   int
	subnet                  int
}

var cameraKinds = []cameraKind{
	{kind: "XUELIANG", industry: "00", network: "0", count: xueliangCameras, subnet: 32},
	{kind: "YUNYAN", industry: "01", network: "8", count: yunyanCameras, subnet: 33},
}

var corners = [4]struct {
	u, v float64
	name string
}{{0.08, 0.08, "西南角"}, {0.92, 0.08, "东南角"}, {0.92, 0.92, "东北角"}, {0.08, 0.92, "西北角"}}

var sides = []string{"东侧", "西侧", "南侧", "北侧", "出入口", "单元门", "停车场"}

func (d *district) cameraRows() [][]any {
	r := stream(sCameras)
	// Cameras follow the buildings: the urban core is watched densely, the villages and
	// hills only along a few roads.
	weights := make([]float64, len(d.grids))
	for k, g := range d.grids {
		weights[k] = float64(g.r.quads()) * (g.density + 0.02)
	}
	cum := cumulative(weights)
	var out [][]any
	var id int64
	for _, ck := range cameraKinds {
		for n := 1; n <= ck.count; n++ {
			g := d.grids[sampleCum(r, cum)]
			var s spot
			var name string
			if ck.kind == "XUELIANG" {
				// At a crossing: just inside a corner of a quad, facing along a road.
				i, j := g.r.i0+r.IntN(g.r.w()), g.r.j0+r.IntN(g.r.h())
				c := corners[r.IntN(4)]
				s = d.spotAt(i, j, c.u+uniform(r, -0.04, 0.04), c.v+uniform(r, -0.04, 0.04))
				ew, ns := roadsNear(i, j)
				name = ew + "与" + ns + "交叉口" + c.name
			} else {
				s = d.spotIn(r, g)
				name = fmt.Sprintf("%s%d号楼%s", compound(s.i, s.j), between(r, 1, 30), pick(r, sides))
				if g.agri {
					name = g.community.name + pick(r, []string{"村口", "村委会门前", "文化广场", "路口"})
				}
			}
			status := "ONLINE"
			switch x := r.Float64(); {
			case x > 0.97:
				status = "FAULT"
			case x > 0.92:
				status = "OFFLINE"
			}
			typ := "131"
			if chance(r, 0.7) {
				typ = "132"
			}
			code := fmt.Sprintf("15020300%s%s%s%06d", ck.industry, typ, ck.network, n)
			heading := float32(math.Floor(r.Float64()*3600) / 10)
			url := fmt.Sprintf("rtsp://10.%d.%d.%d:554/Streaming/Channels/101", ck.subnet, n/250, n%250+1)
			id++
			out = append(out, []any{id, code, ck.kind, status, name, heading, url, g.id, geom(s.p)})
		}
	}
	return out
}
