package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/store"
)

// clusterBelow is the cluster zoom the tile tests serve with (the default's value).
const clusterBelow = 14

var (
	mapOnce sync.Once
	mapSrv  *api
)

// mapAPI is the demo district served with the map settings a deployment runs with
// (testConfig leaves them at their zero values).
func mapAPI(t testing.TB) *api {
	t.Helper()
	a := district(t)
	mapOnce.Do(func() {
		cfg := testConfig()
		cfg.TileClusterBelow = clusterBelow
		h, done := newHandler(a.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		srv := httptest.NewServer(h)
		cleanups = append(cleanups, func() { srv.Close(); done() })
		mapSrv = &api{t: a.t, srv: srv, db: a.db, queries: a.queries}
	})
	c := *mapSrv
	c.t = t // failures are reported on the test that asked
	return &c
}

// centreTile is the tile at zoom z holding the district centre.
func centreTile(z int) maptile.Tile {
	return maptile.At([2]float64{109.8325, 40.6411}, maptile.Zoom(z))
}

type tileResponse struct {
	status int
	header http.Header
	body   []byte
}

func getTile(t testing.TB, a *api, path string, hdr map[string]string) tileResponse {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return tileResponse{resp.StatusCode, resp.Header, b}
}

// decodeTile fetches a tile that must have content and decodes it, by MVT layer name.
func decodeTile(t testing.TB, a *api, layer string, tile maptile.Tile) map[string]*mvt.Layer {
	t.Helper()
	r := getTile(t, a, fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layer, tile.Z, tile.X, tile.Y), nil)
	if r.status != http.StatusOK {
		t.Fatalf("tile %s %v: status %d: %s", layer, tile, r.status, r.body)
	}
	ls, err := mvt.Unmarshal(r.body)
	if err != nil {
		t.Fatalf("tile %s %v does not decode: %v", layer, tile, err)
	}
	out := map[string]*mvt.Layer{}
	for _, l := range ls {
		out[l.Name] = l
	}
	return out
}

// inTileSQL counts a point layer's rows inside a tile (half-open, as clusters count)
// and matching where.
func inTileSQL(table, where string) string {
	return `SELECT count(*) FROM ` + table + ` t, ST_TileEnvelope($1, $2, $3) e, ST_Transform(t.geom, 3857) m
WHERE ST_X(m) >= ST_XMin(e) AND ST_X(m) < ST_XMax(e) AND ST_Y(m) > ST_YMin(e) AND ST_Y(m) <= ST_YMax(e) AND ` + where
}

// inBufferSQL counts a layer's rows whose geometry reaches into the tile with its buffer.
func inBufferSQL(table, where string) string {
	return `SELECT count(*) FROM ` + table + ` t WHERE ST_Intersects(ST_Transform(t.geom, 3857),
  ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096))` + where
}

func TestTileFeaturesCarryTheirAttributes(t *testing.T) {
	a := mapAPI(t)
	want := map[model.Layer][]string{
		model.LayerGrid:         {"id", "name", "code", "level"},
		model.LayerBuilding:     {"id", "name", "floors", "residents"},
		model.LayerPartyUnit:    {"id", "name", "kind"},
		model.LayerCamera:       {"id", "name", "kind", "status"},
		model.LayerServicePoint: {"id", "name", "kind"},
		model.LayerIncident:     {"id", "name", "code", "status", "category", "priority", "overdue"},
	}
	tile := centreTile(16)
	all := decodeTile(t, a, "all", tile)
	for _, l := range model.Layers {
		name := store.TileLayerName(l)
		t.Run(name+" features have an id equal to model.GlobalID and their fields", func(t *testing.T) {
			ml := decodeTile(t, a, name, tile)[name]
			if ml == nil || len(ml.Features) == 0 {
				t.Fatalf("no %s features in %v", name, tile)
			}
			if got := len(all[name].Features); got != len(ml.Features) {
				t.Errorf("the all tile has %d %s features, the layer's own tile %d", got, name, len(ml.Features))
			}
			documented := vectorLayers(l, clusterBelow)[0].Fields
			for _, f := range ml.Features {
				id, ok := f.ID.(float64)
				if !ok || f.Properties["id"] != model.GlobalID(l, int64(id)) {
					t.Fatalf("feature id %v, global id %v: want model.GlobalID of the feature id", f.ID, f.Properties["id"])
				}
				for _, k := range want[l] {
					if _, ok := f.Properties[k]; !ok {
						t.Fatalf("feature %v lacks %q: %v", f.ID, k, f.Properties)
					}
				}
				for k := range f.Properties {
					if _, ok := documented[k]; !ok {
						t.Errorf("attribute %q is not in the TileJSON fields", k)
					}
				}
			}
		})
	}
	t.Run("incident overdue is computed as the store computes it", func(t *testing.T) {
		for _, f := range all["incident"].Features {
			want := a.scalar(`SELECT (status NOT IN ('RESOLVED', 'CLOSED', 'REJECTED') AND due_at < now())::int FROM incidents WHERE id = $1`, int64(f.ID.(float64))) == 1
			if f.Properties["overdue"] != want {
				t.Fatalf("incident %v: overdue %v, want %v", f.ID, f.Properties["overdue"], want)
			}
		}
	})
}

