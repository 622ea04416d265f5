package store

import (
	"strings"

	"context"

	"github.com/jackc/pgx/v5"

	"gridhub/model"
)

// stableID is the id exports write as a row's sourceId: the source id it came with, else
// this database's prefix (hub_identity) and the row's id, which no other hub's rows share.
func stableID(alias string) string {
	return "coalesce(" + alias + ".source_id, (SELECT prefix FROM hub_identity) || '-' || " + alias + ".id)"
}

// ownID is the row id that x names when x is one of this database's stable ids, else NULL.
func ownID(x string) string {
	return "CASE WHEN left(" + x + ", 13) = (SELECT prefix || '-' FROM hub_identity) AND substr(" + x + ", 14) ~ '^[0-9]{1,18}$' THEN substr(" +
		x + ", 14)::bigint END"
}

// matchID is the id of the row of table that source id x names: by its source_id, or by
// its stable id when it has none.
func matchID(table, x string) string {
	return "coalesce((SELECT m.id FROM " + table + " m WHERE m.source_id = " + x + "), (SELECT m.id FROM " + table +
		" m WHERE m.source_id IS NULL AND m.id = " + ownID(x) + "))"
}

// moved is "geometry b lies more than 1e-7° (about 1 cm) from a": exports write 7
// decimals, so a file exported and imported again, in any CRS, leaves the rows it came
// from as they were. Equal geometry is told apart without measuring.
func moved(a, b string) string {
	return "(" + a + " IS DISTINCT FROM " + b + " AND (" + a + " IS NULL OR " + b + " IS NULL OR ST_HausdorffDistance(" + a + ", " + b + ") > 1e-7))"
}

// importTimeSQL reads a file's time: ISO 8601 with its offset (or Z; GDAL writes
// "2026/03/16 09:30:00+08"), or without one — "2026-03-16T09:30", "2026-03-16 09:30",
// "2026/3/16 9:30", a bare date — as Beijing time; NULL for anything else, an impossible
// date included (the checks report it). It is immutable, as the staging table's generated
// columns need: a time with an offset, or read at +08:00, does not depend on the session.
const importTimeSQL = `CREATE OR REPLACE FUNCTION pg_temp.import_time(v text) RETURNS timestamptz LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN
  v := btrim(v);
  IF v ~ '^[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}[T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)? ?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$' THEN
    RETURN replace(v, '/', '-')::timestamptz;
  END IF;
  IF v ~ '^[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}([T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?)?$' THEN
    RETURN replace(v, '/', '-')::timestamp AT TIME ZONE interval '+08:00';
  END IF;
  RETURN NULL;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $f$`

// preparePartyUnits resolves what each staged party unit refers to: its parent (in the
// file or the database), its building, and the grid unit it is organised for (given, or
// the community or grid its point lies in).
func preparePartyUnits(ctx context.Context, tx pgx.Tx) error {
	q := `CREATE TEMP TABLE import_pu ON COMMIT DROP AS
SELECT s.row, pf.row AS parent_row, pf.kind AS file_parent_kind, pd.id AS parent_db, pd.kind AS db_parent_kind,
  bd.id AS building_id, og.id AS org_grid_id, og.level AS org_level, og.code AS org_code
FROM import_rows s
LEFT JOIN import_place p ON p.row = s.row
LEFT JOIN LATERAL (SELECT f.row, f.kind FROM import_rows f WHERE f.code = s.parent ORDER BY f.row LIMIT 1) pf ON true
LEFT JOIN party_units pd ON pd.id = ` + matchID("party_units", "s.parent") + `
LEFT JOIN buildings bd ON bd.id = ` + matchID("buildings", "s.building") + `
LEFT JOIN grids og ON og.code = coalesce(s.org_grid, CASE WHEN s.kind = 'COMMUNITY_COMMITTEE' THEN left(p.in_grid, 12) ELSE p.in_grid END);
CREATE INDEX ON import_pu (row); ANALYZE import_pu`
	_, err := tx.Exec(ctx, q)
	return wrap(err, "resolve party units")
}

