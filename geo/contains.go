package geo

import (
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// Contains reports whether the WGS84 point p lies in the area (its edge included), for
// matching single points in Go, such as a changed incident against a live subscription.
// A circle is measured on the sphere (haversine), within 0.5% of PostGIS's spheroid.
// An AreaGrid cannot be answered here: resolve it to AreaPolygon with the grid's shape.
func (a *Area) Contains(p orb.Point) bool {
	switch a.Kind {
	case AreaBBox:
		return a.Bound.Contains(p)
	case AreaPolygon:
		if !a.Bound.Contains(p) {
			return false
		}
		for _, poly := range a.Polygon {
			if locateInPolygon(p, poly) != outside {
				return true
			}
		}
		return false
	case AreaCircle:
		return orbgeo.DistanceHaversine(a.Center, p) <= a.Radius
	}
	return false
}

// PolygonArea makes an AreaPolygon of a shape known to be valid (a grid's polygon).
func PolygonArea(mp orb.MultiPolygon) *Area {
	return &Area{Kind: AreaPolygon, Polygon: mp, Bound: mp.Bound()}
}
