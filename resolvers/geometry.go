package resolvers

import (
	"context"

	"gridhub/geo"
	"gridhub/loaders"
	"gridhub/model"
)

// geometry resolves Feature.geometry(crs): PostGIS's GeoJSON passed through for WGS84 and
// CGCS2000, re-projected in geo for GCJ02 and BD09.
func geometry(ctx context.Context, f model.Feature, crs *model.CRS) (model.GeoJSON, error) {
	g, err := loaders.For(ctx).Geometry(ctx, f.FeatureLayer(), f.Key())
	if err != nil {
		return nil, err
	}
	c := crsOf(crs)
	if c == geo.WGS84 || c == geo.CGCS2000 {
		return g, nil
	}
	return geo.TransformGeoJSON(g, c, 7)
}
