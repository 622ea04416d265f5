package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gridhub/model"
)

func TestOGCFiltersCountAsTheSQL(t *testing.T) {
	a := district(t)
	for _, c := range []struct{ name, query, sql string }{
		{"a status", "status=REPORTED", `status = 'REPORTED'`},
		{"one of several statuses", "status=REPORTED,ACCEPTED", `status IN ('REPORTED', 'ACCEPTED')`},
		{"a category and a priority", "category=" + url.QueryEscape("矛盾纠纷") + "&priority=2", `category = '矛盾纠纷' AND priority = 2`},
		{"a box", "bbox=109.82,40.63,109.845,40.65", `ST_Intersects(geom, ST_MakeEnvelope(109.82, 40.63, 109.845, 40.65, 4326))`},
		{"a box in EPSG:4326, latitude first", "bbox=40.63,109.82,40.65,109.845&bbox-crs=" + url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/4326"),
			`ST_Intersects(geom, ST_MakeEnvelope(109.82, 40.63, 109.845, 40.65, 4326))`},
		{"an interval of datetime", "datetime=2026-01-01T00:00:00%2B08:00/2026-02-01T00:00:00%2B08:00",
			`reported_at BETWEEN '2026-01-01T00:00:00+08:00' AND '2026-02-01T00:00:00+08:00'`},
		{"a day", "datetime=2026-01-15", `reported_at >= '2026-01-15T00:00:00+08:00' AND reported_at < '2026-01-16T00:00:00+08:00'`},
		{"an open interval", "datetime=../2025-06-01T00:00:00Z", `reported_at <= '2025-06-01T00:00:00Z'`},
		{"CQL2 comparisons", "filter=" + url.QueryEscape("category = '矛盾纠纷' AND priority <= 2 OR NOT (status <> 'CLOSED')"),
			`category = '矛盾纠纷' AND priority <= 2 OR NOT (status <> 'CLOSED')`},
		{"CQL2 IS NULL and a timestamp", "filter=" + url.QueryEscape("closedAt IS NULL AND reportedAt >= TIMESTAMP('2026-03-01T00:00:00+08:00')"),
			`closed_at IS NULL AND reported_at >= '2026-03-01T00:00:00+08:00'`},
		{"CQL2 IN and a boolean", "filter=" + url.QueryEscape("source IN ('WECHAT', 'HOTLINE') AND overdue = TRUE"),
			`source IN ('WECHAT', 'HOTLINE') AND status NOT IN ('RESOLVED', 'CLOSED', 'REJECTED') AND due_at < now()`},
		{"CQL2 S_INTERSECTS with a polygon", "filter=" + url.QueryEscape("S_INTERSECTS(geometry, POLYGON((109.82 40.63, 109.845 40.63, 109.845 40.65, 109.82 40.63)))"),
			`ST_Intersects(geom, 'SRID=4326;POLYGON((109.82 40.63, 109.845 40.63, 109.845 40.65, 109.82 40.63))'::geometry)`},
		{"CQL2 S_INTERSECTS with a box and a grid", "filter=" + url.QueryEscape(`S_INTERSECTS(BBOX(109.8, 40.6, 109.85, 40.66), geometry) AND "grid" = '150203002003001'`),
			`ST_Intersects(geom, ST_MakeEnvelope(109.8, 40.6, 109.85, 40.66, 4326)) AND grid_id = (SELECT id FROM grids WHERE code = '150203002003001')`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var fc ogcFeatures
			ogcJSON(t, a, "/ogc/collections/incidents/items?limit=1&"+c.query, "", &fc)
			want := a.scalar(`SELECT count(*) FROM incidents WHERE ` + c.sql)
			if fc.NumberMatched != want || want == 0 {
				t.Errorf("numberMatched %d, the SQL counts %d", fc.NumberMatched, want)
			}
		})
	}
	t.Run("a page holding every match counts them too", func(t *testing.T) {
		var fc ogcFeatures
		ogcJSON(t, a, "/ogc/collections/incidents/items?limit=10000&properties=status&status=REPORTED,ACCEPTED", "", &fc)
		want := a.scalar(`SELECT count(*) FROM incidents WHERE status IN ('REPORTED', 'ACCEPTED')`)
		if fc.NumberMatched != want || fc.NumberReturned != want || fc.link("next") != "" {
			t.Errorf("numberMatched %d, numberReturned %d, next %q; the SQL counts %d", fc.NumberMatched, fc.NumberReturned, fc.link("next"), want)
		}
	})
	t.Run("grid levels are collections of their own", func(t *testing.T) {
		for coll, level := range map[string]string{"streets": "STREET", "communities": "COMMUNITY", "grids": "GRID"} {
			var fc ogcFeatures
			ogcJSON(t, a, "/ogc/collections/"+coll+"/items?limit=1", "", &fc)
			if want := a.scalar(`SELECT count(*) FROM grids WHERE level = $1`, level); fc.NumberMatched != want {
				t.Errorf("%s: numberMatched %d, want %d", coll, fc.NumberMatched, want)
			}
		}
	})
	t.Run("a grid's area comes when asked for", func(t *testing.T) {
		var all, asked ogcFeatures
		ogcJSON(t, a, "/ogc/collections/grids/items?limit=3", "", &all)
		if _, ok := all.Features[0].Properties["areaSquareMeters"]; ok {
			t.Error("the area is written without being asked for")
		}
		ogcJSON(t, a, "/ogc/collections/grids/items?limit=3&properties=code,areaSquareMeters", "", &asked)
		for _, f := range asked.Features {
			want := a.scalarF(`SELECT ST_Area(geom::geography) FROM grids WHERE code = $1`, f.Properties["code"])
			if got, _ := f.Properties["areaSquareMeters"].(float64); !same(want, got) {
				t.Errorf("%v: area %v, want %v", f.Properties["code"], got, want)
			}
		}
	})
	t.Run("properties chooses the fields", func(t *testing.T) {
		var fc ogcFeatures
		ogcJSON(t, a, "/ogc/collections/incidents/items?limit=3&properties=code,status", "", &fc)
		for _, f := range fc.Features {
			if len(f.Properties) != 2 || f.Properties["code"] == nil || f.Properties["status"] == nil {
				t.Errorf("properties %v, want code and status", f.Properties)
			}
		}
	})
}

