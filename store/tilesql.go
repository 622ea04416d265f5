package store

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"gridhub/model"
)

// globalIDSQL is model.GlobalID computed by PostgreSQL: base64url, unpadded, of "LAYER:id".
func globalIDSQL(l model.Layer) string {
	return `rtrim(translate(encode(convert_to('` + string(l) + `:' || t.id, 'UTF8'), 'base64'), E'+/\n', '-_'), '=')`
}

// tileEnvelope is the tile in EPSG:3857 (env and its edges) and q, the tile with its
// buffer in EPSG:4326: the shape the stored geometry is filtered by, so that the GiST
// index on the 4326 column is used. px is one pixel of a 512-pixel tile in metres.
var tileEnvelope = `WITH e AS (SELECT env, q, ` + innerSQL + ` AS inner, ST_XMin(env) AS x0, ST_YMin(env) AS y0, ST_XMax(env) AS x1, ST_YMax(env) AS y1,
  (ST_XMax(env) - ST_XMin(env)) / 512 AS px, ` + tileAffine + `
  FROM (SELECT ST_TileEnvelope($1, $2, $3) AS env,
    ST_Transform(ST_TileEnvelope($1, $2, $3, margin => ` + tileMargin + `), 4326) AS q) b)
`

// innerSQL is q shrunk by innerMargin degrees on every side (NULL when q is too small for
// that): a geometry whose single-precision box lies in it certainly lies inside q, so the
// exact test of layerFilterIn is needed only near the tile's edges. innerMargin is more
// than single precision rounds a box outwards at any longitude (< 1.6e-5°).
const innerSQL = `CASE WHEN ST_XMax(q) - ST_XMin(q) > 3 * ` + innerMargin + ` AND ST_YMax(q) - ST_YMin(q) > 3 * ` + innerMargin +
	` THEN ST_Expand(q, -` + innerMargin + `) END`

const innerMargin = "4e-5"

var tileMargin = strconv.Itoa(TileBuffer) + ".0 / " + strconv.Itoa(TileExtent)

