package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"gridhub/model"
)

// ImportField is one field an import fills: Name is what mappings and files call it (the
// layer's property name, as exports write it), Column the staging table's column. The
// natural key is always staged as code (a building's or service point's source id too).
type ImportField struct {
	Name, Column string
	Required     bool
	Integer      bool     // a whole number
	Number       bool     // any number
	Time         bool     // a date and time (importTimeSQL says which forms)
	Enum         []string // allowed values, when not empty
	// Min is the least a number may be (0 unless set), Max when set the most; Degrees
	// is a direction instead, in [0, 360).
	Min, Max int
	Degrees  bool
}

// importLayer is how one layer is staged, checked and written.
// The layer's table is layers' (TableName), its shape polygonal's.
type importLayer struct {
	key    string // the natural key's column in the layer's table (staged as code)
	fields []ImportField
	// prepare, when set, runs once the rows are staged and placed, before the checks:
	// what the layer's checks and writes share (a party unit's parent, an incident's
	// stored state, locked).
	prepare func(context.Context, pgx.Tx) error
	// write, when set, writes the layer instead of upsert (an incident's timeline).
	write func(context.Context, pgx.Tx, ImportSpec, *ImportResult) error
	// pruneFirst, when set, removes what refers to the rows -prune removes ($1 is the
	// statement naming them).
	pruneFirst string
}

var importLayers = map[model.Layer]importLayer{
	model.LayerGrid: {key: "code", fields: []ImportField{
		{Name: "code", Column: "code", Required: true},
		{Name: "name", Column: "name", Required: true},
		{Name: "level", Column: "level", Enum: strs(model.GridLevels)},
		{Name: "parent", Column: "parent"},
		{Name: "population", Column: "population", Integer: true},
		{Name: "households", Column: "households", Integer: true},
		{Name: "workerName", Column: "worker_name"},
		{Name: "workerPhone", Column: "worker_phone"},
	}},
	model.LayerBuilding: {key: "source_id", fields: []ImportField{
		{Name: "sourceId", Column: "code", Required: true},
		{Name: "name", Column: "name", Required: true},
		{Name: "address", Column: "address"},
		{Name: "floors", Column: "floors", Integer: true, Required: true, Min: 1},
		{Name: "households", Column: "households", Integer: true},
		{Name: "residents", Column: "residents", Integer: true},
		{Name: "grid", Column: "grid"},
	}},
	model.LayerCamera: {key: "code", fields: []ImportField{
		{Name: "code", Column: "code", Required: true},
		{Name: "name", Column: "name", Required: true},
		{Name: "kind", Column: "kind", Required: true, Enum: strs(model.CameraKinds)},
		{Name: "status", Column: "status", Enum: strs(model.CameraStatuses)},
		{Name: "headingDegrees", Column: "heading", Number: true, Degrees: true},
		{Name: "streamUrl", Column: "stream_url"},
		{Name: "grid", Column: "grid"},
	}},
	model.LayerServicePoint: {key: "source_id", fields: []ImportField{
		{Name: "sourceId", Column: "code", Required: true},
		{Name: "name", Column: "name", Required: true},
		{Name: "kind", Column: "kind", Required: true, Enum: strs(model.ServicePointKinds)},
		{Name: "address", Column: "address"},
		{Name: "phone", Column: "phone"},
		{Name: "openingHours", Column: "opening_hours"},
		{Name: "grid", Column: "grid"},
	}},
	model.LayerPartyUnit: {key: "source_id", prepare: preparePartyUnits, fields: []ImportField{
		{Name: "sourceId", Column: "code", Required: true},
		{Name: "name", Column: "name", Required: true},
		{Name: "kind", Column: "kind", Required: true, Enum: strs(model.PartyUnitKinds)},
		{Name: "memberCount", Column: "member_count", Integer: true},
		{Name: "parent", Column: "parent"},
		{Name: "orgGrid", Column: "org_grid"},
		{Name: "building", Column: "building"},
		{Name: "grid", Column: "grid"},
	}},
	model.LayerIncident: {key: "code", prepare: prepareIncidents, write: writeIncidents, pruneFirst: pruneIncidentEvents, fields: []ImportField{
		{Name: "code", Column: "code", Required: true},
		{Name: "name", Column: "title", Required: true},
		{Name: "category", Column: "category", Required: true},
		{Name: "source", Column: "source", Enum: strs(model.IncidentSources)},
		{Name: "status", Column: "status", Enum: strs(model.IncidentStatuses)},
		{Name: "priority", Column: "priority", Integer: true, Min: 1, Max: 5},
		{Name: "reportedAt", Column: "reported_at", Required: true, Time: true},
		{Name: "dueAt", Column: "due_at", Time: true},
		{Name: "closedAt", Column: "closed_at", Time: true},
		{Name: "description", Column: "description"},
		{Name: "amountYuan", Column: "amount_yuan", Number: true},
		{Name: "grid", Column: "grid"},
	}},
}