// partyUnitChecks keep the party's tree whole: 社区党组织 → 网格党支部 → 楼栋党小组, each
// group tied to its building, each unit organised for a community (a committee) or a grid.
func partyUnitChecks() []string {
	const from = " FROM import_rows s JOIN import_pu u ON u.row = s.row WHERE "
	q := func(field, problem, value, where string) string {
		return "SELECT s.row, '" + field + "', " + problem + ", " + value + ", " + loc + ", false" + from + where
	}
	const below = "CASE s.kind WHEN 'GRID_BRANCH' THEN 'COMMUNITY_COMMITTEE' WHEN 'BUILDING_GROUP' THEN 'GRID_BRANCH' END"
	const parentKind = "coalesce(u.file_parent_kind, u.db_parent_kind)"
	const orgLevel = "CASE WHEN s.kind = 'COMMUNITY_COMMITTEE' THEN 'COMMUNITY' ELSE 'GRID' END"
	return []string{
		q("parent", "'a COMMUNITY_COMMITTEE has no parent'", "s.parent", "s.kind = 'COMMUNITY_COMMITTEE' AND s.parent IS NOT NULL"),
		q("parent", "'required for a ' || s.kind", "''", "s.kind IN ('GRID_BRANCH', 'BUILDING_GROUP') AND s.parent IS NULL"),
		q("parent", "'is neither in the file nor in the database'", "s.parent", "s.parent IS NOT NULL AND u.parent_row IS NULL AND u.parent_db IS NULL"),
		q("parent", "'is a ' || coalesce("+parentKind+", 'unit without a kind') || '; the parent of a ' || s.kind || ' is a ' || "+below, "s.parent",
			"(u.parent_row IS NOT NULL OR u.parent_db IS NOT NULL) AND "+below+" IS NOT NULL AND "+parentKind+" IS DISTINCT FROM "+below),
		q("building", "'required for a BUILDING_GROUP'", "''", "s.kind = 'BUILDING_GROUP' AND s.building IS NULL"),
		q("building", "'only a BUILDING_GROUP is tied to a building'", "s.building", "s.kind IN ('COMMUNITY_COMMITTEE', 'GRID_BRANCH') AND s.building IS NOT NULL"),
		q("building", "'is not in the database: import the buildings first'", "s.building", "s.building IS NOT NULL AND u.building_id IS NULL"),
		q("orgGrid", "'is not a grid unit in the database'", "s.org_grid", "s.org_grid IS NOT NULL AND u.org_grid_id IS NULL"),
		q("orgGrid", "'cannot be worked out from where it lies: give orgGrid'", "''",
			"s.org_grid IS NULL AND u.org_grid_id IS NULL AND EXISTS (SELECT 1 FROM import_place p WHERE p.row = s.row)"),
		q("orgGrid", "'is a ' || u.org_level || '; a ' || s.kind || ' is organised for a ' || "+orgLevel, "u.org_code",
			"s.kind IN ('COMMUNITY_COMMITTEE', 'GRID_BRANCH', 'BUILDING_GROUP') AND u.org_level <> "+orgLevel),
	}
}

// dueSQL is when an incident of category c reported at r is due, as
// model.IncidentCategory.DueAt counts it: clock time, or working days (Monday to Friday,
// Beijing time) at the time of day it was reported.
const dueSQL = `CASE WHEN c.working_days THEN
  (SELECT r.at + k * interval '1 day' FROM generate_series(1, 400) k
   WHERE extract(isodow FROM (r.at + k * interval '1 day') AT TIME ZONE interval '+08:00') < 6
   ORDER BY k OFFSET extract(day FROM c.time_limit)::int - 1 LIMIT 1)
ELSE r.at + c.time_limit END`

// incidentCols are the columns an import writes and compares, as import_inc names them.
var incidentCols = append([]string{"geom"}, incidentAttrs...)

var incidentAttrs = []string{"title", "description", "category", "source", "priority", "due_at", "amount_yuan", "grid_id", "status", "closed_at"}

