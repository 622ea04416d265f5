package geo

import "math"

// The published GCJ-02 transform works on the Krasovsky 1940 ellipsoid.
const (
	krasovskyA  = 6378245.0
	krasovskyEE = 0.00669342162296594323
)

// The rough box around China that GCJ-02 libraries customarily apply the
// offset in; outside it they treat GCJ-02 as WGS84, and so do we, in both
// directions, so that a round trip abroad is the identity.
const (
	chinaMinLon = 72.004
	chinaMaxLon = 137.8347
	chinaMinLat = 0.8293
	chinaMaxLat = 55.8271
)

// The iterative inverses stop when a step moves less than this (about 0.1 mm)
// or after maxInverseSteps; the forward maps are near the identity, so a few
// steps are enough anywhere the offset applies.
const (
	inverseTolerance = 1e-9
	maxInverseSteps  = 30
)

func outOfChina(lon, lat float64) bool {
	return !(lon >= chinaMinLon && lon <= chinaMaxLon && lat >= chinaMinLat && lat <= chinaMaxLat)
}

// WGS84ToGCJ02 converts a WGS84 lon/lat into GCJ-02 (the "Mars" coordinates
// of Amap and Tencent maps). Points outside China's rough box come back
// unchanged.
func WGS84ToGCJ02(lon, lat float64) (float64, float64) {
	if outOfChina(lon, lat) {
		return lon, lat
	}
	dLon, dLat := gcjOffset(lon, lat)
	return lon + dLon, lat + dLat
}

// GCJ02ToWGS84 converts GCJ-02 back to WGS84. The forward transform has no
// closed-form inverse, so this iterates x ← x − (F(x) − target): F is the
// identity plus an offset that changes by well under a part in a thousand
// per degree, so the iteration contracts fast and lands within about 1e-9°
// in three or four steps. Near the box's east and north edges a point
// outside the box is its own preimage and is returned as it is, as the
// customary libraries do, though an offset point inside may map there too.
func GCJ02ToWGS84(lon, lat float64) (float64, float64) {
	return invert(WGS84ToGCJ02, lon, lat)
}

// gcjOffset is the published offset in degrees at a WGS84 position.
func gcjOffset(lon, lat float64) (float64, float64) {
	x, y := lon-105.0, lat-35.0
	dLat := gcjLat(x, y)
	dLon := gcjLon(x, y)
	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - krasovskyEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (krasovskyA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return dLon, dLat
}

func gcjLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func gcjLon(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}

// invert solves forward(x) = (lon, lat) by fixed-point iteration. It keeps
// the best iterate, so near the edge of the China box, where the forward map
// jumps and no exact preimage may exist, it still returns the closest point
// it saw instead of whatever the last oscillating step produced.
func invert(forward func(lon, lat float64) (float64, float64), lon, lat float64) (float64, float64) {
	if math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) {
		return lon, lat
	}
	x, y := lon, lat
	bestX, bestY, bestErr := x, y, math.Inf(1)
	for range maxInverseSteps {
		fx, fy := forward(x, y)
		dx, dy := fx-lon, fy-lat
		e := math.Abs(dx) + math.Abs(dy)
		if e < bestErr {
			bestX, bestY, bestErr = x, y, e
		}
		if math.Abs(dx) < inverseTolerance && math.Abs(dy) < inverseTolerance {
			break
		}
		x, y = x-dx, y-dy
	}
	return bestX, bestY
}
