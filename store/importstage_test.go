package store_test

import (
	"testing"

	"gridhub/internal/testdb"
	"gridhub/store"
)

// Staged geometry is shaped in Go, on its WKB; PostGIS must read the result as the shape
// its own functions give (ST_Multi for polygon layers, a collection of one unwrapped for
// the others), in the import's SRID, whatever the WKB's byte order.
func TestStagedWKBIsShapedAsPostGISShapesIt(t *testing.T) {
	db := testdb.New(t)
	ctx := t.Context()
	shapes := []string{
		"POINT(1 2)",
		"LINESTRING(0 0,1 1)",
		"POLYGON((0 0,1 0,1 1,0 0))",
		"POLYGON((0 0,4 0,4 4,0 4,0 0),(1 1,2 1,2 2,1 1))",
		"MULTIPOINT((1 2))",
		"MULTIPOINT((1 2),(3 4))",
		"MULTIPOLYGON(((0 0,1 0,1 1,0 0)))",
		"MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))",
		"GEOMETRYCOLLECTION(POLYGON((0 0,1 0,1 1,0 0)))",
		"GEOMETRYCOLLECTION(POINT(1 2),POINT(3 4))",
	}
	const want = `SELECT ST_AsEWKT(CASE WHEN $2 THEN ST_Multi(g) WHEN ST_NumGeometries(g) = 1 THEN ST_GeometryN(g, 1) ELSE g END)
FROM ST_GeomFromText($1, 4546) AS g`
	for _, wkt := range shapes {
		for _, polygon := range []bool{true, false} {
			for _, order := range []string{"NDR", "XDR"} {
				var wkb []byte
				var expected, got string
				if err := db.Store.Pool().QueryRow(ctx, `SELECT ST_AsBinary(ST_GeomFromText($1), $2)`, wkt, order).Scan(&wkb); err != nil {
					t.Fatal(err)
				}
				if err := db.Store.Pool().QueryRow(ctx, want, wkt, polygon).Scan(&expected); err != nil {
					t.Fatal(err)
				}
				staged := store.ShapeWKB(wkb, 4546, polygon)
				if err := db.Store.Pool().QueryRow(ctx, `SELECT ST_AsEWKT(ST_GeomFromEWKB($1))`, staged).Scan(&got); err != nil {
					t.Fatalf("%s (polygon layer %v, %s): PostGIS cannot read the staged WKB: %v", wkt, polygon, order, err)
				}
				if got != expected {
					t.Errorf("%s (polygon layer %v, %s): staged as %s, want %s", wkt, polygon, order, got, expected)
				}
			}
		}
	}
}