func TestOGCErrorsAreExceptionsWithOurCodes(t *testing.T) {
	a := district(t)
	for _, c := range []struct {
		name, path string
		status     int
		code       string
	}{
		{"an unknown collection", "/ogc/collections/rivers", 404, "NOT_FOUND"},
		{"an unknown resource", "/ogc/nothing", 404, "NOT_FOUND"},
		{"an unknown query parameter", "/ogc/collections/incidents/items?colour=red", 400, "BAD_INPUT"},
		{"a bbox of three numbers", "/ogc/collections/incidents/items?bbox=1,2,3", 400, "BAD_AREA"},
		{"a bbox upside down", "/ogc/collections/incidents/items?bbox=109.9,40.6,109.8,40.7", 400, "BAD_AREA"},
		{"a limit of 0", "/ogc/collections/incidents/items?limit=0", 400, "OUT_OF_RANGE"},
		{"a limit too large", "/ogc/collections/incidents/items?limit=10001", 400, "OUT_OF_RANGE"},
		{"a CRS not served", "/ogc/collections/incidents/items?crs=EPSG:2385", 400, "BAD_INPUT"},
		{"an unknown status", "/ogc/collections/incidents/items?status=LOST", 400, "BAD_INPUT"},
		{"a filter that does not parse", "/ogc/collections/incidents/items?filter=" + url.QueryEscape("status = "), 400, "BAD_INPUT"},
		{"a filter on an unknown property", "/ogc/collections/incidents/items?filter=" + url.QueryEscape("colour = 'red'"), 400, "BAD_INPUT"},
		{"a filter comparing a number with a string", "/ogc/collections/incidents/items?filter=" + url.QueryEscape("priority = 'high'"), 400, "BAD_INPUT"},
		{"a filter in another language", "/ogc/collections/incidents/items?filter=x&filter-lang=cql2-json", 400, "BAD_INPUT"},
		{"a self-crossing polygon", "/ogc/collections/incidents/items?filter=" +
			url.QueryEscape("S_INTERSECTS(geometry, POLYGON((109.8 40.6, 109.9 40.7, 109.9 40.6, 109.8 40.7, 109.8 40.6)))"), 400, "BAD_GEOMETRY"},
		{"datetime on grids", "/ogc/collections/grids/items?datetime=2026-01-01", 400, "BAD_INPUT"},
		{"a feature id of another layer", "/ogc/collections/incidents/items/R1JJRDox", 404, "NOT_FOUND"},
		{"a feature that does not exist", "/ogc/collections/incidents/items/SU5DSURFTlQ6OTk5OTk5OTk", 404, "NOT_FOUND"},
		{"a bad credential", "/ogc/collections?api_key=gh_00000000_nope", 401, "UNAUTHENTICATED"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := ogcGet(t, a, c.path, "")
			if r.status != c.status || r.exceptionCode() != c.code {
				t.Errorf("%d %s, want %d %s", r.status, r.body, c.status, c.code)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if strings.Contains(string(r.body), "SQLSTATE") || strings.Contains(string(r.body), "pgx") {
				t.Errorf("internals reach the client: %s", r.body)
			}
		})
	}
}

