package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/paulmach/orb"
)

// ParsePolygonGeoJSON reads a client's GeoJSON Polygon or MultiPolygon
// geometry object and returns it as a MultiPolygon, or an *Error that says
// what is wrong and where. It never repairs: an unclosed ring, a bow-tie or a
// hole outside its shell is the client's bug, and a silently "fixed" area
// would select features the user did not draw.
//
// Beyond RFC 7946 it requires what PostGIS's ST_IsValid requires, and is
// stricter in one place: rings of one polygon may not touch each other at
// all (OGC allows a hole to touch its shell at one point; drawn areas never
// need that). Polygons of a MultiPolygon may touch at points but not cross,
// share an edge or overlap.
//
// maxVertices caps the positions counted over all rings (closing positions
// included); more is TOO_COMPLEX. Zero or less means no cap. A third number
// in a position (altitude) is accepted and dropped.
func ParsePolygonGeoJSON(raw []byte, maxVertices int) (orb.MultiPolygon, error) {
	mp, err := decodePolygonGeoJSON(raw, maxVertices)
	if err != nil {
		return nil, err
	}
	if err := validateMultiPolygon(mp); err != nil {
		return nil, err
	}
	return mp, nil
}

// decodePolygonGeoJSON checks everything that can be told from the JSON
// alone: the object's shape, position sizes and the vertex count.
func decodePolygonGeoJSON(raw []byte, maxVertices int) (orb.MultiPolygon, *Error) {
	if !json.Valid(raw) {
		var v any
		return nil, errorf(ProblemGeometry, "polygon must be a GeoJSON geometry object: %s", jsonProblem(raw, json.Unmarshal(raw, &v)))
	}
	var typ, coords []byte
	var hasCRS bool
	s := &scanner{b: raw}
	isObject := s.members(func(name string, value []byte) {
		// Member names are case-sensitive in GeoJSON: "Type" is a foreign
		// member, not the type.
		switch name {
		case "type":
			typ = value
		case "coordinates":
			coords = value
		case "crs":
			hasCRS = true
		}
	})
	if !isObject {
		return nil, errorf(ProblemGeometry, "polygon must be a GeoJSON geometry object: %s", jsonProblem(raw, nil))
	}
	if typ == nil {
		return nil, errorf(ProblemGeometry, `polygon has no "type" member`)
	}
	if typ[0] != '"' {
		return nil, errorf(ProblemGeometry, `polygon "type" must be a string`)
	}
	t := unquote(typ)
	switch t {
	case "Polygon", "MultiPolygon":
	case "Feature", "FeatureCollection":
		return nil, errorf(ProblemGeometry, "polygon must be a geometry object (Polygon or MultiPolygon), not a %s", t)
	default:
		return nil, errorf(ProblemGeometry, "polygon must be a GeoJSON Polygon or MultiPolygon, not %q", truncate(t))
	}
	if hasCRS {
		return nil, errorf(ProblemGeometry, `polygon has a "crs" member, which RFC 7946 GeoJSON does not have; give the area's crs argument instead`)
	}
	if coords == nil || string(coords) == "null" {
		return nil, errorf(ProblemGeometry, `%s has no "coordinates"`, t)
	}
	return readCoordinates(raw, coords, t == "MultiPolygon", maxVertices)
}

func parsePolygonArea(raw []byte, crs CRS, maxVertices int) (*Area, *Error) {
	mp, err := decodePolygonGeoJSON(raw, maxVertices)
	if err != nil {
		return nil, err
	}
	if err := validateMultiPolygon(mp); err != nil {
		return nil, err
	}
	if !crs.IsWGS84() {
		for _, p := range mp {
			for _, r := range p {
				for i, v := range r {
					lon, lat := ToWGS84(crs, v[0], v[1])
					r[i] = clampLonLat(orb.Point{lon, lat})
				}
			}
		}
		// The offset jumps at the edge of China's box, so a polygon that
		// straddles it can fold; check again rather than trust it.
		if err := validateMultiPolygon(mp); err != nil {
			return nil, errorf(err.Problem, "after converting from %s to WGS84: %s", crs, err.Message)
		}
	}
	return &Area{Kind: AreaPolygon, Polygon: mp, Bound: mp.Bound()}, nil
}

func ringName(pi, ri int) string {
	return fmt.Sprintf("ring %d of polygon %d", ri, pi)
}

// jsonProblem describes why raw is not a JSON object, with an offset when
// the JSON itself is broken, without echoing the input.
func jsonProblem(raw []byte, err error) string {
	var syn *json.SyntaxError
	switch {
	case len(bytes.TrimSpace(raw)) == 0:
		return "it is empty"
	case err != nil && errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case string(bytes.TrimSpace(raw)) == "null":
		return "got null"
	}
	return "it is not a JSON object"
}
