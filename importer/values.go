package importer

import (
	"slices"
	"strings"

	"gridhub/model"
)

// labels are what departments' tables commonly write, besides the names the map shows
// (model.EnumNames), for the values of fields that take one of a list, by field then
// value, trimmed. A mapping's values: comes first; what neither knows reaches the checks
// as it is, which name the values allowed.
var labels = map[string]map[string]string{
	"level": {
		"区县": "DISTRICT", "旗县区": "DISTRICT",
		"街道": "STREET", "镇": "STREET", "乡镇": "STREET", "苏木": "STREET",
		"村": "COMMUNITY", "嘎查": "COMMUNITY", "社区/村": "COMMUNITY",
	},
	"kind": {
		// party units
		"社区党委": "COMMUNITY_COMMITTEE", "社区党总支": "COMMUNITY_COMMITTEE", "社区党支部": "COMMUNITY_COMMITTEE",
		"楼栋党组": "BUILDING_GROUP",
		// cameras
		"雪亮": "XUELIANG", "云眼": "YUNYAN",
		// service points
		"公共法律服务站": "LEGAL_SERVICE", "法律服务": "LEGAL_SERVICE", "公共法律服务工作站": "LEGAL_SERVICE",
		"人民调解室": "MEDIATION", "调解": "MEDIATION",
		"文明实践站": "CIVILIZATION_PRACTICE", "综合执法站": "ENFORCEMENT", "工作室": "STUDIO", "警务站": "POLICE",
	},
	"status": {
		// cameras
		"正常": "ONLINE", "损坏": "FAULT",
		// incidents, in workflow order: 受理 → 立案 → 派遣 → 处置 → 核查结案
		"未受理": "REPORTED", "已上报": "REPORTED", "新上报": "REPORTED",
		"已受理": "ACCEPTED", "立案": "ACCEPTED",
		"已派单": "DISPATCHED", "派遣": "DISPATCHED",
		"办理中": "IN_PROGRESS", "处理中": "IN_PROGRESS",
		"已处置": "RESOLVED", "办结": "RESOLVED",
		"结案": "CLOSED", "已关闭": "CLOSED",
		"不予受理": "REJECTED", "已驳回": "REJECTED", "驳回": "REJECTED",
	},
	"source": {
		"微信": "WECHAT", "微信小程序": "WECHAT", "公众号": "WECHAT",
		"热线": "HOTLINE", "12345": "HOTLINE", "12345热线": "HOTLINE", "政务热线": "HOTLINE",
		"24小时警务站": "POLICE_24H", "110": "POLICE_24H",
		"网格巡查": "GRID_PATROL", "巡查": "GRID_PATROL", "网格员上报": "GRID_PATROL",
		"视频监控": "CAMERA", "监控发现": "CAMERA",
		"其它": "OTHER",
	},
}

// enumValue is v as one of allowed: itself, the same in another case (online), its name
// on the map (在线) or a common one (正常); else v as it is.
func enumValue(field, v string, allowed []string) string {
	t := strings.TrimSpace(v)
	if t == "" || slices.Contains(allowed, t) {
		return v
	}
	if u := strings.ToUpper(t); slices.Contains(allowed, u) {
		return u
	}
	for _, code := range allowed {
		if model.EnumNames[code] == t {
			return code
		}
	}
	if code, ok := labels[field][t]; ok && slices.Contains(allowed, code) {
		return code
	}
	return v
}
