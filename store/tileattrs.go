package store

import "gridhub/model"

// tileAttr is one attribute of a layer's tile features: how it is computed and how the
// TileJSON documents it.
type tileAttr struct {
	name string // attribute name in the tile, as the GraphQL field it mirrors
	expr string // over alias t
	typ  string // TileJSON's type: String, Number or Boolean
	desc string
}

// tileAttrs are what a map needs to style and identify each layer's features. Restricted
// fields (a camera's stream URL, a grid worker's phone) are never among them.
var tileAttrs = map[model.Layer][]tileAttr{
	model.LayerGrid: {
		{"name", "t.name", "String", "name"},
		{"code", "t.code", "String", "grid code (6 digits district, +3 per level)"},
		{"level", "t.level", "String", "DISTRICT, STREET, COMMUNITY or GRID"},
	},
	model.LayerBuilding: {
		{"name", "t.name", "String", "name"},
		{"floors", "t.floors", "Number", "floors"},
		{"residents", "t.residents", "Number", "residents (实有人口)"},
	},
	model.LayerPartyUnit: {
		{"name", "t.name", "String", "name"},
		{"kind", "t.kind", "String", "COMMUNITY_COMMITTEE, GRID_BRANCH or BUILDING_GROUP"},
	},
	model.LayerCamera: {
		{"name", "t.name", "String", "name"},
		{"kind", "t.kind", "String", "XUELIANG or YUNYAN"},
		{"status", "t.status", "String", "ONLINE, OFFLINE or FAULT"},
	},
	model.LayerServicePoint: {
		{"name", "t.name", "String", "name"},
		{"kind", "t.kind", "String", "LEGAL_SERVICE, MEDIATION, CIVILIZATION_PRACTICE, ENFORCEMENT, STUDIO or POLICE"},
	},
	model.LayerIncident: {
		{"name", "t.title", "String", "title"},
		{"code", "t.code", "String", "incident code"},
		{"status", "t.status", "String", "REPORTED, ACCEPTED, DISPATCHED, IN_PROGRESS, RESOLVED, CLOSED or REJECTED"},
		{"category", "t.category", "String", "category (GB/T 30428.2 major class, 矛盾纠纷, 治安隐患, 舆情)"},
		{"priority", "t.priority::int", "Number", "1 (most urgent) to 5"},
		{"overdue", overdueSQL, "Boolean", "open and past its due time"},
	},
	model.LayerWorker: {
		{"name", "t.name", "String", "name"},
		{"onDuty", "t.on_duty", "Boolean", "on duty now"},
	},
	model.LayerVisit: {
		{"name", visitNameSQL, "String", "name"},
		{"kind", "t.kind", "String", "ROUTINE, FOLLOW_UP, DISPUTE, CARE or INSPECTION"},
	},
}

// The attributes every feature, or every cluster, carries besides the layer's own.
var (
	idAttr           = tileAttr{name: "id", typ: "String", desc: "global id, the argument of Query.node in /graphql"}
	countAttr        = tileAttr{name: "count", typ: "Number", desc: "clusters only: how many features the cluster stands for; a cluster of 1 carries its feature's fields too"}
	overdueCountAttr = tileAttr{name: "overdueCount", typ: "Number", desc: "clusters only: how many of the cluster's incidents are overdue"}
)

// TileField documents one attribute of a tile layer's features.
type TileField struct {
	Name, Type, Description string
}

// TileFields are the attributes the features of layer l carry in tiles built with o
// (the caller's role may leave some out): the id, the layer's own attributes and, where
// points may be clustered, the clusters' counts.
func TileFields(l model.Layer, o TileOptions) []TileField {
	as := append([]tileAttr{idAttr}, tileAttrs[l]...)
	if polygonal(l) || (o.ClusterBelow == 0 && o.ClusterAbove == 0) {
		return fields(as)
	}
	as = append(as, countAttr)
	if l == model.LayerIncident {
		as = append(as, overdueCountAttr)
	}
	return fields(as)
}

func fields(as []tileAttr) []TileField {
	out := make([]TileField, len(as))
	for i, a := range as {
		out[i] = TileField{Name: a.name, Type: a.typ, Description: a.desc}
	}
	return out
}

// PropertyNames are the properties of layer l's built JSON (featureCollection, tiles, OGC API),
// named as the GraphQL fields they mirror: what a role's field rules may leave out.
func PropertyNames(l model.Layer) []string {
	var out []string
	seen := map[string]bool{}
	for _, kv := range layers[l].props {
		if !seen[kv[0]] {
			seen[kv[0]], out = true, append(out, kv[0])
		}
	}
	for _, a := range tileAttrs[l] {
		if !seen[a.name] {
			seen[a.name], out = true, append(out, a.name)
		}
	}
	for _, p := range properties[l] {
		if !seen[p.Name] {
			seen[p.Name], out = true, append(out, p.Name)
		}
	}
	return out
}
