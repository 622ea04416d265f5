package store

import (
	"context"
	"time"

	"gridhub/model"
)

// DueAtInSQL is the due time a report of category at t is filed with, computed as the
// report statement computes it.
func (s *Store) DueAtInSQL(ctx context.Context, category string, t time.Time) (time.Time, error) {
	var due time.Time
	err := s.pool.QueryRow(ctx, `SELECT `+dueAtSQL("$2::timestamptz", "$3::text")+` FROM incident_categories c WHERE c.name = $1`,
		category, t, t.In(model.Beijing).Format("20060102")).Scan(&due)
	return due, err
}
