package store

import (
	"context"

	"gridhub/model"
)

// Property is one attribute of a layer's features in a GIS attribute table (OGC API –
// Features): named as the GraphQL field it mirrors, so that a role's field rules apply to
// it by that name, and typed as JSON Schema types it.
type Property struct {
	Name   string
	Type   string // string, integer, number or boolean
	Format string // date-time for timestamps
	Enum   []string
	Title  string // what a GIS user reads in the attribute table's header (Chinese)
	// Queryable: callers may filter on it (by value or CQL2). Free text and derived
	// figures are not: their filters would scan the whole table.
	Queryable bool
	// Masked: the caller sees it with its middle digits hidden, and may not filter on it.
	Masked bool
	// OnRequest: written only when properties= names it. A figure derived on the
	// spheroid costs more than the rest of the feature together (a grid's area: ¾ of a
	// page of polygons), and GIS clients compute it themselves when they need it.
	OnRequest bool
	expr      string // over alias t
}

// gridCodeOf is the code of the GRID a row of another layer lies in (GraphQL's grid).
const gridCodeOf = "(SELECT gc.code FROM grids gc WHERE gc.id = t.grid_id)"

var properties = map[model.Layer][]Property{
	model.LayerGrid: {
		{Name: "name", Type: "string", Title: "名称", expr: "t.name"},
		{Name: "code", Type: "string", Title: "编码", Queryable: true, expr: "t.code"},
		{Name: "level", Type: "string", Title: "层级", Enum: strs(model.GridLevels), Queryable: true, expr: "t.level"},
		{Name: "parent", Type: "string", Title: "上级编码", Queryable: true, expr: "(SELECT pc.code FROM grids pc WHERE pc.id = t.parent_id)"},
		{Name: "population", Type: "integer", Title: "实有人口", Queryable: true, expr: "t.population"},
		{Name: "households", Type: "integer", Title: "户数", Queryable: true, expr: "t.households"},
		{Name: "areaSquareMeters", Type: "number", Title: "面积(平方米)", OnRequest: true, expr: "ST_Area(t.geom::geography)"},
		{Name: "workerName", Type: "string", Title: "网格员", expr: "t.worker_name"},
		{Name: "workerPhone", Type: "string", Title: "网格员电话", expr: "t.worker_phone"},
	},
	model.LayerBuilding: {
		{Name: "name", Type: "string", Title: "名称", expr: "t.name"},
		{Name: "address", Type: "string", Title: "地址", expr: "t.address"},
		{Name: "floors", Type: "integer", Title: "层数", Queryable: true, expr: "t.floors"},
		{Name: "households", Type: "integer", Title: "户数", Queryable: true, expr: "t.households"},
		{Name: "residents", Type: "integer", Title: "实有人口", Queryable: true, expr: "t.residents"},
		{Name: "grid", Type: "string", Title: "所在网格", Queryable: true, expr: gridCodeOf},
		{Name: "sourceId", Type: "string", Title: "来源编号", expr: sourceIDSQL},
	},
	model.LayerPartyUnit: {
		{Name: "name", Type: "string", Title: "名称", expr: "t.name"},
		{Name: "kind", Type: "string", Title: "类型", Enum: strs(model.PartyUnitKinds), Queryable: true, expr: "t.kind"},
		{Name: "memberCount", Type: "integer", Title: "党员数", Queryable: true, expr: "t.member_count"},
		{Name: "grid", Type: "string", Title: "所在网格", Queryable: true, expr: gridCodeOf},
		{Name: "sourceId", Type: "string", Title: "来源编号", expr: sourceIDSQL},
		{Name: "parent", Type: "string", Title: "上级党组织", expr: "(SELECT " + stableID("pp") + " FROM party_units pp WHERE pp.id = t.parent_id)"},
		{Name: "orgGrid", Type: "string", Title: "所属网格单元", expr: "(SELECT og.code FROM grids og WHERE og.id = t.org_grid_id)"},
		{Name: "building", Type: "string", Title: "所在楼栋", expr: "(SELECT " + stableID("pb") + " FROM buildings pb WHERE pb.id = t.building_id)"},
	},
	model.LayerCamera: {
		{Name: "name", Type: "string", Title: "名称", expr: "t.name"},
		{Name: "code", Type: "string", Title: "设备编码", Queryable: true, expr: "t.code"},
		{Name: "kind", Type: "string", Title: "类型", Enum: strs(model.CameraKinds), Queryable: true, expr: "t.kind"},
		{Name: "status", Type: "string", Title: "状态", Enum: strs(model.CameraStatuses), Queryable: true, expr: "t.status"},
		{Name: "headingDegrees", Type: "number", Title: "朝向(度)", expr: "t.heading::float8"},
		{Name: "streamUrl", Type: "string", Title: "视频流地址", expr: "t.stream_url"},
		{Name: "grid", Type: "string", Title: "所在网格", Queryable: true, expr: gridCodeOf},
	},
	model.LayerServicePoint: {
		{Name: "name", Type: "string", Title: "名称", expr: "t.name"},
		{Name: "kind", Type: "string", Title: "类型", Enum: strs(model.ServicePointKinds), Queryable: true, expr: "t.kind"},
		{Name: "address", Type: "string", Title: "地址", expr: "t.address"},
		{Name: "phone", Type: "string", Title: "电话", expr: "t.phone"},
		{Name: "openingHours", Type: "string", Title: "开放时间", expr: "t.opening_hours"},
		{Name: "grid", Type: "string", Title: "所在网格", Queryable: true, expr: gridCodeOf},
		{Name: "sourceId", Type: "string", Title: "来源编号", expr: sourceIDSQL},
	},
	model.LayerIncident: {
		{Name: "name", Type: "string", Title: "标题", expr: "t.title"},
		{Name: "code", Type: "string", Title: "事件编号", Queryable: true, expr: "t.code"},
		{Name: "category", Type: "string", Title: "类别", Queryable: true, expr: "t.category"},
		{Name: "source", Type: "string", Title: "来源", Enum: strs(model.IncidentSources), Queryable: true, expr: "t.source"},
		{Name: "status", Type: "string", Title: "状态", Enum: strs(model.IncidentStatuses), Queryable: true, expr: "t.status"},
		{Name: "priority", Type: "integer", Title: "优先级", Queryable: true, expr: "t.priority::int"},
		{Name: "reportedAt", Type: "string", Format: "date-time", Title: "上报时间", Queryable: true, expr: "t.reported_at"},
		{Name: "dueAt", Type: "string", Format: "date-time", Title: "办结时限", Queryable: true, expr: "t.due_at"},
		{Name: "closedAt", Type: "string", Format: "date-time", Title: "结案时间", Queryable: true, expr: "t.closed_at"},
		{Name: "overdue", Type: "boolean", Title: "超期", Queryable: true, expr: overdueSQL},
		{Name: "description", Type: "string", Title: "描述", expr: "t.description"},
		{Name: "amountYuan", Type: "number", Title: "涉及金额(元)", expr: "t.amount_yuan::float8"},
		{Name: "grid", Type: "string", Title: "所在网格", Queryable: true, expr: gridCodeOf},
	},
	model.LayerWorker: {
		{Name: "name", Type: "string", Title: "姓名", expr: "t.name"},
		{Name: "code", Type: "string", Title: "编号", Queryable: true, expr: "t.code"},
		{Name: "onDuty", Type: "boolean", Title: "在岗", Queryable: true, expr: "t.on_duty"},
		{Name: "lastSeenAt", Type: "string", Format: "date-time", Title: "最后定位时间", Queryable: true, expr: "t.last_seen_at"},
		{Name: "phone", Type: "string", Title: "电话", expr: "t.phone"},
		{Name: "grid", Type: "string", Title: "所在网格", Queryable: true, expr: gridCodeOf},
	},
	model.LayerVisit: {
		{Name: "name", Type: "string", Title: "名称", expr: visitNameSQL},
		{Name: "kind", Type: "string", Title: "类型", Enum: strs(model.VisitKinds), Queryable: true, expr: "t.kind"},
		{Name: "at", Type: "string", Format: "date-time", Title: "走访时间", Queryable: true, expr: "t.at"},
		{Name: "note", Type: "string", Title: "走访记录", expr: "t.note"},
		{Name: "grid", Type: "string", Title: "所在网格", Queryable: true, expr: gridCodeOf},
	},
}

