package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// CheckLonLat reports why lon/lat is not a usable WGS84 position: ProblemInput
// for NaN or infinity, ProblemRange for a longitude outside [-180, 180] or a
// latitude outside [-90, 90]. It never clamps or wraps: a client that sends
// 181 has a bug worth hearing about.
func CheckLonLat(lon, lat float64) error {
	if err := checkLonLat(lon, lat); err != nil {
		return err
	}
	return nil
}

// checkLonLat returns the *Error itself, so callers in the package can say
// where the position was; CheckLonLat hides it behind error, where a nil
// *Error would not compare equal to nil.
func checkLonLat(lon, lat float64) *Error {
	switch {
	case !finite(lon):
		return errorf(ProblemInput, "lon must be a finite number")
	case !finite(lat):
		return errorf(ProblemInput, "lat must be a finite number")
	case lon < -180 || lon > 180:
		return errorf(ProblemRange, "lon %s is outside [-180, 180]", num(lon))
	case lat < -90 || lat > 90:
		return errorf(ProblemRange, "lat %s is outside [-90, 90]", num(lat))
	}
	return nil
}

func finite(v float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0)
}

// clampLonLat keeps a converted point on the globe. GCJ-02's offset stops at
// China's box, but BD-09's small shift applies everywhere, so a BD-09 point
// within a few hundredths of a degree of ±180 or ±90 can convert to just
// past it; a returned Area promises to be in range.
func clampLonLat(p orb.Point) orb.Point {
	return orb.Point{min(max(p[0], -180), 180), min(max(p[1], -90), 90)}
}