func TestOGCRolesSeeWhatTheySeeInGraphQL(t *testing.T) {
	g := guardedDistrict(t)
	t.Run("the public has no cameras", func(t *testing.T) {
		r := ogcGet(t, g.api, "/ogc/collections/cameras/items", "")
		if r.status != http.StatusForbidden || r.exceptionCode() != "FORBIDDEN" {
			t.Errorf("%d %s, want 403 FORBIDDEN", r.status, r.body)
		}
	})
	t.Run("the public may not filter on what it may not read", func(t *testing.T) {
		for _, q := range []string{"datetime=2026-01-15", "properties=name", "filter=" + url.QueryEscape("priority = 1")} {
			if r := ogcGet(t, g.api, "/ogc/collections/incidents/items?"+q, ""); r.status != http.StatusForbidden || r.exceptionCode() != "FORBIDDEN" {
				t.Errorf("%s: %d %s, want 403 FORBIDDEN", q, r.status, r.body)
			}
		}
	})
	t.Run("a street office counts its street's incidents and finds no other", func(t *testing.T) {
		key := g.keys["street_office"]
		var fc ogcFeatures
		ogcJSON(t, g.api, "/ogc/collections/incidents/items?limit=1", key, &fc)
		if want := g.scalar(`SELECT count(*) FROM incidents WHERE grid_id IN (SELECT id FROM grids WHERE code LIKE '150203002%')`); fc.NumberMatched != want {
			t.Errorf("numberMatched %d, its street has %d", fc.NumberMatched, want)
		}
		other := g.scalar(`SELECT min(id) FROM incidents WHERE grid_id IN (SELECT id FROM grids WHERE code LIKE '150203001%')`)
		if r := ogcGet(t, g.api, "/ogc/collections/incidents/items/"+model.GlobalID(model.LayerIncident, int64(other)), key); r.status != http.StatusNotFound {
			t.Errorf("another street's incident: %d, want 404", r.status)
		}
	})
	t.Run("judicial reads grid workers' phones masked, as GraphQL answers them", func(t *testing.T) {
		key := g.keys["judicial"]
		eachAsGraphQL(t, g, key, "grids", "... on Grid { workerPhone }", func(f ogcFeature, node json.RawMessage) {
			var got struct{ WorkerPhone string }
			_ = json.Unmarshal(node, &got)
			if got.WorkerPhone == "" || f.Properties["workerPhone"] != got.WorkerPhone || !strings.Contains(got.WorkerPhone, "****") {
				t.Errorf("%s: OGC %v, GraphQL %q", f.ID, f.Properties["workerPhone"], got.WorkerPhone)
			}
		})
		if r := ogcGet(t, g.api, "/ogc/collections/grids/items?filter="+url.QueryEscape("workerPhone = '13800000000'"), key); r.status != http.StatusForbidden {
			t.Errorf("filtering on a masked phone: %d, want 403", r.status)
		}
	})
	t.Run("city management reads cameras coarsened, as GraphQL answers them", func(t *testing.T) {
		eachAsGraphQL(t, g, g.keys["city_management"], "cameras", "... on Camera { geometry grid { code } }", func(f ogcFeature, node json.RawMessage) {
			var got struct {
				Geometry json.RawMessage
				Grid     struct{ Code string }
			}
			_ = json.Unmarshal(node, &got)
			if !samePlace(t, coordinatesOf(t, got.Geometry), f.Geometry.Coordinates, 1e-9) || f.Properties["grid"] != got.Grid.Code {
				t.Errorf("%s: OGC %s in %v, GraphQL %s in %s", f.ID, f.Geometry.Coordinates, f.Properties["grid"], got.Geometry, got.Grid.Code)
			}
		})
	})
	t.Run("a coarsened camera is found by where it is shown, never by where it is", func(t *testing.T) {
		key := g.keys["city_management"]
		const cell = 100 / 111320.0 // auth's coarsening of 100 m
		var id int64
		var x, y, sx, sy float64
		if err := g.db.Store.Pool().QueryRow(t.Context(), `SELECT id, ST_X(geom), ST_Y(geom), ST_X(s), ST_Y(s)
			FROM (SELECT id, geom, ST_SnapToGrid(geom, $1::float8) s FROM cameras) c WHERE ST_Distance(geom, s) > 0.0002 ORDER BY id LIMIT 1`, cell).
			Scan(&id, &x, &y, &sx, &sy); err != nil {
			t.Fatal(err)
		}
		gid := model.GlobalID(model.LayerCamera, id)
		finds := func(q string) bool {
			var fc ogcFeatures
			ogcJSON(t, g.api, "/ogc/collections/cameras/items?properties=name&"+q, key, &fc)
			for _, f := range fc.Features {
				if f.ID == gid {
					return true
				}
			}
			return false
		}
		box := func(x, y float64) string { return fmt.Sprintf("%.7f,%.7f,%.7f,%.7f", x-1e-5, y-1e-5, x+1e-5, y+1e-5) }
		cql := func(x, y float64) string {
			return "filter=" + url.QueryEscape(fmt.Sprintf("S_INTERSECTS(geometry, BBOX(%s))", box(x, y)))
		}
		if finds("bbox="+box(x, y)) || finds(cql(x, y)) {
			t.Error("a box round the stored point finds the camera")
		}
		if !finds("bbox="+box(sx, sy)) || !finds(cql(sx, sy)) {
			t.Error("a box round the point shown does not find the camera")
		}
	})
	t.Run("api_key is the same credential as the header", func(t *testing.T) {
		key := g.keys["street_office"]
		var byHeader, byParam ogcFeatures
		ogcJSON(t, g.api, "/ogc/collections/cameras/items?limit=1", key, &byHeader)
		ogcJSON(t, g.api, "/ogc/collections/cameras/items?limit=1&api_key="+key, "", &byParam)
		if byHeader.NumberMatched != byParam.NumberMatched || byParam.NumberMatched == 0 {
			t.Errorf("header %d, api_key %d", byHeader.NumberMatched, byParam.NumberMatched)
		}
		if next := byParam.link("next"); !strings.Contains(next, "api_key="+key) {
			t.Errorf("the next link drops api_key: %s", next)
		}
	})
}

