package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gridhub/auth"
	"gridhub/exporter"
	"gridhub/geo"
	"gridhub/model"
	"gridhub/store"
)

// exportedSourceIDs exports layer l (within area, if any) as ctx's caller may read it and
// returns each feature's sourceId by its global id; a feature without one maps to "".
func exportedSourceIDs(t *testing.T, ctx context.Context, st *store.Store, l model.Layer, area *geo.Area) map[string]string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "export.geojson")
	if _, err := exporter.Export(ctx, st, exporter.Options{Layer: l, Format: "geojson", Area: area, File: path}); err != nil {
		t.Fatalf("export %s: %v", l, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			ID         string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range fc.Features {
		s, _ := f.Properties["sourceId"].(string)
		out[f.ID] = s
	}
	return out
}

// sourceIDPages asks for the first 100 of each of the three layers with a source id, under
// area (GraphQL input), selecting id and sourceId.
const sourceIDPages = `query($area: AreaInput) {
  buildings(area: $area, first: 100) { edges { node { id sourceId } } }
  partyUnits(area: $area, first: 100) { edges { node { id sourceId } } }
  servicePoints(area: $area, first: 100) { edges { node { id sourceId } } }
}`

type idNode struct{ ID, SourceID string }

type sourceIDAnswer struct {
	Buildings, PartyUnits, ServicePoints struct{ Edges []struct{ Node idNode } }
}

func (s sourceIDAnswer) layers() map[model.Layer][]idNode {
	out := map[model.Layer][]idNode{}
	for l, c := range map[model.Layer][]struct{ Node idNode }{model.LayerBuilding: s.Buildings.Edges,
		model.LayerPartyUnit: s.PartyUnits.Edges, model.LayerServicePoint: s.ServicePoints.Edges} {
		for _, e := range c {
			out[l] = append(out[l], e.Node)
		}
	}
	return out
}

// bothPaths asks q of the compiled server and of the one resolving every field, checks
// that they answer alike, and decodes the answer into v.
func bothPaths(t *testing.T, compiled, resolved *api, key, q string, vars map[string]any, v any) {
	t.Helper()
	a, b := compiled.as(key, q, vars), resolved.as(key, q, vars)
	if ca, cb := compact(t, a.raw), compact(t, b.raw); ca != cb {
		t.Fatalf("compiled: %.600s\nresolved: %.600s", ca, cb)
	}
	a.decode(t, v)
}

// everyFieldServer is a server over a's database resolving every field on its own.
func everyFieldServer(t *testing.T, a *api, cfg Config) *api {
	cfg.ResolveEveryField = true
	h, done := New(a.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); done() })
	return &api{t: t, srv: srv, db: a.db}
}

