package httpapi

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"gridhub/model"
)

// TestGDALReadsTheTiles reads an incident tile with GDAL's MVT driver (ogr2ogr from
// Debian's gdal-bin, which make test installs), as QGIS does: every feature the
// statement's rule puts in the tile arrives with its attributes, at its place to within
// a unit of the tile's grid.
func TestGDALReadsTheTiles(t *testing.T) {
	ogr2ogr, err := exec.LookPath("ogr2ogr")
	if err != nil {
		t.Fatal("ogr2ogr is missing: run 'make test', which installs gdal-bin (scripts/gdal.sh)")
	}
	a := mapAPI(t)
	tile := centreTile(16)
	r := getTile(t, a, fmt.Sprintf("/tiles/incident/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y), nil)
	if r.status != http.StatusOK {
		t.Fatalf("tile: %d %s", r.status, r.body)
	}
	// The MVT driver georeferences a tile by its {z}/{x}/{y} path; CLIP=NO keeps the
	// features in the buffer around the tile, which it would otherwise drop.
	dir := t.TempDir()
	in := filepath.Join(dir, fmt.Sprint(tile.Z), fmt.Sprint(tile.X), fmt.Sprint(tile.Y)+".pbf")
	if err := os.MkdirAll(filepath.Dir(in), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, r.body, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "incident.geojson")
	if b, err := exec.Command(ogr2ogr, "-f", "GeoJSON", "-t_srs", "EPSG:4326", "-oo", "CLIP=NO", out, in, "incident").CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, b)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties struct {
				ID, Code, Status string
			}
			Geometry struct{ Coordinates [2]float64 }
		}
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatalf("GDAL's GeoJSON does not decode: %v", err)
	}
	want := a.scalar(inBufferSQL("incidents", ""), tile.Z, tile.X, tile.Y)
	if len(fc.Features) != want || want == 0 {
		t.Fatalf("GDAL read %d features, the tile's rule gives %d", len(fc.Features), want)
	}
	// One unit of a 4096 grid at z16 is under 0.15 m here: 2e-6 degrees is ample.
	const tolerance = 2e-6
	for _, f := range fc.Features {
		l, id, ok := model.ParseGlobalID(f.Properties.ID)
		if !ok || l != model.LayerIncident {
			t.Fatalf("feature id %q is not an incident's global id", f.Properties.ID)
		}
		var lon, lat float64
		var code, status string
		if err := a.db.Store.Pool().QueryRow(t.Context(), `SELECT ST_X(geom), ST_Y(geom), code, status FROM incidents WHERE id = $1`, id).
			Scan(&lon, &lat, &code, &status); err != nil {
			t.Fatalf("incident %d: %v", id, err)
		}
		if f.Properties.Code != code || f.Properties.Status != status {
			t.Errorf("incident %d: GDAL read %s %s, the database holds %s %s", id, f.Properties.Code, f.Properties.Status, code, status)
		}
		if d := math.Max(math.Abs(f.Geometry.Coordinates[0]-lon), math.Abs(f.Geometry.Coordinates[1]-lat)); d > tolerance {
			t.Errorf("incident %d: GDAL places it %.2g° from where it is", id, d)
		}
	}
}
