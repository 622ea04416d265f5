package geo

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// checkError fails unless err is an *Error with a code the resolvers map.
func checkError(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%T), want *Error", err, err)
	}
	if !isKnownCode(e.Problem) || e.Message == "" {
		t.Fatalf("got code %q message %q", e.Problem, e.Message)
	}
}

// checkParsedPolygon fails unless mp has what every caller relies on.
func checkParsedPolygon(t *testing.T, mp orb.MultiPolygon) {
	t.Helper()
	if len(mp) == 0 {
		t.Fatal("got an empty MultiPolygon")
	}
	for pi, p := range mp {
		if len(p) == 0 {
			t.Fatalf("polygon %d has no rings", pi)
		}
		for ri, r := range p {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				t.Fatalf("ring %d of polygon %d is short or open: %v", ri, pi, r)
			}
			for _, v := range r {
				if CheckLonLat(v[0], v[1]) != nil {
					t.Fatalf("ring %d of polygon %d has %v", ri, pi, v)
				}
			}
		}
	}
}

func readPolygon(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "polygons", name+".geojson"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update if the change is intended):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// isKnownCode reports whether code is one of the codes this package returns;
// the fuzz targets use it to catch a code that the resolvers would not map.
func isKnownCode(code Problem) bool {
	switch code {
	case ProblemArea, ProblemGeometry, ProblemComplexity, ProblemRange, ProblemInput:
		return true
	}
	return false
}

func nan() float64 { return math.NaN() }
