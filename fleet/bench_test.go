package fleet

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"gridhub/auth"
	"gridhub/internal/pgcluster"
	"gridhub/internal/testdb"
	"gridhub/seed"
	"gridhub/store"
)

// The map screen's read: a bbox of incidents, first page and count.
const (
	benchRead = `{ incidents(area: { bbox: [109.82, 40.63, 109.845, 40.65] }, first: 20) { totalCount edges { node { code status category } } } }`
	// benchSQL is the same read as bare SQL: the count and the page.
	benchSQL = `SELECT (SELECT count(*) FROM incidents WHERE geom && ST_MakeEnvelope(109.82, 40.63, 109.845, 40.65, 4326)),
  (SELECT json_agg(t) FROM (SELECT code, status, category FROM incidents
   WHERE geom && ST_MakeEnvelope(109.82, 40.63, 109.845, 40.65, 4326) ORDER BY id LIMIT 20) t)`
)

// benchFleet is a primary with the demo district and a streaming replica that has
// replayed it, for the benchmarks.
func benchFleet(b *testing.B) (primary, replica *pgcluster.Cluster) {
	b.Helper()
	primary = pgcluster.New(b)
	replica = primary.Replica()
	st := open(b, primary.URL("gridhub"), store.Options{})
	if _, err := seed.Run(context.Background(), st, seed.Options{Scale: 1, Reference: testdb.Reference}); err != nil {
		b.Fatal(err)
	}
	var lsn int64
	_ = st.Pool().QueryRow(context.Background(), `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::int8`).Scan(&lsn)
	r, err := pgxpool.New(context.Background(), replica.URL("gridhub"))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	eventually(b, "the replica replays the district", func() bool {
		var got int64
		_ = r.QueryRow(context.Background(), `SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::int8`).Scan(&got)
		return got >= lsn
	})
	return primary, replica
}

// BenchmarkFleetReads reads the map screen's incidents from one replica: as bare SQL,
// through one hub, and through two hubs taking turns (each its own pool, as two
// processes would have).
func BenchmarkFleetReads(b *testing.B) {
	primary, replica := benchFleet(b)
	o := store.Options{ReplicaURLs: []string{replica.URL("gridhub")}, MaxConns: 16}
	hubs := []*httptest.Server{}
	for range 2 {
		st := open(b, primary.URL("gridhub"), o)
		eventually(b, "the replica is in rotation", func() bool { return st.Routing().Replicas[0].Serving })
		hubs = append(hubs, hub(b, st, config(b)))
	}
	b.Run("bare SQL on the replica", func(b *testing.B) {
		pool, err := pgxpool.New(context.Background(), replica.URL("gridhub"))
		if err != nil {
			b.Fatal(err)
		}
		defer pool.Close()
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				var n int
				var page []byte
				if err := pool.QueryRow(context.Background(), benchSQL).Scan(&n, &page); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("%d hubs", n), func(b *testing.B) {
			var turn atomic.Uint64
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					srv := hubs[int(turn.Add(1))%n]
					if r := post(b, srv, benchRead, nil); len(r.Errors) > 0 {
						b.Errorf("%+v", r.Errors)
						return
					}
				}
			})
		})
	}
}

// BenchmarkReplicaLag files reports from 8 writers through a hub while sampling the
// replica's lag every 10 ms: the figures are its median and worst lag over the run.
func BenchmarkReplicaLag(b *testing.B) {
	primary, replica := benchFleet(b)
	st := open(b, primary.URL("gridhub"), store.Options{ReplicaURLs: []string{replica.URL("gridhub")}, MaxConns: 16, ReplicaPoll: 10 * time.Millisecond})
	h := hub(b, st, config(b))
	var lags []time.Duration
	var bytes []uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				r := st.Routing().Replicas[0]
				lags = append(lags, r.Lag)
				bytes = append(bytes, r.LagBytes)
			}
		}
	}()
	var n atomic.Int64
	b.ResetTimer()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := n.Add(1)
			r := post(b, h, `mutation($key: String!) { reportIncident(idempotencyKey: $key,
				input: { title: "井盖缺失", category: "突发事件", source: WECHAT, location: [109.8325, 40.6411] }) { id } }`,
				map[string]any{"key": fmt.Sprint("lag-", k)})
			if len(r.Errors) > 0 {
				b.Errorf("%+v", r.Errors)
				return
			}
		}
	})
	b.StopTimer()
	close(stop)
	wg.Wait()
	if len(lags) == 0 {
		return
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	sort.Slice(bytes, func(i, j int) bool { return bytes[i] < bytes[j] })
	b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "lag-p50-ms")
	b.ReportMetric(float64(lags[len(lags)-1].Microseconds())/1000, "lag-max-ms")
	b.ReportMetric(float64(bytes[len(bytes)-1]), "lag-max-bytes")
}

// BenchmarkRateLimit is what a request's rate limit costs: this process's own bucket,
// and the fleet's in Redis (one round trip to a local Redis); "guarded" also looks at the
// address's failed sign-ins, as every request does, in the same step.
func BenchmarkRateLimit(b *testing.B) {
	r := startRedis(b)
	for _, c := range []struct {
		name string
		bk   auth.Buckets
	}{{"per process", auth.LocalBuckets()}, {"fleet-wide (Redis)", r}} {
		b.Run(c.name, func(b *testing.B) {
			var i atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.bk.Take(fmt.Sprint("key:", i.Add(1)%100), 1e6, 1e6)
				}
			})
		})
		b.Run(c.name+", guarded", func(b *testing.B) {
			var i atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := i.Add(1) % 100
					c.bk.TakeGuarded(auth.Bucket{Key: fmt.Sprint("fail:", n), PerSecond: 1, Burst: 10},
						auth.Bucket{Key: fmt.Sprint("key:", n), PerSecond: 1e6, Burst: 1e6})
				}
			})
		})
	}
}