func TestTilesNeverCarryRestrictedFields(t *testing.T) {
	a := mapAPI(t)
	for _, z := range []int{10, 12, 14, 16} {
		r := getTile(t, a, fmt.Sprintf("/tiles/all/%d/%d/%d.mvt", z, centreTile(z).X, centreTile(z).Y), nil)
		for _, s := range []string{"stream", "rtsp://", "phone", "worker"} {
			if strings.Contains(strings.ToLower(string(r.body)), s) {
				t.Errorf("the z%d tile holds %q", z, s)
			}
		}
	}
}

func TestTileCountsMatchSQL(t *testing.T) {
	a := mapAPI(t)
	for _, tc := range []struct {
		layer model.Layer
		z     int
		where string
	}{
		{model.LayerIncident, 16, ""},
		{model.LayerCamera, 15, ""},
		{model.LayerServicePoint, 14, ""},
		{model.LayerPartyUnit, 14, ""},
		{model.LayerBuilding, 16, ""},
		{model.LayerGrid, 12, " AND t.level IN ('DISTRICT', 'STREET')"},
		{model.LayerGrid, 14, " AND t.level IN ('DISTRICT', 'COMMUNITY')"},
		{model.LayerGrid, 16, " AND t.level IN ('DISTRICT', 'GRID')"},
	} {
		name := store.TileLayerName(tc.layer)
		t.Run(fmt.Sprintf("%s at z%d", name, tc.z), func(t *testing.T) {
			tile := centreTile(tc.z)
			ml := decodeTile(t, a, name, tile)[name]
			want := a.scalar(inBufferSQL(tableOf(tc.layer), tc.where), tile.Z, tile.X, tile.Y)
			if ml == nil || len(ml.Features) != want || want == 0 {
				t.Fatalf("the tile has %d features, SQL counts %d", len(ml.Features), want)
			}
		})
	}
	t.Run("grid labels: one per unit whose label point is in the tile", func(t *testing.T) {
		tile := centreTile(14)
		ml := decodeTile(t, a, "grid", tile)[store.GridLabelLayer]
		want := a.scalar(`SELECT count(*) FROM grids t, ST_TileEnvelope($1, $2, $3) e, ST_Transform(ST_PointOnSurface(t.geom), 3857) m
WHERE t.level IN ('DISTRICT', 'COMMUNITY') AND ST_X(m) >= ST_XMin(e) AND ST_X(m) < ST_XMax(e) AND ST_Y(m) > ST_YMin(e) AND ST_Y(m) <= ST_YMax(e)`,
			tile.Z, tile.X, tile.Y)
		if ml == nil || len(ml.Features) != want || want == 0 {
			t.Fatalf("%d labels, SQL counts %d", len(ml.Features), want)
		}
	})
}

