package geo

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// maxRoundDecimals is where rounding stops meaning anything: 1e-15° is
// below float64's resolution for longitudes, and 10^16 and up would lose
// digits when coordinates are scaled by it.
const maxRoundDecimals = 15

// TransformGeometry returns a copy of g with f applied to every position;
// g itself is left alone. A Bound is the envelope of its four transformed
// corners, since the offsets differ from corner to corner.
func TransformGeometry(g orb.Geometry, f func(lon, lat float64) (float64, float64)) orb.Geometry {
	if g == nil {
		return nil
	}
	return transformInPlace(orb.Clone(g), f)
}

// TransformGeoJSON re-projects a WGS84 GeoJSON geometry, as PostGIS's
// ST_AsGeoJSON writes it, into the system to. For WGS84 and CGCS2000 it
// returns raw itself: no copy, no parse, and maxDecimals is not applied
// (ask ST_AsGeoJSON for the precision instead). Otherwise maxDecimals >= 0
// rounds the converted coordinates to that many decimals (7 is about 1 cm)
// and -1 leaves them unrounded.
//
// It handles every geometry type, GeometryCollection included; a null or
// empty input comes back as it is. Positions come back 2D, as orb keeps
// them. An unknown system is ProblemInput; input that is not a GeoJSON
// geometry comes from the database, not the client, so that error is a
// plain one for the caller to log as internal.
func TransformGeoJSON(raw []byte, to CRS, maxDecimals int) ([]byte, error) {
	if err := checkCRS(to, ProblemInput); err != nil {
		return nil, err
	}
	if to.IsWGS84() {
		return raw, nil
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return raw, nil
	}
	g, err := decodeGeometry(raw)
	if err != nil {
		return nil, fmt.Errorf("geo: transform GeoJSON to %s: %w", to, err)
	}
	f := func(lon, lat float64) (float64, float64) { return FromWGS84(to, lon, lat) }
	if maxDecimals >= 0 {
		scale := math.Pow10(min(maxDecimals, maxRoundDecimals))
		f = func(lon, lat float64) (float64, float64) {
			lon, lat = FromWGS84(to, lon, lat)
			return math.Round(lon*scale) / scale, math.Round(lat*scale) / scale
		}
	}
	// The decoded geometry is ours alone, so it is converted where it lies
	// rather than copied first.
	out, err := geojson.NewGeometry(transformInPlace(g.Geometry(), f)).MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("geo: transform GeoJSON to %s: %w", to, err)
	}
	return out, nil
}

// decodeGeometry calls orb's UnmarshalJSON directly, which skips one of
// json.Unmarshal's validating passes (decoding is most of the cost here).
// orb v0.14.0 dereferences a null member of a GeometryCollection while
// decoding; PostGIS never writes one, but this package promises not to
// panic, so that one case is recovered into an error.
func decodeGeometry(raw []byte) (g *geojson.Geometry, err error) {
	defer func() {
		if recover() != nil {
			g, err = nil, errors.New("a GeometryCollection holds a null geometry")
		}
	}()
	g = &geojson.Geometry{}
	if err := g.UnmarshalJSON(raw); err != nil {
		return nil, err
	}
	return g, nil
}

// transformInPlace applies f to every position of g, reusing g's slices,
// and returns g (or, for the value types Point and Bound, the new value).
func transformInPlace(g orb.Geometry, f func(lon, lat float64) (float64, float64)) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return transformPoint(g, f)
	case orb.MultiPoint:
		transformPoints(g, f)
	case orb.LineString:
		transformPoints(g, f)
	case orb.Ring:
		transformPoints(g, f)
	case orb.MultiLineString:
		for _, ls := range g {
			transformPoints(ls, f)
		}
	case orb.Polygon:
		for _, r := range g {
			transformPoints(r, f)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				transformPoints(r, f)
			}
		}
	case orb.Collection:
		for i := range g {
			g[i] = transformInPlace(g[i], f)
		}
	case orb.Bound:
		corners := [4]orb.Point{g.Min, {g.Max[0], g.Min[1]}, g.Max, {g.Min[0], g.Max[1]}}
		b := transformPoint(corners[0], f).Bound()
		for _, c := range corners[1:] {
			b = b.Extend(transformPoint(c, f))
		}
		return b
	}
	return g
}

func transformPoints(ps []orb.Point, f func(lon, lat float64) (float64, float64)) {
	for i, p := range ps {
		ps[i] = transformPoint(p, f)
	}
}

func transformPoint(p orb.Point, f func(lon, lat float64) (float64, float64)) orb.Point {
	lon, lat := f(p[0], p[1])
	return orb.Point{lon, lat}
}
