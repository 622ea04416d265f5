package httpapi

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"gridhub/auth"
	"gridhub/exporter"
	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/seed"
	"gridhub/store"
)

// importAPI is the demo district in a schema of its own (imports write), served with
// callers without a credential acting as the command centre, and a street office's key.
func importAPI(t testing.TB) (*api, string) {
	a, keys := importAPIKeys(t)
	return a, keys["street_office"]
}

// importAPIKeys is importAPI with a key of each of the command centre and a street office.
func importAPIKeys(t testing.TB) (*api, map[string]string) {
	t.Helper()
	db := testdb.New(t, func(o *store.Options) { o.Now = func() time.Time { return testClock } })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := seed.Run(ctx, db.Store, seed.Options{Scale: 1, Reference: testdb.Reference}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	h, done := New(db.Store, testConfig(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); done() })
	keys := map[string]string{}
	for _, role := range []string{"command_center", "street_office"} {
		key, prefix, hash := auth.NewKey()
		k := store.APIKey{Prefix: prefix, Hash: hash, Name: "测试·" + role, Role: role}
		if role == "street_office" {
			fence := "150203002"
			k.FenceCode = &fence
		}
		if _, err := db.Store.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		keys[role] = key
	}
	return &api{t: t, srv: srv, db: db}, keys
}

type importAnswer struct {
	status int
	report importReport
	errors []gqlError
}

// gridPoint is a point inside a GRID-level grid of the district.
func (a *api) gridPoint(t *testing.T) (lon, lat float64) {
	t.Helper()
	if err := a.db.Store.Pool().QueryRow(context.Background(),
		`SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM grids ORDER BY length(code) DESC, code LIMIT 1) g`).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	return lon, lat
}

