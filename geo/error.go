package geo

import (
	"fmt"
	"strconv"
)

// Problem says what was wrong with an input. The API gives each its own error code
// (BAD_AREA, BAD_GEOMETRY, TOO_COMPLEX, OUT_OF_RANGE, BAD_INPUT); the codes themselves
// are defined once, with the API's others, in package model.
type Problem string

// The problems an Error reports.
const (
	ProblemArea       Problem = "area"       // not a usable area: which members, the crs, bounds
	ProblemGeometry   Problem = "geometry"   // a GeoJSON geometry that is malformed or invalid
	ProblemComplexity Problem = "complexity" // more vertices than allowed
	ProblemRange      Problem = "range"      // a number outside its range
	ProblemInput      Problem = "input"      // any other malformed argument
)

// Problems lists every Problem, for the API to check that it has a code for each.
var Problems = []Problem{ProblemArea, ProblemGeometry, ProblemComplexity, ProblemRange, ProblemInput}

// Error is a user-safe validation error. Its message is written for the client that
// sent the input: it names what was wrong and where, and never includes internals.
type Error struct {
	Problem Problem
	Message string
}

// Error returns the message, so an *Error can be shown to clients as is.
func (e *Error) Error() string { return e.Message }

func errorf(problem Problem, format string, args ...any) *Error {
	return &Error{Problem: problem, Message: fmt.Sprintf(format, args...)}
}

// num formats a coordinate for a message the shortest way that reads back
// exactly, so the client can find the number it sent.
func num(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}
