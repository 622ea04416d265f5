package importer

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"gridhub/model"
	"gridhub/store"
)

// Mapping says which source column feeds which field of the layer, by field name:
//
//	code: 网格编码
//	name: 网格名称
//	level: from code length
//	kind: {const: XUELIANG}
//	status: {column: 状态, values: {在线: ONLINE, 离线: OFFLINE}}
//	lon: 经度
//	lat: 纬度
//
// lon/lat (or wkt) name the coordinate columns of tables.
type Mapping map[string]Field

// Field is where one field's value comes from: a column, a constant, or derived; values
// translates the column's values, transform is one of trim, upper, lower, digits.
type Field struct {
	Column    string            `yaml:"column"`
	Const     *string           `yaml:"const"`
	Values    map[string]string `yaml:"values"`
	Transform string            `yaml:"transform"`
	Derived   bool              `yaml:"-"` // "from code length": the store derives it
}

// UnmarshalYAML takes a bare string as a column name (or "from code length").
func (f *Field) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		if strings.EqualFold(strings.TrimSpace(n.Value), "from code length") {
			f.Derived = true
			return nil
		}
		f.Column = n.Value
		return nil
	}
	type plain Field
	return n.Decode((*plain)(f))
}

// String is the field's source as a mapping file writes it.
func (f Field) String() string {
	switch {
	case f.Derived:
		return "from code length"
	case f.Const != nil:
		return fmt.Sprintf("{const: %q}", *f.Const)
	case f.Values != nil || f.Transform != "":
		return fmt.Sprintf("{column: %q, transform: %q, values: %v}", f.Column, f.Transform, f.Values)
	}
	return f.Column
}

// LoadMapping reads a mapping file.
func LoadMapping(path string) (Mapping, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Mapping
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, badFile("mapping %s: %v", path, err)
	}
	return m, nil
}

// geometryFields are the mapping's names for coordinate columns.
var geometryFields = []string{"lon", "lat", "wkt"}

// known are the column names recognised without a mapping, by field, lower-cased: the
// layer's own property names (what gridhub's exports write) first, then what Chinese
// departments' tables call them.
var known = map[string][]string{
	"code":           {"code", "编码", "代码", "国标编码", "设备编码", "设备编号", "gbcode", "gb_code", "deviceid", "device_id", "事件编号", "事件编码", "案件编号", "工单编号", "工单号"},
	"sourceId":       {"sourceid", "source_id", "id", "fid", "objectid", "编号", "唯一编号", "党组织编号", "党组织编码", "组织编号", "楼栋编号", "建筑编号", "站点编号", "标识码", "bsm"},
	"name":           {"name", "名称", "网格名称", "设备名称", "点位名称", "建筑名称", "楼栋名称", "站点名称", "党组织名称", "组织名称", "title", "标题", "事件标题", "事件名称", "mc"},
	"level":          {"level", "层级", "级别"},
	"parent":         {"parent", "parentcode", "parent_code", "上级编码", "父级编码", "上级党组织", "上级组织", "上级党组织编号", "上级组织编号"},
	"population":     {"population", "人口", "实有人口", "人口数"},
	"households":     {"households", "户数", "住户数"},
	"residents":      {"residents", "实有人口", "人口", "居住人口", "人口数"},
	"floors":         {"floors", "层数", "楼层数", "地上层数", "cs"},
	"address":        {"address", "地址", "详细地址", "dz"},
	"workerName":     {"workername", "worker_name", "网格员", "网格员姓名"},
	"workerPhone":    {"workerphone", "worker_phone", "workerphon", "网格员电话"},
	"kind":           {"kind", "类型", "类别", "type", "组织类型", "党组织类型"},
	"status":         {"status", "状态", "在线状态", "办理状态", "处置状态", "事件状态"},
	"headingDegrees": {"headingdegrees", "headingdeg", "heading", "朝向", "方向角", "方位角"},
	"streamUrl":      {"streamurl", "stream_url", "视频流地址", "取流地址"},
	"phone":          {"phone", "电话", "联系电话"},
	"openingHours":   {"openinghours", "openinghou", "opening_hours", "开放时间", "办公时间"},
	"grid":           {"grid", "所在网格", "网格编码", "网格"},
	"memberCount":    {"membercount", "membercoun", "member_count", "党员数", "党员人数"},
	"orgGrid":        {"orggrid", "org_grid", "所属网格单元", "所属网格", "所属社区"},
	"building":       {"building", "所在楼栋", "楼栋"},
	"category":       {"category", "类别", "事件类别", "事件分类", "事件类型", "分类"},
	"source":         {"source", "来源", "事件来源", "上报渠道", "渠道"},
	"priority":       {"priority", "优先级", "紧急程度"},
	"reportedAt":     {"reportedat", "reported_at", "上报时间", "报告时间", "受理时间", "发生时间"},
	"dueAt":          {"dueat", "due_at", "处置时限", "办结时限", "截止时间", "时限"},
	"closedAt":       {"closedat", "closed_at", "结案时间", "办结时间"},
	"description":    {"description", "descriptio", "描述", "事件描述", "问题描述", "内容"},
	"amountYuan":     {"amountyuan", "amount_yuan", "涉及金额(元)", "涉及金额", "涉案金额", "金额"},
	"lon":            {"lon", "lng", "longitude", "经度", "x", "point_x"},
	"lat":            {"lat", "latitude", "纬度", "y", "point_y"},
	"wkt":            {"wkt", "geometry", "geom", "the_geom", "几何"},
}

