// Package store holds every SQL statement gridhub runs, over a pgx/v5 pool.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// ErrUnavailable wraps failures to reach the database at all.
var ErrUnavailable = errors.New("database unavailable")

// ErrTimeout wraps statements stopped because they ran out of time: the caller's deadline
// passed, or statement_timeout ended them. The database is up; the work was too much for
// the time given (or waited too long for a connection).
var ErrTimeout = errors.New("statement took too long")

// Store runs gridhub's SQL on a connection pool.
type Store struct {
	pool       *pgxpool.Pool
	router     *router // nil without replicas: every read goes to the primary
	stop       func()  // ends the replica poller
	listenURL  string
	categories categoryCache
	denseTiles tileMemory
	onDense    func(key uint64)
	partitions partitionCache
	reachMu    sync.Mutex
	reachBox   *[4]float64
	now        func() time.Time
}

// Options tunes the pool. Zero values take the defaults noted on each field.
type Options struct {
	MaxConns          int32         // 4 per core, at least 8
	StatementTimeout  time.Duration // 15s
	LockTimeout       time.Duration // 5s
	ConnectTimeout    time.Duration // 5s
	SearchPath        string        // schema to run in before public; tests use their own
	ApplicationName   string        // "gridhub"
	HealthCheckPeriod time.Duration // 15s
	Tracer            pgx.QueryTracer

	// ReplicaURLs are streaming replicas of the primary that reads may go to.
	ReplicaURLs []string
	// MaxReplicaLag takes a replica out of rotation while its oldest unreplayed write is
	// older than this (2s); it is back once within half of it.
	MaxReplicaLag time.Duration
	// ReplicaPoll is how often replicas' positions are read (100ms).
	ReplicaPoll time.Duration
	// ExecMode is how statements are sent: "" caches prepared statements per connection;
	// "exec" sends each as one unnamed extended-protocol exchange and "simple" in the
	// simple protocol, both of which work through PgBouncer in transaction mode.
	ExecMode string
	// ListenURL is a direct connection to the primary for LISTEN, when the pool's URL
	// is a transaction pooler (where a listening session cannot be held); "": the pool's.
	ListenURL string

	// Now is the clock of what "now" means to the store's answers that depend on it (fresh
	// positions, visit coverage); time.Now when nil. Tests pin it.
	Now func() time.Time
}

// Open connects to url and checks the database answers.
func Open(ctx context.Context, url string, o Options) (*Store, error) {
	o.defaults()
	cfg, err := poolConfig(url, o)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Store{pool: pool, listenURL: o.ListenURL, stop: func() {}, now: o.Now}
	if len(o.ReplicaURLs) > 0 {
		if s.router, err = newRouter(ctx, o.ReplicaURLs, o); err != nil {
			pool.Close()
			return nil, err
		}
		wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.router.watch(wctx, pool)
		}()
		s.stop = func() { stop(); <-done }
	}
	return s, nil
}

func (o *Options) defaults() {
	if o.MaxConns == 0 {
		o.MaxConns = 16
	}
	if o.StatementTimeout == 0 {
		o.StatementTimeout = 15 * time.Second
	}
	if o.LockTimeout == 0 {
		o.LockTimeout = 5 * time.Second
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = 5 * time.Second
	}
	if o.HealthCheckPeriod == 0 {
		o.HealthCheckPeriod = 15 * time.Second
	}
	if o.ApplicationName == "" {
		o.ApplicationName = "gridhub"
	}
	if o.MaxReplicaLag == 0 {
		o.MaxReplicaLag = 2 * time.Second
	}
	if o.ReplicaPoll == 0 {
		o.ReplicaPoll = 100 * time.Millisecond
	}
}

// poolConfig is the pool of url (the primary's or a replica's) with gridhub's settings.
func poolConfig(url string, o Options) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	cfg.MaxConns = o.MaxConns
	cfg.MinConns = 2
	cfg.MaxConnLifetime = time.Hour
	cfg.MaxConnIdleTime = 10 * time.Minute
	cfg.HealthCheckPeriod = o.HealthCheckPeriod
	cfg.ConnConfig.ConnectTimeout = o.ConnectTimeout
	if o.Tracer != nil {
		cfg.ConnConfig.Tracer = o.Tracer
	}
	switch o.ExecMode {
	case "":
	case "exec":
		cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	case "simple":
		cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	default:
		return nil, fmt.Errorf("exec mode %q: use exec or simple, or none", o.ExecMode)
	}
	rp := cfg.ConnConfig.RuntimeParams
	rp["application_name"] = o.ApplicationName
	// A cancelled context closes the connection on our side only; these make the server
	// itself give up on runaway statements, waits and forgotten transactions.
	rp["statement_timeout"] = fmt.Sprint(o.StatementTimeout.Milliseconds())
	rp["lock_timeout"] = fmt.Sprint(o.LockTimeout.Milliseconds())
	rp["idle_in_transaction_session_timeout"] = "30000"
	// PostGIS-heavy short queries on few cores: JIT compilation and parallel gather cost
	// more than they save (measured 2-5x slower), whatever the server's own defaults are.
	rp["jit"] = "off"
	rp["max_parallel_workers_per_gather"] = "0"
	rp["timezone"] = sessionTimeZone
	if o.SearchPath != "" {
		rp["search_path"] = pgx.Identifier{o.SearchPath}.Sanitize() + ", public"
	}
	return cfg, nil
}

// sessionTimeZone is the zone the pool's sessions write timestamps in.
const sessionTimeZone = "Asia/Shanghai"

// Now is the store's clock (Options.Now).
func (s *Store) Now() time.Time { return s.now() }

// Close closes the pool.
func (s *Store) Close() {
	s.stop()
	if s.router != nil {
		s.router.close()
	}
	s.pool.Close()
}

// Pool exposes the pool for the listener and for statistics.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// wrap names what was being done and marks connection failures as ErrUnavailable and
// statements out of time as ErrTimeout, so that the API can answer UNAVAILABLE saying
// which rather than INTERNAL. A cancelled context is left as it is: its caller is gone.
func wrap(err error, doing string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return ErrNotFound
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: %w", doing, err)
	case isConnectFailure(err):
		// Not even connected by the deadline: the database is out of reach.
		return fmt.Errorf("%s: %w: %w", doing, ErrUnavailable, err)
	case isTimeout(err):
		return fmt.Errorf("%s: %w: %w", doing, ErrTimeout, err)
	case isUnavailable(err):
		return fmt.Errorf("%s: %w: %w", doing, ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", doing, err)
}

func isConnectFailure(err error) bool {
	var connErr *pgconn.ConnectError
	return errors.As(err, &connErr)
}

// isTimeout: the context's deadline (pgx unblocks the connection when it passes) or
// 57014, query_canceled, which statement_timeout raises; pgx cancels by deadline, not by
// cancel request, so a 57014 is not the caller's own cancellation.
func isTimeout(err error) bool {
	var pgErr *pgconn.PgError
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &pgErr) && pgErr.Code == "57014"
}

func isUnavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P01-03: shutdown, crash, cannot connect now;
		// 25006: a write reached a standby, as during a failover before the new primary
		// is found (it was not made); 40001: a replica cancelled a read that conflicted
		// with what it replays (gridhub runs no serializable transactions, the other
		// cause). Both are worth a retry.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03" ||
			pgErr.Code == "25006" || pgErr.Code == "40001"
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}
