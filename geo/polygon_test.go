package geo

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParsePolygonGeoJSON(t *testing.T) {
	tests := []struct {
		name string
		file string
		code Problem
	}{
		{"a square is accepted", "valid_square", ""},
		{"a clockwise square is accepted, as RFC 7946 asks parsers to", "valid_clockwise_square", ""},
		{"a square with a hole is accepted", "valid_square_with_hole", ""},
		{"two separate holes are accepted", "valid_two_holes", ""},
		{"polygons touching at a corner are accepted", "valid_multipolygon_touching_at_a_corner", ""},
		{"an island inside another polygon's hole is accepted", "valid_island_in_a_hole", ""},
		{"a repeated position is accepted, as OGC allows", "valid_repeated_position", ""},
		{"an altitude is accepted and dropped", "valid_with_altitude", ""},
		{"a bbox member is accepted", "valid_bbox_member", ""},
		{"a concave U shape is accepted", "valid_concave_u", ""},
		{"a polygon up to the antimeridian is accepted", "valid_antimeridian_edge", ""},
		{"broken JSON is a bad geometry", "bad_not_json", ProblemGeometry},
		{"an empty body is a bad geometry", "bad_empty", ProblemGeometry},
		{"null is a bad geometry", "bad_null", ProblemGeometry},
		{"a bare array is a bad geometry", "bad_json_array", ProblemGeometry},
		{"a Point is a bad geometry", "bad_point_type", ProblemGeometry},
		{"a lower-case type is a bad geometry", "bad_lowercase_type", ProblemGeometry},
		{"a Feature is a bad geometry", "bad_feature", ProblemGeometry},
		{"a missing type is a bad geometry", "bad_no_type", ProblemGeometry},
		{"a crs member is a bad geometry", "bad_crs_member", ProblemGeometry},
		{"missing coordinates are a bad geometry", "bad_no_coordinates", ProblemGeometry},
		{"empty coordinates are a bad geometry", "bad_empty_coordinates", ProblemGeometry},
		{"a polygon without rings is a bad geometry", "bad_polygon_without_rings", ProblemGeometry},
		{"a string coordinate is a bad geometry", "bad_string_coordinate", ProblemGeometry},
		{"a ring given where rings belong is a bad geometry", "bad_flat_coordinates", ProblemGeometry},
		{"a position with one number is a bad geometry", "bad_one_number_position", ProblemGeometry},
		{"a position with four numbers is a bad geometry", "bad_four_number_position", ProblemGeometry},
		{"a longitude past 180 is out of range", "bad_longitude_out_of_range", ProblemRange},
		{"a latitude past 90 is out of range", "bad_latitude_out_of_range", ProblemRange},
		{"a number too big for a float64 is a bad geometry", "bad_huge_number", ProblemGeometry},
		{"a ring of three positions is a bad geometry", "bad_three_positions", ProblemGeometry},
		{"an unclosed ring is a bad geometry", "bad_unclosed", ProblemGeometry},
		{"a ring of two distinct positions is a bad geometry", "bad_two_distinct_positions", ProblemGeometry},
		{"a ring of collinear positions has zero area", "bad_zero_area", ProblemGeometry},
		{"a bow-tie crosses itself", "bad_bowtie", ProblemGeometry},
		{"a spike doubles back on itself", "bad_spike", ProblemGeometry},
		{"a ring through one vertex twice touches itself", "bad_self_touching_vertex", ProblemGeometry},
		{"a vertex on the ring's own edge touches itself", "bad_vertex_on_own_edge", ProblemGeometry},
		{"a ring running back along its own edge is a bad geometry", "bad_overlapping_edges_in_ring", ProblemGeometry},
		{"a hole outside its shell is a bad geometry", "bad_hole_outside_shell", ProblemGeometry},
		{"a hole crossing its shell is a bad geometry", "bad_hole_crossing_shell", ProblemGeometry},
		{"a hole touching its shell is a bad geometry", "bad_hole_touching_shell", ProblemGeometry},
		{"a hole inside a hole is a bad geometry", "bad_nested_holes", ProblemGeometry},
		{"a hole equal to its shell is a bad geometry", "bad_hole_equal_to_shell", ProblemGeometry},
		{"a polygon inside another is an overlap", "bad_polygon_inside_polygon", ProblemGeometry},
		{"crossing polygons are an overlap", "bad_crossing_polygons", ProblemGeometry},
		{"polygons sharing an edge are a bad geometry", "bad_polygons_sharing_an_edge", ProblemGeometry},
		{"the same polygon twice is a bad geometry", "bad_same_polygon_twice", ProblemGeometry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp, err := ParsePolygonGeoJSON(readPolygon(t, tt.file), 1000)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				checkParsedPolygon(t, mp)
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%T), want *Error %s", err, err, tt.code)
			}
			if e.Problem != tt.code {
				t.Errorf("got %s %q, want %s", e.Problem, e.Message, tt.code)
			}
		})
	}
}