// Guess maps the columns given to layer l's fields by their well-known names; fields
// the mapping m already names keep their source. A grid's 网格编码 is its code, anyone
// else's the grid it lies in.
func Guess(l model.Layer, columns []string, m Mapping) Mapping {
	out := Mapping{}
	for k, v := range m {
		out[k] = v
	}
	taken := map[string]bool{}
	for _, f := range out {
		if f.Column != "" {
			taken[strings.ToLower(f.Column)] = true
		}
	}
	lower := map[string]string{}
	for _, c := range columns {
		lower[strings.ToLower(strings.TrimSpace(c))] = c
	}
	fields := []string{}
	for _, f := range store.ImportFields(l) {
		fields = append(fields, f.Name)
	}
	fields = append(fields, geometryFields...)
	for _, name := range fields {
		if _, ok := out[name]; ok {
			continue
		}
		cands := known[name]
		if l == model.LayerGrid && name == "code" {
			cands = append([]string{"code", "网格编码"}, cands...)
		}
		if l == model.LayerGrid && name == "grid" {
			continue
		}
		for _, c := range cands {
			if col, ok := lower[c]; ok && !taken[c] {
				out[name] = Field{Column: col}
				taken[c] = true
				break
			}
		}
	}
	if l == model.LayerGrid {
		if _, ok := out["level"]; !ok {
			out["level"] = Field{Derived: true}
		}
	}
	return out
}

// YAML writes the mapping as a mapping file, fields in the layer's order.
func (m Mapping) YAML(l model.Layer) string {
	var b strings.Builder
	order := []string{}
	for _, f := range store.ImportFields(l) {
		order = append(order, f.Name)
	}
	order = append(order, geometryFields...)
	rest := []string{}
	for k := range m {
		if !slices.Contains(order, k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range append(order, rest...) {
		if f, ok := m[k]; ok {
			fmt.Fprintf(&b, "%s: %s\n", k, f)
		}
	}
	return b.String()
}

// value is field f's value for rec ("" when it has none).
func (f Field) value(rec *Record) string {
	switch {
	case f.Const != nil:
		return *f.Const
	case f.Derived || f.Column == "":
		return ""
	}
	v := rec.Props[f.Column]
	switch f.Transform {
	case "trim":
		v = strings.TrimSpace(v)
	case "upper":
		v = strings.ToUpper(strings.TrimSpace(v))
	case "lower":
		v = strings.ToLower(strings.TrimSpace(v))
	case "digits":
		v = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, v)
	}
	if t, ok := f.Values[strings.TrimSpace(v)]; ok {
		v = t
	}
	return v
}

// check refuses a mapping naming fields the layer does not have, or columns the file
// does not have.
func (m Mapping) check(l model.Layer, columns []string, table bool) error {
	names := []string{}
	for _, f := range store.ImportFields(l) {
		names = append(names, f.Name)
	}
	for k, f := range m {
		if !slices.Contains(names, k) && !slices.Contains(geometryFields, k) {
			return badFile("the mapping names %q, which %s does not have (it has %s)", k, l, strings.Join(names, ", "))
		}
		switch f.Transform {
		case "", "trim", "upper", "lower", "digits":
		default:
			return badFile("mapping of %s: transform %q is not one of trim, upper, lower, digits", k, f.Transform)
		}
		if table && f.Column != "" && !slices.Contains(columns, f.Column) {
			return badFile("the mapping takes %s from column %q, which the file does not have (it has %s)", k, f.Column, strings.Join(columns, ", "))
		}
	}
	return nil
}
