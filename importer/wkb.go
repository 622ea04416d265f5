package importer

import (
	"encoding/binary"
	"math"
	"strconv"
	"unsafe"
)

// appendWKB appends the WKB of a GeoJSON geometry the decoder has already accepted as
// JSON. It reads coordinates straight from the text: PostGIS's own GeoJSON parser took a
// third of an import's time, and a decode into orb's nested slices as long again.
// ok is false for what it does not read (GeometryCollection, malformed coordinates): the
// caller then decodes with orb, which says what is wrong.
func appendWKB(dst, raw []byte) (out []byte, ok bool) {
	p := jsonText{b: raw}
	var typ string
	var coords []byte
	if !p.object(func(key string) bool {
		switch key {
		case "type":
			s, ok := p.str()
			typ = s
			return ok
		case "coordinates":
			start := p.i
			if !p.skip() {
				return false
			}
			coords = raw[start:p.i]
			return true
		}
		return p.skip()
	}) || coords == nil {
		return dst, false
	}
	if _, known := wkbType[typ]; !known {
		return dst, false
	}
	c := jsonText{b: coords}
	out, ok = c.geometry(dst, typ)
	return out, ok && c.end()
}

var wkbType = map[string]uint32{"Point": 1, "LineString": 2, "Polygon": 3, "MultiPoint": 4, "MultiLineString": 5, "MultiPolygon": 6}

// geometry writes one geometry of type typ from its coordinates.
func (c *jsonText) geometry(dst []byte, typ string) ([]byte, bool) {
	dst = append(dst, 1) // little-endian
	dst = binary.LittleEndian.AppendUint32(dst, wkbType[typ])
	switch typ {
	case "Point":
		return c.position(dst)
	case "LineString":
		return c.list(dst, c.position)
	case "Polygon":
		return c.list(dst, func(b []byte) ([]byte, bool) { return c.list(b, c.position) })
	case "MultiPoint":
		return c.list(dst, func(b []byte) ([]byte, bool) { return c.geometry(b, "Point") })
	case "MultiLineString":
		return c.list(dst, func(b []byte) ([]byte, bool) { return c.geometry(b, "LineString") })
	case "MultiPolygon":
		return c.list(dst, func(b []byte) ([]byte, bool) { return c.geometry(b, "Polygon") })
	}
	return dst, false
}

// list writes a count and then each element of a JSON array with item.
func (c *jsonText) list(dst []byte, item func([]byte) ([]byte, bool)) ([]byte, bool) {
	if !c.expect('[') {
		return dst, false
	}
	at := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	n := uint32(0)
	if c.peek() == ']' {
		c.i++
		return dst, true
	}
	for {
		var ok bool
		if dst, ok = item(dst); !ok {
			return dst, false
		}
		n++
		switch c.next() {
		case ',':
		case ']':
			binary.LittleEndian.PutUint32(dst[at:], n)
			return dst, true
		default:
			return dst, false
		}
	}
}

// position writes [x, y, ...] as two doubles (further ordinates are dropped, as orb does).
func (c *jsonText) position(dst []byte) ([]byte, bool) {
	if !c.expect('[') {
		return dst, false
	}
	for k := 0; ; k++ {
		v, ok := c.number()
		if !ok {
			return dst, false
		}
		if k < 2 {
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
		}
		switch c.next() {
		case ',':
		case ']':
			return dst, k >= 1
		default:
			return dst, false
		}
	}
}

// jsonText reads JSON text that encoding/json has already accepted.
type jsonText struct {
	b []byte
	i int
}

func (p *jsonText) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\n' || p.b[p.i] == '\r' || p.b[p.i] == '\t') {
		p.i++
	}
}

func (p *jsonText) peek() byte {
	p.space()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *jsonText) next() byte {
	c := p.peek()
	if c != 0 {
		p.i++
	}
	return c
}

func (p *jsonText) expect(c byte) bool { return p.next() == c }

func (p *jsonText) end() bool { return p.peek() == 0 }

func (p *jsonText) number() (float64, bool) {
	p.space()
	start := p.i
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			p.i++
			continue
		}
		break
	}
	if start == p.i {
		return 0, false
	}
	v, err := strconv.ParseFloat(unsafe.String(&p.b[start], p.i-start), 64)
	return v, err == nil
}

// str reads a string without escapes (the GeoJSON type names); false for anything else.
func (p *jsonText) str() (string, bool) {
	if !p.expect('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.b) && p.b[p.i] != '"' {
		if p.b[p.i] == '\\' {
			return "", false
		}
		p.i++
	}
	if p.i >= len(p.b) {
		return "", false
	}
	s := string(p.b[start:p.i])
	p.i++
	return s, true
}

// skip passes over one value of any kind.
func (p *jsonText) skip() bool {
	switch p.peek() {
	case '"':
		p.i++
		for p.i < len(p.b) {
			switch p.b[p.i] {
			case '\\':
				p.i += 2
				continue
			case '"':
				p.i++
				return true
			}
			p.i++
		}
		return false
	case '[', '{':
		depth := 0
		for p.i < len(p.b) {
			switch p.b[p.i] {
			case '"':
				if !p.skip() {
					return false
				}
				continue
			case '[', '{':
				depth++
			case ']', '}':
				depth--
				if depth == 0 {
					p.i++
					return true
				}
			}
			p.i++
		}
		return false
	case 0:
		return false
	}
	for p.i < len(p.b) && p.b[p.i] != ',' && p.b[p.i] != '}' && p.b[p.i] != ']' {
		p.i++
	}
	return true
}

// object calls member with each key of an object, positioned at its value, which member
// must consume.
func (p *jsonText) object(member func(key string) bool) bool {
	if !p.expect('{') {
		return false
	}
	if p.peek() == '}' {
		p.i++
		return true
	}
	for {
		p.space()
		start := p.i
		if !p.skip() || p.i-start < 2 {
			return false
		}
		key := string(p.b[start+1 : p.i-1])
		if !p.expect(':') || !member(key) {
			return false
		}
		switch p.next() {
		case ',':
		case '}':
			return true
		default:
			return false
		}
	}
}