// prepareIncidents locks the stored incidents the file names (a transition made meanwhile
// waits for the import) and works out each row as it would be written: a column the file
// leaves empty keeps the stored value (status, source, priority, and due time when the
// category stays) or takes the category's default, and the time its timeline entries get.
func prepareIncidents(ctx context.Context, tx pgx.Tx) error {
	q := `SELECT count(*) FROM (SELECT 1 FROM incidents t JOIN import_rows s ON s.code = t.code ORDER BY t.id FOR UPDATE OF t) x;
CREATE TEMP TABLE import_inc ON COMMIT DROP AS
SELECT x.*, (t.id IS NOT NULL AND ((` + prefixed("t.", incidentAttrs) + `) IS DISTINCT FROM (` + prefixed("x.", incidentAttrs) + `)
    OR ` + moved("t.geom", "x.geom") + `)) AS changed,
  CASE WHEN x.status = 'CLOSED' AND x.old_status IS DISTINCT FROM 'CLOSED' THEN x.file_closed_at
       ELSE greatest(now(), x.old_at, x.reported_at) END AS step_at
FROM (
  SELECT s.row, s.code, t.id, t.status AS old_status, t.updated_at AS old_at, t.reported_at AS old_reported_at, t.closed_at AS old_closed_at,
    s.i_reported_at AS reported_at, s.i_closed_at AS file_closed_at,
    s.title, s.description, s.category, coalesce(s.source, t.source, 'OTHER') AS source,
    coalesce(s.i_priority, CASE WHEN t.category = s.category THEN t.priority END, c.default_priority)::smallint AS priority,
    coalesce(s.i_due_at, CASE WHEN t.category = s.category THEN t.due_at END, ` + dueSQL + `) AS due_at,
    s.i_amount_yuan::numeric(14, 2) AS amount_yuan, p.grid_id, s.geom,
    coalesce(s.status, t.status, 'REPORTED') AS status,
    CASE WHEN coalesce(s.status, t.status, 'REPORTED') = 'CLOSED' THEN coalesce(t.closed_at, s.i_closed_at) END AS closed_at
  FROM import_rows s
  LEFT JOIN import_place p ON p.row = s.row
  LEFT JOIN incident_categories c ON c.name = s.category
  LEFT JOIN incidents t ON t.code = s.code
  CROSS JOIN LATERAL (SELECT s.i_reported_at AS at) r
) x LEFT JOIN incidents t ON t.id = x.id;
CREATE INDEX ON import_inc (row); ANALYZE import_inc`
	_, err := tx.Exec(ctx, q)
	return wrap(err, "stage incidents")
}

// prefixed is cols (never none) as a select list, each after alias ("t.").
func prefixed(alias string, cols []string) string {
	return alias + strings.Join(cols, ", "+alias)
}

// reachable are the pairs of statuses the workflow leads from one to the other (in one
// move or several), as two arrays.
func reachable() (from, to []string) {
	for _, f := range model.IncidentStatuses {
		for _, t := range model.IncidentStatuses {
			if f.Path(t) != nil {
				from, to = append(from, string(f)), append(to, string(t))
			}
		}
	}
	return from, to
}

// incidentChecks keep an imported incident one the rest of the hub can work with: a known
// category, times that follow each other, a status the stored incident's workflow can
// reach, and a report time and closed record that stay as they were.
func incidentChecks(p *args) []string {
	const from = " FROM import_rows s JOIN import_inc i ON i.row = s.row WHERE "
	q := func(field, problem, value, where string) string {
		return "SELECT s.row, '" + field + "', " + problem + ", " + value + ", " + loc + ", false" + from + where
	}
	f, t := reachable()
	stamp := func(x string) string {
		return "to_char(" + x + " AT TIME ZONE interval '+08:00', 'YYYY-MM-DD HH24:MI:SS')"
	}
	return []string{
		q("category", "'not one of ' || (SELECT string_agg(name, ', ' ORDER BY sort_order) FROM incident_categories)", "s.category",
			"s.category IS NOT NULL AND NOT EXISTS (SELECT 1 FROM incident_categories c WHERE c.name = s.category)"),
		q("name", "'longer than 200 characters'", "left(s.title, 40) || '…'", "char_length(s.title) > 200"),
		q("reportedAt", "'in the future'", "s.reported_at", "s.i_reported_at > now()"),
		q("dueAt", "'not after reportedAt'", "s.due_at", "s.i_due_at <= s.i_reported_at"),
		q("closedAt", "'before reportedAt'", "s.closed_at", "s.i_closed_at < s.i_reported_at"),
		q("closedAt", "'given, but the status is ' || i.status || ': only a CLOSED incident has one'", "s.closed_at", "s.i_closed_at IS NOT NULL AND i.status <> 'CLOSED'"),
		q("closedAt", "'required for a CLOSED incident'", "''", "i.status = 'CLOSED' AND s.closed_at IS NULL AND i.old_closed_at IS NULL"),
		q("reportedAt", "'differs from the stored incident''s report time (' || "+stamp("i.old_reported_at")+" || '), which an import does not change'", "s.reported_at",
			"i.id IS NOT NULL AND s.i_reported_at <> i.old_reported_at"),
		q("status", "'the workflow does not move an incident from ' || i.old_status || ' to ' || i.status", "s.status",
			"i.id IS NOT NULL AND i.status = ANY("+p.add(strs(model.IncidentStatuses))+"::text[])"+
				" AND NOT EXISTS (SELECT 1 FROM unnest("+p.add(f)+"::text[], "+p.add(t)+"::text[]) w(f, t) WHERE w.f = i.old_status AND w.t = i.status)"),
		q("closedAt", "'the incident was closed at ' || "+stamp("i.old_closed_at")+" || ' already'", "s.closed_at",
			"i.old_closed_at IS NOT NULL AND s.i_closed_at IS NOT NULL AND s.i_closed_at <> i.old_closed_at"),
		q("closedAt", "'before the incident''s last timeline entry (' || "+stamp("i.old_at")+" || ')'", "s.closed_at",
			"i.id IS NOT NULL AND i.old_status <> 'CLOSED' AND i.status = 'CLOSED' AND s.i_closed_at < i.old_at"),
		q("code", "'is ' || i.old_status || ': a finished record is not changed by an import'", "s.code",
			"i.changed AND i.old_status IN ('CLOSED', 'REJECTED')"),
	}
}

