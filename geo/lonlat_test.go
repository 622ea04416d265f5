package geo

import (
	"errors"
	"math"
	"testing"
)

func TestCheckLonLat(t *testing.T) {
	tests := []struct {
		name     string
		lon, lat float64
		code     Problem
		msg      string
	}{
		{"the district centre is accepted", 109.8325, 40.6411, "", ""},
		{"the corners of the world are accepted", -180, 90, "", ""},
		{"the antimeridian is accepted on both sides", 180, -90, "", ""},
		{"a longitude past 180 is out of range", 180.0001, 0, ProblemRange, "lon 180.0001 is outside [-180, 180]"},
		{"a latitude past the pole is out of range", 0, -90.5, ProblemRange, "lat -90.5 is outside [-90, 90]"},
		{"swapped lat/lon shows up as a latitude out of range", 40.6411, 109.8325, ProblemRange, "lat 109.8325 is outside [-90, 90]"},
		{"a NaN longitude is bad input", math.NaN(), 0, ProblemInput, "lon must be a finite number"},
		{"an infinite latitude is bad input", 0, math.Inf(-1), ProblemInput, "lat must be a finite number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckLonLat(tt.lon, tt.lat)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%T), want *Error", err, err)
			}
			if e.Problem != tt.code || e.Message != tt.msg {
				t.Errorf("got %s %q, want %s %q", e.Problem, e.Message, tt.code, tt.msg)
			}
		})
	}
}
