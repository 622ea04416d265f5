package importer_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"

	"gridhub/geo"
	"gridhub/importer"
	"gridhub/internal/testdb"
	"gridhub/model"
)

// A Shapefile as a natural-resources bureau sends it: GBK text in a .dbf that does not
// say so (no .cpg, no language driver), a .prj in CGCS2000 / 3-degree Gauss-Krüger CM
// 111E (EPSG:4546).
func TestGBKShapefile(t *testing.T) {
	src := seeded(t)
	ctx := ctxFor(t)
	dir := t.TempDir()
	utf := export(t, ctx, src, model.LayerGrid, "shp", "EPSG:4546", dir)
	gbk := filepath.Join(dir, "网格.shp")
	if out, err := exec.Command("ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=CP936", gbk, utf).CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, out)
	}
	base := strings.TrimSuffix(gbk, ".shp")
	_ = os.Remove(base + ".cpg")
	dbf, err := os.ReadFile(base + ".dbf")
	if err != nil {
		t.Fatal(err)
	}
	dbf[29] = 0 // no language driver: nothing in the file says GBK
	if err := os.WriteFile(base+".dbf", dbf, 0o644); err != nil {
		t.Fatal(err)
	}
	if prj, _ := os.ReadFile(base + ".prj"); !strings.Contains(string(prj), "111E") {
		t.Fatalf("the .prj is not CGCS2000 GK CM 111E:\n%s", prj)
	}

	dst := testdb.New(t)
	res := load(t, dst, importer.Options{Layer: model.LayerGrid, File: gbk})
	if !strings.Contains(res.Encoding, "GBK") {
		t.Errorf("encoding reported as %q, want GBK detected", res.Encoding)
	}
	if !strings.Contains(res.CRS, ".prj") {
		t.Errorf("CRS reported as %q, want the .prj's", res.CRS)
	}
	sameRows(t, src, dst, model.LayerGrid, 1e-6)
	if n := count(t, dst, "SELECT count(*) FROM grids WHERE name = '沼潭街道'"); n != 1 {
		t.Errorf("%d grids are named 沼潭街道, want 1 (GBK names decoded)", n)
	}
}

// A camera list as a department keeps it in Excel: Chinese headers, kinds in Chinese,
// coordinates copied from Amap (GCJ-02). With a mapping and -crs GCJ02 every camera
// lands within 1 m of where it truly is.
func TestCamerasXLSXInGCJ02(t *testing.T) {
	src := seeded(t)
	ctx := ctxFor(t)
	dir := t.TempDir()
	dst := testdb.New(t)
	load(t, dst, importer.Options{Layer: model.LayerGrid, File: export(t, ctx, src, model.LayerGrid, "geojson", "", dir)})

	rows, err := src.Store.Pool().Query(ctx, "SELECT code, name, kind, ST_X(geom), ST_Y(geom) FROM cameras ORDER BY code")
	if err != nil {
		t.Fatal(err)
	}
	type cam struct {
		code, name, kind string
		lon, lat         float64
	}
	cams, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cam, error) {
		var c cam
		return c, r.Scan(&c.code, &c.name, &c.kind, &c.lon, &c.lat)
	})
	if err != nil {
		t.Fatal(err)
	}
	x := excelize.NewFile()
	_ = x.SetSheetRow("Sheet1", "A1", &[]any{"国标编码", "点位名称", "类型", "经度", "纬度"})
	kinds := map[string]string{"XUELIANG": "雪亮工程", "YUNYAN": "云眼卫士"}
	for i, c := range cams {
		lon, lat := geo.WGS84ToGCJ02(c.lon, c.lat)
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		_ = x.SetSheetRow("Sheet1", cell, &[]any{c.code, c.name, kinds[c.kind], strconv.FormatFloat(lon, 'f', 7, 64), strconv.FormatFloat(lat, 'f', 7, 64)})
	}
	book := filepath.Join(dir, "摄像头.xlsx")
	if err := x.SaveAs(book); err != nil {
		t.Fatal(err)
	}
	mapping := filepath.Join(dir, "map.yaml")
	_ = os.WriteFile(mapping, []byte("kind: {column: 类型, values: {雪亮工程: XUELIANG, 云眼卫士: YUNYAN}}\n"), 0o644)
	m, err := importer.LoadMapping(mapping)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("read as WGS84 the cameras are off by the GCJ-02 offset and refused", func(t *testing.T) {
		res, err := importer.Run(ctx, dst.Store, importer.Options{Layer: model.LayerCamera, File: book, Mapping: m, Tolerance: 1})
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors() == 0 || res.Written {
			t.Errorf("%d problems, written %v: want the cameras that leave their grids reported and nothing written", res.Errors(), res.Written)
		}
	})
	t.Run("with -crs GCJ02 each lands within 1 m of the truth", func(t *testing.T) {
		res := load(t, dst, importer.Options{Layer: model.LayerCamera, File: book, Mapping: m, CRS: "GCJ02"})
		for _, f := range []string{"code", "name", "lon", "lat"} {
			if res.Mapping[f].Column == "" {
				t.Errorf("%s was not recognised (mapping %v)", f, res.Mapping)
			}
		}
		var worst float64
		var n int
		err := dst.Store.Pool().QueryRow(ctx, "SELECT count(*), max(ST_Distance(a.geom::geography, b.geom::geography)) FROM "+
			qual(src, "cameras")+" a JOIN "+qual(dst, "cameras")+" b USING (code, kind)").Scan(&n, &worst)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(cams) || worst > 1 {
			t.Errorf("%d of %d cameras matched; the worst lies %.3f m from the truth, want ≤ 1 m", n, len(cams), worst)
		}
	})
}

// A file in a projected CRS read as WGS84 is refused before any row is checked, with where
// its coordinates fell and the systems that would place them: a guess, not applied.
func TestWrongCRSIsRefusedWithAGuess(t *testing.T) {
	src := seeded(t)
	ctx := ctxFor(t)
	dir := t.TempDir()
	path := export(t, ctx, src, model.LayerServicePoint, "csv", "EPSG:4546", dir)
	_, err := importer.Run(ctx, src.Store, importer.Options{Layer: model.LayerServicePoint, File: path, CRS: "WGS84"})
	var me *model.Error
	if !errors.As(err, &me) || me.Code != model.CodeBadGeometry || !strings.Contains(me.Message, "EPSG:4546") {
		t.Fatalf("got %v, want BAD_GEOMETRY naming EPSG:4546 as the likely CRS", err)
	}
	load(t, src, importer.Options{Layer: model.LayerServicePoint, File: path, CRS: "EPSG:4546"})
}
