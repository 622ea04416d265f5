package geo

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

func TestGCJ02OffsetAtBaotou(t *testing.T) {
	// DESIGN.md: at Baotou GCJ-02 sits about 480 m east and 130 m north.
	lon, lat := WGS84ToGCJ02(vectorWGS84[0], vectorWGS84[1])
	east := orbgeo.Distance(vectorWGS84, orb.Point{lon, vectorWGS84[1]})
	north := orbgeo.Distance(vectorWGS84, orb.Point{vectorWGS84[0], lat})
	if math.Abs(east-480) > 20 || math.Abs(north-130) > 20 {
		t.Errorf("got %.0f m east, %.0f m north; want about 480 and 130", east, north)
	}
}

func TestOutsideChina(t *testing.T) {
	tests := []struct {
		name string
		p    orb.Point
	}{
		{"a point in Paris is not offset", orb.Point{2.3522, 48.8566}},
		{"a point in Tokyo is not offset", orb.Point{139.6917, 35.6895}},
		{"a point in Singapore is not offset", orb.Point{103.8198, 0.5}},
		{"the antimeridian is not offset", orb.Point{180, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if lon, lat := WGS84ToGCJ02(tt.p[0], tt.p[1]); lon != tt.p[0] || lat != tt.p[1] {
				t.Errorf("WGS84ToGCJ02 moved it to (%v, %v)", lon, lat)
			}
			if lon, lat := GCJ02ToWGS84(tt.p[0], tt.p[1]); lon != tt.p[0] || lat != tt.p[1] {
				t.Errorf("GCJ02ToWGS84 moved it to (%v, %v)", lon, lat)
			}
		})
	}
}

func TestGCJ02ToWGS84Precision(t *testing.T) {
	tests := []struct {
		name string
		p    orb.Point
	}{
		{"the district centre inverts to within 1e-7 degrees", vectorWGS84},
		{"Urumqi in the far west inverts to within 1e-7 degrees", orb.Point{87.6168, 43.8256}},
		{"Sanya in the far south inverts to within 1e-7 degrees", orb.Point{109.5119, 18.2528}},
		{"Harbin in the far north-east inverts to within 1e-7 degrees", orb.Point{126.6425, 45.7567}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lon, lat := GCJ02ToWGS84(WGS84ToGCJ02(tt.p[0], tt.p[1]))
			if math.Abs(lon-tt.p[0]) > 1e-7 || math.Abs(lat-tt.p[1]) > 1e-7 {
				t.Errorf("got (%v, %v), want (%v, %v)", lon, lat, tt.p[0], tt.p[1])
			}
		})
	}
}

func TestGCJ02AtTheEdgeOfChina(t *testing.T) {
	// Near the box's east and north edges the offset carries points out of
	// the box, where GCJ-02 is the identity, so two WGS84 points share one
	// GCJ-02 point. Either is a right answer; what must hold is that the
	// inverse gives a true preimage.
	for _, p := range []orb.Point{{72.0041, 40}, {137.8346, 45}, {110, 55.8270}, {110, 0.8294}} {
		t.Run(fmt.Sprintf("the inverse of the GCJ-02 point of %v maps back onto it", p), func(t *testing.T) {
			gLon, gLat := WGS84ToGCJ02(p[0], p[1])
			lon, lat := GCJ02ToWGS84(gLon, gLat)
			fLon, fLat := WGS84ToGCJ02(lon, lat)
			if d := orbgeo.Distance(orb.Point{gLon, gLat}, orb.Point{fLon, fLat}); d > 0.01 {
				t.Errorf("(%v, %v) maps to a point %.3f m from (%v, %v)", lon, lat, d, gLon, gLat)
			}
		})
	}
}

func BenchmarkWGS84ToGCJ02(b *testing.B) {
	var sink float64
	for i := 0; b.Loop(); i++ {
		lon, lat := WGS84ToGCJ02(109.8325+float64(i%100)*1e-4, 40.6411)
		sink += lon + lat
	}
	_ = sink
}

func BenchmarkGCJ02ToWGS84(b *testing.B) {
	var sink float64
	for i := 0; b.Loop(); i++ {
		lon, lat := GCJ02ToWGS84(109.838221+float64(i%100)*1e-4, 40.642252)
		sink += lon + lat
	}
	_ = sink
}
