package resolvers

import (
	"context"
	"errors"

	"gridhub/geo"
	"gridhub/graph"
	"gridhub/loaders"
	"gridhub/model"
	"gridhub/store"
)

func checkRange(name string, v, lo, hi int) error {
	if v < lo || v > hi {
		return model.Errorf(model.CodeOutOfRange, "%s must be between %d and %d, got %d", name, lo, hi, v)
	}
	return nil
}

// firstArg reads a page size argument (1..MaxFirst).
func firstArg(v *int, def int) (int, error) {
	n := def
	if v != nil {
		n = *v
	}
	return n, checkRange("first", n, 1, MaxFirst)
}

func crsOf(c *model.CRS) geo.CRS {
	if c == nil {
		return geo.WGS84
	}
	return geo.CRS(*c)
}

// area validates an AreaInput (in geo, before any SQL) and checks that a named grid exists.
func (r *Resolver) area(ctx context.Context, in *graph.AreaInput) (*geo.Area, error) {
	if in == nil {
		return nil, nil
	}
	spec := geo.AreaSpec{BBox: in.Bbox, GridCode: in.GridCode, CRS: crsOf(in.Crs)}
	if in.Polygon != nil {
		spec.Polygon = in.Polygon
	}
	if in.Circle != nil {
		spec.Circle = &geo.CircleSpec{Center: in.Circle.Center, RadiusMeters: in.Circle.RadiusMeters}
	}
	if in.Tile != nil {
		spec.Tile = &geo.TileSpec{Z: in.Tile.Z, X: in.Tile.X, Y: in.Tile.Y}
	}
	a, err := geo.ParseArea(spec, maxPolygonVertices)
	if err != nil {
		return nil, err
	}
	if a.Kind == geo.AreaGrid {
		g, err := loaders.For(ctx).GridByCodeNow(ctx, a.GridCode)
		if err != nil {
			return nil, err
		}
		if g == nil {
			return nil, model.Errorf(model.CodeNotFound, "no grid has the code %s", a.GridCode)
		}
	}
	return a, nil
}

// areaLayers checks an area and a layers argument, and that the caller may read those
// layers.
func (r *Resolver) areaLayers(ctx context.Context, in *graph.AreaInput, ls []model.Layer) (*geo.Area, error) {
	a, err := r.area(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := layersArg(ls); err != nil {
		return nil, err
	}
	return a, readable(ctx, a, ls...)
}

// layersArg checks a layers argument: at least one, no repeats.
func layersArg(ls []model.Layer) error {
	if len(ls) == 0 {
		return model.Errorf(model.CodeBadInput, "layers must name at least one layer")
	}
	seen := map[model.Layer]bool{}
	for _, l := range ls {
		if seen[l] {
			return model.Errorf(model.CodeBadInput, "layer %s is named twice", l)
		}
		seen[l] = true
	}
	return nil
}

// point converts a client point from crs to WGS84 after checking it.
func point(lon, lat float64, crs *model.CRS) (float64, float64, error) {
	if err := geo.CheckLonLat(lon, lat); err != nil {
		return 0, 0, err
	}
	x, y := geo.ToWGS84(crsOf(crs), lon, lat)
	return x, y, nil
}

// notFoundNil answers null for a lookup that found nothing.
func notFoundNil[T any](v *T, err error) (*T, error) {
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

// loadFeatures loads mixed-layer features in the keys' order, one batch per layer;
// a key whose row has gone is nil.
func loadFeatures(ctx context.Context, keys []store.FeatureKey) ([]model.Feature, error) {
	ld := loaders.For(ctx)
	thunks := make([]func() (model.Feature, error), len(keys))
	ld.Level(func() {
		for i, k := range keys {
			thunks[i] = ld.FeatureThunk(ctx, k.Layer, k.ID)
		}
	})
	out := make([]model.Feature, len(keys))
	for i, th := range thunks {
		f, err := th()
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

// present drops the nils of features that had gone.
func present(fs []model.Feature) []model.Feature {
	out := make([]model.Feature, 0, len(fs))
	for _, f := range fs {
		if f != nil {
			out = append(out, f)
		}
	}
	return out
}

// nearbyRadius is Incident.nearbyCameras' radius: 200 m unless given, within
// (0, maxNearbyCameras].
func nearbyRadius(m *float64) (float64, error) {
	r := 200.0
	if m != nil {
		r = *m
	}
	if !(r > 0 && r <= maxNearbyCameras) {
		return 0, model.Errorf(model.CodeOutOfRange, "radiusMeters must be in (0, %g]", maxNearbyCameras)
	}
	return r, nil
}
