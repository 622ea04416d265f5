// Package importer loads a district's own data (GeoJSON, CSV, XLSX, and through GDAL
// Shapefile and GeoPackage) into a layer: it maps the file's columns onto the layer's
// fields, stages the rows in PostGIS, has them checked there and upserts them in one
// transaction (store.Import).
package importer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"gridhub/model"
)

// Record is one row of a source file: its number as the user would find it (feature
// order, or the spreadsheet's line), its feature id if it has one, its attributes as
// text, and its geometry as GeoJSON, handed to PostGIS as it is unless it must be
// converted here (nil for tables, whose coordinates are columns).
type Record struct {
	Row      int
	ID       string
	Props    map[string]string
	Geometry json.RawMessage
}

// geom is the record's geometry decoded (nil when it has none).
func (r *Record) geom() (orb.Geometry, error) {
	if len(r.Geometry) == 0 {
		return nil, nil
	}
	g, err := geojson.UnmarshalGeometry(r.Geometry)
	if err != nil {
		return nil, badFile("row %d: geometry: %v", r.Row, err)
	}
	return g.Geometry(), nil
}

// Source reads records one at a time; Next returns io.EOF after the last.
type Source interface {
	Next() (*Record, error)
	// Columns are the attribute names seen so far (all of them for tables).
	Columns() []string
	Close() error
}

// badFile is a file that cannot be read as what it claims to be.
func badFile(format string, a ...any) error {
	return model.Errorf(model.CodeBadInput, format, a...)
}

// counter counts the bytes read through it, for progress.
type counter struct {
	r io.Reader
	n atomic.Int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// geoJSONSource streams a FeatureCollection's features, or a sequence of features (one
// per line, as ogr2ogr's GeoJSONSeq writes them), never holding more than one.
type geoJSONSource struct {
	dec     *json.Decoder
	closer  io.Closer
	seq     bool
	started bool
	done    bool
	row     int
	cols    map[string]bool
	order   []string
	// CRS is what the collection's (legacy) crs member names, when it comes before the
	// features.
	CRS string
}

func newGeoJSON(r io.Reader, closer io.Closer, seq bool) *geoJSONSource {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	dec.UseNumber()
	return &geoJSONSource{dec: dec, closer: closer, seq: seq, cols: map[string]bool{}}
}

type rawFeature struct {
	Type       string                     `json:"type"`
	ID         json.RawMessage            `json:"id"`
	Geometry   json.RawMessage            `json:"geometry"`
	Properties map[string]json.RawMessage `json:"properties"`
}

func (s *geoJSONSource) Columns() []string { return s.order }
func (s *geoJSONSource) Close() error {
	if s.closer != nil {
		return s.closer.Close()
	}
	return nil
}

// start reads up to the features array, keeping the crs member if it comes first.
func (s *geoJSONSource) start() error {
	s.started = true
	if s.seq {
		return nil
	}
	if t, err := s.dec.Token(); err != nil || t != json.Delim('{') {
		return badFile("not a GeoJSON FeatureCollection: it does not begin with an object")
	}
	for s.dec.More() {
		t, err := s.dec.Token()
		if err != nil {
			return badFile("not GeoJSON: %v", err)
		}
		key, _ := t.(string)
		switch key {
		case "features":
			if t, err := s.dec.Token(); err != nil || t != json.Delim('[') {
				return badFile("not a GeoJSON FeatureCollection: features is not an array")
			}
			return nil
		case "crs":
			var c struct {
				Properties struct{ Name string } `json:"properties"`
			}
			if err := s.dec.Decode(&c); err != nil {
				return badFile("GeoJSON crs member: %v", err)
			}
			s.CRS = c.Properties.Name
		default:
			var skip json.RawMessage
			if err := s.dec.Decode(&skip); err != nil {
				return badFile("not GeoJSON: %v", err)
			}
		}
	}
	return badFile("not a GeoJSON FeatureCollection: it has no features")
}

func (s *geoJSONSource) Next() (*Record, error) {
	if !s.started {
		if err := s.start(); err != nil {
			return nil, err
		}
	}
	if s.done || (!s.seq && !s.dec.More()) {
		s.done = true
		return nil, io.EOF
	}
	var f rawFeature
	if err := s.dec.Decode(&f); err != nil {
		if s.seq && errors.Is(err, io.EOF) {
			s.done = true
			return nil, io.EOF
		}
		return nil, badFile("feature %d: not GeoJSON: %v", s.row+1, err)
	}
	s.row++
	if f.Type != "Feature" {
		return nil, badFile("feature %d: type is %q, not Feature", s.row, f.Type)
	}
	rec := &Record{Row: s.row, Props: make(map[string]string, len(f.Properties))}
	rec.ID, _ = rawText(f.ID)
	for k, v := range f.Properties {
		if !s.cols[k] {
			s.cols[k] = true
			s.order = append(s.order, k)
		}
		if t, ok := rawText(v); ok {
			rec.Props[k] = t
		}
	}
	if len(f.Geometry) > 0 && string(f.Geometry) != "null" {
		rec.Geometry = f.Geometry
	}
	return rec, nil
}

// rawText is a property's JSON value as the staging table takes it, read from its text:
// a string unquoted, a number as written (unless in exponent form), anything else as its
// JSON; ok is false for null. Decoding every value into an interface first cost a third
// of a large import's reading.
func rawText(v json.RawMessage) (string, bool) {
	switch {
	case len(v) == 0 || string(v) == "null":
		return "", false
	case v[0] == '"':
		if bytes.IndexByte(v, '\\') < 0 {
			return string(v[1 : len(v)-1]), true
		}
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			return s, true
		}
	case bytes.ContainsAny(v, "eE") && (v[0] == '-' || v[0] >= '0' && v[0] <= '9'):
		return text(json.Number(v)), true
	}
	return string(v), true
}

// text is a JSON value as the staging table takes it.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		if !strings.ContainsAny(v.String(), "eE") {
			return v.String()
		}
		f, err := v.Float64()
		if err != nil {
			return v.String()
		}
		if f == math.Trunc(f) && math.Abs(f) < 1e15 {
			return strconv.FormatInt(int64(f), 10)
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// lineError says which line of a text table failed.
func lineError(row int, err error) error {
	return badFile("row %d: %v", row, err)
}

// columnsAhead is how many GeoJSON features are read before the mapping is guessed: a
// feature may leave out a property the others have (web tools drop nulls), and the
// columns are those the features read so far name.
const columnsAhead = 1000

// lookAhead reads up to n records of a source ahead, so that Columns holds every
// attribute they name, and hands them back in order (an error met ahead comes after the
// records before it).
type lookAhead struct {
	Source
	buf []*Record
	err error
}

func newLookAhead(src Source, n int) *lookAhead {
	l := &lookAhead{Source: src}
	for len(l.buf) < n {
		r, err := src.Next()
		if err != nil {
			l.err = err
			break
		}
		l.buf = append(l.buf, r)
	}
	return l
}

func (l *lookAhead) Next() (*Record, error) {
	if len(l.buf) > 0 {
		r := l.buf[0]
		l.buf[0] = nil
		l.buf = l.buf[1:]
		return r, nil
	}
	if l.err != nil {
		return nil, l.err
	}
	return l.Source.Next()
}