// importActor is who the timeline says made an imported incident's entries.
const importActor = "数据导入"

// writeIncidents writes the staged incidents as the hub's own writes make them: a new
// incident gets its REPORTED entry at its report time and then one entry per move along
// the workflow to its status; a stored one that changed gets an entry per move (one from
// its status to itself when only its record changed). Every entry is announced, so live
// maps and the change feed see the import as they see a report or a transition.
func writeIncidents(ctx context.Context, tx pgx.Tx, spec ImportSpec, res *ImportResult) error {
	var pf, pt, sf, st []string
	var pn []int32
	for _, f := range model.IncidentStatuses {
		for _, t := range model.IncidentStatuses {
			at := f
			for n, next := range f.Path(t) {
				pf, pt, pn, sf, st = append(pf, string(f)), append(pt, string(t)), append(pn, int32(n+1)), append(sf, string(at)), append(st, string(next))
				at = next
			}
		}
	}
	set := ""
	for i, c := range incidentCols {
		if i > 0 {
			set += ", "
		}
		set += c + " = i." + c
	}
	q := `WITH paths AS (SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[]) p(f, t, n, sf, st)),
ch AS (UPDATE incidents t SET ` + set + `, updated_at = i.step_at FROM import_inc i WHERE t.id = i.id AND i.changed
  RETURNING t.id, i.old_status, i.status, i.step_at),
ins AS (INSERT INTO incidents (code, reported_at, updated_at, ` + prefixed("", incidentCols) + `)
  SELECT i.code, i.reported_at, CASE WHEN i.status = 'REPORTED' THEN i.reported_at ELSE i.step_at END, ` + prefixed("i.", incidentCols) + `
  FROM import_inc i WHERE i.id IS NULL ORDER BY i.row
  RETURNING id, status, reported_at, updated_at, source),
steps AS (
  SELECT ch.id, ch.step_at AS at, p.sf, p.st, p.n, '数据导入' AS note FROM ch JOIN paths p ON p.f = ch.old_status AND p.t = ch.status
  UNION ALL SELECT ch.id, ch.step_at, ch.status, ch.status, 1, '数据导入：记录更新' FROM ch WHERE ch.old_status = ch.status
  UNION ALL SELECT ins.id, ins.reported_at, NULL, 'REPORTED', 0, '数据导入：来源 ' || ins.source FROM ins
  UNION ALL SELECT ins.id, ins.updated_at, p.sf, p.st, p.n, '数据导入' FROM ins JOIN paths p ON p.f = 'REPORTED' AND p.t = ins.status),
ev AS (INSERT INTO incident_events (incident_id, at, from_status, to_status, note, actor)
  SELECT id, at, sf, st, note, $6::text FROM steps ORDER BY id, n
  RETURNING ` + notify("id", "incident_id") + `)
SELECT (SELECT count(*) FROM ch), (SELECT count(*) FROM ins), (SELECT count(*) FROM ev)`
	var updated, inserted, events int
	if err := tx.QueryRow(ctx, q, pf, pt, pn, sf, st, importActor).Scan(&updated, &inserted, &events); err != nil {
		return wrap(err, "write incidents")
	}
	res.Updated, res.Inserted = updated, inserted
	res.Unchanged = res.Rows - inserted - updated
	if spec.DryRun {
		// A sequence does not roll back.
		return nil
	}
	// Reports number their codes SJ + Beijing date + a sequence: imported codes of today
	// (or later) must not be handed out again, so the sequence moves past them.
	const bump = `SELECT setval('incident_code_seq', greatest((SELECT last_value FROM incident_code_seq), max(substr(code, 11)::bigint)))
FROM import_rows WHERE code ~ '^SJ[0-9]{14}$' AND substr(code, 3, 8) >= to_char(now() AT TIME ZONE interval '+08:00', 'YYYYMMDD')
HAVING count(*) > 0`
	if _, err := tx.Exec(ctx, bump); err != nil {
		return wrap(err, "number incidents")
	}
	return nil
}

// pruneIncidentEvents removes the timelines of the incidents -prune removes.
const pruneIncidentEvents = `DELETE FROM incident_events WHERE incident_id IN ($1)`
