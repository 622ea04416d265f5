package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"gridhub/model"
)

// The district centre, where the map screens of the workloads are centred.
const centreLon, centreLat = 109.8325, 40.6411

// box is [minLon, minLat, maxLon, maxLat] (WGS84).
type box [4]float64

func (x box) args() []any { return []any{x[0], x[1], x[2], x[3]} }

// polygon is the box as a GeoJSON Polygon, the area PostGraphile filters by.
func (x box) polygon() map[string]any {
	ring := [][2]float64{{x[0], x[1]}, {x[2], x[1]}, {x[2], x[3]}, {x[0], x[3]}, {x[0], x[1]}}
	return map[string]any{"type": "Polygon", "coordinates": [][][2]float64{ring}}
}

func (x box) String() string { return fmt.Sprintf("[%.5f, %.5f, %.5f, %.5f]", x[0], x[1], x[2], x[3]) }

// square grows a square around the district centre by 5% steps until at least n rows of
// table intersect it, so that a workload holds about the same number of features at any
// scale.
func (b *bench) square(ctx context.Context, table string, n int) (box, int, error) {
	var x box
	got := 0
	// From ±2 m: at scale 100 a square of ±50 m already holds 250 incidents.
	for half := 0.00002; half < 0.2; half *= 1.05 {
		x = box{centreLon - half, centreLat - half, centreLon + half, centreLat + half}
		var err error
		got, err = b.count(ctx, "SELECT count(*) FROM "+table+" t WHERE ST_Intersects(t.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))", x.args()...)
		if err != nil {
			return x, 0, err
		}
		if got >= n {
			return x, got, nil
		}
	}
	return x, got, fmt.Errorf("a square of ±0.2° round the centre holds only %d rows of %s", got, table)
}

// layerSQL is how gridhub writes one layer's features into a FeatureCollection: the table
// and the properties object over alias t. It is a copy of store/layers.go written out by
// hand, as someone serving the same GeoJSON straight from PostGIS would; the byte-for-byte
// check before timing fails if the two drift apart.
type layerSQL struct {
	layer        model.Layer
	table, props string
	// featureserv is the columns pg_featureserv is asked for (properties=): the ones
	// behind gridhub's properties (overdue, computed, and the constant layer have none),
	// and id, without which it writes no feature id (it then writes it as a property too).
	featureserv string
}

const overdueSQL = `(t.status NOT IN ('RESOLVED', 'CLOSED', 'REJECTED') AND t.due_at < now())`

var (
	gridLayer = layerSQL{model.LayerGrid, "grids",
		`(SELECT row_to_json(o) FROM (SELECT 'GRID'::text AS layer, t.name, t.code, t.level, t.population, t.households) o)`, "id,name,code,level,population,households"}
	cameraLayer = layerSQL{model.LayerCamera, "cameras",
		`(SELECT row_to_json(o) FROM (SELECT 'CAMERA'::text AS layer, t.name, t.code, t.kind, t.status, t.heading) o)`, ""}
	servicePointLayer = layerSQL{model.LayerServicePoint, "service_points",
		`(SELECT row_to_json(o) FROM (SELECT 'SERVICE_POINT'::text AS layer, t.name, t.kind, t.address, t.phone, t.opening_hours AS "openingHours") o)`, ""}
	incidentLayer = layerSQL{model.LayerIncident, "incidents",
		`(SELECT row_to_json(o) FROM (SELECT 'INCIDENT'::text AS layer, t.title AS name, t.code, t.category, t.status, t.source, ` +
			`t.priority, t.reported_at AS "reportedAt", t.due_at AS "dueAt", ` + overdueSQL + ` AS overdue) o)`, "id,title,code,category,status,source,priority,reported_at,due_at"}
)

// globalIDSQL is model.GlobalID in SQL: base64url, unpadded, of "LAYER:id".
func globalIDSQL(l model.Layer) string {
	return `rtrim(translate(encode(convert_to('` + string(l) + `:' || t.id, 'UTF8'), 'base64'), E'+/\n', '-_'), '=')`
}

// collectionSQL is the whole FeatureCollection gridhub answers for a bbox ($1..$4) and a
// limit ($5), built in one statement: features in layer then id order, at most the limit,
// and "truncated" saying whether the limit cut it short. The layers' ordered subqueries
// are appended in order and aggregated as they come, with no sort after them: the order
// is the executor's, which the byte-for-byte check before timing confirms.
func collectionSQL(ls ...layerSQL) string {
	var parts []string
	for _, l := range ls {
		parts = append(parts, fmt.Sprintf(`(SELECT '{"type":"Feature","id":"' || %s || '","geometry":' || ST_AsGeoJSON(t.geom, 7) ||
    ',"properties":' || %s::text || '}' AS j
  FROM %s t WHERE ST_Intersects(t.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) ORDER BY t.id LIMIT $5 + 1)`,
			globalIDSQL(l.layer), l.props, l.table))
	}
	return `SELECT '{"type":"FeatureCollection","features":[' || coalesce(string_agg(j, ',') FILTER (WHERE n <= $5), '') ||
  '],"truncated":' || (count(*) > $5)::text || '}'
FROM (SELECT j, row_number() OVER () AS n FROM (SELECT j FROM (
` + strings.Join(parts, "\nUNION ALL ") + `) u LIMIT $5 + 1) f) r`
}

