package store

import (
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"gridhub/model"
)

// overdueSQL is computed at query time, never stored: open and past due.
const overdueSQL = `(t.status NOT IN ('RESOLVED', 'CLOSED', 'REJECTED') AND t.due_at < now())`

// layerSQL is what the store needs to know about one layer's table.
type layerSQL struct {
	table string
	cols  string // select list over alias t
	scan  func(r pgx.CollectableRow, extra ...any) (model.Feature, error)
	// props are the featureCollection properties after "layer": name and expression (alias t),
	// of a type appendJSONValue writes (others through to_json).
	props [][2]string
	// named are featureCollection properties written only when properties names them, after
	// props: what identifies a row to another system, which a map does not draw.
	named [][2]string
}

// allProps are props and then named.
func (ls layerSQL) allProps() [][2]string { return append(slices.Clip(ls.props), ls.named...) }

var layers = map[model.Layer]layerSQL{
	model.LayerGrid: {
		table: "grids",
		cols:  `t.id, t.code, t.level, t.parent_id, t.name, t.population, t.households, ST_Area(t.geom::geography), t.worker_name, t.worker_phone`,
		scan:  func(r pgx.CollectableRow, x ...any) (model.Feature, error) { return scanGrid(r, x...) },
		props: [][2]string{{"name", "t.name"}, {"code", "t.code"}, {"level", "t.level"}, {"population", "t.population"}, {"households", "t.households"}},
	},
	model.LayerBuilding: {
		table: "buildings",
		cols:  `t.id, t.grid_id, t.name, t.address, t.floors, t.households, t.residents`,
		scan:  func(r pgx.CollectableRow, x ...any) (model.Feature, error) { return scanBuilding(r, x...) },
		props: [][2]string{{"name", "t.name"}, {"address", "t.address"}, {"floors", "t.floors"}, {"households", "t.households"}, {"residents", "t.residents"}},
		named: sourceIDProp,
	},
	model.LayerPartyUnit: {
		table: "party_units",
		cols:  `t.id, t.kind, t.name, t.parent_id, t.org_grid_id, t.grid_id, t.building_id, t.member_count`,
		scan:  func(r pgx.CollectableRow, x ...any) (model.Feature, error) { return scanPartyUnit(r, x...) },
		props: [][2]string{{"name", "t.name"}, {"kind", "t.kind"}, {"memberCount", "t.member_count"}},
		named: sourceIDProp,
	},
	model.LayerCamera: {
		table: "cameras",
		cols:  `t.id, t.code, t.kind, t.status, t.name, t.heading::float8, t.stream_url, t.grid_id`,
		scan:  func(r pgx.CollectableRow, x ...any) (model.Feature, error) { return scanCamera(r, x...) },
		props: [][2]string{{"name", "t.name"}, {"code", "t.code"}, {"kind", "t.kind"}, {"status", "t.status"}, {"heading", "to_json(t.heading)"}},
	},
	model.LayerServicePoint: {
		table: "service_points",
		cols:  `t.id, t.kind, t.name, t.address, t.phone, t.opening_hours, t.grid_id`,
		scan:  func(r pgx.CollectableRow, x ...any) (model.Feature, error) { return scanServicePoint(r, x...) },
		props: [][2]string{{"name", "t.name"}, {"kind", "t.kind"}, {"address", "t.address"}, {"phone", "t.phone"}, {"openingHours", "t.opening_hours"}},
		named: sourceIDProp,
	},
	model.LayerIncident: {
		table: "incidents",
		cols: `t.id, t.code, t.title, t.description, t.category, t.source, t.status, t.priority, t.reported_at, t.due_at, t.closed_at, ` +
			overdueSQL + `, t.amount_yuan::float8, t.grid_id, t.assignee_id`,
		scan: func(r pgx.CollectableRow, x ...any) (model.Feature, error) { return scanIncident(r, x...) },
		props: [][2]string{{"name", "t.title"}, {"code", "t.code"}, {"category", "t.category"}, {"status", "t.status"}, {"source", "t.source"},
			{"priority", "t.priority"}, {"reportedAt", "t.reported_at"}, {"dueAt", "t.due_at"}, {"overdue", overdueSQL}},
	},
	model.LayerWorker: {
		table: "grid_workers",
		cols:  `t.id, t.code, t.name, t.phone, t.grid_id, t.on_duty, t.last_seen_at`,
		scan:  func(r pgx.CollectableRow, x ...any) (model.Feature, error) { return scanWorker(r, x...) },
		props: [][2]string{{"name", "t.name"}, {"code", "t.code"}, {"onDuty", "t.on_duty"}, {"lastSeenAt", "t.last_seen_at"}, {"phone", "t.phone"}},
	},
	model.LayerVisit: {
		table: "visits",
		cols:  `t.id, t.worker_id, t.grid_id, t.building_id, t.at, t.kind, t.note`,
		scan:  func(r pgx.CollectableRow, x ...any) (model.Feature, error) { return scanVisit(r, x...) },
		props: [][2]string{{"name", visitNameSQL}, {"kind", "t.kind"}, {"at", "t.at"}},
	},
}

