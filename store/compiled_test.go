package store_test

import (
	"context"
	"testing"
	"time"

	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/store"
)

// A compiled selection writes timestamps in SQL; they must be the text gqlgen writes for
// the same instant read by the store (RFC 3339 at UTC+8, fraction without trailing zeros).
func TestCompiledTimestampsAreGqlgens(t *testing.T) {
	db := testdb.New(t)
	for _, at := range []time.Time{
		time.Date(2026, 3, 16, 8, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 16, 23, 59, 59, 500_000_000, model.Beijing),
		time.Date(2026, 12, 31, 16, 30, 0, 120_000, time.UTC),
		time.Date(2027, 1, 1, 0, 0, 0, 999_999_000, model.Beijing),
		time.Date(1990, 6, 1, 12, 0, 0, 1_000, model.Beijing), // Shanghai kept summer time then; Beijing time does not
	} {
		var got *string
		if err := db.Store.Pool().QueryRow(context.Background(), `SELECT `+store.BeijingTime("$1::timestamptz"), at).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if want := at.In(model.Beijing).Format(time.RFC3339Nano); got == nil || *got != want {
			t.Errorf("%v: SQL writes %v, gqlgen %q", at, got, want)
		}
	}
	var null *string
	if err := db.Store.Pool().QueryRow(context.Background(), `SELECT `+store.BeijingTime("NULL::timestamptz")).Scan(&null); err != nil || null != nil {
		t.Errorf("NULL is written as %v (%v)", null, err)
	}
}
