package importer_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"gridhub/importer"
	"gridhub/model"
)

// A GeoJSON feature may leave out a property the others have (web tools drop nulls): the
// property is still recognised and read for the features that have it, also when it
// first appears hundreds of features in.
func TestPropertiesMissingFromTheFirstFeatures(t *testing.T) {
	db := seeded(t)
	var features []string
	for i := range 300 {
		p := map[string]any{"sourceId": fmt.Sprintf("sparse-%03d", i), "name": fmt.Sprintf("法律服务点%d", i), "kind": "LEGAL_SERVICE"}
		if i == 1 || i == 299 {
			p["address"] = fmt.Sprintf("钢铁大街%d号", i)
			p["电话"] = "0472-5100000"
		}
		features = append(features, feature(p, point(109.8325, 40.6411)))
	}
	res := load(t, db, importer.Options{Layer: model.LayerServicePoint, File: writeCollection(t, "sparse.geojson", features...)})
	if res.Inserted != 300 {
		t.Fatalf("%d inserted, want 300", res.Inserted)
	}
	for _, id := range []string{"sparse-001", "sparse-299"} {
		if n := count(t, db, `SELECT count(*) FROM service_points WHERE source_id = '`+id+`' AND address <> '' AND phone = '0472-5100000'`); n != 1 {
			t.Errorf("%s: address and phone (电话) not read", id)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM service_points WHERE source_id LIKE 'sparse-%' AND address = '' AND phone IS NULL`); n != 298 {
		t.Errorf("%d of the other 298 points without address and phone", n)
	}
}

// A property no feature names before the mapping is guessed (the first 1,000 features) is
// still recognised when it appears, and read from that feature on.
func TestPropertyFirstNamedAfterTheGuess(t *testing.T) {
	db := seeded(t)
	var features []string
	for i := 1; i <= 1205; i++ {
		p := map[string]any{"sourceId": fmt.Sprintf("late-%04d", i), "name": fmt.Sprintf("调解室%d", i), "kind": "MEDIATION"}
		if i == 1100 || i == 1205 {
			p["地址"] = fmt.Sprintf("阿尔丁大街%d号", i)
		}
		features = append(features, feature(p, point(109.8325, 40.6411)))
	}
	res := load(t, db, importer.Options{Layer: model.LayerServicePoint, File: writeCollection(t, "late.geojson", features...)})
	if res.Inserted != 1205 {
		t.Fatalf("%d inserted, want 1205", res.Inserted)
	}
	if len(res.Late) != 1 || res.Late[0] != (importer.LateColumn{Field: "address", Column: "地址", Row: 1100}) {
		t.Errorf("late columns %+v, want address from 地址 first named by feature 1100", res.Late)
	}
	if res.Mapping["address"].Column != "地址" {
		t.Errorf("the mapping reported does not name 地址 for address: %v", res.Mapping)
	}
	got := count(t, db, `SELECT count(*) FROM service_points WHERE source_id IN ('late-1100', 'late-1205') AND address LIKE '阿尔丁大街%'`)
	if got != 2 {
		t.Errorf("%d of features 1100 and 1205 have their 地址 as address, want 2", got)
	}
	if n := count(t, db, `SELECT count(*) FROM service_points WHERE source_id LIKE 'late-%' AND address = ''`); n != 1203 {
		t.Errorf("%d of the other 1203 points without an address", n)
	}
}

// Departments write the Chinese names of kinds and states (雪亮工程, 在线, 已受理): they are
// read as the values they name without a mapping's values:, so a file whose codes became
// their names changes nothing; what no name matches is still a problem row.
func TestChineseValuesWithoutAMapping(t *testing.T) {
	db := seeded(t)
	ctx := ctxFor(t)
	path := export(t, ctx, db, model.LayerCamera, "csv", "", t.TempDir())
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{"XUELIANG": "雪亮工程", "YUNYAN": "云眼", "ONLINE": "在线", "OFFLINE": "离线", "FAULT": "故障"}
	renamed := 0
	for _, rec := range recs[1:] {
		for i, col := range recs[0] {
			if col == "kind" || col == "status" {
				if n, ok := names[rec[i]]; ok {
					rec[i] = n
					renamed++
				}
			}
		}
	}
	if renamed != 2*(len(recs)-1) {
		t.Fatalf("%d of %d kinds and states renamed", renamed, 2*(len(recs)-1))
	}
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(out)
	_ = w.WriteAll(recs)
	if err := out.Close(); err != nil || w.Error() != nil {
		t.Fatal(err, w.Error())
	}
	res := load(t, db, importer.Options{Layer: model.LayerCamera, File: path})
	if res.Inserted+res.Updated != 0 || res.Unchanged != res.Rows || res.Rows == 0 {
		t.Errorf("%d rows: %d new, %d changed, %d unchanged: want every camera unchanged", res.Rows, res.Inserted, res.Updated, res.Unchanged)
	}

	var features []string
	for i, kind := range []string{"法律服务站", " 人民调解室 ", "legal_service", "律师事务所"} {
		features = append(features, feature(map[string]any{"sourceId": fmt.Sprintf("named-%d", i), "name": "站点", "kind": kind}, point(109.8325, 40.6411)))
	}
	file := writeCollection(t, "named.geojson", features...)
	res, err = importer.Run(ctx, db.Store, importer.Options{Layer: model.LayerServicePoint, File: file, Tolerance: 1, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors() != 1 || res.Problems[0].Row != 4 || res.Problems[0].Field != "kind" || res.Problems[0].Value != "律师事务所" {
		t.Fatalf("problems %+v: want only row 4's kind 律师事务所", res.Problems)
	}
	if p := res.Problems[0].Problem; !strings.Contains(p, "LEGAL_SERVICE (法律服务站), MEDIATION (调解室)") {
		t.Errorf("the problem %q does not name the kinds allowed as the map does", p)
	}
	features = features[:3]
	load(t, db, importer.Options{Layer: model.LayerServicePoint, File: writeCollection(t, "named3.geojson", features...)})
	rows, err := db.Store.Pool().Query(ctx, `SELECT kind FROM service_points WHERE source_id LIKE 'named-%' ORDER BY source_id`)
	if err != nil {
		t.Fatal(err)
	}
	kinds, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"LEGAL_SERVICE", "MEDIATION", "LEGAL_SERVICE"}; !slices.Equal(kinds, want) {
		t.Errorf("kinds stored %v, want %v", kinds, want)
	}
}
