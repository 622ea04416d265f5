package model

import "fmt"

// Error codes clients can rely on (extensions.code).
const (
	CodeBadInput            = "BAD_INPUT"
	CodeBadArea             = "BAD_AREA"
	CodeBadGeometry         = "BAD_GEOMETRY"
	CodeBadCursor           = "BAD_CURSOR"
	CodeOutOfRange          = "OUT_OF_RANGE"
	CodeNotFound            = "NOT_FOUND"
	CodeForbidden           = "FORBIDDEN"
	CodeUnauthenticated     = "UNAUTHENTICATED"
	CodeTooComplex          = "TOO_COMPLEX"
	CodeRateLimited         = "RATE_LIMITED"
	CodeInvalidTransition   = "INVALID_TRANSITION"
	CodeIdempotencyConflict = "IDEMPOTENCY_CONFLICT"
	CodeUnavailable         = "UNAVAILABLE"
	CodeInternal            = "INTERNAL"
)

// Error is an error whose message is safe to show a client, with a stable code.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf makes an Error with a formatted message.
func Errorf(code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}
