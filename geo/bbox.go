package geo

import "github.com/paulmach/orb"

// parseBBox checks [minLon, minLat, maxLon, maxLat] as given: no reordering
// and no wrapping, since either would silently change what the client meant.
func parseBBox(b []float64, crs CRS) (*Area, *Error) {
	if len(b) != 4 {
		return nil, errorf(ProblemArea, "bbox must have 4 numbers [minLon, minLat, maxLon, maxLat], not %d", len(b))
	}
	for _, v := range b {
		if !finite(v) {
			return nil, errorf(ProblemArea, "bbox must hold finite numbers")
		}
	}
	minLon, minLat, maxLon, maxLat := b[0], b[1], b[2], b[3]
	names := [4]string{"minLon", "minLat", "maxLon", "maxLat"}
	for i, v := range b {
		if i%2 == 0 && (v < -180 || v > 180) {
			return nil, errorf(ProblemArea, "bbox %s %s is outside [-180, 180]", names[i], num(v))
		}
		if i%2 == 1 && (v < -90 || v > 90) {
			return nil, errorf(ProblemArea, "bbox %s %s is outside [-90, 90]", names[i], num(v))
		}
	}
	if minLon > maxLon {
		return nil, errorf(ProblemArea, "bbox minLon %s is greater than maxLon %s; boxes across the antimeridian are not supported", num(minLon), num(maxLon))
	}
	if minLat > maxLat {
		return nil, errorf(ProblemArea, "bbox minLat %s is greater than maxLat %s", num(minLat), num(maxLat))
	}
	bound := orb.Bound{Min: orb.Point{minLon, minLat}, Max: orb.Point{maxLon, maxLat}}
	if !crs.IsWGS84() {
		// The offset differs from corner to corner, so the converted box is
		// the envelope of all four converted corners, not of two.
		corners := [4]orb.Point{bound.Min, {maxLon, minLat}, bound.Max, {minLon, maxLat}}
		for i, c := range corners {
			lon, lat := ToWGS84(crs, c[0], c[1])
			p := clampLonLat(orb.Point{lon, lat})
			if i == 0 {
				bound = p.Bound()
			}
			bound = bound.Extend(p)
		}
	}
	return &Area{Kind: AreaBBox, Bound: bound}, nil
}