// fileForm is a multipart form holding the file as its "file" part.
func fileForm(t testing.TB, filename string, body []byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(body)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// upload posts a file to /import as a multipart form.
func (a *api) upload(t *testing.T, key, query, filename string, body []byte) importAnswer {
	t.Helper()
	form, contentType := fileForm(t, filename, body)
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/import?"+query, form)
	req.Header.Set("Content-Type", contentType)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	ans := importAnswer{status: resp.StatusCode}
	var v struct {
		Errors []gqlError `json:"errors"`
	}
	if resp.StatusCode == http.StatusOK {
		err = json.Unmarshal(raw, &ans.report)
	} else {
		err = json.Unmarshal(raw, &v)
	}
	if err != nil {
		t.Fatalf("POST /import?%s: %d %s", query, resp.StatusCode, raw)
	}
	ans.errors = v.Errors
	return ans
}

// servicePoints is a GeoJSON of service points at the given places.
func servicePoints(prefix string, at ...[2]float64) []byte {
	return points(func(i int) string {
		return fmt.Sprintf(`{"sourceId":"%s-%d","name":"调解室%d","kind":"MEDIATION"}`, prefix, i, i)
	}, at...)
}

// points is a GeoJSON of points at the given places, the i-th with properties(i).
func points(properties func(i int) string, at ...[2]float64) []byte {
	var f []string
	for i, p := range at {
		f = append(f, fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%f,%f]},"properties":%s}`, p[0], p[1], properties(i)))
	}
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(f, ",") + `]}`)
}

func TestImportOverHTTP(t *testing.T) {
	a, keys := importAPIKeys(t)
	streetKey := keys["street_office"]
	lon, lat := a.gridPoint(t)
	before := a.scalar(`SELECT count(*) FROM service_points`)

	t.Run("a dry run writes nothing and returns the problems", func(t *testing.T) {
		file := servicePoints("dry", [2]float64{lon, lat}, [2]float64{lon, lat}, [2]float64{lon, lat}, [2]float64{lon + 0.3, lat})
		ans := a.upload(t, "", "layer=SERVICE_POINT&dryRun=1", "点位.geojson", file)
		if ans.status != http.StatusOK {
			t.Fatalf("status %d, errors %v", ans.status, ans.errors)
		}
		r := ans.report
		if r.Written || r.Rows != 4 || r.Errors == 0 || len(r.Problems) == 0 {
			t.Fatalf("report %+v: want 4 rows read, problems, nothing written", r)
		}
		var fc struct {
			Type     string            `json:"type"`
			Features []json.RawMessage `json:"features"`
		}
		if err := json.Unmarshal(r.Locations, &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) == 0 {
			t.Fatalf("locations %s: want a FeatureCollection of the problems' places (%v)", r.Locations, err)
		}
		if got := a.scalar(`SELECT count(*) FROM service_points`); got != before {
			t.Fatalf("%d service points after a dry run, want %d", got, before)
		}
	})

	t.Run("a clean dry run counts and writes nothing", func(t *testing.T) {
		ans := a.upload(t, "", "layer=SERVICE_POINT&dryRun=1", "points.geojson", servicePoints("new", [2]float64{lon, lat}, [2]float64{lon, lat}))
		if r := ans.report; ans.status != http.StatusOK || r.Errors != 0 || r.Inserted != 2 || r.Written {
			t.Fatalf("status %d, report %+v, errors %v: want 2 to insert, nothing written", ans.status, r, ans.errors)
		}
		if got := a.scalar(`SELECT count(*) FROM service_points`); got != before {
			t.Fatalf("%d service points after a dry run, want %d", got, before)
		}
	})

	t.Run("a commit writes", func(t *testing.T) {
		ans := a.upload(t, "", "layer=SERVICE_POINT&dryRun=0", "points.geojson", servicePoints("new", [2]float64{lon, lat}, [2]float64{lon, lat}))
		if r := ans.report; ans.status != http.StatusOK || r.Errors != 0 || r.Inserted != 2 || !r.Written {
			t.Fatalf("status %d, report %+v, errors %v: want 2 inserted", ans.status, r, ans.errors)
		}
		if got := a.scalar(`SELECT count(*) FROM service_points`); got != before+2 {
			t.Fatalf("%d service points after the import, want %d", got, before+2)
		}
		again := a.upload(t, "", "layer=SERVICE_POINT&dryRun=0", "points.geojson", servicePoints("new", [2]float64{lon, lat}, [2]float64{lon, lat}))
		if r := again.report; r.Inserted+r.Updated != 0 || r.Unchanged != 2 {
			t.Fatalf("re-import: %+v, want nothing changed", r)
		}
	})

	t.Run("a key's import is in the audit log", func(t *testing.T) {
		ans := a.upload(t, keys["command_center"], "layer=SERVICE_POINT&dryRun=1", "points.geojson", servicePoints("new", [2]float64{lon, lat}))
		if ans.status != http.StatusOK {
			t.Fatalf("status %d, errors %v", ans.status, ans.errors)
		}
		a.awaitOne(t, `SELECT count(*) FROM audit_log WHERE operation = 'IMPORT /import' AND role = 'command_center' AND layers = '{SERVICE_POINT}' AND outcome = 'ok'`,
			"audit entries of the command centre's import")
	})

	t.Run("a street office may not import", func(t *testing.T) {
		ans := a.upload(t, streetKey, "layer=SERVICE_POINT&dryRun=1", "points.geojson", servicePoints("so", [2]float64{lon, lat}))
		if ans.status != http.StatusForbidden || len(ans.errors) != 1 || ans.errors[0].code() != "FORBIDDEN" {
			t.Fatalf("status %d, errors %v: want 403 FORBIDDEN", ans.status, ans.errors)
		}
	})

	t.Run("a zipped Shapefile in a Gauss-Krüger zone, its .prj read", func(t *testing.T) {
		dir := t.TempDir()
		n, err := exporter.Export(context.Background(), a.db.Store, exporter.Options{Layer: model.LayerServicePoint, Format: "shp",
			CRS: "EPSG:4546", File: filepath.Join(dir, "服务点位.shp")})
		if err != nil {
			t.Fatal(err)
		}
		var zipped bytes.Buffer
		zw := zip.NewWriter(&zipped)
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			w, _ := zw.Create("服务点位/" + e.Name())
			w.Write(b)
		}
		zw.Close()
		ans := a.upload(t, "", "layer=SERVICE_POINT&dryRun=1", "服务点位.zip", zipped.Bytes())
		if r := ans.report; ans.status != http.StatusOK || r.Rows != n || r.Unchanged != n || r.Errors != 0 || !strings.Contains(r.CRS, ".prj") {
			// The export's sourceIds are the points' stable ids: the file matches the points it came from.
			t.Fatalf("status %d, report %+v, errors %v: want the %d exported points read clean, in the .prj's CRS", ans.status, r, ans.errors, n)
		}
	})

	t.Run("a raw body named by ?filename", func(t *testing.T) {
		resp, err := http.Post(a.srv.URL+"/import?layer=SERVICE_POINT&dryRun=1&filename=p.geojson", "application/geo+json",
			bytes.NewReader(servicePoints("new", [2]float64{lon, lat}, [2]float64{lon, lat})))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r importReport
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != http.StatusOK || r.Unchanged != 2 {
			t.Fatalf("status %d, report %+v (%v): want the 2 points found unchanged", resp.StatusCode, r, err)
		}
	})

	t.Run("a file past the cap is refused", func(t *testing.T) {
		cfg := testConfig()
		cfg.MaxImportBytes = 1 << 10
		h, done := New(a.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		srv := httptest.NewServer(h)
		defer func() { srv.Close(); done() }()
		small := &api{t: t, srv: srv, db: a.db}
		big := servicePoints("big", make([][2]float64, 40)...)
		ans := small.upload(t, "", "layer=SERVICE_POINT&dryRun=1", "big.geojson", big)
		if ans.status != http.StatusRequestEntityTooLarge || len(ans.errors) != 1 || ans.errors[0].code() != "BAD_INPUT" {
			t.Fatalf("status %d, errors %v: want 413 BAD_INPUT", ans.status, ans.errors)
		}
		// Sent without a length (chunked): cut off while it is read.
		resp, err := http.Post(srv.URL+"/import?layer=SERVICE_POINT&filename=big.geojson", "application/geo+json", io.MultiReader(bytes.NewReader(big)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v struct{ Errors []gqlError }
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge || len(v.Errors) != 1 || v.Errors[0].code() != "BAD_INPUT" {
			t.Fatalf("chunked: status %d, errors %v (%v): want 413 BAD_INPUT", resp.StatusCode, v.Errors, err)
		}
	})

	t.Run("bad input is coded", func(t *testing.T) {
		for _, c := range []struct{ query, name, body string }{
			{"layer=NOPE", "a.geojson", `{}`},
			{"layer=INCIDENT", "a.geojson", `{}`},
			{"layer=CAMERA&dryRun=maybe", "a.geojson", `{}`},
			{"layer=CAMERA", "a.exe", `{}`},
			{"layer=CAMERA", "a.geojson", `{"type":`},
			{"layer=CAMERA", "a.zip", `not a zip`},
			{"layer=CAMERA&crs=EPSG:999999", "a.geojson", `{"type":"FeatureCollection","features":[]}`},
		} {
			ans := a.upload(t, "", c.query, c.name, []byte(c.body))
			if ans.status != http.StatusBadRequest || len(ans.errors) != 1 || ans.errors[0].code() != "BAD_INPUT" {
				t.Errorf("%s %s: status %d, errors %v: want 400 BAD_INPUT", c.query, c.name, ans.status, ans.errors)
			}
		}
	})
}

// TestMapPageImport drives the map page's 数据导入 section in headless chromium: a dry
// run of a file with a point outside the district lists the problem and draws it, a
// clean file is checked and then written with its progress shown, the page redraws a
// layer another client imported into, and problems far from the district are brought
// into view.
func TestMapPageImport(t *testing.T) {
	a, _ := importAPI(t)
	lon, lat := a.gridPoint(t)
	dir := t.TempDir()
	bad, good := filepath.Join(dir, "问题点位.geojson"), filepath.Join(dir, "点位.geojson")
	if err := os.WriteFile(bad, servicePoints("page", [2]float64{lon, lat}, [2]float64{lon, lat}, [2]float64{lon, lat}, [2]float64{lon + 0.3, lat}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, servicePoints("page", [2]float64{lon, lat}, [2]float64{lon, lat}), 0o644); err != nil {
		t.Fatal(err)
	}
	before := a.scalar(`SELECT count(*) FROM service_points`)

	b := newBrowser(t)
	b.do(t, "open /map", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(a.srv.URL+"/map/"))
	b.wait(t, "the district", `document.querySelector('#breadcrumb .current[data-level="DISTRICT"]') !== null`)
	b.wait(t, "the import section", `document.getElementById('import-section').hidden === false &&
		document.querySelectorAll('#import-layer option').length === 6`)

	b.do(t, "pick a file with a problem", chromedp.SetValue(chromedp.CSS("#import-layer"), "SERVICE_POINT"),
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{bad}))
	b.do(t, "click 预检", chromedp.Click(chromedp.CSS("#import-check")))
	b.wait(t, "the dry run's report", `window.__gridhub.importReport !== null && window.__gridhub.importReport.dryRun === true`)
	var rep struct {
		Rows, Errors, Problems, Drawn int
		Written                       bool
	}
	b.eval(t, `window.__gridhub.importReport`, &rep)
	if rep.Rows != 4 || rep.Errors != 1 || rep.Drawn != 1 || rep.Written {
		t.Errorf("dry run of a file with a point outside the district: %+v, want 4 rows, 1 problem drawn, nothing written", rep)
	}
	var state string
	var commitDisabled bool
	b.eval(t, `document.getElementById('import-state').textContent`, &state)
	b.eval(t, `document.getElementById('import-commit').disabled`, &commitDisabled)
	if !strings.Contains(state, "1 个问题") || !commitDisabled {
		t.Errorf("the report says %q and 导入 is disabled: %v; want the problem counted and no commit offered", state, commitDisabled)
	}
	// Kept for a look (as TestMapPage's are): the report beside the problem drawn on the map.
	if shots, err := os.MkdirTemp("", "gridhub-import-"); err == nil {
		t.Logf("screenshot: %s", b.screenshot(t, shots, "import-dry-run"))
	}

	b.do(t, "pick a clean file", chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{good}))
	b.do(t, "click 预检", chromedp.Click(chromedp.CSS("#import-check")))
	b.wait(t, "a clean dry run", `window.__gridhub.importReport !== null && window.__gridhub.importReport.errors === 0 &&
		window.__gridhub.importReport.inserted === 2 && document.getElementById('import-commit').disabled === false`)
	if got := a.scalar(`SELECT count(*) FROM service_points`); got != before {
		t.Fatalf("%d service points after the page's dry runs, want %d", got, before)
	}
	b.do(t, "click 导入", chromedp.Click(chromedp.CSS("#import-commit")))
	b.wait(t, "the import written", `window.__gridhub.importReport !== null && window.__gridhub.importReport.written === true`)
	if got := a.scalar(`SELECT count(*) FROM service_points`); got != before+2 {
		t.Fatalf("%d service points after the page's import, want %d", got, before+2)
	}
	var progress []importProgress
	b.eval(t, `window.__gridhub.importProgress`, &progress)
	var phases []string
	for _, p := range progress {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
	}
	if strings.Join(phases, ",") != "reading,checking,writing" || progress[len(progress)-1].Rows != 2 {
		t.Errorf("the panel showed phases %v, last %+v; want reading, checking, writing of 2 rows", phases, progress[len(progress)-1])
	}

	// Another operator imports through the API: the page hears it and redraws the layer.
	b.wait(t, "live updates", `window.__gridhub.live === true`)
	var urlBefore string
	b.eval(t, `window.__gridhub.layers.service_point.getSource().getUrls()[0]`, &urlBefore)
	other := a.upload(t, "", "layer=SERVICE_POINT&dryRun=0", "其他.geojson", servicePoints("other", [2]float64{lon, lat}, [2]float64{lon, lat}, [2]float64{lon, lat}))
	if other.status != http.StatusOK || !other.report.Written {
		t.Fatalf("another client's import: %d %+v %v", other.status, other.report, other.errors)
	}
	b.wait(t, "the other client's import heard", `window.__gridhub.layerChanges.some((c) => c.layer === 'SERVICE_POINT' && c.inserted === 3)`)
	var urlAfter string
	b.eval(t, `window.__gridhub.layers.service_point.getSource().getUrls()[0]`, &urlAfter)
	if urlAfter == urlBefore {
		t.Errorf("the service point tiles are still %s after another client's import", urlAfter)
	}

	// Problems far from the district: the view zooms out as far as it takes to show them.
	far := filepath.Join(dir, "远处.geojson")
	farAway := [2]float64{lon - 8, lat}
	if err := os.WriteFile(far, servicePoints("far", [2]float64{lon, lat}, [2]float64{lon, lat}, [2]float64{lon, lat}, [2]float64{lon, lat},
		[2]float64{lon + 0.3, lat}, farAway), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do(t, "pick a file with a row far away", chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{far}))
	b.do(t, "click 预检", chromedp.Click(chromedp.CSS("#import-check")))
	b.wait(t, "both problems in view", fmt.Sprintf(`window.__gridhub.importReport !== null && window.__gridhub.importReport.drawn === 2 &&
		window.__gridhub.inView(%f, %f) && window.__gridhub.inView(%f, %f)`, lon+0.3, lat, farAway[0], farAway[1]))

	// A file in the wrong CRS is refused whole; the map shows where its rows landed.
	wrong := filepath.Join(dir, "坐标系错误.geojson")
	landed := [2]float64{lon + 8, lat}
	if err := os.WriteFile(wrong, servicePoints("wrong", landed, landed, landed), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do(t, "pick a file in the wrong CRS", chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{wrong}))
	b.do(t, "click 预检", chromedp.Click(chromedp.CSS("#import-check")))
	b.wait(t, "where the rows landed in view", fmt.Sprintf(`window.__gridhub.importReport !== null && window.__gridhub.importReport.code === 'BAD_GEOMETRY' &&
		window.__gridhub.importReport.drawn === 1 && window.__gridhub.inView(%f, %f)`, landed[0], landed[1]))

	// An operator who closes the page while the import writes stops it: nothing is written.
	leaving := filepath.Join(dir, "离开.geojson")
	if err := os.WriteFile(leaving, servicePoints("leave", [2]float64{lon, lat}), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do(t, "pick a clean file", chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{leaving}))
	b.do(t, "click 预检", chromedp.Click(chromedp.CSS("#import-check")))
	b.wait(t, "a clean dry run", `window.__gridhub.importReport !== null && window.__gridhub.importReport.errors === 0 &&
		document.getElementById('import-commit').disabled === false`)
	held := holdTable(t, a, "service_points")
	b.do(t, "click 导入", chromedp.Click(chromedp.CSS("#import-commit")))
	held.waitedFor()
	b.wait(t, "the panel in its writing phase", `window.__gridhub.importProgress.some((p) => p.phase === 'writing')`)
	if shots, err := os.MkdirTemp("", "gridhub-import-"); err == nil {
		t.Logf("screenshot: %s", b.screenshot(t, shots, "import-progress"))
	}
	b.do(t, "leave the page", chromedp.Navigate("about:blank"))
	held.release()
	if errs := b.errors(); len(errs) > 0 {
		t.Errorf("the page logged errors: %v", errs)
	}
}
