package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// TestTransformGeoJSONGolden converts every geometry under testdata/transform
// to GCJ-02 and BD-09 at 7 decimals; run with -update to rewrite the golden
// files after an intended change.
func TestTransformGeoJSONGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/transform/*.geojson")
	if err != nil || len(files) == 0 {
		t.Fatalf("no input files: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".geojson")
		for _, crs := range []CRS{GCJ02, BD09} {
			t.Run(fmt.Sprintf("the %s geometry in %s matches its golden file", name, crs), func(t *testing.T) {
				raw := readFile(t, f)
				got, err := TransformGeoJSON(raw, crs, 7)
				if err != nil {
					t.Fatal(err)
				}
				if !json.Valid(got) {
					t.Fatalf("not JSON: %s", got)
				}
				golden(t, strings.TrimSuffix(f, ".geojson")+"."+strings.ToLower(string(crs))+".golden", append(got, '\n'))
			})
		}
	}
}

func TestTransformGeoJSON(t *testing.T) {
	point := []byte(`{"type":"Point","coordinates":[109.8325,40.6411]}`)

	for _, crs := range []CRS{WGS84, CGCS2000, ""} {
		t.Run(fmt.Sprintf("%q returns the input itself, uncopied", crs), func(t *testing.T) {
			got, err := TransformGeoJSON(point, crs, 3)
			if err != nil {
				t.Fatal(err)
			}
			if &got[0] != &point[0] || len(got) != len(point) {
				t.Errorf("got a copy: %s", got)
			}
		})
	}

	t.Run("the test vector point lands on the published GCJ-02 position", func(t *testing.T) {
		got, err := TransformGeoJSON(point, GCJ02, 6)
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"type":"Point","coordinates":[109.838221,40.642252]}`; string(got) != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("maxDecimals -1 leaves coordinates unrounded", func(t *testing.T) {
		got, err := TransformGeoJSON(point, BD09, -1)
		if err != nil {
			t.Fatal(err)
		}
		g, err := geojson.UnmarshalGeometry(got)
		if err != nil {
			t.Fatal(err)
		}
		lon, lat := FromWGS84(BD09, 109.8325, 40.6411)
		if p := g.Coordinates.(orb.Point); p != (orb.Point{lon, lat}) {
			t.Errorf("got %v, want %v", p, orb.Point{lon, lat})
		}
	})
	t.Run("maxDecimals 0 rounds to whole degrees", func(t *testing.T) {
		got, err := TransformGeoJSON(point, GCJ02, 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"type":"Point","coordinates":[110,41]}`; string(got) != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("a huge maxDecimals behaves like no rounding", func(t *testing.T) {
		a, _ := TransformGeoJSON(point, GCJ02, 400)
		b, _ := TransformGeoJSON(point, GCJ02, -1)
		if !bytes.Equal(a, b) {
			t.Errorf("got %s, want %s", a, b)
		}
	})
	for _, in := range []string{"null", "", "  null \n"} {
		t.Run(fmt.Sprintf("%q passes through as it is", in), func(t *testing.T) {
			got, err := TransformGeoJSON([]byte(in), GCJ02, 7)
			if err != nil || string(got) != in {
				t.Errorf("got %q, %v", got, err)
			}
		})
	}
	t.Run("an unknown crs is bad input", func(t *testing.T) {
		_, err := TransformGeoJSON(point, "EPSG:3857", 7)
		var e *Error
		if !errors.As(err, &e) || e.Problem != ProblemInput {
			t.Errorf("got %v, want ProblemInput", err)
		}
	})
	for _, in := range []string{`{"type":"Feature"}`, `{"type":"Point","coordinates":"x"}`, `{`} {
		t.Run(fmt.Sprintf("%s is an internal error, not a client's", in), func(t *testing.T) {
			_, err := TransformGeoJSON([]byte(in), GCJ02, 7)
			var e *Error
			if err == nil || errors.As(err, &e) {
				t.Errorf("got %v, want a plain error", err)
			}
		})
	}
}

func TestTransformGeometry(t *testing.T) {
	shift := func(lon, lat float64) (float64, float64) { return lon + 1, lat + 2 }
	line := orb.LineString{{0, 0}, {1, 1}}
	tests := []struct {
		name string
		in   orb.Geometry
		want orb.Geometry
	}{
		{"a point moves", orb.Point{1, 1}, orb.Point{2, 3}},
		{"a multipoint moves", orb.MultiPoint{{0, 0}}, orb.MultiPoint{{1, 2}}},
		{"a line string moves", line, orb.LineString{{1, 2}, {2, 3}}},
		{"a multi line string moves", orb.MultiLineString{line}, orb.MultiLineString{{{1, 2}, {2, 3}}}},
		{"a ring moves", orb.Ring{{0, 0}, {1, 0}, {0, 1}, {0, 0}}, orb.Ring{{1, 2}, {2, 2}, {1, 3}, {1, 2}}},
		{"a polygon moves", orb.Polygon{{{0, 0}, {1, 0}, {0, 1}, {0, 0}}}, orb.Polygon{{{1, 2}, {2, 2}, {1, 3}, {1, 2}}}},
		{"a multipolygon moves", orb.MultiPolygon{{{{0, 0}, {1, 0}, {0, 1}, {0, 0}}}}, orb.MultiPolygon{{{{1, 2}, {2, 2}, {1, 3}, {1, 2}}}}},
		{"a collection moves member by member", orb.Collection{orb.Point{0, 0}, line}, orb.Collection{orb.Point{1, 2}, orb.LineString{{1, 2}, {2, 3}}}},
		{"a bound moves", orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}, orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{2, 3}}},
		{"nil stays nil", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before orb.Geometry
			if tt.in != nil {
				before = orb.Clone(tt.in)
			}
			got := TransformGeometry(tt.in, shift)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if fmt.Sprint(tt.in) != fmt.Sprint(before) {
				t.Errorf("the input changed to %v", tt.in)
			}
		})
	}
	t.Run("a bound is the envelope of its four moved corners", func(t *testing.T) {
		// Skewing x by y means the corners that set the envelope are not
		// Min and Max.
		skew := func(lon, lat float64) (float64, float64) { return lon - lat, lat }
		got := TransformGeometry(orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}, skew)
		if want := (orb.Bound{Min: orb.Point{-1, 0}, Max: orb.Point{1, 1}}); got != want {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func BenchmarkTransformGeoJSON(b *testing.B) {
	raw := benchMultiPolygon(5_000)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := TransformGeoJSON(raw, GCJ02, 7); err != nil {
			b.Fatal(err)
		}
	}
}

// benchMultiPolygon is a MultiPolygon of n vertices in all: 50 wobbly
// polygons across the district, as a page of grid cells would be.
func benchMultiPolygon(n int) []byte {
	const polys = 50
	per := n / polys
	var mp orb.MultiPolygon
	for i := range polys {
		cx := 109.78 + 0.12*float64(i%10)/10
		cy := 40.60 + 0.10*float64(i/10)/5
		r := make(orb.Ring, per)
		for k := range per - 1 {
			th := 2 * math.Pi * float64(k) / float64(per-1)
			rad := 0.004 * (1 + 0.2*math.Sin(5*th))
			r[k] = orb.Point{cx + rad*math.Cos(th), cy + rad*math.Sin(th)}
		}
		r[per-1] = r[0]
		mp = append(mp, orb.Polygon{orb.Ring(orb.Round(r, 1e7).(orb.Ring))})
	}
	raw, err := geojson.NewGeometry(mp).MarshalJSON()
	if err != nil {
		panic(err)
	}
	return raw
}

func FuzzTransformGeoJSON(f *testing.F) {
	for _, s := range []string{
		`{"type":"Point","coordinates":[109.8325,40.6411]}`,
		`{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]}]}`,
		`{"type":"GeometryCollection","geometries":[null]}`,
		`{"type":"GeometryCollection","geometries":[{"type":"GeometryCollection","geometries":[null]}]}`,
		`{"type":"MultiPolygon","coordinates":[[[[109.8,40.6],[109.9,40.6],[109.9,40.7],[109.8,40.6]]]]}`,
		`{"type":"LineString","coordinates":[[1e308,1e308],[-1e308,0]]}`,
		`{"type":"Point","coordinates":[]}`,
		`null`, ``, `{}`, `[]`,
	} {
		f.Add([]byte(s), uint8(0), int8(7))
	}
	crss := []CRS{GCJ02, BD09, WGS84, CGCS2000, "", "nope"}
	f.Fuzz(func(t *testing.T, raw []byte, crs uint8, decimals int8) {
		to := crss[int(crs)%len(crss)]
		out, err := TransformGeoJSON(raw, to, int(decimals))
		switch {
		case err != nil:
		case to.IsWGS84():
			// Passed through unparsed: whatever came in goes out.
			if !bytes.Equal(out, raw) {
				t.Fatalf("got %q for %q", out, raw)
			}
		case len(bytes.TrimSpace(out)) > 0 && !json.Valid(out):
			t.Fatalf("output is not JSON: %s", out)
		}
	})
}
