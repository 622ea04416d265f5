package store

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// querier is what a read needs of a pool: the primary's or a replica's.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// replica is one streaming replica reads may go to, with what its poller last saw.
type replica struct {
	name     string // host:port, for metrics and logs (no credentials)
	pool     *pgxpool.Pool
	replayed atomic.Uint64 // WAL position replayed, as bytes from 0/0
	lagNanos atomic.Int64  // how long ago the primary first wrote what it has not replayed
	healthy  atomic.Bool   // its last poll answered
	serving  atomic.Bool   // in rotation: healthy and within the lag bound
	reads    atomic.Uint64
}

// router sends reads to replicas that are close enough to the primary, and remembers
// the primary's recent WAL positions so that a replica's lag can be told in time.
type router struct {
	replicas []*replica
	maxLag   time.Duration
	poll     time.Duration
	next     atomic.Uint32

	mu      sync.Mutex
	samples []lsnSample // the primary's insert position over time, oldest first

	primaryLSN atomic.Uint64
	// Reads the primary served, by why: the caller asked for it (a mutation, live
	// updates), no replica had replayed the caller's position, or none was in rotation.
	forced, behind, none atomic.Uint64
}

type lsnSample struct {
	at  time.Time
	lsn uint64
}

// maxSamples bounds the primary's position history: at one sample a poll, lags longer
// than this many polls are reported as at least that long, which is past any sane bound.
const maxSamples = 4096

// routeKey marks a context's reads as needing the primary or a position.
type routeKey struct{}

type route struct {
	primary bool
	minLSN  uint64
}

// WithPrimary sends every read made with ctx to the primary: a mutation's own reads and
// anything that must see what was just committed.
func WithPrimary(ctx context.Context) context.Context {
	return context.WithValue(ctx, routeKey{}, route{primary: true})
}

// WithMinLSN lets ctx's reads go to a replica only once it has replayed lsn (a position
// a write answered with); otherwise they go to the primary.
func WithMinLSN(ctx context.Context, lsn LSN) context.Context {
	r, _ := ctx.Value(routeKey{}).(route)
	if uint64(lsn) > r.minLSN {
		r.minLSN = uint64(lsn)
	}
	return context.WithValue(ctx, routeKey{}, r)
}

// read is the pool a read made with ctx goes to.
func (s *Store) read(ctx context.Context) querier {
	rt := s.router
	if rt == nil {
		return s.pool
	}
	r, _ := ctx.Value(routeKey{}).(route)
	if r.primary {
		rt.forced.Add(1)
		return s.pool
	}
	n := len(rt.replicas)
	start := int(rt.next.Add(1))
	serving := false
	for i := range n {
		rep := rt.replicas[(start+i)%n]
		if !rep.serving.Load() {
			continue
		}
		serving = true
		if rep.replayed.Load() >= r.minLSN {
			rep.reads.Add(1)
			return rep.pool
		}
	}
	if serving {
		rt.behind.Add(1)
	} else {
		rt.none.Add(1)
	}
	return s.pool
}

func newRouter(ctx context.Context, urls []string, o Options) (*router, error) {
	rt := &router{maxLag: o.MaxReplicaLag, poll: o.ReplicaPoll}
	for _, u := range urls {
		cfg, err := poolConfig(u, o)
		if err != nil {
			return nil, fmt.Errorf("replica: %w", err)
		}
		cfg.MinConns = 0
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			rt.close()
			return nil, fmt.Errorf("open replica pool: %w", err)
		}
		rt.replicas = append(rt.replicas, &replica{name: hostOf(u), pool: pool})
	}
	return rt, nil
}

func (rt *router) close() {
	for _, r := range rt.replicas {
		r.pool.Close()
	}
}

// hostOf is a URL's host and port, without its credentials.
func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Host
	}
	if c, err := pgconn.ParseConfig(u); err == nil {
		return fmt.Sprintf("%s:%d", c.Host, c.Port)
	}
	return "replica"
}

