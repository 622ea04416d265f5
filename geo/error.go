package geo

import (
	"fmt"
	"strconv"
)

// Codes carried by Error. They are the GraphQL extensions.code values, so
// they never change once published.
const (
	CodeBadArea     = "BAD_AREA"
	CodeBadGeometry = "BAD_GEOMETRY"
	CodeTooComplex  = "TOO_COMPLEX"
	CodeOutOfRange  = "OUT_OF_RANGE"
	CodeBadInput    = "BAD_INPUT"
)

// Error is a user-safe validation error with a stable code. Its message is
// written for the client that sent the input: it names what was wrong and
// where, and never includes internals.
type Error struct {
	Code    string
	Message string
}

// Error returns the message, so an *Error can be shown to clients as is.
func (e *Error) Error() string { return e.Message }

// ErrorCode returns the stable code, for the presenter that fills in
// extensions.code.
func (e *Error) ErrorCode() string { return e.Code }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// num formats a coordinate for a message the shortest way that reads back
// exactly, so the client can find the number it sent.
func num(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}
