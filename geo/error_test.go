package geo

import (
	"errors"
	"testing"
)

func TestError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code Problem
		msg  string
	}{
		{"an area error reports its code and message", errorf(ProblemArea, "bbox must have %d numbers", 4), ProblemArea, "bbox must have 4 numbers"},
		{"a range error formats numbers the way they were sent", errorf(ProblemRange, "lon %s is outside", num(180.5)), ProblemRange, "lon 180.5 is outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e *Error
			if !errors.As(tt.err, &e) {
				t.Fatalf("got %T, want *Error", tt.err)
			}
			if got := e.Problem; got != tt.code {
				t.Errorf("code: got %q, want %q", got, tt.code)
			}
			if got := e.Error(); got != tt.msg {
				t.Errorf("message: got %q, want %q", got, tt.msg)
			}
		})
	}
}
