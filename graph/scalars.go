package graph

import (
	"time"

	"github.com/99designs/gqlgen/graphql"

	"gridhub/model"
)

// MarshalDateTime writes a DateTime as RFC 3339 (gqlgen's Time).
func MarshalDateTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalDateTime reads an RFC 3339 timestamp; anything else is BAD_INPUT saying
// what is expected.
func UnmarshalDateTime(v any) (time.Time, error) {
	if s, ok := v.(string); ok && s != "" {
		if t, err := graphql.UnmarshalTime(s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, model.Errorf(model.CodeBadInput, "a DateTime is an RFC 3339 timestamp such as 2026-12-01T08:00:00+08:00")
}
