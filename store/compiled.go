package store

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"gridhub/model"
)

// A selection compiled to SQL: one statement builds the JSON of a whole list and of
// everything selected under it (relations, pages under each grid, cameras near each
// incident), in the caller's scope, as the resolvers would answer it field by field.
// Resolving 500 incidents with their grid, its parent and its parent field by field made
// gqlgen build ~3,800 objects and spend ~40 % of the time collecting garbage; PostgreSQL
// builds the same text in one pass.

// Node is the JSON object built for one row of Layer: its members, in order.
type Node struct {
	Layer   model.Layer
	Members []Member
}

// Member is one member of a Node: its key (the field's alias) and what it holds.
type Member struct {
	Key string
	// Exactly one of:
	Const  *string // a string constant (__typename)
	Null   bool    // null (a grid's own grid)
	Column string  // a field of the layer (see jsonColumns)
	Grid   *Node   // the GRID the row lies in (for grids: Parent)
	Parent *Node   // a grid's parent
	Page   *Page   // a page of rows of Page.Node.Layer under a grid
	Near   *Near   // the cameras near an incident
}

// Page is a connection: the rows of Node.Layer (matching Filter, id after After, at
// most First, by id) as Parts select them.
type Page struct {
	Node   Node
	Filter Filter
	After  int64
	First  int
	Parts  []Part
}

// Part is a member of a connection or of what it holds: Kind is edges, node, totalCount,
// pageInfo, hasNextPage, or typename (with Const).
type Part struct {
	Key, Kind string
	Const     string
	Sub       []Part
}

// Near is Incident.nearbyCameras: cameras within Meters, nearest first, each as an
// object of Parts (Kind distanceMeters, feature, or typename), the feature being Camera.
type Near struct {
	Meters float64
	Camera Node
	Parts  []Part
}

// jsonKind says how a column is written as JSON.
type jsonKind int

const (
	jsonString jsonKind = iota
	jsonInt
	jsonBool
	// jsonFloat is written by PostgreSQL's shortest representation, which is Go's %g
	// (gqlgen's) for magnitudes from 1e-4 to below 1e6; only fields within that range
	// are compiled.
	jsonFloat
	jsonID
	jsonLayer
)

type jsonColumn struct {
	expr string // over alias t
	kind jsonKind
}

// jsonColumns are the fields a compiled selection may hold, by layer, named as in the
// schema. Geometry and large figures are left to the resolvers (their formatting
// differs), and so the selections that ask for them.
var jsonColumns = map[model.Layer]map[string]jsonColumn{
	model.LayerGrid: {"id": {"", jsonID}, "layer": {"", jsonLayer}, "name": {"t.name", jsonString}, "code": {"t.code", jsonString},
		"level": {"t.level", jsonString}, "population": {"t.population", jsonInt}, "households": {"t.households", jsonInt},
		"workerName": {"t.worker_name", jsonString}, "workerPhone": {"t.worker_phone", jsonString}},
	model.LayerBuilding: {"id": {"", jsonID}, "layer": {"", jsonLayer}, "name": {"t.name", jsonString}, "address": {"t.address", jsonString},
		"floors": {"t.floors", jsonInt}, "households": {"t.households", jsonInt}, "residents": {"t.residents", jsonInt}, "sourceId": {sourceIDSQL, jsonString}},
	model.LayerPartyUnit: {"id": {"", jsonID}, "layer": {"", jsonLayer}, "name": {"t.name", jsonString}, "kind": {"t.kind", jsonString},
		"memberCount": {"t.member_count", jsonInt}, "sourceId": {sourceIDSQL, jsonString}},
	model.LayerCamera: {"id": {"", jsonID}, "layer": {"", jsonLayer}, "name": {"t.name", jsonString}, "code": {"t.code", jsonString},
		"kind": {"t.kind", jsonString}, "status": {"t.status", jsonString}, "headingDegrees": {"t.heading::float8", jsonFloat},
		"streamUrl": {"t.stream_url", jsonString}},
	model.LayerServicePoint: {"id": {"", jsonID}, "layer": {"", jsonLayer}, "name": {"t.name", jsonString}, "kind": {"t.kind", jsonString},
		"address": {"t.address", jsonString}, "phone": {"t.phone", jsonString}, "openingHours": {"t.opening_hours", jsonString}, "sourceId": {sourceIDSQL, jsonString}},
	model.LayerIncident: {"id": {"", jsonID}, "layer": {"", jsonLayer}, "name": {"t.title", jsonString}, "code": {"t.code", jsonString},
		"category": {"t.category", jsonString}, "source": {"t.source", jsonString}, "status": {"t.status", jsonString},
		"priority": {"t.priority::int", jsonInt}, "overdue": {overdueSQL, jsonBool}, "description": {"t.description", jsonString},
		"reportedAt": {beijingTime("t.reported_at"), jsonString}, "dueAt": {beijingTime("t.due_at"), jsonString},
		"closedAt": {beijingTime("t.closed_at"), jsonString}},
	model.LayerWorker: {"id": {"", jsonID}, "layer": {"", jsonLayer}, "name": {"t.name", jsonString}, "code": {"t.code", jsonString},
		"onDuty": {"t.on_duty", jsonBool}, "phone": {"t.phone", jsonString}},
	model.LayerVisit: {"id": {"", jsonID}, "layer": {"", jsonLayer}, "name": {visitNameSQL, jsonString}, "kind": {"t.kind", jsonString},
		"note": {"t.note", jsonString}},
}

