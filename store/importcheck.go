package store

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"gridhub/model"
)

// loc is where a problem of row s is shown: a point on its geometry, or where PostGIS
// found it invalid.
const loc = `CASE WHEN s.geom IS NULL OR ST_IsEmpty(s.geom) THEN NULL
 WHEN ST_IsValid(s.geom) THEN ST_AsGeoJSON(ST_PointOnSurface(s.geom), 7)
 ELSE ST_AsGeoJSON((ST_IsValidDetail(s.geom)).location, 7) END`

// valid is "row s has a geometry the other checks can work with".
const valid = `s.geom IS NOT NULL AND NOT ST_IsEmpty(s.geom) AND ST_IsValid(s.geom)`

// named are enum values with the names the map shows them by: LEGAL_SERVICE (法律服务站).
func named(values []string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = v
		if n := model.EnumNames[v]; n != "" {
			out[i] += " (" + n + ")"
		}
	}
	return out
}

// checkRows runs every check on import_rows, each one set-based statement, and keeps the
// first maxProblems problems in row order.
func checkRows(ctx context.Context, tx pgx.Tx, il importLayer, spec ImportSpec, res *ImportResult) error {
	var p args
	var qs []string
	add := func(field, problem, value, where string) {
		qs = append(qs, "SELECT s.row, '"+field+"', "+problem+", "+value+", "+loc+", false FROM import_rows s WHERE "+where)
	}
	for _, f := range il.fields {
		c := "s." + f.Column
		if f.Required {
			add(f.Name, "'required field is empty'", "''", c+" IS NULL")
		}
		n := "s.i_" + f.Column
		switch {
		case f.Integer || f.Number:
			what := "'not a number'"
			if f.Integer {
				what = "'not a whole number'"
			}
			add(f.Name, what, c, c+" IS NOT NULL AND "+n+" IS NULL")
			if f.Degrees {
				add(f.Name, "'not a direction in [0, 360)'", c, "("+n+" < 0 OR "+n+" >= 360)")
			} else {
				add(f.Name, "'below "+strconv.Itoa(f.Min)+"'", c, n+" < "+strconv.Itoa(f.Min))
			}
			if f.Max != 0 {
				add(f.Name, "'above "+strconv.Itoa(f.Max)+"'", c, n+" > "+strconv.Itoa(f.Max))
			}
		case f.Time:
			add(f.Name, "'not a time: give ISO 8601 (2026-03-16T09:30:00+08:00) or 2026-03-16 09:30 / 2026/3/16 9:30 (Beijing time)'", c, c+" IS NOT NULL AND "+n+" IS NULL")
		}
		if len(f.Enum) > 0 {
			add(f.Name, "'not one of "+strings.Join(named(f.Enum), ", ")+"'", c, c+" IS NOT NULL AND NOT "+c+" = ANY("+p.add(f.Enum)+"::text[])")
		}
	}
	add("geometry", "'missing or empty'", "''", "s.geom IS NULL OR ST_IsEmpty(s.geom)")
	if polygonal(spec.Layer) {
		add("geometry", "'not a polygon'", "ST_GeometryType(s.geom)", "ST_GeometryType(s.geom) <> 'ST_MultiPolygon'")
	} else {
		add("geometry", "'not a point'", "ST_GeometryType(s.geom)", "ST_GeometryType(s.geom) <> 'ST_Point'")
	}
	if spec.Repair {
		qs = append(qs, "SELECT s.row, 'geometry', 'invalid, repaired with ST_MakeValid', s.invalid, "+loc+", true FROM import_rows s WHERE s.invalid IS NOT NULL")
	} else {
		change := "''"
		if polygonal(spec.Layer) {
			change = "'; -repair applies ST_MakeValid, changing its area by ' || round(abs(ST_Area(ST_CollectionExtract(ST_MakeValid(s.geom), 3)::geography) - ST_Area(s.geom::geography))::numeric, 1) || ' m²'"
		}
		add("geometry", "'invalid: ' || s.invalid || "+change, "ST_AsText(ST_PointN(ST_ExteriorRing(ST_GeometryN(s.geom, 1)), 1))", "s.invalid IS NOT NULL")
	}
	qs = append(qs, "SELECT s.row, '"+il.keyField()+"', 'duplicate: ' || d.n || ' rows have it', s.code, "+loc+
		", false FROM import_rows s JOIN (SELECT code, count(*) AS n FROM import_rows WHERE code IS NOT NULL GROUP BY code HAVING count(*) > 1) d ON d.code = s.code")
	switch spec.Layer {
	case model.LayerGrid:
		qs = append(qs, gridChecks(p.add(spec.Tolerance))...)
	case model.LayerCamera:
		add("code", "'not a 20-digit GB/T 28181 code'", "s.code", `s.code !~ '^[0-9]{20}$'`)
		add("code", "'GB/T 28181 type code (digits 11-13) ' || substr(s.code, 11, 3) || ' is not a camera (131, 132)'", "s.code",
			`s.code ~ '^[0-9]{20}$' AND substr(s.code, 11, 3) NOT IN ('131', '132')`)
	case model.LayerPartyUnit:
		qs = append(qs, partyUnitChecks()...)
	case model.LayerIncident:
		qs = append(qs, incidentChecks(&p)...)
	case model.LayerBuilding:
		qs = append(qs, "SELECT s.row, 'geometry', 'extends ' || round(ST_Area(ST_Difference(s.geom, g.geom)::geography)::numeric, 1) || ' m² beyond its grid ' || g.code, '', "+
			"ST_AsGeoJSON(ST_Difference(s.geom, g.geom), 7), false FROM import_rows s JOIN import_place p ON p.row = s.row JOIN grids g ON g.id = p.grid_id WHERE NOT p.covered AND "+valid+
			" AND ST_Area(ST_Difference(s.geom, g.geom)::geography) > "+p.add(spec.Tolerance))
	}
	if spec.Layer != model.LayerGrid {
		// A row has a point to place it by when its geometry is valid (or was repaired).
		qs = append(qs, "SELECT s.row, 'geometry', 'outside every grid of the district', '', "+loc+
			", false FROM import_rows s WHERE s.pt IS NOT NULL AND NOT EXISTS (SELECT 1 FROM import_place p WHERE p.row = s.row)",
			"SELECT s.row, 'grid', 'lies in grid ' || p.in_grid || ', not in the grid the file names', s.grid, "+loc+
				", false FROM import_rows s JOIN import_place p ON p.row = s.row WHERE s.grid IS NOT NULL AND s.grid <> p.in_grid")
	}
	all := "(" + strings.Join(qs, ")\nUNION ALL (") + ")"
	// Every problem is counted in the same pass that keeps the first maxProblems.
	q := "SELECT *, count(*) OVER () FROM (" + all + ") x ORDER BY 1, 2 LIMIT " + strconv.Itoa(maxProblems)
	rows, err := tx.Query(ctx, q, p...)
	if err != nil {
		return wrap(err, "check import rows")
	}
	res.Problems, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Problem, error) {
		var pr Problem
		var value, where *string
		err := r.Scan(&pr.Row, &pr.Field, &pr.Problem, &value, &where, &pr.Warning, &res.ProblemsTotal)
		if value != nil {
			pr.Value = *value
		}
		if where != nil {
			pr.Location = []byte(*where)
		}
		return pr, err
	})
	if err != nil {
		return wrap(err, "check import rows")
	}
	return nil
}