// ImportLayers are the layers an import can fill.
var ImportLayers = []model.Layer{model.LayerGrid, model.LayerBuilding, model.LayerPartyUnit, model.LayerCamera, model.LayerServicePoint, model.LayerIncident}

// ImportLayerNames lists ImportLayers for a message: GRID, BUILDING, ….
func ImportLayerNames() string { return strings.Join(strs(ImportLayers), ", ") }

// CheckImportLayer refuses a layer that cannot be imported.
func CheckImportLayer(l model.Layer) error {
	if _, ok := importLayers[l]; !ok {
		return model.Errorf(model.CodeBadInput, "layer %s cannot be imported; importable: %s", l, ImportLayerNames())
	}
	return nil
}

// ImportFields are the fields an import of layer l fills, in the order a row's values
// are given (the row's geometry, as WKB, comes after them).
func ImportFields(l model.Layer) []ImportField { return importLayers[l].fields }

// ImportSpec is one import: which layer, what the staged WKB's coordinates are in, and
// what to do with the result.
type ImportSpec struct {
	Layer model.Layer
	SRID  int // EPSG code of the staged geometry; PostGIS transforms it to 4326
	// DryRun checks and counts everything, and writes nothing.
	DryRun bool
	// Prune removes the layer's rows the file does not hold.
	Prune bool
	// Repair applies ST_MakeValid to invalid geometry instead of refusing it.
	Repair bool
	// Tolerance is the area (m²) of a gap or an overlap between grids that is let pass.
	Tolerance float64
	// Placed is called once the rows are staged, with where they lie; an error from it
	// stops the import (a file in the wrong CRS is refused before it is checked row by row).
	Placed func(Placement) error
	// Staged, when set, is called once every row has been read and staged.
	Staged func()
	// Checked, when set, is called once the checks found nothing that stops the import,
	// before it writes (or, on a dry run, counts what it would write).
	Checked func()
}

// Placement is where a file's rows fell once transformed to WGS84, against the district.
type Placement struct {
	// HasDistrict: the database holds a district outline; without one the rows are held
	// against China's extent.
	HasDistrict bool
	// Sample is the centre of the first rows' extent as the file gives it, and SampleWGS84
	// where it landed.
	Sample, SampleWGS84 [2]float64
	// Inside is how many of the first rows lie in the district (or China), of Sampled.
	Inside, Sampled int
	// DistanceMeters and BearingDegrees are from the district's outline to SampleWGS84.
	DistanceMeters, BearingDegrees float64
}

// Problem is one thing wrong with one row of an import (Row 0: with the file as a whole).
type Problem struct {
	Row     int
	Field   string
	Problem string
	Value   string
	// Location is a GeoJSON geometry in WGS84 showing where (nil: nowhere in particular).
	Location []byte
	// Warning problems do not stop the import (a repaired geometry).
	Warning bool
}

// ImportResult is what an import found and did.
type ImportResult struct {
	Rows                         int
	Inserted, Updated, Unchanged int
	// Missing rows are in the layer but not in the file; Pruned of them were removed.
	Missing, Pruned int
	Problems        []Problem
	// ProblemsTotal counts every problem, of which Problems holds the first maxProblems.
	ProblemsTotal int
	Written       bool
	// Phases are the import's steps and how long each took, in order.
	Phases []Phase
}

// Phase is one step of an import and its duration.
type Phase struct {
	Name string
	Took time.Duration
}

// Errors are the problems that stop the import.
func (r *ImportResult) Errors() int {
	n := r.ProblemsTotal
	for _, p := range r.Problems {
		if p.Warning {
			n--
		}
	}
	return n
}

const maxProblems = 10000