// beijingTime is the timestamptz expression ts as gqlgen writes a DateTime read by the
// store: RFC 3339 at UTC+8 (model.Beijing), the fraction's trailing zeros dropped; NULL
// stays NULL.
func beijingTime(ts string) string {
	return "(to_char(" + ts + " AT TIME ZONE INTERVAL '+08:00', 'YYYY-MM-DD\"T\"HH24:MI:SS') || " +
		"coalesce(nullif(rtrim(to_char(" + ts + ", '.US'), '0'), '.'), '') || '+08:00')"
}

// CanCompile reports whether field of layer l can be written by a compiled selection.
func CanCompile(l model.Layer, field string) bool {
	_, ok := jsonColumns[l][field]
	return ok
}

// CompiledPage answers a root list as compiled: the connection's JSON text.
func (s *Store) CompiledPage(ctx context.Context, pg Page) ([]byte, error) {
	var p args
	c := compiler{ctx: ctx, p: &p}
	q := "SELECT " + c.page(pg, "", 0)
	var out []byte
	if err := s.read(ctx).QueryRow(ctx, q, p...).Scan(&out); err != nil {
		return nil, wrap(err, "answer a compiled selection")
	}
	return out, nil
}

// compiler writes one statement; rows of the level d are aliased t in their own
// subquery, and what their relations need of them is carried as c<d>.
type compiler struct {
	ctx context.Context
	p   *args
}

func key(k string) string { return strconv.Quote(k) + ":" }

// object is the text of node's JSON object for the row t of level d.
func (c compiler) object(n Node, d int) string {
	if len(n.Members) == 0 {
		return "'{}'"
	}
	carrier := "c" + strconv.Itoa(d)
	parts := make([]string, 0, 2*len(n.Members))
	for i, m := range n.Members {
		sep := ","
		if i == 0 {
			sep = "{"
		}
		parts = append(parts, literal(sep+key(m.Key)), c.value(n.Layer, m, d, carrier))
	}
	return strings.Join(parts, " || ") + " || '}'"
}

// value is the JSON text of member m of a row of layer l at level d.
func (c compiler) value(l model.Layer, m Member, d int, carrier string) string {
	switch {
	case m.Const != nil:
		return literal(strconv.Quote(*m.Const))
	case m.Null:
		return "'null'"
	case m.Grid != nil:
		return c.related(*m.Grid, carrier+".gid", d)
	case m.Parent != nil:
		return c.related(*m.Parent, carrier+".pid", d)
	case m.Page != nil:
		pg := *m.Page
		pg.Filter.Subtree = ""
		return c.page(pg, carrier+".code", d+1)
	case m.Near != nil:
		return c.near(*m.Near, carrier, d+1)
	}
	col := jsonColumns[l][m.Column]
	switch col.kind {
	case jsonID:
		return `'"' || ` + globalIDSQL(l) + ` || '"'`
	case jsonLayer:
		return literal(strconv.Quote(string(l)))
	case jsonString:
		return "coalesce(to_json(" + col.expr + ")::text, 'null')"
	}
	return "coalesce((" + col.expr + ")::text, 'null')"
}

// related is the grid whose id is the SQL expression id, or null.
func (c compiler) related(n Node, id string, d int) string {
	conds := append([]string{"t.id = " + id}, scopeWhere(c.ctx, model.LayerGrid, c.p)...)
	return "coalesce((SELECT " + c.object(n, d+1) + " FROM grids t" + c.carry(model.LayerGrid, d+1) + " WHERE " + and(conds) + "), 'null')"
}

// carry is the lateral carrier of level d: what the relations of a row need of it.
func (c compiler) carry(l model.Layer, d int) string {
	gid := "NULL::bigint"
	if l != model.LayerGrid {
		gid = gridIDOf(c.ctx, l, c.p)
	}
	pid, code, g := "NULL::bigint", "NULL::text", "NULL::geometry"
	switch l {
	case model.LayerGrid:
		pid, code = "t.parent_id", "t.code"
	case model.LayerIncident:
		g = geomOf(c.ctx, l, "t", c.p)
	}
	return " CROSS JOIN LATERAL (SELECT " + gid + " AS gid, " + pid + " AS pid, " + code + " AS code, " + g + " AS g) c" + strconv.Itoa(d)
}

