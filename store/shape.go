package store

import (
	"context"
	"strconv"

	"gridhub/model"
)

// Shape is how geometry is written out: polygons simplified to a tolerance and
// coordinates rounded, so that what a map draws at low zoom stays small.
type Shape struct {
	// Tolerance in degrees for ST_SimplifyPreserveTopology; 0 keeps polygons as stored.
	Tolerance float64
	// Decimals of the coordinates written; 0 means 7 (about a centimetre).
	Decimals int
}

// polygonal layers are the ones simplification applies to; points are left alone.
func polygonal(l model.Layer) bool { return l == model.LayerGrid || l == model.LayerBuilding }

// geoJSON is the expression writing layer l's geometry (as the caller may see it) as
// GeoJSON in shape s.
func geoJSON(ctx context.Context, l model.Layer, s Shape, p *args) string {
	g := geomOut(ctx, l, p)
	if s.Tolerance > 0 && polygonal(l) {
		// ST_Multi: simplifying a one-part MultiPolygon can hand back a Polygon.
		g = "ST_Multi(ST_SimplifyPreserveTopology(" + g + ", " + p.add(s.Tolerance) + "::float8))"
	}
	return "ST_AsGeoJSON(" + g + ", " + strconv.Itoa(s.Digits()) + ")"
}

// Digits is the number of decimals coordinates are written with: Decimals, or 7 when
// it is not set (or out of range).
func (s Shape) Digits() int {
	if s.Decimals <= 0 || s.Decimals > 7 {
		return 7
	}
	return s.Decimals
}