// Buildings, party units and service points carry through GraphQL the sourceId exports
// write: the source's id for an imported row, the stable id for a seeded one; a file
// carrying the id read there updates the row it names, on both resolution paths.
func TestSourceIDThroughGraphQL(t *testing.T) {
	a, _ := importAPIKeys(t)
	ctx := context.Background()
	r := everyFieldServer(t, a, testConfig())
	street := map[string]any{"gridCode": "150203002"}

	t.Run("seeded rows show the stable id the export writes for them", func(t *testing.T) {
		var ans sourceIDAnswer
		bothPaths(t, a, r, "", sourceIDPages, map[string]any{"area": street}, &ans)
		prefix := a.scalarS(`SELECT prefix FROM hub_identity`)
		for l, nodes := range ans.layers() {
			exported := exportedSourceIDs(t, ctx, a.db.Store, l, nil)
			if len(nodes) == 0 {
				t.Fatalf("no %s in the street", l)
			}
			for _, n := range nodes {
				if want, ok := exported[n.ID]; !ok || n.SourceID != want {
					t.Fatalf("%s %s: sourceId %q, the export wrote %q (exported: %v)", l, n.ID, n.SourceID, want, ok)
				}
				if !strings.HasPrefix(n.SourceID, prefix+"-") {
					t.Fatalf("%s %s: sourceId %q is not a stable id of this database (%s-…)", l, n.ID, n.SourceID, prefix)
				}
			}
		}
	})

	lon, lat := a.gridPoint(t)
	const d = 0.00004
	building := func(sourceID, name string) []byte {
		return []byte(fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature",
			"geometry":{"type":"Polygon","coordinates":[[[%[1]f,%[2]f],[%[3]f,%[2]f],[%[3]f,%[4]f],[%[1]f,%[4]f],[%[1]f,%[2]f]]]},
			"properties":{"sourceId":%[5]q,"name":%[6]q,"floors":6}}]}`, lon-d, lat-d, lon+d, lat+d, sourceID, name))
	}
	nearBuilding := map[string]any{"area": map[string]any{"bbox": []float64{lon - 2*d, lat - 2*d, lon + 2*d, lat + 2*d}}}
	const findBuilding = `query($area: AreaInput) { buildings(area: $area, first: 100) { edges { node { id name sourceId } } } }`
	type buildings struct {
		Buildings struct {
			Edges []struct {
				Node struct{ ID, Name, SourceID string }
			}
		}
	}
	imported := func(t *testing.T) (id, name string) {
		t.Helper()
		var ans buildings
		bothPaths(t, a, r, "", findBuilding, nearBuilding, &ans)
		for _, e := range ans.Buildings.Edges {
			if e.Node.SourceID == "不动产-0001" {
				return e.Node.ID, e.Node.Name
			}
		}
		t.Fatalf("no building with the imported source id among %+v", ans.Buildings.Edges)
		return "", ""
	}

	t.Run("an imported building shows the id it came with", func(t *testing.T) {
		ans := a.upload(t, "", "layer=BUILDING&dryRun=0", "楼栋.geojson", building("不动产-0001", "测试楼"))
		if ans.status != http.StatusOK || ans.report.Inserted != 1 {
			t.Fatalf("import: %d %+v %v", ans.status, ans.report, ans.errors)
		}
		id, _ := imported(t)
		var node struct{ Node struct{ SourceID string } }
		bothPaths(t, a, r, "", `query($id: ID!) { node(id: $id) { ... on Building { sourceId } } }`, map[string]any{"id": id}, &node)
		if node.Node.SourceID != "不动产-0001" {
			t.Errorf("node(id:) sourceId %q", node.Node.SourceID)
		}
		if got := exportedSourceIDs(t, ctx, a.db.Store, model.LayerBuilding, nil)[id]; got != "不动产-0001" {
			t.Errorf("the export wrote %q", got)
		}
	})

	t.Run("a file carrying the id GraphQL reads updates that row", func(t *testing.T) {
		before := a.scalar(`SELECT count(*) FROM buildings`)
		ans := a.upload(t, "", "layer=BUILDING&dryRun=0", "楼栋.geojson", building("不动产-0001", "测试楼·改"))
		if ans.status != http.StatusOK || ans.report.Inserted != 0 || ans.report.Updated != 1 {
			t.Fatalf("re-import: %d %+v %v", ans.status, ans.report, ans.errors)
		}
		if _, name := imported(t); name != "测试楼·改" || a.scalar(`SELECT count(*) FROM buildings`) != before {
			t.Errorf("name %q, %d buildings (want 测试楼·改, %d)", name, a.scalar(`SELECT count(*) FROM buildings`), before)
		}

		// A seeded service point, named by the stable id GraphQL reads for it.
		var sp struct {
			ServicePoints struct {
				Edges []struct {
					Node struct {
						ID, SourceID, Name, Kind, Address string
						Phone, OpeningHours               *string
						Geometry                          struct{ Coordinates [2]float64 }
					}
				}
			}
		}
		bothPaths(t, a, r, "", `query($area: AreaInput) { servicePoints(area: $area, first: 1) { edges { node { id sourceId name kind address phone openingHours geometry } } } }`,
			map[string]any{"area": street}, &sp)
		if len(sp.ServicePoints.Edges) != 1 {
			t.Fatal("no service point in the street")
		}
		p := sp.ServicePoints.Edges[0].Node
		before = a.scalar(`SELECT count(*) FROM service_points`)
		props, _ := json.Marshal(map[string]any{"sourceId": p.SourceID, "name": p.Name + "·改", "kind": p.Kind, "address": p.Address,
			"phone": p.Phone, "openingHours": p.OpeningHours})
		file := points(func(int) string { return string(props) }, p.Geometry.Coordinates)
		ans = a.upload(t, "", "layer=SERVICE_POINT&dryRun=0", "站点.geojson", file)
		if ans.status != http.StatusOK || ans.report.Inserted != 0 || ans.report.Updated != 1 {
			t.Fatalf("service point import: %d %+v %v", ans.status, ans.report, ans.errors)
		}
		_, dbid, _ := model.ParseGlobalID(p.ID)
		if n := a.scalar(`SELECT count(*) FROM service_points WHERE id = $1 AND name = $2`, dbid, p.Name+"·改"); n != 1 || a.scalar(`SELECT count(*) FROM service_points`) != before {
			t.Errorf("the service point %s was not the one updated", p.ID)
		}
	})

	t.Run("featureCollection writes sourceId when properties names it", func(t *testing.T) {
		const q = `query($p: [String!]) { featureCollection(area: {gridCode: "150203002"}, layers: [BUILDING, PARTY_UNIT, SERVICE_POINT], limit: 50000, properties: $p) }`
		var ans sourceIDAnswer
		a.data(sourceIDPages, map[string]any{"area": street}, &ans)
		read := map[string]string{}
		for _, nodes := range ans.layers() {
			for _, n := range nodes {
				read[n.ID] = n.SourceID
			}
		}
		collection := func(props any) map[string]map[string]any {
			var v struct {
				FeatureCollection struct {
					Features []struct {
						ID         string
						Properties map[string]any
					}
				}
			}
			a.data(q, map[string]any{"p": props}, &v)
			out := map[string]map[string]any{}
			for _, f := range v.FeatureCollection.Features {
				out[f.ID] = f.Properties
			}
			return out
		}
		named := collection([]string{"sourceId"})
		for id, want := range read {
			if got := named[id]["sourceId"]; got != want {
				t.Errorf("%s: featureCollection sourceId %v, GraphQL %q", id, got, want)
			}
		}
		for id, props := range collection(nil) {
			if _, ok := props["sourceId"]; ok {
				t.Fatalf("%s: sourceId written without being named: %v", id, props)
			}
		}
	})
}

// Under a role, GraphQL gives sourceId as the export under that role writes it: the
// public's service points and a street office's rows carry it, as their exports do; a
// role whose policy masks it reads it masked, and one whose policy leaves it out reads
// FORBIDDEN where its export has none.
func TestSourceIDUnderRoles(t *testing.T) {
	g := guardedDistrict(t)
	ctx := context.Background()
	policy, err := auth.LoadPolicy("")
	if err != nil {
		t.Fatal(err)
	}
	principal := func(p *auth.Policy, key string) context.Context {
		pr, err := auth.NewAuthenticator(g.db.Store, p, auth.Options{}, slog.New(slog.NewTextHandler(io.Discard, nil))).Principal(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return auth.With(ctx, pr)
	}

	for _, c := range []struct {
		role   string
		layers []model.Layer
	}{
		{"public", []model.Layer{model.LayerServicePoint}},
		{"street_office", []model.Layer{model.LayerBuilding, model.LayerPartyUnit, model.LayerServicePoint}},
	} {
		t.Run("the "+c.role+" reads the sourceIds its export writes", func(t *testing.T) {
			q := `{ servicePoints(first: 100) { edges { node { id sourceId } } } }`
			if c.role == "street_office" {
				q = strings.Replace(sourceIDPages, "query($area: AreaInput)", "", 1)
				q = strings.ReplaceAll(q, "area: $area, ", "")
			}
			var ans sourceIDAnswer
			bothPaths(t, g.api, g.resolved, g.keys[c.role], q, nil, &ans)
			got := ans.layers()
			for _, l := range c.layers {
				exported := exportedSourceIDs(t, principal(policy, g.keys[c.role]), g.db.Store, l, nil)
				if len(got[l]) == 0 {
					t.Fatalf("no %s read", l)
				}
				for _, n := range got[l] {
					if want, ok := exported[n.ID]; !ok || want == "" || n.SourceID != want {
						t.Fatalf("%s %s: sourceId %q, the export under the role wrote %q (exported: %v)", l, n.ID, n.SourceID, want, ok)
					}
				}
			}
		})
	}

	t.Run("a role whose policy masks or leaves out sourceId reads it as its export writes it", func(t *testing.T) {
		custom, err := auth.ParsePolicy([]byte(`