// collectionLimit is above every workload's feature count: nothing is truncated.
const collectionLimit = 20000

const collectionQuery = `query Collection($b: [Float!], $n: Int) { featureCollection(area: {bbox: $b}, layers: [%s], limit: $n) }`

// sameCollection checks gridhub's answer is {"data":{"featureCollection":<the bare SQL's
// bytes>}} and returns the feature count.
func sameCollection(hub, bare []byte) (int, error) {
	want := append(append([]byte(`{"data":{"featureCollection":`), bare...), "}}"...)
	if !bytes.Equal(hub, want) {
		i := 0
		for i < min(len(hub), len(want)) && hub[i] == want[i] {
			i++
		}
		return 0, fmt.Errorf("gridhub's FeatureCollection (%d bytes) differs from the bare SQL's (%d bytes) at byte %d: %.80q vs %.80q",
			len(hub), len(want), i, hub[i:], want[i:])
	}
	return bytes.Count(bare, []byte(`{"type":"Feature",`)), nil
}

// collection is a workload drawing one layer's features in a bbox holding about n of them
// (W1, W2: incidents; W4: grid polygons), with PostGraphile's query when there is one.
func (b *bench) collection(ctx context.Context, id, title string, l layerSQL, n int) (*workload, error) {
	x, got, err := b.square(ctx, l.table, n)
	if err != nil {
		return nil, err
	}
	body := gql(fmt.Sprintf(collectionQuery, l.layer), map[string]any{"b": x[:], "n": collectionLimit})
	url := b.o.Gridhub + "/graphql"
	sql := collectionSQL(l)
	args := append(x.args(), collectionLimit)
	_, bare, err := b.both(ctx, "POST", url, body, sql, args, got, sameCollection)
	if err != nil {
		return nil, err
	}
	w := &workload{ID: id, Title: title, Conc: []int{8, 32},
		Gridhub: target{nameGridhub, b.request("POST", url, body)},
		Bare:    target{nameBare, b.sqlBytes(sql, args...)},
		Check:   fmt.Sprintf("%d features in bbox %s; gridhub's collection is byte-for-byte the bare SQL's (%d bytes)", got, x, len(bare)),
	}
	peer, note, err := b.peerCollection(ctx, l, x, ids(bare))
	if err != nil {
		return nil, err
	}
	if peer != nil {
		w.Peers = append(w.Peers, *peer)
	}
	if note != "" {
		w.Notes = append(w.Notes, id+": "+note)
	}
	if b.o.Featureserv != "" && l.featureserv != "" {
		bbox := fmt.Sprintf("%.7f,%.7f,%.7f,%.7f", x[0], x[1], x[2], x[3])
		fs, note, err := b.featureservPeer(ctx, l.table, bbox, l.featureserv, ids(bare))
		if err != nil {
			return nil, err
		}
		w.Peers = append(w.Peers, *fs)
		w.Notes = append(w.Notes, id+": "+note)
	}
	return w, nil
}

// both fetches gridhub's answer and runs the bare SQL, and checks with same that they
// agree and hold the want features the square was grown to.
func (b *bench) both(ctx context.Context, method, url string, body []byte, sql string, args []any, want int,
	same func(hub, bare []byte) (int, error)) (hub, bare []byte, err error) {
	if hub, err = b.fetch(ctx, method, url, body); err != nil {
		return nil, nil, err
	}
	if bare, err = b.queryBytes(ctx, sql, args...); err != nil {
		return nil, nil, fmt.Errorf("bare SQL: %w", err)
	}
	features, err := same(hub, bare)
	if err != nil {
		return nil, nil, err
	}
	if features != want {
		return nil, nil, fmt.Errorf("%d features in gridhub's answer, %d rows counted", features, want)
	}
	return hub, bare, nil
}

// ids lists the database ids of a collection's features, in order.
func ids(collection []byte) []int64 {
	var out []int64
	rest := collection
	for {
		i := bytes.Index(rest, []byte(`{"type":"Feature","id":"`))
		if i < 0 {
			return out
		}
		rest = rest[i+len(`{"type":"Feature","id":"`):]
		end := bytes.IndexByte(rest, '"')
		if _, id, ok := model.ParseGlobalID(string(rest[:end])); ok {
			out = append(out, id)
		}
	}
}
