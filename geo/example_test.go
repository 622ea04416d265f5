package geo_test

import (
	"errors"
	"fmt"

	"gridhub/geo"
)

func ExampleWGS84ToGCJ02() {
	// The district centre, as Amap and Baidu would draw it.
	lon, lat := geo.WGS84ToGCJ02(109.8325, 40.6411)
	fmt.Printf("GCJ-02 %.6f, %.6f\n", lon, lat)
	lon, lat = geo.GCJ02ToBD09(lon, lat)
	fmt.Printf("BD-09  %.6f, %.6f\n", lon, lat)
	lon, lat = geo.ToWGS84(geo.BD09, lon, lat)
	fmt.Printf("WGS84  %.6f, %.6f\n", lon, lat)
	// Output:
	// GCJ-02 109.838221, 40.642252
	// BD-09  109.844755, 40.648108
	// WGS84  109.832500, 40.641100
}

func ExampleParseArea() {
	area, err := geo.ParseArea(geo.AreaSpec{
		Circle: &geo.CircleSpec{Center: []float64{109.838221, 40.642252}, RadiusMeters: 500},
		CRS:    geo.GCJ02,
	}, 10_000)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s around %.4f, %.4f, radius %g m\n", area.Kind, area.Center[0], area.Center[1], area.Radius)

	_, err = geo.ParseArea(geo.AreaSpec{BBox: []float64{109.9, 40.6, 109.8, 40.7}}, 10_000)
	var e *geo.Error
	if errors.As(err, &e) {
		fmt.Println(string(e.Problem)+":", e.Error())
	}
	// Output:
	// circle around 109.8325, 40.6411, radius 500 m
	// area: bbox minLon 109.9 is greater than maxLon 109.8; boxes across the antimeridian are not supported
}

func ExampleParsePolygonGeoJSON() {
	bowtie := []byte(`{"type":"Polygon","coordinates":[[[109.80,40.62],[109.82,40.64],[109.82,40.62],[109.80,40.64],[109.80,40.62]]]}`)
	_, err := geo.ParsePolygonGeoJSON(bowtie, 10_000)
	var e *geo.Error
	if errors.As(err, &e) {
		fmt.Println(e.Problem+":", e.Message)
	}
	// Output:
	// geometry: ring 0 of polygon 0 crosses itself at segments 0 and 2 near (109.81, 40.63)
}

func ExampleTransformGeoJSON() {
	fromPostGIS := []byte(`{"type":"Point","coordinates":[109.8325,40.6411]}`)
	out, err := geo.TransformGeoJSON(fromPostGIS, geo.GCJ02, 7)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {"type":"Point","coordinates":[109.8382212,40.642252]}
}

func ExampleTileBound() {
	b := geo.TileBound(14, 13190, 6164)
	fmt.Printf("west %.4f south %.4f east %.4f north %.4f\n", b.Min[0], b.Min[1], b.Max[0], b.Max[1])
	fmt.Printf("clustering cell of 60 px at zoom 14: %.6f°\n", geo.CellSizeDegrees(14, 60))
	// Output:
	// west 109.8193 south 40.6306 east 109.8413 north 40.6473
	// clustering cell of 60 px at zoom 14: 0.005150°
}
