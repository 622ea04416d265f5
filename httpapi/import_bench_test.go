package httpapi

// POST /import's dry run (answering JSON, and streaming its progress as NDJSON) beside
// the importer called directly (as `gridhub import -dry-run` does) and beside bare SQL that only parses the same GeoJSON and finds each
// point's grid:
//
//	TEST_DATABASE_URL=... go test -run '^$' -bench ImportDryRun -benchtime 20x ./httpapi

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"gridhub/importer"
	"gridhub/model"
)

func BenchmarkImportDryRun5000Points(b *testing.B) {
	a, _ := importAPI(b)
	ctx := context.Background()
	var lon, lat float64
	if err := a.db.Store.Pool().QueryRow(ctx,
		`SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM grids ORDER BY length(code) DESC, code LIMIT 1) g`).Scan(&lon, &lat); err != nil {
		b.Fatal(err)
	}
	at := make([][2]float64, 5000)
	for i := range at {
		at[i] = [2]float64{lon + float64(i%50)*1e-6, lat + float64(i/50)*1e-6}
	}
	file := servicePoints("bench", at...)
	path := filepath.Join(b.TempDir(), "points.geojson")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		b.Fatal(err)
	}

	b.Run("http", func(b *testing.B) {
		for b.Loop() {
			form, contentType := fileForm(b, "points.geojson", file)
			resp, err := http.Post(a.srv.URL+"/import?layer=SERVICE_POINT&dryRun=1", contentType, form)
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
		b.ReportMetric(5000*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("http-stream", func(b *testing.B) {
		for b.Loop() {
			form, contentType := fileForm(b, "points.geojson", file)
			req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/import?layer=SERVICE_POINT&dryRun=1", form)
			req.Header.Set("Content-Type", contentType)
			req.Header.Set("Accept", ndjson)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !bytes.Contains(body, []byte(`{"report":`)) {
				b.Fatalf("no report in the stream: %.200s", body)
			}
		}
		b.ReportMetric(5000*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("importer", func(b *testing.B) {
		for b.Loop() {
			res, err := importer.Run(ctx, a.db.Store, importer.Options{Layer: model.LayerServicePoint, File: path, DryRun: true, Tolerance: 1})
			if err != nil || res.Errors() > 0 {
				b.Fatalf("import: %v", err)
			}
		}
		b.ReportMetric(5000*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("sql", func(b *testing.B) {
		for b.Loop() {
			var n int
			if err := a.db.Store.Pool().QueryRow(ctx, `SELECT count(g.code) FROM json_array_elements($1::json->'features') f
				LEFT JOIN LATERAL (SELECT code FROM grids WHERE ST_Intersects(geom, ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4326))
				ORDER BY length(code) DESC LIMIT 1) g ON true`, string(file)).Scan(&n); err != nil || n != 5000 {
				b.Fatalf("sql: %d, %v", n, err)
			}
		}
		b.ReportMetric(5000*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
