package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"gridhub/geo"
	"gridhub/internal/requestid"
	"gridhub/model"
	"gridhub/store"
)

func TestPresenterGivesEveryErrorACode(t *testing.T) {
	var logged strings.Builder
	log := slog.New(requestid.Handler(slog.NewTextHandler(&logged, nil)))
	present := presenter(log, newMetrics(prometheus.NewRegistry(), nil))
	ctx := requestid.With(context.Background(), "req12345")
	t.Run("each of geo's problems has its code", func(t *testing.T) {
		for _, p := range geo.Problems {
			if problemCodes[p] == "" {
				t.Errorf("geo problem %q has no error code", p)
			}
		}
		if g := present(ctx, &geo.Error{Problem: geo.ProblemGeometry, Message: "ring 0 is open"}); g.Extensions["code"] != model.CodeBadGeometry || g.Message != "ring 0 is open" {
			t.Errorf("got %v %q", g.Extensions, g.Message)
		}
	})
	for _, c := range []struct {
		name, code string
		err        error
	}{
		{"ours keep their code and message", model.CodeForbidden, model.Errorf(model.CodeForbidden, "no")},
		{"the database out of reach is UNAVAILABLE", model.CodeUnavailable, store.ErrUnavailable},
		{"a request out of time is UNAVAILABLE", model.CodeUnavailable, context.DeadlineExceeded},
		{"anything else is INTERNAL, with the request id and nothing of the cause", model.CodeInternal, errors.New(`pq: relation "grids" does not exist`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := present(ctx, c.err)
			if g.Extensions["code"] != c.code || strings.Contains(g.Message, "relation") {
				t.Errorf("got %v %q", g.Extensions, g.Message)
			}
		})
	}
	if !strings.Contains(logged.String(), "id=req12345") || !strings.Contains(logged.String(), `relation`) {
		t.Errorf("the internal error's log line lacks its request id or cause: %s", logged.String())
	}
}
