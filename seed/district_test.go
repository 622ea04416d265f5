package seed

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The questions TestRun asks about the map: the grid tree, its buildings and points.

func countsTheDistrictsFigures(t *testing.T, pool *pgxpool.Pool, sum Summary) {
	streets := strings.Join(append(append([]string(nil), urbanStreets...), "昆北街道", "昆河镇", "卜尔汉图镇"), ",")
	runChecks(t, pool, []check{
		{name: "there is one district, 昆都仑区 150203", sql: `SELECT string_agg(code || ' ' || name, ',') FROM grids WHERE level = 'DISTRICT'`, want: "150203 昆都仑区"},
		{name: "the 15 streets and towns carry the district's names in order", sql: `SELECT string_agg(name, ',' ORDER BY code) FROM grids WHERE level = 'STREET'`, want: streets},
		{name: "every street has 4 to 6 communities", sql: `SELECT count(*) FROM (SELECT parent_id FROM grids WHERE level = 'COMMUNITY' GROUP BY 1 HAVING count(*) NOT BETWEEN 4 AND 6) x`, want: "0"},
		{name: "every community has 3 or 4 grids", sql: `SELECT count(*) FROM (SELECT parent_id FROM grids WHERE level = 'GRID' GROUP BY 1 HAVING count(*) NOT BETWEEN 3 AND 4) x`, want: "0"},
		{name: "there are no more grids than the 252 grid branches", sql: `SELECT count(*) FROM grids WHERE level = 'GRID'`, lo: 200, hi: 252},
		{name: "every grid has a worker with an 11-digit mobile", sql: `SELECT count(*) FROM grids WHERE level = 'GRID' AND (worker_name IS NULL OR worker_phone !~ '^1[358][0-9]{9}$')`, want: "0"},
		{name: "there are 6,000 to 8,000 buildings at scale 1", sql: `SELECT count(*) FROM buildings`, lo: 6000, hi: 8000},
		{name: "the district has about 600,000 residents", sql: `SELECT population FROM grids WHERE level = 'DISTRICT'`, lo: 570000, hi: 630000},
		{name: "there is a committee per community", sql: `SELECT (SELECT count(*) FROM party_units WHERE kind = 'COMMUNITY_COMMITTEE') = (SELECT count(*) FROM grids WHERE level = 'COMMUNITY')`, want: "true"},
		{name: "there are exactly 252 grid branches", sql: `SELECT count(*) FROM party_units WHERE kind = 'GRID_BRANCH'`, want: "252"},
		{name: "there are exactly 721 building groups on 721 distinct buildings", sql: `SELECT count(*) || ' ' || count(DISTINCT building_id) FROM party_units WHERE kind = 'BUILDING_GROUP'`, want: "721 721"},
		{name: "there are 1,993 雪亮工程 cameras", sql: `SELECT count(*) FROM cameras WHERE kind = 'XUELIANG'`, want: "1993"},
		{name: "there are 1,618 云眼卫士 cameras", sql: `SELECT count(*) FROM cameras WHERE kind = 'YUNYAN'`, want: "1618"},
		{name: "camera codes are GB/T 28181 codes of this district", sql: `SELECT count(*) FROM cameras WHERE code !~ '^15020300(00|01)13[12][08][0-9]{6}$'`, want: "0"},
		{name: "about 92% of cameras are online", sql: `SELECT avg((status = 'ONLINE')::int) FROM cameras`, lo: 0.89, hi: 0.95},
		{name: "every camera status occurs", sql: `SELECT count(DISTINCT status) FROM cameras`, want: "3"},
		{name: "there are 64 civilization practice points: 1 centre, 15 stations, 48 posts", sql: `SELECT count(*) FILTER (WHERE name LIKE '%中心') || ' ' || count(*) FILTER (WHERE name LIKE '%所') || ' ' || count(*) FILTER (WHERE name LIKE '%站') FROM service_points WHERE kind = 'CIVILIZATION_PRACTICE'`, want: "1 15 48"},
		{name: "there are 21 studios", sql: `SELECT count(*) FROM service_points WHERE kind = 'STUDIO'`, want: "21"},
		{name: "there are 15 enforcement bodies, 12 centres and 3 bureaus", sql: `SELECT count(*) FILTER (WHERE name LIKE '%中心') || ' ' || count(*) FILTER (WHERE name LIKE '%局') FROM service_points WHERE kind = 'ENFORCEMENT'`, want: "12 3"},
		{name: "every community has a legal service point and a mediation room", sql: `SELECT count(*) FROM grids c WHERE level = 'COMMUNITY' AND (NOT EXISTS (SELECT 1 FROM service_points s WHERE s.kind = 'LEGAL_SERVICE' AND s.name = c.name || '法律服务工作室') OR NOT EXISTS (SELECT 1 FROM service_points s WHERE s.kind = 'MEDIATION' AND s.name LIKE c.name || '%'))`, want: "0"},
		{name: "there are 15 to 20 police stations open round the clock", sql: `SELECT count(*) FROM service_points WHERE kind = 'POLICE' AND opening_hours = '24小时'`, lo: 15, hi: 20},
		{name: "the summary counts what is in the tables", sql: fmt.Sprintf(`SELECT (SELECT count(*) FROM grids) = %d AND (SELECT count(*) FROM buildings) = %d AND (SELECT count(*) FROM party_units) = %d AND (SELECT count(*) FROM cameras) = %d AND (SELECT count(*) FROM service_points) = %d AND (SELECT count(*) FROM incidents) = %d AND (SELECT count(*) FROM incident_events) = %d`,
			sum.Grids, sum.Buildings, sum.PartyUnits, sum.Cameras, sum.ServicePoints, sum.Incidents, sum.IncidentEvents), want: "true"},
	})
}

