package importer_test

import (
	"fmt"
	"testing"

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