// Import stages rows (each the values of ImportFields(spec.Layer) as text or nil, then
// the WKB geometry) with COPY into a temporary table, checks them there with set-based
// SQL and, when nothing is wrong and it is not a dry run, upserts them by natural key in
// the same transaction: an import is written whole or not at all.
func (s *Store) Import(ctx context.Context, spec ImportSpec, rows pgx.CopyFromSource) (*ImportResult, error) {
	if err := CheckImportLayer(spec.Layer); err != nil {
		return nil, err
	}
	il := importLayers[spec.Layer]
	res := &ImportResult{}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, wrap(err, "begin import")
	}
	defer conn.Release()
	// The staging tables are temporary, held in the session's own buffers: 8 MB by
	// default, which a million rows thrash (the placement's index scans most): a million
	// buildings take ~450 MB with their indexes. It is a ceiling, taken as the tables grow.
	// The size can be set only before a session's first temporary table, so on a
	// connection that already had one it stays as it was.
	_, _ = conn.Exec(ctx, "SET temp_buffers = '768MB'")
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, wrap(err, "begin import")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	// An import is an operator's batch: a million rows take longer than any request may,
	// and sort and build indexes bigger than a request's.
	if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = 0; SET LOCAL work_mem = '64MB'; SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
		return nil, wrap(err, "begin import")
	}

	src, err := createStaging(ctx, tx, il, spec)
	if err != nil {
		return nil, err
	}
	cols := []string{"row"}
	for _, f := range il.fields {
		cols = append(cols, f.Column)
	}
	t := time.Now()
	phase := func(name string) {
		res.Phases = append(res.Phases, Phase{name, time.Since(t)})
		t = time.Now()
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"import_rows"}, append(cols, src), &stagedRows{src: rows, srid: uint32(spec.SRID), polygon: polygonal(spec.Layer)})
	if err != nil {
		var me *model.Error
		var pgErr *pgconn.PgError
		switch {
		case errors.As(err, &me):
			return nil, me
		case ctx.Err() != nil:
			// Cancelled: pgx closes the connection, which it reports as a failed write.
			return nil, wrap(ctx.Err(), "copy import rows")
		case errors.As(err, &pgErr) && (pgErr.Code == "XX000" || pgErr.Code == "22023"):
			// PostGIS could not read or transform a geometry as it was staged.
			return nil, model.Errorf(model.CodeBadGeometry, "the coordinates cannot be read or transformed from EPSG:%d: check -crs", spec.SRID)
		}
		return nil, wrap(err, "copy import rows")
	}
	res.Rows = int(n)
	phase("read, copy, geometry and validity")
	if err := placeRows(ctx, tx, spec); err != nil {
		return nil, err
	}
	phase("placement in grids")
	if il.prepare != nil {
		if err := il.prepare(ctx, tx); err != nil {
			return nil, err
		}
		phase("references")
	}
	if spec.Staged != nil {
		spec.Staged()
	}
	if spec.Placed != nil && n > 0 {
		p, err := placement(ctx, tx, src)
		if err != nil {
			return nil, err
		}
		if err := spec.Placed(p); err != nil {
			return nil, err
		}
	}
	if err := checkRows(ctx, tx, il, spec, res); err != nil {
		return nil, err
	}
	phase("checks")
	if res.Errors() > 0 {
		return res, nil
	}
	if spec.Checked != nil {
		spec.Checked()
	}
	// A source id names a row by its source_id, or, when it has none, by the stable id
	// exports write for it. Only files that came from this database hold its stable ids:
	// the others are spared matching by them, in the write and in counting what is missing.
	own := false
	if il.key == "source_id" {
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM import_rows s WHERE "+ownID("s.code")+" IS NOT NULL)").Scan(&own); err != nil {
			return nil, wrap(err, "match source ids")
		}
	}
	write := func(ctx context.Context, tx pgx.Tx, spec ImportSpec, res *ImportResult) error {
		return upsert(ctx, tx, spec.Layer, il, own, res)
	}
	if il.write != nil {
		write = il.write
	}
	if err := write(ctx, tx, spec, res); err != nil {
		return nil, err
	}
	phase("upsert")
	missing := "FROM " + TableName(spec.Layer) + " t WHERE NOT EXISTS (SELECT 1 FROM import_rows s WHERE s.code = t." + il.key + ")"
	if own {
		missing += " AND (t.source_id IS NOT NULL OR t.id NOT IN (SELECT " + ownID("s.code") + " FROM import_rows s WHERE " + ownID("s.code") + " IS NOT NULL))"
	}
	if err := tx.QueryRow(ctx, "SELECT count(*) "+missing).Scan(&res.Missing); err != nil {
		return nil, wrap(err, "count rows missing from the import")
	}
	if spec.Prune && res.Missing > 0 {
		tree := spec.Layer == model.LayerGrid || spec.Layer == model.LayerPartyUnit
		if tree {
			// Children first: a parent goes after the rows under it.
			missing += " AND NOT EXISTS (SELECT 1 FROM " + TableName(spec.Layer) + " c WHERE c.parent_id = t.id)"
		}
		if il.pruneFirst != "" {
			if _, err := tx.Exec(ctx, strings.ReplaceAll(il.pruneFirst, "$1", "SELECT t.id "+missing)); err != nil {
				return nil, wrap(err, "prune")
			}
		}
		for {
			tag, err := tx.Exec(ctx, "DELETE "+missing)
			if err != nil {
				var pgErr *pgconn.PgError
				if errors.As(err, &pgErr) && pgErr.Code == "23503" {
					return nil, model.Errorf(model.CodeBadInput, "-prune: rows missing from the file are still referenced by %s; import or prune that layer first", pgErr.TableName)
				}
				return nil, wrap(err, "prune")
			}
			res.Pruned += int(tag.RowsAffected())
			if tag.RowsAffected() == 0 || !tree {
				break
			}
		}
	}
	phase("missing rows")
	if spec.DryRun {
		return res, nil
	}
	if spec.Layer == model.LayerBuilding && res.Inserted+res.Updated+res.Pruned > 0 {
		if _, err := tx.Exec(ctx, rollUpFigures); err != nil {
			return nil, wrap(err, "sum grid figures")
		}
	}
	if err := s.notifyLayer(ctx, tx, spec.Layer, res); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, wrap(err, "commit import")
	}
	phase("grid figures, commit")
	s.committed(ctx)
	res.Written = true
	return res, nil
}