func tableOf(l model.Layer) string {
	return map[model.Layer]string{model.LayerGrid: "grids", model.LayerBuilding: "buildings", model.LayerPartyUnit: "party_units",
		model.LayerCamera: "cameras", model.LayerServicePoint: "service_points", model.LayerIncident: "incidents"}[l]
}

// clusterSums adds up a clustered layer's counts over the tiles of zoom z covering the
// district, asking with the URL query and counting in SQL the rows matching where.
func clusterSums(t *testing.T, a *api, name string, z int, query, where string) (count, overdue, ones int) {
	t.Helper()
	lo := maptile.At([2]float64{109.77, 40.71}, maptile.Zoom(z))
	hi := maptile.At([2]float64{109.91, 40.59}, maptile.Zoom(z))
	for x := lo.X; x <= hi.X; x++ {
		for y := lo.Y; y <= hi.Y; y++ {
			tile := maptile.New(x, y, maptile.Zoom(z))
			r := getTile(t, a, fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt%s", name, z, x, y, query), nil)
			if r.status == http.StatusNoContent {
				continue
			}
			ls, err := mvt.Unmarshal(r.body)
			if err != nil || len(ls) != 1 {
				t.Fatalf("tile %v: %d layers, %v", tile, len(ls), err)
			}
			inTile := a.scalar(inTileSQL(tableOf(model.Layer(strings.ToUpper(name))), where), z, int(x), int(y))
			sum := 0
			for _, f := range ls[0].Features {
				n := int(f.Properties["count"].(float64))
				sum += n
				if v, ok := f.Properties["overdueCount"].(float64); ok {
					overdue += int(v)
				}
				if n == 1 {
					ones++
					if _, ok := f.Properties["id"]; !ok || f.ID == nil {
						t.Fatalf("a cluster of one has no id: %v", f.Properties)
					}
				} else if _, ok := f.Properties["id"]; ok {
					t.Fatalf("a cluster of %d carries an id", n)
				}
			}
			if sum != inTile {
				t.Fatalf("tile %v: the clusters count %d, SQL %d points inside the tile", tile, sum, inTile)
			}
			count += sum
		}
	}
	return count, overdue, ones
}

func TestTileClustersAddUpExactly(t *testing.T) {
	a := mapAPI(t)
	for _, tc := range []struct {
		layer model.Layer
		z     int
	}{{model.LayerIncident, 11}, {model.LayerIncident, 13}, {model.LayerCamera, 12}} {
		name := store.TileLayerName(tc.layer)
		t.Run(fmt.Sprintf("%s clusters at z%d sum to the layer", name, tc.z), func(t *testing.T) {
			count, overdue, ones := clusterSums(t, a, name, tc.z, "", "true")
			if want := a.scalar(`SELECT count(*) FROM ` + tableOf(tc.layer)); count != want {
				t.Errorf("clusters count %d, the layer has %d", count, want)
			}
			if tc.layer == model.LayerIncident {
				want := a.scalar(`SELECT count(*) FROM incidents WHERE status NOT IN ('RESOLVED', 'CLOSED', 'REJECTED') AND due_at < now()`)
				if overdue != want {
					t.Errorf("overdueCount sums to %d, %d incidents are overdue", overdue, want)
				}
			}
			t.Logf("%d features, %d clusters of one", count, ones)
		})
	}
}

func TestTileStatusesFilterIncidents(t *testing.T) {
	a := mapAPI(t)
	const open = "t.status IN ('REPORTED', 'ACCEPTED', 'DISPATCHED', 'IN_PROGRESS')"
	t.Run("clusters of open incidents count the open incidents", func(t *testing.T) {
		count, _, _ := clusterSums(t, a, "incident", 12, "?statuses=REPORTED,ACCEPTED,DISPATCHED,IN_PROGRESS", open)
		if want := a.scalar(`SELECT count(*) FROM incidents t WHERE ` + open); count != want || want == 0 {
			t.Errorf("clusters count %d, %d incidents are open", count, want)
		}
	})
	t.Run("features keep only the statuses asked for", func(t *testing.T) {
		c := centreTile(15)
		r := getTile(t, a, fmt.Sprintf("/tiles/all/%d/%d/%d.mvt?statuses=CLOSED", c.Z, c.X, c.Y), nil)
		ls, err := mvt.Unmarshal(r.body)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, l := range ls {
			for _, f := range l.Features {
				if l.Name == "incident" {
					n++
					if f.Properties["status"] != "CLOSED" {
						t.Fatalf("a %v incident in a CLOSED tile", f.Properties["status"])
					}
				}
			}
		}
		if want := a.scalar(inBufferSQL("incidents", " AND t.status = 'CLOSED'"), c.Z, c.X, c.Y); n != want {
			t.Errorf("%d closed incidents in the tile, SQL counts %d", n, want)
		}
	})
	t.Run("an unknown status is a bad request, and layers without incidents ignore the filter", func(t *testing.T) {
		if r := getTile(t, a, "/tiles/incident/12/3297/1541.mvt?statuses=OPEN", nil); r.status != http.StatusBadRequest {
			t.Errorf("statuses=OPEN: status %d", r.status)
		}
		if r := getTile(t, a, "/tiles/grid/12/3297/1541.mvt?statuses=CLOSED", nil); r.status != http.StatusOK {
			t.Errorf("a grid tile with statuses: status %d: %s", r.status, r.body)
		}
	})
}

func TestTileResponses(t *testing.T) {
	a := mapAPI(t)
	c := centreTile(14)
	path := fmt.Sprintf("/tiles/incident/%d/%d/%d.mvt", c.Z, c.X, c.Y)
	ok := getTile(t, a, path, nil)
	t.Run("a tile is an MVT with a strong ETag and a short max-age for incidents", func(t *testing.T) {
		if ok.status != http.StatusOK || ok.header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
			t.Fatalf("status %d, Content-Type %q", ok.status, ok.header.Get("Content-Type"))
		}
		if e := ok.header.Get("ETag"); !strings.HasPrefix(e, `"`) || len(e) < 18 {
			t.Errorf("ETag %q, want a strong one", e)
		}
		if cc := ok.header.Get("Cache-Control"); cc != "private, max-age=30" {
			t.Errorf("Cache-Control %q", cc)
		}
	})
	t.Run("grids are cached longer", func(t *testing.T) {
		r := getTile(t, a, fmt.Sprintf("/tiles/grid/%d/%d/%d.mvt", c.Z, c.X, c.Y), nil)
		if cc := r.header.Get("Cache-Control"); cc != "private, max-age=3600" {
			t.Errorf("Cache-Control %q", cc)
		}
	})
	t.Run("If-None-Match with the ETag answers 304 without a body", func(t *testing.T) {
		r := getTile(t, a, path, map[string]string{"If-None-Match": `"x", ` + ok.header.Get("ETag")})
		if r.status != http.StatusNotModified || len(r.body) != 0 {
			t.Errorf("status %d, %d bytes", r.status, len(r.body))
		}
	})
	t.Run("an empty tile answers 204", func(t *testing.T) {
		for _, p := range []string{"/tiles/all/10/0/0.mvt", "/tiles/building/11/1648/770.mvt"} {
			if r := getTile(t, a, p, nil); r.status != http.StatusNoContent || len(r.body) != 0 {
				t.Errorf("%s: status %d, %d bytes", p, r.status, len(r.body))
			}
		}
	})
	t.Run("bad requests answer 400 in plain text", func(t *testing.T) {
		for p, want := range map[string]string{
			"/tiles/incidents/1/0/0.mvt": "unknown layer",
			"/tiles/INCIDENT/1/0/0.mvt":  "unknown layer",
			"/tiles/incident/23/0/0.mvt": "outside 0..22",
			"/tiles/incident/2/4/0.mvt":  "outside 0..3",
			"/tiles/incident/2/0/-1.mvt": "outside 0..3",
			"/tiles/incident/a/0/0.mvt":  "whole numbers",
			"/tiles/incident/1/0/0.pbf":  ".mvt",
		} {
			r := getTile(t, a, p, nil)
			if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), want) ||
				!strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
				t.Errorf("%s: %d %q, want 400 saying %q", p, r.status, r.body, want)
			}
		}
	})
}

