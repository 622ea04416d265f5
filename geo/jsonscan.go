package geo

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// scanner walks JSON that json.Valid has already accepted. Knowing the
// syntax is sound, it only tracks structure, which lets a 10,000-vertex
// polygon be read in one pass with one allocation for its points instead of
// a reflective decode into a slice per position.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte without consuming it, or 0 at the end.
func (s *scanner) peek() byte {
	s.skipSpace()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// next consumes and returns the next non-space byte, or 0 at the end.
func (s *scanner) next() byte {
	c := s.peek()
	if s.i < len(s.b) {
		s.i++
	}
	return c
}

func (s *scanner) skipString() {
	s.i++ // opening quote
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			// Kept within bounds even for a trailing backslash, so
			// that slicing by s.i can never panic.
			s.i = min(s.i+2, len(s.b))
		case '"':
			s.i++
			return
		default:
			s.i++
		}
	}
}

// skipValue skips one value of any kind and returns its bytes.
func (s *scanner) skipValue() []byte {
	start := s.i
	switch s.peek() {
	case '"':
		start = s.i
		s.skipString()
	case '{', '[':
		start = s.i
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				s.skipString()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return s.b[start:s.i]
				}
			}
			s.i++
		}
	default:
		start = s.i
		s.skipLiteral()
	}
	return s.b[start:s.i]
}

// skipLiteral skips a number, true, false or null.
func (s *scanner) skipLiteral() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return
		}
		s.i++
	}
}

// members calls f with each member name and value of the object at the
// scanner, and reports false if the value there is not an object.
func (s *scanner) members(f func(name string, value []byte)) bool {
	if s.next() != '{' {
		return false
	}
	if s.peek() == '}' {
		return true
	}
	for {
		start := s.i
		s.skipString()
		name := unquote(s.b[start:s.i])
		s.next() // ':'
		s.skipSpace()
		f(name, s.skipValue())
		if s.next() != ',' {
			return true
		}
		s.skipSpace()
	}
}

// unquote decodes a JSON string literal. Escapes are rare in member names,
// but "\u0063rs" is still the crs member and must be seen as such.
func unquote(lit []byte) string {
	if len(lit) >= 2 && bytes.IndexByte(lit, '\\') < 0 {
		return string(lit[1 : len(lit)-1])
	}
	var s string
	if json.Unmarshal(lit, &s) != nil {
		return ""
	}
	return s
}

// number reads a JSON number at the scanner. ok is false when the value is
// not a number; err is set when it is one too large for a float64.
func (s *scanner) number() (v float64, ok bool, err error) {
	c := s.peek()
	if c != '-' && (c < '0' || c > '9') {
		return 0, false, nil
	}
	start := s.i
	s.skipLiteral()
	v, err = strconv.ParseFloat(string(s.b[start:s.i]), 64)
	return v, true, err
}