// rollUpFigures makes every grid's population and households the sum of its buildings'
// (GRID level) or of its children's, as the district's figures are kept.
const rollUpFigures = `
UPDATE grids g SET population = b.p, households = b.h
FROM (SELECT g2.id, coalesce(sum(b.residents), 0) AS p, coalesce(sum(b.households), 0) AS h
      FROM grids g2 LEFT JOIN buildings b ON b.grid_id = g2.id WHERE g2.level = 'GRID' GROUP BY g2.id) b
WHERE g.id = b.id AND (g.population, g.households) IS DISTINCT FROM (b.p, b.h);
UPDATE grids g SET population = c.p, households = c.h
FROM (SELECT left(code, 12) AS pc, sum(population) AS p, sum(households) AS h FROM grids WHERE level = 'GRID' GROUP BY 1) c
WHERE g.code = c.pc AND (g.population, g.households) IS DISTINCT FROM (c.p, c.h);
UPDATE grids g SET population = c.p, households = c.h
FROM (SELECT left(code, 9) AS pc, sum(population) AS p, sum(households) AS h FROM grids WHERE level = 'COMMUNITY' GROUP BY 1) c
WHERE g.code = c.pc AND (g.population, g.households) IS DISTINCT FROM (c.p, c.h);
UPDATE grids g SET population = c.p, households = c.h
FROM (SELECT left(code, 6) AS pc, sum(population) AS p, sum(households) AS h FROM grids WHERE level = 'STREET' GROUP BY 1) c
WHERE g.code = c.pc AND (g.population, g.households) IS DISTINCT FROM (c.p, c.h)`

// placeRows indexes the staged rows and finds the GRID each row lies in (import_place).
func placeRows(ctx context.Context, tx pgx.Tx, spec ImportSpec) error {
	// The checks and the upsert join on code and row; the geometry's statistics, which
	// would cost most of an ANALYZE, no plan needs.
	if _, err := tx.Exec(ctx, `CREATE INDEX ON import_rows (code); ANALYZE import_rows (row, code)`); err != nil {
		return wrap(err, "stage import")
	}
	if spec.Layer == model.LayerGrid {
		return nil
	}
	// The placing points indexed, then each GRID's rows found through the index, one grid
	// after another, so that PostGIS prepares each grid's polygon once (the grid comes first
	// in ST_Covers for that reason). Probing the grids once per row costs six times as much.
	const placeSQL = `CREATE INDEX ON import_rows USING gist (pt);
CREATE TEMP TABLE import_grids ON COMMIT DROP AS SELECT id, code, geom FROM grids WHERE level = 'GRID' ORDER BY code;
CREATE TEMP TABLE import_place ON COMMIT DROP AS
SELECT DISTINCT ON (s.row) s.row, g.id AS grid_id, g.code AS in_grid, ST_Covers(g.geom, s.geom) AS covered
FROM import_grids g JOIN import_rows s ON ST_Intersects(g.geom, s.pt) ORDER BY s.row, g.code;
ANALYZE import_place`
	if _, err := tx.Exec(ctx, placeSQL); err != nil {
		return wrap(err, "place rows in grids")
	}
	return nil
}

