package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// bench is what every workload needs: the servers, the database and the run's settings.
type bench struct {
	o       options
	pool    *pgxpool.Pool
	http    *http.Client
	gridhub proc
	// peers are the other servers' processes, by target name (the ones started).
	peers map[string]*proc
}

// openPool opens the bare SQL's pool with the session settings gridhub's store uses, so
// that the two run the same statements under the same planner and time zone.
func openPool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	cfg.MaxConns = 16 // gridhub's default pool size (GRIDHUB_MAX_CONNS)
	cfg.MinConns = 2
	rp := cfg.ConnConfig.RuntimeParams
	rp["application_name"] = "gridhub-bench"
	rp["jit"] = "off"
	rp["max_parallel_workers_per_gather"] = "0"
	rp["timezone"] = "Asia/Shanghai"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database: %w", err)
	}
	return pool, nil
}

func newHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 2 * time.Minute,
		Transport: &http.Transport{
			MaxIdleConns:        maxInFlight,
			MaxIdleConnsPerHost: maxInFlight,
			IdleConnTimeout:     time.Minute,
			// Neither server compresses; asking would only add work to the client.
			DisableCompression: true,
		},
	}
}

var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// send makes one HTTP request and reads the whole answer into buf. A status other than
// 200 or an answer that starts with GraphQL errors is an error.
func (b *bench) send(ctx context.Context, method, url string, body []byte, buf *bytes.Buffer) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	// gridhub's servers are called with the benchmark's key; the peers take none.
	if !b.isPeer(url) {
		req.Header.Set("Authorization", "Bearer "+b.o.Key)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %d: %.300s", method, url, resp.StatusCode, buf.Bytes())
	}
	// Both servers write "errors" first when there are any (graphql-js and gridhub alike).
	if bytes.HasPrefix(buf.Bytes(), []byte(`{"errors"`)) {
		return fmt.Errorf("%s: %.500s", url, buf.Bytes())
	}
	return nil
}

func (b *bench) isPeer(url string) bool {
	for _, p := range []string{b.o.Peer, b.o.Peer5, b.o.Featureserv, b.o.Tileserv} {
		if p != "" && strings.HasPrefix(url, p) {
			return true
		}
	}
	return false
}

// fetch is send for the correctness checks: it returns the answer.
func (b *bench) fetch(ctx context.Context, method, url string, body []byte) ([]byte, error) {
	var buf bytes.Buffer
	err := b.send(ctx, method, url, body, &buf)
	return buf.Bytes(), err
}

// request returns the timed form of one HTTP request.
func (b *bench) request(method, url string, body []byte) request {
	return func(ctx context.Context) (int, error) {
		buf := bufs.Get().(*bytes.Buffer)
		defer bufs.Put(buf)
		err := b.send(ctx, method, url, body, buf)
		return buf.Len(), err
	}
}

// gql encodes a GraphQL request body.
func gql(query string, vars map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		panic(err) // only our own literals are encoded
	}
	return b
}

// sqlBytes returns the timed form of a bare statement giving one bytea, text or json
// value, the whole answer built by PostgreSQL.
func (b *bench) sqlBytes(sql string, args ...any) request {
	return func(ctx context.Context) (int, error) {
		var out []byte
		if err := b.pool.QueryRow(ctx, sql, args...).Scan(&out); err != nil {
			return 0, err
		}
		return len(out), nil
	}
}

// queryBytes runs a bare statement once, for the checks.
func (b *bench) queryBytes(ctx context.Context, sql string, args ...any) ([]byte, error) {
	var out []byte
	err := b.pool.QueryRow(ctx, sql, args...).Scan(&out)
	return out, err
}

// count runs a count(*) statement.
func (b *bench) count(ctx context.Context, sql string, args ...any) (int, error) {
	var n int
	err := b.pool.QueryRow(ctx, sql, args...).Scan(&n)
	return n, err
}
