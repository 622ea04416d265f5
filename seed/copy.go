package seed

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"

	"gridhub/store"
)

// srid is what the geometry columns' typmods require.
const srid = 4326

// geom encodes g as EWKB with SRID 4326, the form PostGIS's binary COPY input reads.
func geom(g orb.Geometry) []byte { return ewkb.MustMarshal(g, srid) }

// rows streams generated rows into COPY one at a time, so a scale-100 load never holds
// a table in memory. next returns nil at the end.
type rows struct {
	next    func() ([]any, error)
	row     []any
	err     error
	n       int64
	table   string
	started time.Time
	out     io.Writer
}

func (s *rows) Next() bool {
	if s.err != nil {
		return false
	}
	s.row, s.err = s.next()
	if s.row == nil || s.err != nil {
		return false
	}
	s.n++
	if s.out != nil && s.n%100000 == 0 {
		el := time.Since(s.started).Seconds()
		fmt.Fprintf(s.out, "seed: %s: %d rows (%.0f rows/s)\n", s.table, s.n, float64(s.n)/el)
	}
	return true
}

func (s *rows) Values() ([]any, error) { return s.row, nil }

func (s *rows) Err() error { return s.err }

// load copies the rows next yields into table and reports how long it took.
func load(ctx context.Context, tx *store.SeedTx, out io.Writer, table string, columns []string, next func() ([]any, error)) (int64, error) {
	src := &rows{next: next, table: table, started: time.Now(), out: out}
	n, err := tx.CopyRows(ctx, table, columns, src)
	if err != nil {
		return n, err
	}
	if out != nil {
		el := time.Since(src.started)
		fmt.Fprintf(out, "seed: %s: %d rows in %s (%.0f rows/s)\n", table, n, el.Round(time.Millisecond), float64(n)/el.Seconds())
	}
	return n, nil
}

// sliceRows yields the rows of a small, fully built table.
func sliceRows(all [][]any) func() ([]any, error) {
	k := 0
	return func() ([]any, error) {
		if k == len(all) {
			return nil, nil
		}
		k++
		return all[k-1], nil
	}
}

// opt turns an empty string into NULL.
func opt(s string) any {
	if s == "" {
		return nil
	}
	return s
}
