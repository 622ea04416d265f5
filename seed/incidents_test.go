package seed

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The questions TestRun asks about the year of incidents and their timelines.

// writesAYearOfIncidents checks the incidents of a district seeded as of reference.
func writesAYearOfIncidents(t *testing.T, pool *pgxpool.Pool, reference time.Time) {
	ref := reference.Format(time.RFC3339)
	runChecks(t, pool, []check{
		{name: "there are 11,000 incidents", sql: `SELECT count(*) FROM incidents`, want: "11000"},
		{name: "there are 1,686 disputes", sql: `SELECT count(*) FROM incidents WHERE category = '矛盾纠纷'`, want: "1686"},
		{name: "the disputes involve exactly ¥11,086,100.00", sql: `SELECT sum(amount_yuan) FROM incidents WHERE category = '矛盾纠纷'`, want: "11086100.00"},
		{name: "only disputes carry an amount", sql: `SELECT count(*) FROM incidents WHERE (category = '矛盾纠纷') <> (amount_yuan IS NOT NULL)`, want: "0"},
		{name: "there are 178 public-opinion events", sql: `SELECT count(*) FROM incidents WHERE category = '舆情'`, want: "178"},
		{name: "every category occurs", sql: `SELECT count(DISTINCT category) = (SELECT count(*) FROM incident_categories) FROM incidents`, want: "true"},
		{name: "every status occurs", sql: `SELECT count(DISTINCT status) FROM incidents`, want: "7"},
		{name: "every source occurs", sql: `SELECT count(DISTINCT source) FROM incidents`, want: "6"},
		{name: "every incident is reported in the year before the reference day", sql: `SELECT count(*) FROM incidents WHERE reported_at < '` + ref + `'::timestamptz - interval '365 days' OR reported_at >= '` + ref + `'`, want: "0"},
		{name: "codes are SJ, the Beijing report date and a sequence", sql: `SELECT count(*) FROM incidents WHERE code !~ '^SJ[0-9]{14}$' OR substr(code, 3, 8) <> to_char(reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')`, want: "0"},
		{name: "clock-time due dates add the category's limit", sql: `SELECT count(*) FROM incidents i JOIN incident_categories c ON c.name = i.category WHERE NOT c.working_days AND i.due_at <> i.reported_at + c.time_limit`, want: "0"},
		{name: "working-day due dates skip weekends", sql: `SELECT count(*) FROM incidents i JOIN incident_categories c ON c.name = i.category WHERE c.working_days AND (
			(i.due_at - i.reported_at) - date_trunc('day', i.due_at - i.reported_at) <> interval '0'
			OR (SELECT count(*) FROM generate_series((i.reported_at AT TIME ZONE 'Asia/Shanghai')::date + 1, (i.due_at AT TIME ZONE 'Asia/Shanghai')::date, interval '1 day') d WHERE extract(isodow FROM d) < 6) <> extract(day FROM c.time_limit)
			OR extract(isodow FROM i.due_at AT TIME ZONE 'Asia/Shanghai') > 5)`, want: "0"},
		{name: "priorities stay near the category default", sql: `SELECT count(*) FROM incidents i JOIN incident_categories c ON c.name = i.category WHERE abs(i.priority - c.default_priority) > 1`, want: "0"},
		{name: "some open incidents are overdue at the reference time", sql: `SELECT count(*) FROM incidents WHERE status NOT IN ('RESOLVED', 'CLOSED', 'REJECTED') AND due_at < '` + ref + `'`, lo: 20, hi: 1000},
		{name: "some open incidents are not yet due", sql: `SELECT count(*) FROM incidents WHERE status NOT IN ('RESOLVED', 'CLOSED', 'REJECTED') AND due_at >= '` + ref + `'`, lo: 5, hi: 1000},
		{name: "incidents older than a month are mostly closed", sql: `SELECT avg((status = 'CLOSED')::int) FROM incidents WHERE reported_at < '` + ref + `'::timestamptz - interval '30 days'`, lo: 0.9, hi: 0.97},
		{name: "idempotency keys and payload hashes are left empty", sql: `SELECT count(*) FROM incidents WHERE idempotency_key IS NOT NULL OR payload_hash IS NOT NULL`, want: "0"},
	})
}

// writesConsistentTimelines checks the timelines of a district seeded as of reference.
func writesConsistentTimelines(t *testing.T, pool *pgxpool.Pool, reference time.Time) {
	const ordered = `(SELECT e.*, lag(to_status) OVER w AS prev, lag(at) OVER w AS prev_at, row_number() OVER w AS n,
		count(*) OVER (PARTITION BY incident_id) AS total FROM incident_events e WINDOW w AS (PARTITION BY incident_id ORDER BY at, id)) e`
	runChecks(t, pool, []check{
		{name: "every incident starts with a report at its reported time", sql: `SELECT count(*) FROM incidents i WHERE NOT EXISTS (SELECT 1 FROM incident_events e WHERE e.incident_id = i.id AND e.from_status IS NULL AND e.to_status = 'REPORTED' AND e.at = i.reported_at)`, want: "0"},
		{name: "every later event starts where the one before ended, later", sql: `SELECT count(*) FROM ` + ordered + ` WHERE n > 1 AND (from_status IS DISTINCT FROM prev OR at <= prev_at)`, want: "0"},
		{name: "every transition is one the workflow allows", sql: `SELECT count(*) FROM incident_events WHERE (coalesce(from_status, '-'), to_status) NOT IN (('-', 'REPORTED'), ('REPORTED', 'ACCEPTED'), ('ACCEPTED', 'DISPATCHED'), ('DISPATCHED', 'IN_PROGRESS'), ('IN_PROGRESS', 'RESOLVED'), ('RESOLVED', 'CLOSED'), ('REPORTED', 'REJECTED'), ('ACCEPTED', 'REJECTED'), ('RESOLVED', 'IN_PROGRESS'))`, want: "0"},
		{name: "every incident's status is where its timeline ends", sql: `SELECT count(*) FROM ` + ordered + ` JOIN incidents i ON i.id = e.incident_id WHERE n = total AND (i.status <> e.to_status OR i.updated_at <> e.at OR (i.closed_at IS NOT NULL AND i.closed_at <> e.at))`, want: "0"},
		{name: "no event happens after the reference time", sql: `SELECT count(*) FROM incident_events WHERE at >= '` + reference.Format(time.RFC3339) + `'`, want: "0"},
		{name: "some incidents failed verification once", sql: `SELECT count(*) FROM incident_events WHERE from_status = 'RESOLVED' AND to_status = 'IN_PROGRESS'`, lo: 100, hi: 1000},
		{name: "every event names who acted", sql: `SELECT count(*) FROM incident_events WHERE actor IS NULL OR actor = '' OR note IS NULL`, want: "0"},
	})
}