func nestsTheGridTree(t *testing.T, pool *pgxpool.Pool) {
	const children = `FROM grids p JOIN grids c ON c.parent_id = p.id`
	runChecks(t, pool, []check{
		{name: "every child's code extends its parent's by three digits", sql: `SELECT count(*) ` + children + ` WHERE c.code NOT LIKE p.code || '___' OR length(c.code) <> length(p.code) + 3`, want: "0"},
		{name: "every child is one level below its parent", sql: `SELECT count(*) ` + children + ` WHERE (p.level, c.level) NOT IN (('DISTRICT', 'STREET'), ('STREET', 'COMMUNITY'), ('COMMUNITY', 'GRID'))`, want: "0"},
		{name: "children's areas sum to their parent's", sql: `SELECT count(*) FROM (SELECT p.id, max(ST_Area(p.geom)) AS a, sum(ST_Area(c.geom)) AS s ` + children + ` GROUP BY p.id) x WHERE abs(s - a) / a >= 1e-9`, want: "0"},
		{name: "no two siblings' interiors overlap", sql: `SELECT count(*) FROM grids a JOIN grids b ON a.parent_id = b.parent_id AND a.id < b.id WHERE ST_Relate(a.geom, b.geom, '2********')`, want: "0"},
		{name: "the union of the children is the parent", sql: `SELECT count(*) FROM (SELECT max(p.geom) AS p, ST_Union(c.geom) AS u ` + children + ` GROUP BY p.id) x WHERE NOT ST_Equals(u, p) AND abs(ST_Area(u) - ST_Area(p)) / ST_Area(p) >= 1e-9`, want: "0"},
		{name: "the district lies in its box", sql: `SELECT ST_Covers(ST_MakeEnvelope(109.78, 40.60, 109.90, 40.70, 4326), geom) FROM grids WHERE level = 'DISTRICT'`, want: "true"},
		{name: "a grid's population and households are its buildings' sums", sql: `SELECT count(*) FROM grids g, LATERAL (SELECT coalesce(sum(residents), 0) AS r, coalesce(sum(households), 0) AS h FROM buildings b WHERE b.grid_id = g.id) s WHERE g.level = 'GRID' AND (g.population <> s.r OR g.households <> s.h)`, want: "0"},
		{name: "every higher unit's population and households are its children's sums", sql: `SELECT count(*) FROM grids p, LATERAL (SELECT sum(population) AS r, sum(households) AS h FROM grids c WHERE c.parent_id = p.id) s WHERE p.level <> 'GRID' AND (p.population <> s.r OR p.households <> s.h)`, want: "0"},
		{name: "every building lies strictly inside its grid", sql: `SELECT count(*) FROM buildings b JOIN grids g ON g.id = b.grid_id WHERE g.level <> 'GRID' OR NOT ST_ContainsProperly(g.geom, b.geom)`, want: "0"},
		{name: "no two buildings touch", sql: `SELECT count(*) FROM buildings a JOIN buildings b ON a.id < b.id AND ST_Intersects(a.geom, b.geom)`, want: "0"},
		{name: "every grid has buildings", sql: `SELECT count(*) FROM grids g WHERE level = 'GRID' AND NOT EXISTS (SELECT 1 FROM buildings b WHERE b.grid_id = g.id)`, want: "0"},
	})
}

func placesEveryPointInItsGrid(t *testing.T, pool *pgxpool.Pool) {
	var checks []check
	for _, table := range []string{"party_units", "cameras", "service_points", "incidents"} {
		checks = append(checks, check{
			name: "every row of " + table + " names the one grid whose polygon covers it",
			sql: `SELECT count(*) FROM ` + table + ` t WHERE (SELECT array_agg(g.id) FROM grids g WHERE g.level = 'GRID' AND ST_Covers(g.geom, t.geom))
				IS DISTINCT FROM ARRAY[t.grid_id]`,
			want: "0",
		})
	}
	checks = append(checks,
		check{name: "every committee is organised for a community and has no parent", sql: `SELECT count(*) FROM party_units p JOIN grids g ON g.id = p.org_grid_id WHERE p.kind = 'COMMUNITY_COMMITTEE' AND (g.level <> 'COMMUNITY' OR p.parent_id IS NOT NULL OR p.building_id IS NOT NULL)`, want: "0"},
		check{name: "every grid has a branch under its community's committee", sql: `SELECT count(*) FROM grids g WHERE level = 'GRID' AND NOT EXISTS (SELECT 1 FROM party_units b JOIN party_units c ON c.id = b.parent_id WHERE b.kind = 'GRID_BRANCH' AND b.org_grid_id = g.id AND c.org_grid_id = g.parent_id)`, want: "0"},
		check{name: "every branch is organised for the grid it lies in", sql: `SELECT count(*) FROM party_units WHERE kind = 'GRID_BRANCH' AND org_grid_id <> grid_id`, want: "0"},
		check{name: "every building group sits on its building under a branch of that building's grid", sql: `SELECT count(*) FROM party_units p JOIN buildings b ON b.id = p.building_id JOIN party_units br ON br.id = p.parent_id
			WHERE p.kind = 'BUILDING_GROUP' AND (NOT ST_Covers(b.geom, p.geom) OR br.kind <> 'GRID_BRANCH' OR br.org_grid_id <> b.grid_id OR p.org_grid_id <> b.grid_id)`, want: "0"},
		check{name: "every building group's building has residents", sql: `SELECT count(*) FROM party_units p JOIN buildings b ON b.id = p.building_id WHERE b.residents = 0`, want: "0"},
	)
	runChecks(t, pool, checks)
}