// TestPolygonMessages pins the wording clients see for every file under
// testdata/polygons; run with -update after changing a message on purpose.
func TestPolygonMessages(t *testing.T) {
	files, err := filepath.Glob("testdata/polygons/*.geojson")
	if err != nil || len(files) == 0 {
		t.Fatalf("no polygon files: %v", err)
	}
	var out bytes.Buffer
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".geojson")
		mp, err := ParsePolygonGeoJSON(readPolygon(t, name), 1000)
		var e *Error
		switch {
		case err == nil:
			n := 0
			for _, p := range mp {
				for _, r := range p {
					n += len(r)
				}
			}
			fmt.Fprintf(&out, "%s: ok, %d polygons, %d positions\n", name, len(mp), n)
		case errors.As(err, &e):
			fmt.Fprintf(&out, "%s: %s: %s\n", name, e.Problem, e.Message)
		default:
			t.Fatalf("%s: got %T, want *Error", name, err)
		}
	}
	golden(t, "testdata/polygons.golden", out.Bytes())
}

func TestParsePolygonGeoJSONVertexLimit(t *testing.T) {
	raw := readPolygon(t, "valid_square_with_hole")
	tests := []struct {
		name  string
		limit int
		msg   string
	}{
		{"a polygon at the limit is accepted", 10, ""},
		{"no limit accepts it", 0, ""},
		{"a polygon over the limit is too complex and names the limit", 9, "polygon has 10 vertices; the limit is 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolygonGeoJSON(raw, tt.limit)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Problem != ProblemComplexity || e.Message != tt.msg {
				t.Errorf("got %v, want TOO_COMPLEX %q", err, tt.msg)
			}
		})
	}
}

// slowdown scales the time limits of speed tests; race_test.go raises it.
var slowdown = 1

func TestParsePolygonGeoJSONSpeed(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		code Problem
	}{
		{"a 10,000-vertex star polygon is checked quickly", starPolygon(10_000), ""},
		{"a 10,000-vertex comb of horizontal teeth is checked quickly", combPolygon(10_000, 0), ""},
		{"a 10,000-vertex spiral of 40 turns is checked quickly", spiralPolygon(10_000, 40), ""},
		{"a 10,000-vertex comb of diagonal teeth is turned away quickly", combPolygon(10_000, 45), ProblemComplexity},
		{"a 10,000-vertex bow-tie is rejected quickly", bowtiePolygon(10_000), ProblemGeometry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := ParsePolygonGeoJSON(tt.raw, 0)
			took := time.Since(start)
			var e *Error
			switch {
			case tt.code == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.code != "" && (!errors.As(err, &e) || e.Problem != tt.code):
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			// Generous for slow CI machines; the benchmark shows the real
			// figure.
			if took > time.Duration(slowdown)*500*time.Millisecond {
				t.Errorf("took %v", took)
			}
		})
	}
}

func FuzzParsePolygonGeoJSON(f *testing.F) {
	files, _ := filepath.Glob("testdata/polygons/*.geojson")
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	for _, s := range []string{
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}`,
		`{"type":"Polygon","coordinates":[[[NaN,0],[1,0],[1,1],[NaN,0]]]}`,
		`{"type":"Polygon","coordinates":[[[1e308,1e308],[-1e308,0],[0,-1e308],[1e308,1e308]]]}`,
		`{"type":"Polygon","coordinates":[[[-0,0],[0,-0],[1,1],[-0,0]]]}`,
		`{"type":"Polygon","crs":null,"coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[0,0],[1,0],[1,1],[0,0]]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]],"type":"Point"}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]],[[0.5,0.25],[0.75,0.5],[0.6,0.3],[0.5,0.25]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1e-300,0],[1e-300,1e-300],[0,0]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[5e-324,0],[0,5e-324],[0,0]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]`,
		`{"type":"\u0050olygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`,
		"{\"type\":\"\xff\xfe\",\"coordinates\":[]}",
		`[]`, `""`, `0`, `{}`, `{"type":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		mp, err := ParsePolygonGeoJSON(raw, 2000)
		if err != nil {
			checkError(t, err)
			return
		}
		checkParsedPolygon(t, mp)
	})
}

func BenchmarkParsePolygonGeoJSON(b *testing.B) {
	raw := starPolygon(10_000)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePolygonGeoJSON(raw, 0); err != nil {
			b.Fatal(err)
		}
	}
}
