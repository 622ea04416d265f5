package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/store"
)

// denseAPI serves db with the default cluster zoom and clusterAbove as the density cut.
func denseAPI(t *testing.T, db *testdb.DB, clusterAbove int) *api {
	t.Helper()
	cfg := testConfig()
	cfg.TileClusterBelow, cfg.TileClusterAbove = clusterBelow, clusterAbove
	h, done := New(db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); done() })
	return &api{t: t, srv: srv, db: db}
}

// putIncidents scatters n incidents over the inside of tile (a deterministic spread, none
// within 1 % of an edge): every third one open and past due, every 60th a public-opinion
// event, the rest city appearance.
func putIncidents(a *api, tile maptile.Tile, n int, prefix string) {
	a.exec(`INSERT INTO incidents (code, title, category, source, status, priority, reported_at, due_at, closed_at, geom)
SELECT $4 || i, '事件 ' || i, CASE WHEN i % 60 = 0 THEN '舆情' ELSE '市容环境' END, 'OTHER',
  (ARRAY['REPORTED', 'CLOSED', 'IN_PROGRESS'])[1 + i % 3], 1 + i % 5, now() - interval '3 days',
  now() - interval '3 days' + (1 + i % 3) * interval '2 days', CASE WHEN i % 3 = 1 THEN now() END,
  ST_SetSRID(ST_MakePoint(ST_XMin(b) + (ST_XMax(b) - ST_XMin(b)) * (0.01 + 0.98 * ((i * 0.6180339887) % 1)),
    ST_YMin(b) + (ST_YMax(b) - ST_YMin(b)) * (0.01 + 0.98 * ((i * 0.7548776662) % 1))), 4326)
FROM generate_series(1, $5) i, ST_Transform(ST_TileEnvelope($1, $2, $3), 4326) b`,
		int(tile.Z), int(tile.X), int(tile.Y), prefix, n)
}

// incidentLayer decodes the incident layer of an MVT.
func incidentLayer(t *testing.T, b []byte) *mvt.Layer {
	t.Helper()
	ls, err := mvt.Unmarshal(b)
	if err != nil {
		t.Fatalf("the tile does not decode: %v", err)
	}
	for _, l := range ls {
		if l.Name == "incident" {
			return l
		}
	}
	t.Fatalf("no incident layer among %d", len(ls))
	return nil
}

// clusterCounts sums a layer's cluster counts and overdue counts; clustered is false when
// a feature is not a cluster.
func clusterCounts(t *testing.T, l *mvt.Layer) (count, overdue int, clustered bool) {
	t.Helper()
	clustered = true
	for _, f := range l.Features {
		n, ok := f.Properties["count"].(float64)
		if !ok {
			return 0, 0, false
		}
		count += int(n)
		if v, ok := f.Properties["overdueCount"].(float64); ok {
			overdue += int(v)
		}
		if _, hasID := f.Properties["id"]; (n == 1) != hasID {
			t.Fatalf("a cluster of %v with id %v", n, f.Properties["id"])
		}
	}
	return count, overdue, clustered
}

