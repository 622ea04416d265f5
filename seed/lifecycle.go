package seed

import (
	"math/rand/v2"
	"strings"
	"time"
)

// event is one timeline entry: a status change, who made it and why.
type event struct {
	at                    time.Time
	from, to, note, actor string
}

var reportNotes = map[string]string{
	"WECHAT": "微信小程序上报", "HOTLINE": "12345热线工单转入", "POLICE_24H": "24小时警局推送",
	"GRID_PATROL": "网格员巡查上报", "CAMERA": "视频智能识别告警", "OTHER": "部门转办",
}

var reporters = map[string]string{
	"WECHAT": "微信群众", "HOTLINE": "12345热线", "POLICE_24H": "24小时警局", "CAMERA": "雪亮工程", "OTHER": "区直部门",
}

// lifecycle draws the incident's whole path through 受理 → 立案 → 派遣 → 处置 → 核查结案
// and keeps what has happened by the reference time, so the status is simply where the
// path stands then: old incidents are mostly closed, the last days' still under way.
// A few are rejected, some fail verification once, and one in fifty stalls for days or
// months at some step, which leaves old ones open and overdue.
func (p *incidentPlan) lifecycle(r *rand.Rand, x *incident) []event {
	limit := x.due.Sub(x.reported)
	t := x.reported
	actor, note := reporters[x.src], reportNotes[x.src]
	switch {
	case x.src == "GRID_PATROL":
		actor = "网格员" + x.grid.worker
	case x.cat.Name == opinionCategory && x.src == "OTHER":
		actor, note = "舆情监测平台", "网络舆情监测发现"
	}
	evs := []event{{at: t, to: "REPORTED", note: note, actor: actor}}

	stuck, delay := -1, time.Duration(0)
	if chance(r, 0.02) {
		stuck, delay = between(r, 1, 5), span(r, 48*time.Hour, 200*24*time.Hour)
	}
	step := func(k int, d time.Duration, to, note, actor string) {
		if k == stuck {
			d += delay
		}
		t = t.Add(max(d, time.Minute)).Truncate(time.Second)
		evs = append(evs, event{at: t, from: evs[len(evs)-1].to, to: to, note: note, actor: actor})
	}
	frac := func(f float64, cap time.Duration) time.Duration { return min(time.Duration(f*float64(limit)), cap) }

	dept, handler := department(x), "网格员"+x.grid.worker
	if !chance(r, 0.4) {
		handler = dept
	}
	y := r.Float64()
	if y < 0.03 {
		step(1, span(r, 5*time.Minute, frac(0.2, 4*time.Hour)), "REJECTED", pick(r, rejectNotes), "指挥中心")
		return p.cut(evs)
	}
	step(1, span(r, 2*time.Minute, frac(0.05, 2*time.Hour)), "ACCEPTED", "已受理，予以立案", "指挥中心")
	if y < 0.05 {
		step(2, span(r, 10*time.Minute, frac(0.2, 8*time.Hour)), "REJECTED", pick(r, rejectNotes), "指挥中心")
		return p.cut(evs)
	}
	step(2, span(r, 3*time.Minute, frac(0.08, 4*time.Hour)), "DISPATCHED", "派遣至"+dept, "指挥中心")
	step(3, span(r, 5*time.Minute, frac(0.15, 8*time.Hour)), "IN_PROGRESS", startNote(x), handler)
	// Nine in ten are resolved within the limit.
	share := uniform(r, 0.3, 0.95)
	if chance(r, 0.1) {
		share = uniform(r, 1.05, 2.5)
	}
	step(4, x.reported.Add(time.Duration(share*float64(limit))).Sub(t), "RESOLVED", resolveNote(x), handler)
	if chance(r, 0.04) {
		step(6, span(r, time.Hour, 12*time.Hour), "IN_PROGRESS", "核查不通过，退回重新处置", "指挥中心")
		step(6, time.Duration(uniform(r, 0.2, 0.6)*float64(limit)), "RESOLVED", "重新处置完毕，已拍照回传", handler)
	}
	step(5, span(r, 20*time.Minute, 20*time.Hour), "CLOSED", "核查通过，予以结案", "指挥中心")
	return p.cut(evs)
}

// cut drops what would happen after the reference time.
func (p *incidentPlan) cut(evs []event) []event {
	n := 1
	for n < len(evs) && evs[n].at.Before(p.ref) {
		n++
	}
	return evs[:n]
}

func span(r *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.Int64N(int64(hi-lo)))
}

// department is who the command centre dispatches the incident to.
func department(x *incident) string {
	st := x.grid.street
	switch x.cat.Name {
	case "市容环境", "宣传广告", "施工管理", "街面秩序":
		if st.agri {
			return st.name + "综合执法局"
		}
		return st.name + "综合执法中心"
	case "突发事件":
		return st.name + "应急处置分队"
	case disputeCategory:
		return x.grid.community.name + "人民调解委员会"
	case "治安隐患":
		return strings.TrimSuffix(strings.TrimSuffix(st.name, "街道"), "镇") + "派出所"
	case opinionCategory:
		return "区委网信办"
	}
	return st.name + "办事处"
}

func startNote(x *incident) string {
	switch x.cat.Name {
	case disputeCategory:
		return "已约双方当事人到调解室调解"
	case opinionCategory:
		return "已核实情况，正在回应处置"
	}
	return "已到达现场处置"
}

func resolveNote(x *incident) string {
	switch x.cat.Name {
	case disputeCategory:
		return "调解成功，双方签订调解协议"
	case opinionCategory:
		return "已发布情况说明，回应网民关切"
	}
	return "处置完毕，已拍照回传"
}
