package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
)

// LSN is a position in the primary's write-ahead log, as bytes from 0/0.
type LSN uint64

// String writes the position as PostgreSQL does (pg_lsn), e.g. 16/B374D848.
func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint64(l)>>32, uint32(l)) }

var errBadLSN = errors.New("not a WAL position like 16/B374D848")

// ParseLSN reads a position written as PostgreSQL writes it.
func ParseLSN(s string) (LSN, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok || hi == "" || lo == "" || len(hi) > 8 || len(lo) > 8 {
		return 0, errBadLSN
	}
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if err1 != nil || err2 != nil {
		return 0, errBadLSN
	}
	return LSN(h<<32 | l), nil
}

// Writes collects the commit position of the writes a request made, for its answer.
type Writes struct{ lsn atomic.Uint64 }

// LSN is the position past the request's last write; 0 when it wrote nothing (or the
// store has no replicas, so that no position is needed).
func (w *Writes) LSN() LSN { return LSN(w.lsn.Load()) }

type writesKey struct{}

// WithWrites makes the store note in w where the writes made with ctx committed.
func WithWrites(ctx context.Context, w *Writes) context.Context {
	return context.WithValue(ctx, writesKey{}, w)
}

// committed notes the primary's position after a write with ctx committed: a replica
// that has replayed it shows the write. The write stands whatever this answers; without
// a position the caller's next reads are still right, only not sent to a replica sooner.
func (s *Store) committed(ctx context.Context) {
	w, _ := ctx.Value(writesKey{}).(*Writes)
	if w == nil || s.router == nil {
		return
	}
	var p int64
	if err := s.pool.QueryRow(ctx, primaryLSNSQL).Scan(&p); err != nil {
		return
	}
	for {
		old := w.lsn.Load()
		if uint64(p) <= old || w.lsn.CompareAndSwap(old, uint64(p)) {
			return
		}
	}
}

// WritesFrom is the collector WithWrites put on ctx, if any.
func WritesFrom(ctx context.Context) *Writes {
	w, _ := ctx.Value(writesKey{}).(*Writes)
	return w
}