// eachAsGraphQL reads five features of a collection with key and hands check each one
// with GraphQL's node(id) { selection } for the same key.
func eachAsGraphQL(t *testing.T, g *guarded, key, collection, selection string, check func(f ogcFeature, node json.RawMessage)) {
	t.Helper()
	var fc ogcFeatures
	ogcJSON(t, g.api, "/ogc/collections/"+collection+"/items?limit=5", key, &fc)
	if len(fc.Features) == 0 {
		t.Fatalf("no %s", collection)
	}
	for _, f := range fc.Features {
		r := g.as(key, `query($id: ID!) { node(id: $id) { `+selection+` } }`, map[string]any{"id": f.ID})
		var got struct{ Node json.RawMessage }
		if err := json.Unmarshal(r.Data, &got); err != nil || len(r.Errors) > 0 {
			t.Fatalf("node %s: %.300s", f.ID, r.raw)
		}
		check(f, got.Node)
	}
}

func TestOGCPagesForABrowser(t *testing.T) {
	a := district(t)
	var one ogcFeatures
	ogcJSON(t, a, "/ogc/collections/grids/items?limit=1", "", &one)
	for path, want := range map[string]string{
		"/ogc":                              "数据集",
		"/ogc/conformance":                  "conf/core",
		"/ogc/api":                          "接口说明",
		"/ogc/collections":                  "支持的坐标系",
		"/ogc/collections/incidents":        "时间范围",
		"/ogc/collections/incidents/items":  "下一页",
		"/ogc/collections/grids/queryables": "可查询属性",
		"/ogc/collections/grids/items/" + one.Features[0].ID: "网格员",
		"/ogc/collections/rivers":                            "NOT_FOUND",
	} {
		t.Run(path, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
			req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" || !strings.Contains(string(b), want) {
				t.Errorf("%d %s: %.300s…, want a page showing %q", resp.StatusCode, ct, b, want)
			}
		})
	}
}

