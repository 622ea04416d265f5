package store

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"time"
	_ "time/tzdata" // the session's zone, where the system has no zoneinfo

	"github.com/jackc/pgx/v5/pgtype"
)

// The JSON PostgreSQL's row_to_json writes for a column, written in Go from the column's
// value as it came over the wire: byte for byte the same text, without PostgreSQL
// spending its time (half of a flat collection's statement) on building it.

// sessionZone is the pool's session time zone, in which PostgreSQL writes timestamps.
var sessionZone = func() *time.Location {
	loc, err := time.LoadLocation(sessionTimeZone)
	if err != nil {
		panic(err) // time/tzdata holds it
	}
	return loc
}()

// zoneSince is when the session zone's offset became zoneOffset (seconds east of UTC)
// for good: no change of it is known after (Asia/Shanghai: since 1991). Timestamps since
// then need no look-up of the zone's rules.
var zoneSince, zoneOffset = func() (int64, int) {
	start, end := time.Now().In(sessionZone).ZoneBounds()
	_, off := start.Zone()
	if !end.IsZero() || start.IsZero() {
		return math.MaxInt64, 0
	}
	return start.Unix(), off
}()

// textTypes decodes the text wire format of the types whose text is not their JSON.
var textTypes = pgtype.NewMap()

// appendJSONValue appends column value v (nil: NULL) of type oid in wire format format as
// row_to_json writes it. Types other than text, integers, booleans, timestamptz and json
// are an error: the caller writes those with to_json in SQL.
func appendJSONValue(b, v []byte, oid uint32, format int16) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	switch oid {
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.NameOID:
		return appendJSONString(b, v), nil
	case pgtype.JSONOID:
		return append(b, v...), nil
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		n, err := wireInt(v, format)
		if err != nil {
			return b, err
		}
		return strconv.AppendInt(b, n, 10), nil
	case pgtype.BoolOID:
		if len(v) != 1 {
			return b, fmt.Errorf("a boolean of %d bytes", len(v))
		}
		return strconv.AppendBool(b, v[0] == 1 || v[0] == 't'), nil
	case pgtype.TimestamptzOID:
		if format == pgtype.TextFormatCode {
			var ts pgtype.Timestamptz
			if err := textTypes.Scan(oid, format, v, &ts); err != nil {
				return b, err
			}
			switch ts.InfinityModifier {
			case pgtype.Infinity:
				return append(b, `"infinity"`...), nil
			case pgtype.NegativeInfinity:
				return append(b, `"-infinity"`...), nil
			}
			return appendJSONTime(b, ts.Time), nil
		}
		if len(v) != 8 {
			return b, fmt.Errorf("a timestamptz of %d bytes", len(v))
		}
		return appendJSONTimestamptz(b, int64(binary.BigEndian.Uint64(v))), nil
	}
	return b, fmt.Errorf("a property of type %d", oid)
}

// appendJSONString appends s as PostgreSQL's escape_json quotes it: the two-character
// escapes, other control characters as \u00xx (lower-case hex), everything else as is.
func appendJSONString(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i, c := range s {
		var esc string
		switch c {
		case '"':
			esc = `\"`
		case '\\':
			esc = `\\`
		case '\b':
			esc = `\b`
		case '\f':
			esc = `\f`
		case '\n':
			esc = `\n`
		case '\r':
			esc = `\r`
		case '\t':
			esc = `\t`
		default:
			if c >= ' ' {
				continue
			}
		}
		b = append(b, s[start:i]...)
		if esc != "" {
			b = append(b, esc...)
		} else {
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONTimestamptz appends a timestamptz in its binary form (microseconds since
// 2000-01-01 UTC; the extremes are the infinities) as JSON.
func appendJSONTimestamptz(b []byte, us int64) []byte {
	switch us {
	case math.MaxInt64:
		return append(b, `"infinity"`...)
	case math.MinInt64:
		return append(b, `"-infinity"`...)
	}
	const epoch2000 = 946684800 // seconds from 1970 to 2000
	sec, frac := us/1e6, us%1e6
	if frac < 0 {
		sec, frac = sec-1, frac+1e6
	}
	return appendJSONTime(b, time.Unix(sec+epoch2000, frac*1e3))
}

// appendJSONTime appends t as PostgreSQL writes a timestamptz in JSON (XSD style) in the
// session's zone: 2026-11-03T14:22:05.5+08:00, the fraction only when not zero and without
// trailing zeros, the offset's seconds only when not zero, " BC" after years before 1.
func appendJSONTime(b []byte, t time.Time) []byte {
	// One look-up of the zone's offset, then the local wall clock as a UTC time: each of
	// time.Time's field getters would look the zone up again.
	off := zoneOffset
	if t.Unix() < zoneSince {
		_, off = t.In(sessionZone).Zone()
	}
	t = t.UTC().Add(time.Duration(off) * time.Second)
	year, month, day := t.Date()
	hour, minute, second := t.Clock()
	bc := year <= 0
	if bc {
		year = 1 - year
	}
	b = append(b, '"')
	b = appendPadded(b, year, 4)
	b = append(b, '-')
	b = appendPadded(b, int(month), 2)
	b = append(b, '-')
	b = appendPadded(b, day, 2)
	b = append(b, 'T')
	b = appendPadded(b, hour, 2)
	b = append(b, ':')
	b = appendPadded(b, minute, 2)
	b = append(b, ':')
	b = appendPadded(b, second, 2)
	if us := t.Nanosecond() / 1e3; us != 0 {
		digits := 6
		for us%10 == 0 {
			us /= 10
			digits--
		}
		b = append(b, '.')
		b = appendPadded(b, us, digits)
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	b = append(b, sign)
	b = appendPadded(b, off/3600, 2)
	b = append(b, ':')
	b = appendPadded(b, off/60%60, 2)
	if s := off % 60; s != 0 {
		b = append(b, ':')
		b = appendPadded(b, s, 2)
	}
	if bc {
		b = append(b, " BC"...)
	}
	return append(b, '"')
}

// appendPadded appends n (not negative) with leading zeros to at least width digits.
func appendPadded(b []byte, n, width int) []byte {
	var d [20]byte
	i := len(d)
	for n > 0 || width > 0 {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
		width--
	}
	return append(b, d[i:]...)
}