anonymous: registry
roles:
  registry:
    layers: [GRID, BUILDING, SERVICE_POINT]
    fields:
      Building.sourceId: mask
    allow:
      ServicePoint: [id, layer, name, geometry, kind]
    rate: {perSecond: 1000, burst: 1000}
    complexity: 100000
`))
		if err != nil {
			t.Fatal(err)
		}
		cfg := testConfig()
		cfg.Policy, cfg.AnonymousRole = custom, "registry"
		h, done := New(g.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		srv := httptest.NewServer(h)
		defer func() { srv.Close(); done() }()
		compiled := &api{t: t, srv: srv, db: g.db}
		resolved := everyFieldServer(t, compiled, cfg)
		key, prefix, hash := auth.NewKey()
		if _, err := g.db.Store.CreateKey(ctx, store.APIKey{Prefix: prefix, Hash: hash, Name: "测试·registry", Role: "registry"}); err != nil {
			t.Fatal(err)
		}
		as := principal(custom, key)

		var ans sourceIDAnswer
		bothPaths(t, compiled, resolved, "", `{ buildings(first: 100) { edges { node { id sourceId } } } }`, nil, &ans)
		exported := exportedSourceIDs(t, as, g.db.Store, model.LayerBuilding, nil)
		if len(ans.Buildings.Edges) == 0 {
			t.Fatal("no buildings read")
		}
		for _, e := range ans.Buildings.Edges {
			n := e.Node
			if want := exported[n.ID]; n.SourceID != want || !strings.Contains(n.SourceID, "****") {
				t.Fatalf("building %s: sourceId %q, the export under the role wrote %q: want the same, masked", n.ID, n.SourceID, want)
			}
		}

		q := `{ servicePoints(first: 3) { edges { node { id sourceId } } } }`
		a, b := compiled.as("", q, nil), resolved.as("", q, nil)
		if ca, cb := compact(t, a.raw), compact(t, b.raw); ca != cb {
			t.Fatalf("compiled: %.600s\nresolved: %.600s", ca, cb)
		}
		if a.codeOf() != "FORBIDDEN" {
			t.Errorf("%s: %s, want FORBIDDEN", q, a.raw)
		}
		exported = exportedSourceIDs(t, as, g.db.Store, model.LayerServicePoint, nil)
		if len(exported) == 0 {
			t.Fatal("no service points exported")
		}
		for id, s := range exported {
			if s != "" {
				t.Fatalf("service point %s: the export wrote sourceId %q", id, s)
			}
		}
		fc := compiled.as("", `{ featureCollection(area: {gridCode: "150203002"}, layers: [SERVICE_POINT], properties: ["sourceId"]) }`, nil)
		if fc.codeOf() != "FORBIDDEN" {
			t.Errorf("featureCollection(properties: [\"sourceId\"]): %.300s, want FORBIDDEN", fc.raw)
		}
	})
}