func TestTileQueryIsCancelledWithTheRequest(t *testing.T) {
	a := mapAPI(t)
	ctx := context.Background()
	// A lock on the table holds the tile's query until the client gives up.
	tx, err := a.db.Store.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	c := centreTile(15)
	req, _ := http.NewRequestWithContext(rctx, http.MethodGet, fmt.Sprintf("%s/tiles/incident/%d/%d/%d.mvt", a.srv.URL, c.Z, c.X, c.Y), nil)
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	waiting := `SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%ST_AsMVT%' AND wait_event_type = 'Lock'`
	poll(t, func() bool { return a.scalar(waiting) == 1 }, "the tile query to wait on the lock")
	cancel()
	<-done
	poll(t, func() bool { return a.scalar(waiting) == 0 }, "the tile query to be cancelled")
}

// poll waits up to two seconds for cond.
func poll(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("gave up waiting for %s", what)
}

func TestTileJSON(t *testing.T) {
	a := mapAPI(t)
	var tj tileJSON
	r := getTile(t, a, "/tiles/all.json", map[string]string{"X-Forwarded-Proto": "https"})
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d", r.status)
	}
	if err := json.Unmarshal(r.body, &tj); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(a.srv.URL, "http://")
	if tj.TileJSON != "3.0.0" || !slices.Equal(tj.Tiles, []string{"https://" + host + "/tiles/all/{z}/{x}/{y}.mvt"}) {
		t.Errorf("tilejson %q, tiles %q", tj.TileJSON, tj.Tiles)
	}
	b := tj.Bounds
	if !(b[0] < 109.8325 && 109.8325 < b[2] && b[1] < 40.6411 && 40.6411 < b[3]) || math.Abs(tj.Center[0]-(b[0]+b[2])/2) > 1e-9 {
		t.Errorf("bounds %v, center %v do not hold the district", b, tj.Center)
	}
	var ids []string
	for _, vl := range tj.VectorLayers {
		ids = append(ids, vl.ID)
		if vl.Description == "" || vl.Fields["id"] == "" || vl.Fields["name"] == "" {
			t.Errorf("layer %s is not documented: %+v", vl.ID, vl)
		}
	}
	if want := []string{"grid", "grid_label", "building", "party_unit", "camera", "service_point", "incident"}; !slices.Equal(ids, want) {
		t.Errorf("vector_layers %v, want %v", ids, want)
	}
	tj = tileJSON{}
	if err := json.Unmarshal(getTile(t, a, "/tiles/camera.json", nil).body, &tj); err != nil {
		t.Fatal(err)
	}
	if tj.Tiles[0] != a.srv.URL+"/tiles/camera/{z}/{x}/{y}.mvt" || len(tj.VectorLayers) != 1 {
		t.Errorf("camera: tiles %v, %d vector layers", tj.Tiles, len(tj.VectorLayers))
	}
	if r := getTile(t, a, "/tiles/cameras.json", nil); r.status != http.StatusNotFound {
		t.Errorf("an unknown tile set: status %d", r.status)
	}
}

func TestTileDatabaseDownIsPlain503(t *testing.T) {
	db := testdb.New(t)
	u, err := url.Parse(db.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	st, err := store.Open(context.Background(), u.String(), store.Options{SearchPath: db.Schema, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	h, done := newHandler(st, testConfig(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer done()
	srv := httptest.NewServer(h)
	defer srv.Close()
	a := &api{t: t, srv: srv, db: db}
	if r := getTile(t, a, "/tiles/all/14/13190/6164.mvt", nil); r.status != http.StatusNoContent {
		t.Fatalf("with the database up, an empty district: status %d", r.status)
	}
	p.cut()
	r := getTile(t, a, "/tiles/all/14/13190/6164.mvt", map[string]string{"X-Request-ID": "tile-test-0001"})
	if r.status != http.StatusServiceUnavailable || string(r.body) != "database unavailable, request tile-test-0001\n" {
		t.Errorf("status %d, body %q: want 503 saying only that", r.status, r.body)
	}
}