// gridChecks are the checks of a grid import: codes that nest, parents that exist, and
// children that tile their parent (with the file's grids standing in for the stored ones
// they replace).
func gridChecks(tol string) []string {
	const eff = `WITH eff AS (
  SELECT s.row, s.code, s.geom FROM import_rows s WHERE ` + valid + ` AND s.code ~ '^[0-9]{6}([0-9]{3}){0,3}$'
  UNION ALL
  SELECT NULL, g.code, g.geom FROM grids g WHERE NOT EXISTS (SELECT 1 FROM import_rows s WHERE s.code = g.code)) `
	const levelOf = `CASE length(s.code) WHEN 6 THEN 'DISTRICT' WHEN 9 THEN 'STREET' WHEN 12 THEN 'COMMUNITY' ELSE 'GRID' END`
	return []string{
		"SELECT s.row, 'code', 'does not nest as 6+3+3+3 digits', s.code, " + loc + ", false FROM import_rows s WHERE s.code !~ '^[0-9]{6}([0-9]{3}){0,3}$'",
		"SELECT s.row, 'level', 'a code of ' || length(s.code) || ' digits is a ' || " + levelOf + ", s.level, " + loc +
			", false FROM import_rows s WHERE s.code ~ '^[0-9]{6}([0-9]{3}){0,3}$' AND s.level IS NOT NULL AND s.level <> " + levelOf,
		"SELECT s.row, 'parent', 'is not the code''s first digits (' || left(s.code, length(s.code) - 3) || ')', s.parent, " + loc +
			", false FROM import_rows s WHERE s.code ~ '^[0-9]{9}([0-9]{3}){0,2}$' AND s.parent IS NOT NULL AND s.parent <> left(s.code, length(s.code) - 3)",
		"SELECT s.row, 'parent', 'parent ' || left(s.code, length(s.code) - 3) || ' is neither in the file nor in the database', s.code, " + loc +
			", false FROM import_rows s WHERE s.code ~ '^[0-9]{9}([0-9]{3}){0,2}$'" +
			" AND NOT EXISTS (SELECT 1 FROM import_rows p WHERE p.code = left(s.code, length(s.code) - 3))" +
			" AND NOT EXISTS (SELECT 1 FROM grids p WHERE p.code = left(s.code, length(s.code) - 3))",
		eff + `, kids AS (SELECT left(code, length(code) - 3) AS pc, ST_Union(geom) AS u, bool_or(row IS NOT NULL) AS staged FROM eff WHERE length(code) > 6 GROUP BY 1),
  d AS (SELECT p.row, p.code, ST_Difference(p.geom, k.u) AS gap, ST_Difference(k.u, p.geom) AS over FROM eff p JOIN kids k ON k.pc = p.code WHERE k.staged OR p.row IS NOT NULL)
SELECT coalesce(d.row, 0), 'geometry', 'its children leave a gap of ' || round(ST_Area(d.gap::geography)::numeric, 1) || ' m²', d.code, ST_AsGeoJSON(d.gap, 7), false
FROM d WHERE ST_Area(d.gap::geography) > ` + tol + `
UNION ALL
SELECT coalesce(d.row, 0), 'geometry', 'its children reach ' || round(ST_Area(d.over::geography)::numeric, 1) || ' m² beyond it', d.code, ST_AsGeoJSON(d.over, 7), false
FROM d WHERE ST_Area(d.over::geography) > ` + tol,
		eff + `, o AS (SELECT coalesce(a.row, b.row) AS row, a.code AS a, b.code AS b, ST_Intersection(a.geom, b.geom) AS g FROM eff a JOIN eff b
  ON length(a.code) = length(b.code) AND length(a.code) > 6 AND left(a.code, length(a.code) - 3) = left(b.code, length(b.code) - 3)
  AND a.code < b.code AND a.geom && b.geom AND (a.row IS NOT NULL OR b.row IS NOT NULL))
SELECT o.row, 'geometry', 'overlaps its sibling ' || o.b || ' by ' || round(ST_Area(o.g::geography)::numeric, 1) || ' m²', o.a, ST_AsGeoJSON(o.g, 7), false
FROM o WHERE ST_Area(o.g::geography) > ` + tol,
	}
}

