package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// MaxCircleRadius is the largest circle radius a client may ask for, in
// metres: enough for the whole district, small enough that a circle query
// stays an index lookup.
const MaxCircleRadius = 50_000.0

// circleMargin widens the circle's envelope so it covers the circle on the
// WGS84 ellipsoid too: PostGIS measures geography distances there, and the
// sphere of radius EarthRadius under-reaches it by at most about 0.7%.
const circleMargin = 1.01

// CircleBound returns a lon/lat bound that contains every point within
// radius metres of center, for an index prefilter before an exact distance
// test. Near a pole, or where the circle would cross the antimeridian, it
// widens to every longitude rather than return a box whose minimum is east
// of its maximum.
func CircleBound(center orb.Point, radius float64) orb.Bound {
	d := radius * circleMargin / orb.EarthRadius // angular radius, radians
	// Offsets are added to the centre in degrees, so the centre itself
	// survives exactly even for a radius of a micrometre.
	dLat := d * 180 / math.Pi
	minLat, maxLat := center[1]-dLat, center[1]+dLat
	if minLat <= -90 || maxLat >= 90 {
		return orb.Bound{Min: orb.Point{-180, max(minLat, -90)}, Max: orb.Point{180, min(maxLat, 90)}}
	}
	// The widest point of a small circle on the sphere is not at its
	// centre's latitude; asin(sin d / cos lat) is the exact half-width.
	dLon := math.Asin(math.Min(1, math.Sin(d)/math.Cos(center[1]*math.Pi/180))) * 180 / math.Pi
	west, east := center[0]-dLon, center[0]+dLon
	if west < -180 || east > 180 {
		return orb.Bound{Min: orb.Point{-180, minLat}, Max: orb.Point{180, maxLat}}
	}
	return orb.Bound{Min: orb.Point{west, minLat}, Max: orb.Point{east, maxLat}}
}

func parseCircle(c CircleSpec, crs CRS) (*Area, *Error) {
	if len(c.Center) != 2 {
		return nil, errorf(ProblemArea, "circle center must be [lon, lat], not %d numbers", len(c.Center))
	}
	if err := checkLonLat(c.Center[0], c.Center[1]); err != nil {
		return nil, errorf(err.Problem, "circle center: %s", err.Message)
	}
	if !finite(c.RadiusMeters) || c.RadiusMeters <= 0 || c.RadiusMeters > MaxCircleRadius {
		return nil, errorf(ProblemRange, "radiusMeters must be in (0, 50000]")
	}
	lon, lat := ToWGS84(crs, c.Center[0], c.Center[1])
	center := clampLonLat(orb.Point{lon, lat})
	return &Area{
		Kind:   AreaCircle,
		Center: center,
		Radius: c.RadiusMeters,
		Bound:  CircleBound(center, c.RadiusMeters),
	}, nil
}