func TestOGCRequestsAreAudited(t *testing.T) {
	g := guardedDistrict(t)
	key := g.keys["judicial"]
	path := "/ogc/collections/incidents/items?limit=3&bbox=109.8,40.6,109.9,40.7&api_key=" + key
	ogcJSON(t, g.api, path, "", &ogcFeatures{})
	ogcGet(t, g.api, "/ogc/collections/cameras/items?api_key="+key, "")
	var items, cams bool
	poll := func() {
		type logged struct {
			Operation, Outcome string
			Layers             []string
			Area               *string
			ResultBytes        int
		}
		var out []logged
		rows, err := g.db.Store.Pool().Query(t.Context(), `SELECT operation, outcome, layers, area, result_bytes FROM audit_log WHERE principal = '测试·judicial' AND operation LIKE 'OGC %'`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var e logged
			if err := rows.Scan(&e.Operation, &e.Outcome, &e.Layers, &e.Area, &e.ResultBytes); err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		}
		rows.Close()
		for _, e := range out {
			switch e.Operation {
			case "OGC /ogc/collections/incidents/items":
				items = e.Outcome == "ok" && len(e.Layers) == 1 && e.Layers[0] == "INCIDENT" && e.Area != nil &&
					*e.Area == "bbox 109.800000,40.600000,109.900000,40.700000" && e.ResultBytes > 0
			case "OGC /ogc/collections/cameras/items":
				cams = e.Outcome == "HTTP 403"
			}
		}
	}
	// Entries are written in batches, off the request path.
	for i := 0; i < 200 && !(items && cams); i++ {
		time.Sleep(100 * time.Millisecond)
		poll()
	}
	if !items || !cams {
		t.Errorf("the audit log lacks the judicial key's items (ok, INCIDENT, bbox): %v, or its cameras (HTTP 403): %v", items, cams)
	}
}