// sourceIDSQL is the sourceId of row t as exports write it (stableID).
var sourceIDSQL = stableID("t")

// sourceIDProp is the sourceId as a featureCollection property.
var sourceIDProp = [][2]string{{"sourceId", sourceIDSQL}}

// visitNameSQL is Visit.Name in SQL.
const visitNameSQL = `('走访·' || t.kind)`

func scanWorker(r pgx.CollectableRow, extra ...any) (*model.GridWorker, error) {
	var w model.GridWorker
	err := r.Scan(append([]any{&w.DBID, &w.Code, &w.Name, &w.Phone, &w.GridID, &w.OnDuty, &w.LastSeenAt}, extra...)...)
	if w.LastSeenAt != nil {
		t := w.LastSeenAt.In(model.Beijing)
		w.LastSeenAt = &t
	}
	return &w, err
}

func scanVisit(r pgx.CollectableRow, extra ...any) (*model.Visit, error) {
	var v model.Visit
	err := r.Scan(append([]any{&v.DBID, &v.WorkerID, &v.GridID, &v.BuildingID, &v.At, &v.Kind, &v.Note}, extra...)...)
	v.At = v.At.In(model.Beijing)
	return &v, err
}

func scanGrid(r pgx.CollectableRow, extra ...any) (*model.Grid, error) {
	var g model.Grid
	err := r.Scan(append([]any{&g.DBID, &g.Code, &g.Level, &g.ParentID, &g.Name, &g.Population, &g.Households, &g.AreaSquareMeters, &g.WorkerName, &g.WorkerPhone}, extra...)...)
	return &g, err
}

func scanBuilding(r pgx.CollectableRow, extra ...any) (*model.Building, error) {
	var b model.Building
	err := r.Scan(append([]any{&b.DBID, &b.GridID, &b.Name, &b.Address, &b.Floors, &b.Households, &b.Residents}, extra...)...)
	return &b, err
}

func scanPartyUnit(r pgx.CollectableRow, extra ...any) (*model.PartyUnit, error) {
	var p model.PartyUnit
	err := r.Scan(append([]any{&p.DBID, &p.Kind, &p.Name, &p.ParentID, &p.OrgGridID, &p.GridID, &p.BuildingID, &p.MemberCount}, extra...)...)
	return &p, err
}

func scanCamera(r pgx.CollectableRow, extra ...any) (*model.Camera, error) {
	var c model.Camera
	err := r.Scan(append([]any{&c.DBID, &c.Code, &c.Kind, &c.Status, &c.Name, &c.HeadingDegrees, &c.StreamURL, &c.GridID}, extra...)...)
	return &c, err
}

func scanServicePoint(r pgx.CollectableRow, extra ...any) (*model.ServicePoint, error) {
	var s model.ServicePoint
	err := r.Scan(append([]any{&s.DBID, &s.Kind, &s.Name, &s.Address, &s.Phone, &s.OpeningHours, &s.GridID}, extra...)...)
	return &s, err
}

func scanIncident(r pgx.CollectableRow, extra ...any) (*model.Incident, error) {
	var i model.Incident
	err := r.Scan(append([]any{&i.DBID, &i.Code, &i.Title, &i.Description, &i.Category, &i.Source, &i.Status, &i.Priority,
		&i.ReportedAt, &i.DueAt, &i.ClosedAt, &i.Overdue, &i.AmountYuan, &i.GridID, &i.AssigneeID}, extra...)...)
	// Times are shown in the district's own zone (RFC 3339 with +08:00).
	i.ReportedAt, i.DueAt = i.ReportedAt.In(model.Beijing), i.DueAt.In(model.Beijing)
	if i.ClosedAt != nil {
		c := i.ClosedAt.In(model.Beijing)
		i.ClosedAt = &c
	}
	return &i, err
}

// strs turns a slice of a string-based enum into []string for pgx.
func strs[E ~string](in []E) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

func and(conds []string) string {
	if len(conds) == 0 {
		return "true"
	}
	return strings.Join(conds, " AND ")
}

// rowTo adapts a layer's scan function to pgx.CollectRows.
func (ls layerSQL) rowTo(r pgx.CollectableRow) (model.Feature, error) { return ls.scan(r) }