// page is the connection's JSON text: rows of pg.Node.Layer under the grid whose code
// is the SQL expression under (none: pg.Filter alone), at level d.
func (c compiler) page(pg Page, under string, d int) string {
	l := pg.Node.Layer
	if !slices.ContainsFunc(pg.Parts, readsRows) {
		// Nothing but __typename: no rows to read (and no parameters to bind).
		return c.parts(pg.Parts, func(p Part) string { return c.parts(p.Sub, nil) })
	}
	conds := pg.Filter.where(c.ctx, l, c.p)
	if pg.After > 0 {
		conds = append(conds, "t.id > "+c.p.add(pg.After))
	}
	// Each text is written when a part uses it: a parameter added for text the statement
	// does not hold has no type, and PostgreSQL refuses the statement.
	from := func() string {
		all := conds
		if under != "" {
			all = append(slices.Clip(conds), underGrid(c.ctx, l, under, c.p))
		}
		return " FROM " + layers[l].table + " t" + c.carry(l, d) + " WHERE " + and(all)
	}
	rows := func(n int) string {
		if under == "" {
			return from() + " ORDER BY t.id LIMIT " + strconv.Itoa(n)
		}
		return " FROM " + pageUnder(c.ctx, l, under, conds, strconv.Itoa(n), c.p) + c.carry(l, d) + " ORDER BY t.id LIMIT " + strconv.Itoa(n)
	}
	return c.parts(pg.Parts, func(p Part) string {
		switch p.Kind {
		case "edges":
			edge := func(sub []Part) string { return c.edge(sub, pg.Node, d) }
			return "(SELECT '[' || coalesce(string_agg(e.o, ',' ORDER BY e.id), '') || ']' FROM (SELECT t.id, " + edge(p.Sub) + " AS o" + rows(pg.First) + ") e)"
		case "totalCount":
			return "(SELECT count(*)" + from() + ")::text"
		case "pageInfo":
			return c.parts(p.Sub, func(p Part) string {
				return "((SELECT count(*) FROM (SELECT 1" + rows(pg.First+1) + ") n) > " + strconv.Itoa(pg.First) + ")::text"
			})
		}
		return ""
	})
}

// readsRows reports whether a connection's part needs its rows (__typename alone does
// not, nor pageInfo without hasNextPage).
func readsRows(p Part) bool {
	switch p.Kind {
	case "typename":
		return false
	case "pageInfo":
		return slices.ContainsFunc(p.Sub, func(s Part) bool { return s.Kind == "hasNextPage" })
	}
	return true
}

// edge is an edge's JSON text ({node} and __typename) for the row t of level d.
func (c compiler) edge(sub []Part, n Node, d int) string {
	return c.parts(sub, func(Part) string { return c.object(n, d) })
}

// parts writes an object of parts: typename constants, the rest by of.
func (c compiler) parts(ps []Part, of func(Part) string) string {
	if len(ps) == 0 {
		return "'{}'"
	}
	out := make([]string, 0, 2*len(ps))
	for i, p := range ps {
		sep := ","
		if i == 0 {
			sep = "{"
		}
		v := literal(strconv.Quote(p.Const))
		if p.Kind != "typename" {
			v = of(p)
		}
		out = append(out, literal(sep+key(p.Key)), v)
	}
	return "(" + strings.Join(out, " || ") + " || '}')"
}

// near is the JSON array of cameras near the incident whose point (as the caller sees
// it) is carried as carrier.g, nearest first, for the rows of level d. The envelope
// (degrees, conservative for the latitude; grown by the cameras' cell) lets the index
// prune before the spheroid distance is measured, as CamerasNearIncidents does.
func (c compiler) near(nr Near, carrier string, d int) string {
	r := c.p.add(nr.Meters)
	at := carrier + ".g"
	cam := geomOf(c.ctx, model.LayerCamera, "t", c.p) + "::geography"
	env := grown(c.ctx, model.LayerCamera, metreBox(at, r), c.p)
	conds := append([]string{"t.geom && " + env, "ST_DWithin(" + cam + ", " + at + "::geography, " + r + ")"},
		scopeWhere(c.ctx, model.LayerCamera, c.p)...)
	obj := c.parts(nr.Parts, func(p Part) string {
		if p.Kind == "distanceMeters" {
			return "x.dist::text"
		}
		return "x.o"
	})
	return "(SELECT '[' || coalesce(string_agg(" + obj + ", ',' ORDER BY x.dist, x.id), '') || ']' FROM (SELECT t.id, ST_Distance(" + cam + ", " + at +
		"::geography) AS dist, " + c.object(nr.Camera, d) + " AS o FROM cameras t" + c.carry(model.LayerCamera, d) + " WHERE " + and(conds) + ") x)"
}

// literal is s as an SQL string literal.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
