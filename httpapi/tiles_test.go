package httpapi

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"gridhub/model"
	"gridhub/store"
)

// clusterBelow is the cluster zoom the tile tests serve with (the default's value).
const clusterBelow = 14

// mapTiles are the tile options mapAPI serves with.
var mapTiles = store.TileOptions{ClusterBelow: clusterBelow, ClusterAbove: store.DefaultClusterAbove}

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
		cfg.TileClusterBelow, cfg.TileClusterAbove = mapTiles.ClusterBelow, mapTiles.ClusterAbove
		h, done := New(a.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
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

// inBufferSQL counts a layer's rows whose geometry intersects the tile grown by its
// buffer (64 of 4096 units on every side), in storage coordinates: the tile's rule.
func inBufferSQL(table, where string) string {
	return `SELECT count(*) FROM ` + table + ` t WHERE ST_Intersects(t.geom,
  ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326))` + where
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
		model.LayerWorker:       {"id", "name", "onDuty"},
		model.LayerVisit:        {"id", "name", "kind"},
	}
	for _, l := range model.Layers {
		name := store.TileLayerName(l)
		// Every layer has features at the district centre but the workers and their
		// visits, which are sparser: their tile is the one holding the first of them.
		tile := centreTile(16)
		if l == model.LayerWorker || l == model.LayerVisit {
			var lon, lat float64
			if err := a.db.Store.Pool().QueryRow(t.Context(), `SELECT ST_X(geom), ST_Y(geom) FROM `+tableOf(l)+` ORDER BY id LIMIT 1`).Scan(&lon, &lat); err != nil {
				t.Fatal(err)
			}
			tile = maptile.At([2]float64{lon, lat}, 16)
		}
		all := decodeTile(t, a, "all", tile)
		t.Run(name+" features have an id equal to model.GlobalID and their fields", func(t *testing.T) {
			ml := decodeTile(t, a, name, tile)[name]
			if ml == nil || len(ml.Features) == 0 {
				t.Fatalf("no %s features in %v", name, tile)
			}
			if got := len(all[name].Features); got != len(ml.Features) {
				t.Errorf("the all tile has %d %s features, the layer's own tile %d", got, name, len(ml.Features))
			}
			documented := vectorLayers(l, mapTiles)[0].Fields
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
		for _, f := range decodeTile(t, a, "all", centreTile(16))["incident"].Features {
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
		// "worker" is a layer's name; a grid worker's name and phone are what must not show.
		for _, s := range []string{"stream", "rtsp://", "phone", "workername"} {
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
		model.LayerCamera: "cameras", model.LayerServicePoint: "service_points", model.LayerIncident: "incidents",
		model.LayerWorker: "grid_workers", model.LayerVisit: "visits"}[l]
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

// At z16 a tile holds a sliver of the district: the planner must reach it through the
// GiST index, which it can only because the tile, not the column, is transformed. (At z12
// a tile holds half the district and a sequential scan is rightly cheaper.)
func TestTileQueriesUseTheGeometryIndex(t *testing.T) {
	a := mapAPI(t)
	for _, z := range []int{15, 16} {
		for _, l := range model.Layers {
			t.Run(fmt.Sprintf("%s at z%d", store.TileLayerName(l), z), func(t *testing.T) {
				tile := centreTile(z)
				rows, err := a.db.Store.Pool().Query(t.Context(), "EXPLAIN "+store.TileSQL([]model.Layer{l}, z, mapTiles),
					z, int(tile.X), int(tile.Y))
				if err != nil {
					t.Fatal(err)
				}
				var plan []string
				for rows.Next() {
					var line string
					_ = rows.Scan(&line)
					plan = append(plan, line)
				}
				if idx := tableOf(l) + "_geom_idx"; !strings.Contains(strings.Join(plan, "\n"), "Index Scan using "+idx) &&
					!strings.Contains(strings.Join(plan, "\n"), "Bitmap Index Scan on "+idx) {
					t.Errorf("the plan does not use %s:\n%s", idx, strings.Join(plan, "\n"))
				}
			})
		}
	}
}
