package importer_test

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"gridhub/importer"
	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/store"
)

// The demo district exported in each format and CRS and imported into an empty database
// comes back whole: every layer's rows, codes, figures and geometries (within the CRS's
// rounding), and GDAL reads the files gridhub writes.
func TestRoundTrip(t *testing.T) {
	src := seeded(t)
	cases := []struct {
		format, crs string
		importCRS   string // what the operator gives -crs (files that say their CRS need none)
		tol         float64
	}{
		{format: "geojson", tol: 1e-7},
		{format: "geojson", crs: "EPSG:3857", tol: 1e-6},
		{format: "shp", crs: "EPSG:4546", tol: 1e-6},
		{format: "gpkg", crs: "EPSG:4525", tol: 1e-6},
		{format: "csv", crs: "GCJ02", importCRS: "GCJ02", tol: 1e-5},
		{format: "geojson", crs: "BD09", importCRS: "BD09", tol: 1e-5},
		{format: "xlsx", crs: "EPSG:4490", importCRS: "CGCS2000", tol: 1e-7},
	}
	layers := []model.Layer{model.LayerGrid, model.LayerBuilding, model.LayerPartyUnit, model.LayerCamera, model.LayerServicePoint, model.LayerIncident}
	for _, c := range cases {
		name := c.format + " in " + c.crs
		if c.crs == "" {
			name = c.format + " in WGS84"
		}
		t.Run(name, func(t *testing.T) {
			ctx := ctxFor(t)
			dir := t.TempDir()
			dst := testdb.New(t)
			for _, l := range layers {
				path := export(t, ctx, src, l, c.format, c.crs, dir)
				if c.format == "shp" || c.format == "gpkg" {
					out, err := exec.Command("ogrinfo", "-so", "-al", path).CombinedOutput()
					want := count(t, src, "SELECT count(*) FROM "+qual(src, store.TableName(l)))
					if err != nil || !strings.Contains(string(out), "Feature Count: "+strconv.Itoa(want)) {
						t.Fatalf("ogrinfo %s (%v), want %d features:\n%s", path, err, want, out)
					}
				}
				load(t, dst, importer.Options{Layer: l, File: path, CRS: c.importCRS})
			}
			for _, l := range layers {
				sameRows(t, src, dst, l, c.tol)
			}
		})
	}
}
