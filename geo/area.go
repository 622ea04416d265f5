package geo

import "github.com/paulmach/orb"

// AreaSpec is the GraphQL AreaInput as the resolver copies it: each way of
// naming an area is nil when the client left it out.
type AreaSpec struct {
	BBox     []float64   // [minLon, minLat, maxLon, maxLat]
	Polygon  []byte      // a GeoJSON Polygon or MultiPolygon geometry
	Circle   *CircleSpec // a centre and radius
	GridCode *string     // a grid unit's code; the caller checks it exists
	Tile     *TileSpec   // an XYZ web-mercator tile
	CRS      CRS         // the system BBox, Polygon and Circle are in; "" is WGS84
}

// CircleSpec is a circle given as [lon, lat] and a radius in metres.
type CircleSpec struct {
	Center       []float64
	RadiusMeters float64
}

// TileSpec is an XYZ tile address, y counted from the top.
type TileSpec struct {
	Z, X, Y int
}

// AreaKind says which of Area's fields describe the area.
type AreaKind int

// The kinds of area. A tile becomes AreaBBox: once in lon/lat it is a box.
const (
	AreaBBox    AreaKind = iota + 1 // Bound
	AreaPolygon                     // Polygon, with Bound its envelope
	AreaCircle                      // Center and Radius, with Bound an envelope
	AreaGrid                        // GridCode; the geometry lives in the database
)

// String names the kind, for logs and test output.
func (k AreaKind) String() string {
	switch k {
	case AreaBBox:
		return "bbox"
	case AreaPolygon:
		return "polygon"
	case AreaCircle:
		return "circle"
	case AreaGrid:
		return "grid"
	}
	return "unknown"
}

// Area is a validated area in WGS84, ready for the store to turn into SQL.
type Area struct {
	Kind     AreaKind
	Bound    orb.Bound        // the area's WGS84 envelope; zero for AreaGrid
	Polygon  orb.MultiPolygon // for AreaPolygon
	Center   orb.Point        // for AreaCircle
	Radius   float64          // metres, for AreaCircle
	GridCode string           // for AreaGrid
}

// ParseArea validates a client's area and converts it to WGS84. Exactly one
// way of naming the area must be given. Nothing is coerced: a box with its
// corners swapped or a radius of 0 is an error that says so, because a
// quietly adjusted area returns features the user did not ask for.
//
// Problems: ProblemArea for the choice of fields, the crs, a malformed bbox or
// grid code; polygon errors as ParsePolygonGeoJSON returns them (maxVertices
// is passed on); ProblemRange or ProblemInput for a circle's centre, and
// ProblemRange for its radius and for tiles.
func ParseArea(s AreaSpec, maxVertices int) (*Area, error) {
	given := 0
	for _, ok := range []bool{s.BBox != nil, s.Polygon != nil, s.Circle != nil, s.GridCode != nil, s.Tile != nil} {
		if ok {
			given++
		}
	}
	if given != 1 {
		return nil, errorf(ProblemArea, "give exactly one of bbox, polygon, circle, gridCode, tile")
	}
	if err := checkCRS(s.CRS, ProblemArea); err != nil {
		return nil, err
	}
	var a *Area
	var err *Error
	switch {
	case s.BBox != nil:
		a, err = parseBBox(s.BBox, s.CRS)
	case s.Polygon != nil:
		a, err = parsePolygonArea(s.Polygon, s.CRS, maxVertices)
	case s.Circle != nil:
		a, err = parseCircle(*s.Circle, s.CRS)
	case s.GridCode != nil:
		a, err = parseGridCode(*s.GridCode)
	default:
		a, err = parseTile(*s.Tile)
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}