func TestDenseTilesAreClustered(t *testing.T) {
	db := testdb.New(t)
	a := denseAPI(t, db, store.DefaultClusterAbove)
	// All of the dense incidents lie in one z16 tile at the district centre; a sparse
	// handful two z15 tiles east, clear of the dense tile's buffer.
	dense := centreTile(16)
	sparse := maptile.New(dense.Parent().X+2, dense.Parent().Y, 15)
	const many, few = store.DefaultClusterAbove + 1000, 50
	putIncidents(a, dense, many, "D")
	putIncidents(a, sparse, few, "S")
	a.exec(`ANALYZE incidents`)
	const overdue = `t.status <> 'CLOSED' AND t.due_at < now()`
	get := func(t *testing.T, a *api, layer string, tile maptile.Tile, query string) *mvt.Layer {
		t.Helper()
		r := getTile(t, a, fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt%s", layer, tile.Z, tile.X, tile.Y, query), nil)
		if r.status != http.StatusOK {
			t.Fatalf("tile %v: status %d: %s", tile, r.status, r.body)
		}
		return incidentLayer(t, r.body)
	}

	for _, z := range []maptile.Zoom{14, 15} {
		tile := dense.Parent()
		if z == 14 {
			tile = tile.Parent()
		}
		t.Run(fmt.Sprintf("a z%d tile holding more than the cut comes as clusters whose counts add up exactly", z), func(t *testing.T) {
			for _, layer := range []string{"incident", "all"} {
				count, od, clustered := clusterCounts(t, get(t, a, layer, tile, ""))
				if !clustered {
					t.Fatalf("%s: the dense tile holds features, not clusters", layer)
				}
				if want := a.scalar(inTileSQL("incidents", "true"), int(tile.Z), int(tile.X), int(tile.Y)); count != want || want < many {
					t.Errorf("%s: the clusters count %d, SQL %d incidents inside the tile", layer, count, want)
				}
				if want := a.scalar(inTileSQL("incidents", overdue), int(tile.Z), int(tile.X), int(tile.Y)); od != want || want == 0 {
					t.Errorf("%s: overdueCount sums to %d, %d incidents in the tile are overdue", layer, od, want)
				}
			}
		})
	}
	t.Run("a sparse tile at the same zoom holds every feature", func(t *testing.T) {
		l := get(t, a, "incident", sparse, "")
		if _, _, clustered := clusterCounts(t, l); clustered || len(l.Features) != few {
			t.Errorf("%d features, clustered %v: want the %d incidents as features", len(l.Features), clustered, few)
		}
		empty := maptile.New(sparse.X+2, sparse.Y, 15)
		if r := getTile(t, a, fmt.Sprintf("/tiles/incident/%d/%d/%d.mvt", empty.Z, empty.X, empty.Y), nil); r.status != http.StatusNoContent {
			t.Errorf("an empty tile: status %d, want 204", r.status)
		}
	})
	t.Run("from the TileJSON's last zoom on, a dense tile holds every feature so that each can be reached", func(t *testing.T) {
		l := get(t, a, "incident", dense, "")
		if _, _, clustered := clusterCounts(t, l); clustered || len(l.Features) != many {
			t.Errorf("z%d: %d features, clustered %v: want the %d incidents as features", dense.Z, len(l.Features), clustered, many)
		}
	})
	t.Run("the cut counts the features the tile would hold: at the cut, features; one over, clusters", func(t *testing.T) {
		tile := dense.Parent()
		holds := a.scalar(inBufferSQL("incidents", ""), int(tile.Z), int(tile.X), int(tile.Y))
		if l := get(t, denseAPI(t, db, holds), "incident", tile, ""); len(l.Features) != holds {
			t.Errorf("a cut of %d: %d features, want them all", holds, len(l.Features))
		}
		if _, _, clustered := clusterCounts(t, get(t, denseAPI(t, db, holds-1), "incident", tile, "")); !clustered {
			t.Errorf("a cut of %d: features, want clusters", holds-1)
		}
		if _, _, clustered := clusterCounts(t, get(t, denseAPI(t, db, 0), "incident", tile, "")); clustered {
			t.Error("a cut of 0 clusters: want it off")
		}
	})
	t.Run("statuses count before the cut: a thinned tile holds features", func(t *testing.T) {
		// A third of the dense incidents are closed: fewer than the cut.
		l := get(t, a, "incident", dense.Parent(), "?statuses=CLOSED")
		want := a.scalar(inBufferSQL("incidents", " AND t.status = 'CLOSED'"), int(dense.Z-1), int(dense.Parent().X), int(dense.Parent().Y))
		if _, _, clustered := clusterCounts(t, l); clustered || len(l.Features) != want {
			t.Errorf("%d features, clustered %v: want the %d closed incidents as features", len(l.Features), clustered, want)
		}
	})
	t.Run("the caller's scope counts before the cut, and applies to the clusters", func(t *testing.T) {
		tile := dense.Parent()
		tileOf := func(s *store.Scope) *mvt.Layer {
			ctx := store.WithScope(context.Background(), s)
			b, err := db.Store.Tile(ctx, []model.Layer{model.LayerIncident}, int(tile.Z), int(tile.X), int(tile.Y),
				store.TileOptions{ClusterBelow: clusterBelow, ClusterAbove: store.DefaultClusterAbove})
			if err != nil {
				t.Fatal(err)
			}
			return incidentLayer(t, b)
		}
		opinion := tileOf(&store.Scope{Categories: []string{"舆情"}})
		want := a.scalar(inBufferSQL("incidents", " AND t.category = '舆情'"), int(tile.Z), int(tile.X), int(tile.Y))
		if _, _, clustered := clusterCounts(t, opinion); clustered || len(opinion.Features) != want {
			t.Errorf("public opinion only: %d features, clustered %v; want the %d as features", len(opinion.Features), clustered, want)
		}
		for _, f := range opinion.Features {
			if f.Properties["category"] != "舆情" {
				t.Fatalf("a %v incident outside the caller's categories", f.Properties["category"])
			}
		}
		appearance := tileOf(&store.Scope{Categories: []string{"市容环境"}, Hidden: map[model.Layer]map[string]bool{model.LayerIncident: {"overdue": true, "code": true}}})
		count, _, clustered := clusterCounts(t, appearance)
		if want := a.scalar(inTileSQL("incidents", "t.category = '市容环境'"), int(tile.Z), int(tile.X), int(tile.Y)); !clustered || count != want {
			t.Errorf("city appearance only: clustered %v, counting %d; want clusters counting %d", clustered, count, want)
		}
		for _, f := range appearance.Features {
			for _, k := range []string{"overdue", "overdueCount", "code"} {
				if _, ok := f.Properties[k]; ok {
					t.Fatalf("a cluster carries the hidden %q", k)
				}
			}
		}
	})
}