// layerWrite is how import_rows become rows of a layer's table: its columns and the
// expression filling each (over import_rows s and what from joins); the natural key is
// importLayer.key, filled from s.code.
type layerWrite struct {
	cols, exprs []string
	from        string
	// levels are conditions on s written one after another, each finding the rows the one
	// before wrote (parents before children).
	levels []string
}

const placed = "import_rows s LEFT JOIN import_place p ON p.row = s.row"

var layerWrites = map[model.Layer]layerWrite{
	model.LayerBuilding: {from: placed,
		cols:  []string{"grid_id", "name", "address", "floors", "households", "residents", "geom"},
		exprs: []string{"p.grid_id", "s.name", "coalesce(s.address, '')", "s.i_floors", "coalesce(s.i_households, 0)", "coalesce(s.i_residents, 0)", "s.geom"}},
	model.LayerCamera: {from: placed,
		cols:  []string{"kind", "status", "name", "heading", "stream_url", "grid_id", "geom"},
		exprs: []string{"s.kind", "coalesce(s.status, 'ONLINE')", "s.name", "s.i_heading", "s.stream_url", "p.grid_id", "s.geom"}},
	model.LayerServicePoint: {from: placed,
		cols:  []string{"kind", "name", "address", "phone", "opening_hours", "grid_id", "geom"},
		exprs: []string{"s.kind", "s.name", "coalesce(s.address, '')", "s.phone", "s.opening_hours", "p.grid_id", "s.geom"}},
	model.LayerGrid: {from: "import_rows s LEFT JOIN grids p ON p.code = left(s.code, length(s.code) - 3) AND length(s.code) > 6",
		cols: []string{"level", "parent_id", "name", "population", "households", "worker_name", "worker_phone", "geom"},
		exprs: []string{"CASE length(s.code) WHEN 6 THEN 'DISTRICT' WHEN 9 THEN 'STREET' WHEN 12 THEN 'COMMUNITY' ELSE 'GRID' END",
			"p.id", "s.name", "coalesce(s.i_population, 0)", "coalesce(s.i_households, 0)", "s.worker_name", "s.worker_phone", "s.geom"},
		levels: []string{"length(s.code) = 6", "length(s.code) = 9", "length(s.code) = 12", "length(s.code) = 15"}},
	model.LayerPartyUnit: {from: placed + " JOIN import_pu u ON u.row = s.row",
		cols:   []string{"kind", "name", "parent_id", "org_grid_id", "grid_id", "building_id", "member_count", "geom"},
		exprs:  []string{"s.kind", "s.name", matchID("party_units", "s.parent"), "u.org_grid_id", "p.grid_id", "u.building_id", "coalesce(s.i_member_count, 0)", "s.geom"},
		levels: []string{"s.kind = 'COMMUNITY_COMMITTEE'", "s.kind = 'GRID_BRANCH'", "s.kind = 'BUILDING_GROUP'"}},
}

