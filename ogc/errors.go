package ogc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"gridhub/geo"
	"gridhub/internal/problems"
	"gridhub/internal/requestid"
	"gridhub/model"
	"gridhub/store"
)

// apiError is an answer other than 200: an HTTP status, one of the hub's stable error
// codes and a message safe to show.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, code, format string, a ...any) *apiError {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, a...)}
}

// statusOf is the HTTP status of each code the store and geo report.
var statusOf = map[string]int{
	model.CodeBadInput:    http.StatusBadRequest,
	model.CodeBadArea:     http.StatusBadRequest,
	model.CodeBadGeometry: http.StatusBadRequest,
	model.CodeBadCursor:   http.StatusBadRequest,
	model.CodeOutOfRange:  http.StatusBadRequest,
	model.CodeTooComplex:  http.StatusBadRequest,
	model.CodeNotFound:    http.StatusNotFound,
	model.CodeForbidden:   http.StatusForbidden,
}

// classify turns any error into what the client is told; ok is false for errors whose
// text must not reach it (they are logged and answered INTERNAL).
func classify(ctx context.Context, err error) (e *apiError, ok bool) {
	var ae *apiError
	var coded *model.Error
	var invalid *geo.Error
	switch {
	case errors.As(err, &ae):
		return ae, true
	case errors.As(err, &coded):
		st, known := statusOf[coded.Code]
		if !known {
			st = http.StatusBadRequest
		}
		return &apiError{status: st, code: coded.Code, msg: coded.Message}, true
	case errors.As(err, &invalid):
		return &apiError{status: http.StatusBadRequest, code: problems.Codes[invalid.Problem], msg: invalid.Message}, true
	case errors.Is(err, store.ErrUnavailable):
		return &apiError{status: http.StatusServiceUnavailable, code: model.CodeUnavailable, msg: "the database is unavailable; try again shortly"}, true
	case errors.Is(err, store.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return &apiError{status: http.StatusServiceUnavailable, code: model.CodeUnavailable, msg: "the request took too long and was stopped"}, true
	}
	return &apiError{status: http.StatusInternalServerError, code: model.CodeInternal, msg: "internal error (request id " + requestid.From(ctx) + ")"}, false
}

// exception is the OGC API exception document (code and description, as OGC API –
// Common has it; status, title and detail as RFC 9457, which later OGC API schemas use),
// with the hub's stable error code in code.
type exception struct {
	Code        string `json:"code"`
	Description string `json:"description"`
	Status      int    `json:"status"`
	Title       string `json:"title"`
	Detail      string `json:"detail"`
	RequestID   string `json:"requestId,omitempty"`
}

func newException(status int, code, msg, id string) exception {
	return exception{Code: code, Description: msg, Status: status, Title: http.StatusText(status), Detail: msg, RequestID: id}
}

// fail answers err as an OGC exception (an HTML page for a browser).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	if errors.Is(ctx.Err(), context.Canceled) {
		// The client went away: nobody is left to answer.
		return
	}
	e, ok := classify(ctx, err)
	if !ok {
		s.log.ErrorContext(ctx, "ogc request failed", "path", r.URL.Path, "err", err)
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if e.status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	doc := newException(e.status, e.code, e.msg, requestid.From(ctx))
	if f, _ := formatOf(r); f == formatHTML {
		s.html(w, r, e.status, "error", page{Title: "错误 " + strconv.Itoa(e.status), Data: doc})
		return
	}
	writeException(w, e.status, doc)
}

// Exception answers an OGC exception for a request refused before it reached the API
// (authentication, rate limits).
func Exception(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	writeException(w, status, newException(status, code, msg, ""))
}

func writeException(w http.ResponseWriter, status int, doc exception) {
	b, _ := json.Marshal(doc)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