// outlineSQL is the district's outline, else China's extent (a grid import into an empty
// database): where an import's rows are expected.
const outlineSQL = `coalesce((SELECT geom FROM grids WHERE level = 'DISTRICT' ORDER BY code LIMIT 1), ST_MakeEnvelope(73, 18, 135, 54, 4326))`

// placement is where the first rows landed: the district's outline when there is one,
// else China's extent (a grid import into an empty database).
// src is the column holding the geometry as the file gave it.
func placement(ctx context.Context, tx pgx.Tx, src string) (Placement, error) {
	q := `
WITH d AS (SELECT ` + outlineSQL + ` AS geom,
                  EXISTS (SELECT 1 FROM grids WHERE level = 'DISTRICT') AS has),
     s AS (SELECT geom, ` + src + ` AS src FROM import_rows WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom) ORDER BY row LIMIT 1000),
     e AS (SELECT ST_SetSRID(ST_Centroid(ST_Extent(geom)::geometry), 4326) AS c, ST_Centroid(ST_Extent(src)::geometry) AS sc, count(*) AS n,
                  count(*) FILTER (WHERE ST_Intersects(geom, (SELECT geom FROM d))) AS inside FROM s)
SELECT d.has, ST_X(e.sc), ST_Y(e.sc), ST_X(e.c), ST_Y(e.c), e.inside, e.n,
       ST_Distance(d.geom::geography, e.c::geography),
       coalesce(degrees(ST_Azimuth(ST_ClosestPoint(d.geom, e.c), e.c)), 0)
FROM d, e WHERE e.n > 0`
	var p Placement
	err := tx.QueryRow(ctx, q).Scan(&p.HasDistrict, &p.Sample[0], &p.Sample[1], &p.SampleWGS84[0], &p.SampleWGS84[1],
		&p.Inside, &p.Sampled, &p.DistanceMeters, &p.BearingDegrees)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, nil
	}
	return p, wrap(err, "place the import")
}

// InDistrict reports whether a WGS84 point lies in the district (or China, without one).
func (s *Store) InDistrict(ctx context.Context, lon, lat float64) (bool, error) {
	const q = `SELECT ST_Intersects(` + outlineSQL + `, ST_SetSRID(ST_Point($1, $2), 4326))`
	var in bool
	err := s.pool.QueryRow(ctx, q, lon, lat).Scan(&in)
	return in, wrap(err, "place a point")
}

// SRIDsPlacing are those of srids under which the point (x, y) lies in the district.
func (s *Store) SRIDsPlacing(ctx context.Context, x, y float64, srids []int) ([]int, error) {
	const q = `SELECT srid FROM unnest($3::int[]) AS srid
WHERE EXISTS (SELECT 1 FROM spatial_ref_sys r WHERE r.srid = srid)
  AND ST_Intersects(` + outlineSQL + `, ST_Transform(ST_SetSRID(ST_Point($1, $2), srid), 4326))`
	var out []int
	for _, srid := range srids {
		// One at a time: a point some systems cannot transform must not fail the others.
		rows, err := s.pool.Query(ctx, q, x, y, []int{srid})
		if err != nil {
			return nil, wrap(err, "try systems")
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err == nil {
			out = append(out, got...)
		}
	}
	return out, nil
}

// KnownSRID reports whether PostGIS knows the EPSG code.
func (s *Store) KnownSRID(ctx context.Context, srid int) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM spatial_ref_sys WHERE srid = $1)`, srid).Scan(&ok)
	return ok, wrap(err, "look up the CRS")
}

// keyField is the name files give the layer's natural key (the field staged as code).
func (il importLayer) keyField() string {
	for _, f := range il.fields {
		if f.Column == "code" {
			return f.Name
		}
	}
	return "code"
}