// Properties are the properties of layer l's features that ctx's caller may see, in
// attribute-table order: those its role hides or denies are left out, masked ones say so.
func Properties(ctx context.Context, l model.Layer) []Property {
	s := scopeOf(ctx)
	var out []Property
	for _, p := range properties[l] {
		if s != nil && s.Masked[l][p.Name] {
			p.Masked, p.Queryable = true, false
		} else if hidden(ctx, l, p.Name) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// exprOf is the SQL expression of property prop of layer l as ctx's caller may see it:
// masked, or for a coarsened layer's grid the GRID its snapped point lies in (as colsOf
// places it), so that neither the value nor a filter on it tells the stored point.
func exprOf(ctx context.Context, l model.Layer, prop Property, p *args) string {
	e := prop.expr
	if e == gridCodeOf && snapOf(ctx, l) > 0 {
		e = "(SELECT cg.code FROM grids cg WHERE cg.level = 'GRID' AND cg.geom && " + grown(ctx, l, "t.geom", p) +
			" AND ST_Intersects(cg.geom, " + geomOut(ctx, l, p) + ") ORDER BY cg.code LIMIT 1)"
	}
	if !prop.Masked {
		return e
	}
	// As auth.MaskDigits: seven characters or fewer are all hidden, else the first three
	// and the last four are kept.
	return "CASE WHEN char_length(" + e + ") <= 7 THEN repeat('*', char_length(" + e + ")) ELSE left(" + e +
		", 3) || repeat('*', char_length(" + e + ") - 7) || right(" + e + ", 4) END"
}
