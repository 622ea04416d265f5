package geo

import "math"

// BD-09 is GCJ-02 with Baidu's own small rotation and scaling about the
// origin, plus a fixed shift.
const bdXPi = math.Pi * 3000.0 / 180.0

// GCJ02ToBD09 converts GCJ-02 into BD-09, Baidu's coordinates.
func GCJ02ToBD09(lon, lat float64) (float64, float64) {
	z := math.Sqrt(lon*lon+lat*lat) + 0.00002*math.Sin(lat*bdXPi)
	theta := math.Atan2(lat, lon) + 0.000003*math.Cos(lon*bdXPi)
	return z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006
}

// BD09ToGCJ02 converts BD-09 back into GCJ-02. The widely copied closed form
// is only an approximate inverse (off by up to about 20 cm across China), so it
// serves as the first guess of the same fixed-point iteration GCJ02ToWGS84
// uses.
func BD09ToGCJ02(lon, lat float64) (float64, float64) {
	x, y := bd09ToGCJ02Approx(lon, lat)
	if math.IsNaN(x) || math.IsNaN(y) {
		return x, y
	}
	for range maxInverseSteps {
		fx, fy := GCJ02ToBD09(x, y)
		dx, dy := fx-lon, fy-lat
		if math.Abs(dx) < inverseTolerance && math.Abs(dy) < inverseTolerance {
			break
		}
		x, y = x-dx, y-dy
	}
	return x, y
}

func bd09ToGCJ02Approx(lon, lat float64) (float64, float64) {
	x, y := lon-0.0065, lat-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	return z * math.Cos(theta), z * math.Sin(theta)
}