// tileSQL is one statement building the whole tile: the MVT layers are concatenated, which
// the format allows. What each layer holds at zoom z:
//   - grid: the levels of GridLevelsAt(z), plus grid_label points;
//   - building: from BuildingsFrom on;
//   - point layers: clusters below o.ClusterBelow (see clusterSQL), features from there on,
//     unless the tile is dense (see denseSQL, and denseFirstSQL for a tile that was dense
//     before: both give the same bytes).
//
// Polygons are simplified to a pixel below SimplifyBelow.
func tileSQL(ctx context.Context, ls []model.Layer, z int, o TileOptions, p *args, denseFirst bool) string {
	q := tq{ctx, p, o}
	var parts []string
	for _, l := range model.Layers {
		switch {
		case !contains(ls, l), l == model.LayerBuilding && z < BuildingsFrom:
		case l == model.LayerGrid:
			parts = append(parts, q.featureSQL(l, z, o), q.gridLabelSQL(z, o))
		case l == model.LayerBuilding:
			parts = append(parts, q.featureSQL(l, z, o))
		case z < o.ClusterBelow:
			parts = append(parts, q.clusterSQL(l, o))
		case o.ClusterAbove > 0 && z < DenseClusterBelow && denseFirst:
			parts = append(parts, q.denseFirstSQL(l, z, o))
		case o.ClusterAbove > 0 && z < DenseClusterBelow:
			parts = append(parts, q.denseSQL(l, z, o))
		default:
			parts = append(parts, q.featureSQL(l, z, o))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return tileEnvelope + "SELECT " + strings.Join(parts, "\n || ")
}

// mvt wraps the rows of from (alias f, geometry column geom, feature id column fid) into
// one MVT layer, its features in the order of order: the plan PostgreSQL picks (a custom
// plan for the first runs of a statement on a connection, then maybe a generic one) must
// not change the bytes, or the ETag would change with the connection that served them.
func mvt(layer, from, order string) string {
	return "(SELECT ST_AsMVT(f, '" + layer + "', " + strconv.Itoa(TileExtent) + ", 'geom', 'fid' ORDER BY " + order + ") FROM (" + from + ") f)"
}

// byID and byPlace order features by database id, and clusters (which have none) by
// where they are.
const (
	byID    = "f.fid"
	byPlace = "ST_X(f.geom), ST_Y(f.geom)"
)

// tileAffine are the factors and offsets ST_AsMVTGeom takes a Web Mercator point into the
// tile's coordinates with (x·fx + xoff, y·fy + yoff), computed as it computes them.
var tileAffine = strconv.Itoa(TileExtent) + ` / (ST_XMax(env) - ST_XMin(env)) AS fx, -(` + strconv.Itoa(TileExtent) + ` / (ST_YMax(env) - ST_YMin(env))) AS fy,
  -ST_XMin(env) * (` + strconv.Itoa(TileExtent) + ` / (ST_XMax(env) - ST_XMin(env))) AS xoff, -ST_YMax(env) * -(` + strconv.Itoa(TileExtent) + ` / (ST_YMax(env) - ST_YMin(env))) AS yoff`

// pointMVT is what ST_AsMVTGeom(ST_Transform(g, 3857), …) gives a point g in EPSG:4326 of a
// row layerFilter kept (so inside the buffered tile, which is all its clipping would
// check), written as arithmetic: the spherical Web Mercator formulas, the tile's affine
// transform, and rounding half to even as its snapping to the integer grid does. On a
// z15 tile of 3,183 incidents that is the same bytes 5–10 % sooner: PROJ's transform and
// the clipping machinery cost more per point than the arithmetic.
func pointMVT(g string) string {
	return "ST_MakePoint(round(radians(ST_X(" + g + ")) * 6378137 * e.fx + e.xoff), " +
		"round(ln(tan(radians(45 + ST_Y(" + g + ") / 2))) * 6378137 * e.fy + e.yoff))"
}

func mvtGeom(g string) string {
	return "ST_AsMVTGeom(" + g + ", e.env, " + strconv.Itoa(TileExtent) + ", " + strconv.Itoa(TileBuffer) + ", true)"
}

// tq builds one tile statement for one caller: its scope cuts the rows, hides attributes
// and coarsens geometry exactly as it does for every other read.
type tq struct {
	ctx context.Context
	p   *args
	o   TileOptions
}

// attrs are the layer's attributes the caller may see.
func (q tq) attrs(l model.Layer) []tileAttr {
	var out []tileAttr
	for _, a := range tileAttrs[l] {
		if !hidden(q.ctx, l, a.name) && (q.o.Properties == nil || slices.Contains(q.o.Properties, a.name)) {
			out = append(out, a)
		}
	}
	return out
}

// geom is the layer's geometry column as the caller may see it.
func (q tq) geom(l model.Layer) string { return geomOut(q.ctx, l, q.p) }

// withID reports whether the tile's features carry the global id attribute: always,
// unless ?properties= chose attributes without it. (Every feature keeps its database id
// as the MVT feature id; the global id string is ~25 % of an incident tile's bytes.)
func (q tq) withID() bool {
	return q.o.Properties == nil || slices.Contains(q.o.Properties, idAttr.name)
}

// selectAttrs is the layer's attributes as columns named for the tile, the global id first.
func (q tq) selectAttrs(l model.Layer) string {
	var cols []string
	if q.withID() {
		cols = append(cols, globalIDSQL(l)+" AS id")
	}
	for _, a := range q.attrs(l) {
		cols = append(cols, a.expr+" AS "+strconv.Quote(a.name))
	}
	return strings.Join(cols, ", ")
}

// layerFilter selects the rows of layer l in the tile with its buffer (by the index), in
// the caller's scope.
func (q tq) layerFilter(l model.Layer, z int, o TileOptions) string {
	return q.layerFilterIn(l, z, o, "e")
}

// layerFilterIn is layerFilter with the envelope read from env.
//
// The rule is exact: a feature belongs to the tile when its geometry intersects the
// buffered tile (e.q, the tile grown by TileBuffer/TileExtent on every side, its corners
// in EPSG:4326). The index's && alone compares single-precision boxes, which reach up to
// a metre further, and ST_AsMVTGeom would then snap such a point onto the buffer's edge.
// ST_Intersects on every row cost 12-20 % of a tile; it runs only for rows near an edge.
func (q tq) layerFilterIn(l model.Layer, z int, o TileOptions, env string) string {
	w := "FROM " + layers[l].table + " t, " + env + " WHERE t.geom && e.q AND (t.geom @ e.inner OR ST_Intersects(t.geom, e.q))"
	if snapOf(q.ctx, l) > 0 {
		// A coarsened point belongs to the tile its snapped point is in (see coarsen.go).
		w = "FROM " + layers[l].table + " t, " + env + " WHERE t.geom && " + grown(q.ctx, l, "e.q", q.p) + " AND ST_Intersects(" + q.geom(l) + ", e.q)"
	}
	if sc := scopeWhere(q.ctx, l, q.p); len(sc) > 0 {
		w += " AND " + and(sc)
	}
	switch {
	case l == model.LayerGrid:
		w += " AND t.level IN ('" + strings.Join(strs(GridLevelsAt(z)), "', '") + "')"
	case l == model.LayerIncident && len(o.Statuses) > 0:
		w += " AND t.status = ANY($4)"
	}
	return w
}

// featureSQL is one MVT feature per row, its database id as the feature id.
func (q tq) featureSQL(l model.Layer, z int, o TileOptions) string {
	return mvt(TileLayerName(l), q.featureRows(l, z, o), byID)
}

// featureRows are the rows of featureSQL's layer, before they are encoded.
func (q tq) featureRows(l model.Layer, z int, o TileOptions) string {
	return q.featureRowsIn(l, z, o, "e")
}

// featureRowsIn is featureRows with the envelope read from env (an alias e with the
// columns of the statement's e, or at least env and q for the point layers).
func (q tq) featureRowsIn(l model.Layer, z int, o TileOptions, env string) string {
	if !polygonal(l) {
		return "SELECT t.id AS fid, " + q.selectAttrs(l) + ", " + pointMVT(q.geom(l)) + " AS geom " + q.layerFilterIn(l, z, o, env)
	}
	g := "ST_Transform(" + q.geom(l) + ", 3857)"
	if z < SimplifyBelow {
		g = "ST_SimplifyPreserveTopology(" + g + ", e.px)"
	}
	return "SELECT t.id AS fid, " + q.selectAttrs(l) + ", " + mvtGeom(g) + " AS geom " + q.layerFilterIn(l, z, o, env)
}

// denseSQL is a point layer as features, or as clusters (clusterSQL) when the tile would
// hold more than o.ClusterAbove of them. The features are encoded from the layer's rows
// cut at o.ClusterAbove + 1, counted as they are encoded: a sparse tile reads its points
// once and costs what featureSQL does, while a dense one wastes the encoding of that many
// features before COALESCE counts all its points into clusters. (Counting first, from the
// rows kept in a common table expression, wastes less on a dense tile but costs every
// sparse tile ~7 %; so does a separate count probe, which reads the heap twice.)
func (q tq) denseSQL(l model.Layer, z int, o TileOptions) string {
	features := "(SELECT ST_AsMVT(f, '" + TileLayerName(l) + "', " + strconv.Itoa(TileExtent) + ", 'geom', 'fid' ORDER BY " + byID + ") FROM (" +
		q.featureRows(l, z, o) + " LIMIT " + strconv.Itoa(o.ClusterAbove+1) + ") f HAVING count(*) <= " + strconv.Itoa(o.ClusterAbove) + ")"
	return "COALESCE(" + features + ", " + q.clusterSQL(l, o) + ")"
}

// denseFirstSQL gives denseSQL's bytes for a tile that was dense when last asked for:
// the layer's rows in the tile are counted first, up to o.ClusterAbove + 1, and then
// either encoded or clustered. For a dense tile that spares the encoding of
// o.ClusterAbove + 1 features that denseSQL throws away (the z14 tile over the demo
// district's centre at scale 10: 56 ms against 96), for a sparse one it costs the count
// (~9 % at scale 1), hence the memory of which tiles were dense (see Store.Tile). The
// count and the features read the envelope from a subquery of their own rather than the
// statement's e, so that, as in a statement of one layer, the planner sees the tile's
// bounds and reads the rows by a bitmap scan.
func (q tq) denseFirstSQL(l model.Layer, z int, o TileOptions) string {
	cut := strconv.Itoa(o.ClusterAbove)
	probe := "(SELECT count(*) FROM (SELECT 1 " + q.layerFilterIn(l, z, o, ownEnvelope) + " LIMIT " + strconv.Itoa(o.ClusterAbove+1) + ") c)"
	features := mvt(TileLayerName(l), q.featureRowsIn(l, z, o, ownEnvelope), byID)
	return "CASE WHEN " + probe + " <= " + cut + " THEN " + features + " ELSE " + q.clusterSQL(l, o) + " END"
}

// ownEnvelope is the tile's envelope (env) and its buffered shape in EPSG:4326 (q) as a
// subquery aliased e, for the parts of denseFirstSQL.
var ownEnvelope = `(SELECT env, q, ` + innerSQL + ` AS inner, ` + tileAffine + ` FROM (SELECT ST_TileEnvelope($1, $2, $3) AS env,
    ST_Transform(ST_TileEnvelope($1, $2, $3, margin => ` + tileMargin + `), 4326) AS q) b) e`

// inTile keeps the points (EPSG:3857 column m) inside the tile proper, half-open so that
// a point on an edge belongs to exactly one tile of a zoom.
const inTile = "ST_X(m) >= e.x0 AND ST_X(m) < e.x1 AND ST_Y(m) > e.y0 AND ST_Y(m) <= e.y1"

// once ends a subquery whose column m is used several times: OFFSET 0 keeps the planner
// from inlining it, which would transform each geometry once per use.
const once = " OFFSET 0"

// gridLabelSQL is a point on the surface of each grid unit, in the tile holding it.
func (q tq) gridLabelSQL(z int, o TileOptions) string {
	l := model.LayerGrid
	from := "SELECT t.id AS fid, " + q.selectAttrs(l) + ", ST_Transform(ST_PointOnSurface(t.geom), 3857) AS m " + q.layerFilter(l, z, o) + once
	id := ""
	if q.withID() {
		id = ", p.id"
	}
	return mvt(GridLabelLayer, "SELECT p.fid"+id+q.quotedNames(l, ", p.")+", "+mvtGeom("p.m")+" AS geom FROM e, ("+from+") p WHERE "+inTile, byID)
}

// clusterSQL groups the layer's points inside the tile into ClusterCells² cells. Each
// cluster is drawn at its members' centroid and carries count (and for incidents
// overdueCount); a cluster of one also carries its member's id and attributes. Only
// points inside the tile proper are counted, so the counts of a zoom's tiles add up to the
// layer exactly. The points are read for their place alone (and overdue, for overdueCount):
// a cluster of one reads its member's attributes again by id, which costs at most
// ClusterCells² lookups where computing them for every point of a dense tile costs more.
func (q tq) clusterSQL(l model.Layer, o TileOptions) string {
	overdue := l == model.LayerIncident && !hidden(q.ctx, l, "overdue")
	pointCols, cellCols, cols := "t.id AS fid", "", "CASE WHEN c.count = 1 THEN c.fid END AS fid, c.count, "+q.selectAttrs(l)
	if overdue {
		pointCols += ", " + overdueSQL + " AS overdue"
		cellCols = `, count(*) FILTER (WHERE p.overdue)::int AS "overdueCount"`
		cols += `, c."overdueCount"`
	}
	points := "SELECT " + pointCols + ", ST_Transform(" + q.geom(l) + ", 3857) AS m " + q.layerFilter(l, 0, o) + once
	cells := "SELECT min(p.fid) AS fid, count(*)::int AS count" + cellCols + ", ST_Centroid(ST_Collect(p.m)) AS m FROM e, (" + points + ") p WHERE " + inTile +
		" GROUP BY floor((ST_X(p.m) - e.x0) * " + strconv.Itoa(ClusterCells) + " / (e.x1 - e.x0)), floor((e.y1 - ST_Y(p.m)) * " +
		strconv.Itoa(ClusterCells) + " / (e.y1 - e.y0))"
	return mvt(TileLayerName(l), "SELECT "+cols+", "+mvtGeom("c.m")+" AS geom FROM e, ("+cells+") c LEFT JOIN "+layers[l].table+
		" t ON c.count = 1 AND t.id = c.fid", byPlace)
}

// quotedNames lists the layer's attribute columns the caller may see, each prefixed by
// prefix (which carries its separator).
func (q tq) quotedNames(l model.Layer, prefix string) string {
	var out string
	for _, a := range q.attrs(l) {
		out += prefix + strconv.Quote(a.name)
	}
	return out
}
