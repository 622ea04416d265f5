package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// The district centre from DESIGN.md, in all three systems, to 6 decimals.
var (
	vectorWGS84 = orb.Point{109.8325, 40.6411}
	vectorGCJ02 = orb.Point{109.838221, 40.642252}
	vectorBD09  = orb.Point{109.844755, 40.648108}
)

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

func TestTestVector(t *testing.T) {
	tests := []struct {
		name string
		f    func(lon, lat float64) (float64, float64)
		in   orb.Point
		want orb.Point
	}{
		{"WGS84 goes to the published GCJ-02", WGS84ToGCJ02, vectorWGS84, vectorGCJ02},
		{"GCJ-02 goes to the published BD-09", GCJ02ToBD09, vectorGCJ02, vectorBD09},
		{"WGS84 goes to BD-09 through GCJ-02", func(lon, lat float64) (float64, float64) { return FromWGS84(BD09, lon, lat) }, vectorWGS84, vectorBD09},
		{"GCJ-02 comes back to WGS84", GCJ02ToWGS84, vectorGCJ02, vectorWGS84},
		{"BD-09 comes back to GCJ-02", BD09ToGCJ02, vectorBD09, vectorGCJ02},
		{"BD-09 comes back to WGS84", func(lon, lat float64) (float64, float64) { return ToWGS84(BD09, lon, lat) }, vectorBD09, vectorWGS84},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lon, lat := tt.f(tt.in[0], tt.in[1])
			if round6(lon) != tt.want[0] || round6(lat) != tt.want[1] {
				t.Errorf("got (%.6f, %.6f), want (%.6f, %.6f)", lon, lat, tt.want[0], tt.want[1])
			}
		})
	}
}

func TestRoundTripAcrossChina(t *testing.T) {
	tests := []struct {
		name string
		crs  CRS
	}{
		{"GCJ-02 round trips stay within a centimetre", GCJ02},
		{"BD-09 round trips stay within a centimetre", BD09},
		{"CGCS2000 round trips are exact", CGCS2000},
		{"WGS84 round trips are exact", WGS84},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			worst := 0.0
			for lon := 73.0; lon <= 135.0; lon += 0.7 {
				for lat := 18.0; lat <= 53.5; lat += 0.45 {
					x, y := FromWGS84(tt.crs, lon, lat)
					bx, by := ToWGS84(tt.crs, x, y)
					d := orbgeo.Distance(orb.Point{lon, lat}, orb.Point{bx, by})
					worst = max(worst, d)
					if d > 0.5 {
						t.Fatalf("(%v, %v) came back %.3f m away as (%v, %v)", lon, lat, d, bx, by)
					}
				}
			}
			if worst > 0.01 {
				t.Errorf("worst round trip %.4f m, want under 0.01 m", worst)
			}
		})
	}
}

func TestTransformsOfNonFiniteInput(t *testing.T) {
	inputs := []struct {
		name     string
		lon, lat float64
	}{
		{"NaN", math.NaN(), math.NaN()},
		{"+Inf", math.Inf(1), 40},
		{"-Inf", 110, math.Inf(-1)},
		{"huge", 1e308, -1e308},
	}
	for _, in := range inputs {
		t.Run("a "+in.name+" coordinate goes through every transform without hanging or panicking", func(t *testing.T) {
			for _, c := range []CRS{WGS84, CGCS2000, GCJ02, BD09, "nope"} {
				FromWGS84(c, in.lon, in.lat)
				ToWGS84(c, in.lon, in.lat)
			}
			BD09ToGCJ02(in.lon, in.lat)
		})
	}
}

func TestCRSValid(t *testing.T) {
	tests := []struct {
		name string
		crs  CRS
		want bool
	}{
		{"the empty CRS means WGS84", "", true},
		{"GCJ02 is known", GCJ02, true},
		{"a lower-case name is not known", "gcj02", false},
		{"EPSG codes are not accepted", "EPSG:4326", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.crs.Valid(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