// upsert writes import_rows into the layer's table by natural key: rows that differ are
// updated, new keys inserted, identical rows left alone (a re-import changes nothing).
// An UPDATE and an INSERT of the keys not there: INSERT ... ON CONFLICT's speculative
// insertion costs more per row, and an import is one transaction anyway.
// own: the file holds stable ids of this database (ownID), which match rows too.
func upsert(ctx context.Context, tx pgx.Tx, l model.Layer, il importLayer, own bool, res *ImportResult) error {
	w, table := layerWrites[l], TableName(l)
	set := "(" + strings.Join(w.cols, ", ") + ") = ROW(" + strings.Join(w.exprs, ", ") + ")"
	var old []string
	for _, c := range w.cols {
		old = append(old, "t."+c)
	}
	keys := []string{"t." + il.key + " = s.code"}
	if own {
		keys = append(keys, "t.source_id IS NULL AND t.id = "+ownID("s.code"))
	}
	var oldAttrs, newAttrs []string
	geomChanged := "false"
	for i, c := range w.cols {
		if c == "geom" {
			geomChanged = moved("t.geom", w.exprs[i])
		} else {
			oldAttrs, newAttrs = append(oldAttrs, old[i]), append(newAttrs, w.exprs[i])
		}
	}
	changed := " AND ((" + strings.Join(oldAttrs, ", ") + ") IS DISTINCT FROM (" + strings.Join(newAttrs, ", ") + ") OR " + geomChanged + ")"
	var updates []string
	insert := "INSERT INTO " + table + " (" + il.key + ", " + strings.Join(w.cols, ", ") + ") SELECT s.code, " +
		strings.Join(w.exprs, ", ") + " FROM " + w.from + " WHERE true"
	for _, k := range keys {
		updates = append(updates, "UPDATE "+table+" t SET "+set+" FROM "+w.from+" WHERE "+k+changed)
		insert += " AND NOT EXISTS (SELECT 1 FROM " + table + " t WHERE " + k + ")"
	}
	levels := w.levels
	if len(levels) == 0 {
		levels = []string{"true"}
	}
	for _, level := range levels {
		cond := " AND " + level
		for _, update := range updates {
			tag, err := tx.Exec(ctx, update+cond)
			if err != nil {
				return wrap(err, "update "+table)
			}
			res.Updated += int(tag.RowsAffected())
		}
		// New rows go in grid by grid, whatever the file's order: the GiST and (grid_id, id)
		// indexes they enter are then touched where they were last.
		order := ""
		if w.from == placed {
			order = " ORDER BY p.grid_id"
		}
		tag, err := tx.Exec(ctx, insert+cond+order)
		if err != nil {
			return wrap(err, "insert into "+table)
		}
		res.Inserted += int(tag.RowsAffected())
	}
	res.Unchanged = res.Rows - res.Inserted - res.Updated
	return nil
}
