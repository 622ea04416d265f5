package geo

import (
	"encoding/binary"
	"math"
)

// AppendWKB appends the (little-endian) WKB of a GeoJSON geometry that json.Valid or a
// json.Decoder has already accepted, reading the coordinates straight from the text: a
// decode into orb's nested slices first costs as long again as the whole import's reading.
// ok is false for what it does not read (GeometryCollection, malformed coordinates): the
// caller then decodes with orb, which says what is wrong.
func AppendWKB(dst, geometry []byte) (out []byte, ok bool) {
	var typ string
	var coords []byte
	s := &scanner{b: geometry}
	if !s.members(func(name string, value []byte) {
		switch name {
		case "type":
			if len(value) > 0 && value[0] == '"' {
				typ = unquote(value)
			}
		case "coordinates":
			coords = value
		}
	}) || coords == nil {
		return dst, false
	}
	if _, known := wkbTypes[typ]; !known {
		return dst, false
	}
	c := &scanner{b: coords}
	out, ok = c.wkbGeometry(dst, typ)
	return out, ok && c.peek() == 0
}

var wkbTypes = map[string]uint32{"Point": 1, "LineString": 2, "Polygon": 3, "MultiPoint": 4, "MultiLineString": 5, "MultiPolygon": 6}

// wkbGeometry writes one geometry of type typ from its coordinates.
func (s *scanner) wkbGeometry(dst []byte, typ string) ([]byte, bool) {
	dst = append(dst, 1) // little-endian
	dst = binary.LittleEndian.AppendUint32(dst, wkbTypes[typ])
	switch typ {
	case "Point":
		return s.wkbPosition(dst)
	case "LineString":
		return s.wkbList(dst, s.wkbPosition)
	case "Polygon":
		return s.wkbList(dst, func(b []byte) ([]byte, bool) { return s.wkbList(b, s.wkbPosition) })
	case "MultiPoint":
		return s.wkbList(dst, func(b []byte) ([]byte, bool) { return s.wkbGeometry(b, "Point") })
	case "MultiLineString":
		return s.wkbList(dst, func(b []byte) ([]byte, bool) { return s.wkbGeometry(b, "LineString") })
	case "MultiPolygon":
		return s.wkbList(dst, func(b []byte) ([]byte, bool) { return s.wkbGeometry(b, "Polygon") })
	}
	return dst, false
}

// wkbList writes a count and then each element of a JSON array with item.
func (s *scanner) wkbList(dst []byte, item func([]byte) ([]byte, bool)) ([]byte, bool) {
	if s.next() != '[' {
		return dst, false
	}
	at := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	if s.peek() == ']' {
		s.i++
		return dst, true
	}
	for n := uint32(1); ; n++ {
		var ok bool
		if dst, ok = item(dst); !ok {
			return dst, false
		}
		switch s.next() {
		case ',':
		case ']':
			binary.LittleEndian.PutUint32(dst[at:], n)
			return dst, true
		default:
			return dst, false
		}
	}
}

// wkbPosition writes [x, y, ...] as two doubles (further ordinates are dropped, as orb
// does).
func (s *scanner) wkbPosition(dst []byte) ([]byte, bool) {
	if s.next() != '[' {
		return dst, false
	}
	for k := 0; ; k++ {
		v, ok, err := s.number()
		if !ok || err != nil {
			return dst, false
		}
		if k < 2 {
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
		}
		switch s.next() {
		case ',':
		case ']':
			return dst, k >= 1
		default:
			return dst, false
		}
	}
}
