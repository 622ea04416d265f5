package httpapi

import (
	"context"
	"errors"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"gridhub/geo"
	"gridhub/internal/problems"
	"gridhub/internal/requestid"
	"gridhub/model"
	"gridhub/store"
)

var errPanic = errors.New("panic")

// problemCodes are the error codes of geo's input problems.
var problemCodes = problems.Codes

// presenter gives every error a stable extensions.code and a message safe to show:
// ours say what was wrong; anything else is logged in full and answered as INTERNAL
// with the request id.
func presenter(log *slog.Logger, m *metrics) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		var coded *model.Error
		var invalid *geo.Error
		code, _ := gerr.Extensions["code"].(string)
		switch {
		case errors.As(err, &coded):
			code, gerr.Message = coded.Code, coded.Message
		case errors.As(err, &invalid):
			code, gerr.Message = problemCodes[invalid.Problem], invalid.Message
		case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
			// The client went away; nobody reads this answer, and it is not our fault
			// (the request is logged once, see graphql.go).
			code, gerr.Message = model.CodeUnavailable, "the request was cancelled"
		case errors.Is(err, store.ErrUnavailable):
			code, gerr.Message = model.CodeUnavailable, "the database is unavailable; try again shortly"
		case errors.Is(err, store.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
			// The database is up: the request had more work than time (see tiles.fail).
			code, gerr.Message = model.CodeUnavailable, "the request took too long and was stopped"
		case code == "COMPLEXITY_LIMIT_EXCEEDED":
			code = model.CodeTooComplex
		case code != "":
			// gqlgen's own parse and validation errors keep their codes and messages.
		case isInputError(err):
			code = model.CodeBadInput
		case inArgument(ctx, gerr):
			// A conversion of ours that failed without saying why in words fit to show.
			log.InfoContext(ctx, "argument refused", "err", err.Error(), "path", gerr.Path.String())
			code, gerr.Message = model.CodeBadInput, "the value at "+gerr.Path.String()+" is not valid for its type"
		default:
			log.ErrorContext(ctx, "internal error", "err", err.Error(), "path", gerr.Path.String())
			code, gerr.Message = model.CodeInternal, "internal error (request id "+requestid.From(ctx)+")"
		}
		if gerr.Extensions == nil {
			gerr.Extensions = map[string]any{}
		}
		gerr.Extensions["code"] = code
		m.errors.WithLabelValues(code).Inc()
		return gerr
	}
}

// inArgument reports whether the error lies inside the field's arguments (its path goes
// on past the field's into an argument and its members): it is about the caller's
// input, whatever the conversion that failed.
func inArgument(ctx context.Context, gerr *gqlerror.Error) bool {
	fc := graphql.GetFieldContext(ctx)
	return fc != nil && len(gerr.Path) > len(fc.Path())
}

// isInputError reports gqlgen's own messages about argument values (a gqlerror that
// wraps nothing): they describe the caller's input, not our internals.
func isInputError(err error) bool {
	var g *gqlerror.Error
	return errors.As(err, &g) && g.Err == nil && g.Message != ""
}