// watch polls the primary's position and every replica's replay position until ctx ends,
// taking a replica out of rotation while it lags past the bound or does not answer, and
// putting it back once it is within half the bound again.
func (rt *router) watch(ctx context.Context, primary *pgxpool.Pool) {
	t := time.NewTicker(rt.poll)
	defer t.Stop()
	for {
		rt.pollOnce(ctx, primary)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

const lsnBytes = `pg_wal_lsn_diff(%s, '0/0')::int8`

var (
	primaryLSNSQL = `SELECT ` + fmt.Sprintf(lsnBytes, `pg_current_wal_insert_lsn()`)
	// A member that is no longer in recovery (promoted) has replayed all it has.
	replayLSNSQL = `SELECT CASE WHEN pg_is_in_recovery() THEN ` + fmt.Sprintf(lsnBytes, `pg_last_wal_replay_lsn()`) +
		` ELSE ` + fmt.Sprintf(lsnBytes, `pg_current_wal_insert_lsn()`) + ` END`
)

func (rt *router) pollOnce(ctx context.Context, primary *pgxpool.Pool) {
	pctx, cancel := context.WithTimeout(ctx, rt.poll+time.Second)
	defer cancel()
	now := time.Now()
	var p int64
	if err := primary.QueryRow(pctx, primaryLSNSQL).Scan(&p); err == nil {
		rt.primaryLSN.Store(uint64(p))
		rt.mu.Lock()
		if n := len(rt.samples); n == 0 || rt.samples[n-1].lsn != uint64(p) {
			if n == maxSamples {
				rt.samples = append(rt.samples[:0], rt.samples[1:]...)
			}
			rt.samples = append(rt.samples, lsnSample{at: now, lsn: uint64(p)})
		}
		rt.mu.Unlock()
	}
	var wg sync.WaitGroup
	for _, r := range rt.replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lsn int64
			if err := r.pool.QueryRow(pctx, replayLSNSQL).Scan(&lsn); err != nil {
				r.healthy.Store(false)
				r.serving.Store(false)
				return
			}
			r.replayed.Store(uint64(lsn))
			r.healthy.Store(true)
			lag := rt.lagOf(uint64(lsn), now)
			r.lagNanos.Store(int64(lag))
			switch {
			case lag > rt.maxLag:
				r.serving.Store(false)
			case lag <= rt.maxLag/2:
				r.serving.Store(true)
			}
		}()
	}
	wg.Wait()
}

// lagOf is how long ago the primary first stood past replayed: the age of the oldest
// write the replica has not replayed (0 when it has replayed all the primary had).
func (rt *router) lagOf(replayed uint64, now time.Time) time.Duration {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, s := range rt.samples {
		if s.lsn > replayed {
			return now.Sub(s.at)
		}
	}
	return 0
}

// ReplicaStat is what /metrics shows of one replica.
type ReplicaStat struct {
	Name       string
	Healthy    bool
	Serving    bool
	Lag        time.Duration
	LagBytes   uint64
	Reads      uint64
	ReplayedAt LSN
}

// RoutingStat counts where reads went.
type RoutingStat struct {
	Replicas []ReplicaStat
	// Reads the primary served: asked for, no replica had the caller's position, none in rotation.
	PrimaryForced, PrimaryBehind, PrimaryNoReplica uint64
}

// Routing reports the replicas and where reads went; nil without replicas.
func (s *Store) Routing() *RoutingStat {
	if s == nil || s.router == nil {
		return nil
	}
	rt := s.router
	st := &RoutingStat{PrimaryForced: rt.forced.Load(), PrimaryBehind: rt.behind.Load(), PrimaryNoReplica: rt.none.Load()}
	p := rt.primaryLSN.Load()
	for _, r := range rt.replicas {
		rs := ReplicaStat{Name: r.name, Healthy: r.healthy.Load(), Serving: r.serving.Load(),
			Lag: time.Duration(r.lagNanos.Load()), Reads: r.reads.Load(), ReplayedAt: LSN(r.replayed.Load())}
		if rp := r.replayed.Load(); p > rp {
			rs.LagBytes = p - rp
		}
		st.Replicas = append(st.Replicas, rs)
	}
	return st
}
