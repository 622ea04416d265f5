package resolvers

import (
	"context"
	"math"

	"github.com/99designs/gqlgen/graphql"

	"gridhub/geo"
	"gridhub/loaders"
	"gridhub/model"
	"gridhub/store"
)

// maxSimplify bounds geometry(simplify:), in metres.
const maxSimplify = 10000.0

// districtLat is the latitude pixel sizes are taken at: the district spans a tenth of a
// degree, over which a pixel's size changes by a fraction of a percent.
const districtLat = 40.64

// zoomShape is the shape for drawing at a web-mercator zoom: polygons simplified to one
// pixel, and coordinates rounded to a tenth of a pixel (at least 1, at most 7 decimals).
func zoomShape(zoom int) store.Shape {
	return store.Shape{Tolerance: geo.MetersPerPixel(zoom, districtLat) / metresPerDegree, Decimals: decimalsFor(geo.CellSizeDegrees(zoom, 1))}
}

// decimalsFor is the number of decimals that writes a length of deg degrees to a tenth
// of itself: at least 1, at most 7.
func decimalsFor(deg float64) int {
	return min(max(int(math.Ceil(-math.Log10(deg)))+1, 1), 7)
}

// metresPerDegree converts a tolerance in metres to degrees of latitude; east-west the
// tolerance comes out a little finer, which only keeps more detail.
const metresPerDegree = 111320.0

// simplifyShape is the shape for geometry(simplify: metres).
func simplifyShape(m float64) store.Shape {
	if m == 0 {
		return store.Shape{}
	}
	return store.Shape{Tolerance: m / metresPerDegree, Decimals: decimalsFor(m / metresPerDegree)}
}

// geometryShape reads geometry(simplify:) or, when absent, the zoom of the features
// field the node was reached through.
func geometryShape(ctx context.Context, simplify *float64) (store.Shape, error) {
	if simplify != nil {
		if !(*simplify >= 0 && *simplify <= maxSimplify) {
			return store.Shape{}, model.Errorf(model.CodeOutOfRange, "simplify must be between 0 and %g metres", maxSimplify)
		}
		return simplifyShape(*simplify), nil
	}
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if fc.Field.Field != nil && fc.Object == "Query" && fc.Field.Name == "features" {
			if z, ok := fc.Args["zoom"].(*int); ok && z != nil {
				return zoomShape(*z), nil
			}
			break
		}
	}
	return store.Shape{}, nil
}

// geometry resolves Feature.geometry(crs, simplify): PostGIS's GeoJSON passed through for
// WGS84 and CGCS2000, re-projected in geo for GCJ02 and BD09.
func geometry(ctx context.Context, f model.Feature, crs *model.CRS, simplify *float64) (model.GeoJSON, error) {
	shape, err := geometryShape(ctx, simplify)
	if err != nil {
		return nil, err
	}
	g, err := loaders.For(ctx).Geometry(ctx, f.FeatureLayer(), f.Key(), shape)
	if err != nil {
		return nil, err
	}
	c := crsOf(crs)
	if c == geo.WGS84 || c == geo.CGCS2000 {
		return g, nil
	}
	return geo.TransformGeoJSON(g, c, shape.Digits())
}
