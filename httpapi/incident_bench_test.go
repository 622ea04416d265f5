package httpapi

// Incident write throughput and live delivery latency:
//
//	TEST_DATABASE_URL=... go test -run '^$' -bench 'Report|Delivery' -benchtime 2000x ./httpapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var benchKeys atomic.Int64

func BenchmarkReportIncident16Writers(b *testing.B) {
	a := district(b)
	b.SetParallelism(8) // x GOMAXPROCS (2) = 16 concurrent writers
	b.ResetTimer()
	before := a.queries.Load()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := benchKeys.Add(1)
			r := a.do(reportMutation, map[string]any{"in": report("压测上报", "市容环境", 109.8325, 40.6411), "key": fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), k)})
			if len(r.Errors) > 0 {
				b.Errorf("report: %s", r.raw)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
	b.ReportMetric(float64(a.queries.Load()-before)/float64(b.N), "statements/op")
}

// BenchmarkReportIncidentLatency files reports one after another: the time per op is a
// report's latency with no queueing behind other writers.
func BenchmarkReportIncidentLatency(b *testing.B) {
	a := district(b)
	before := a.queries.Load()
	for b.Loop() {
		k := benchKeys.Add(1)
		r := a.do(reportMutation, map[string]any{"in": report("压测上报", "市容环境", 109.8325, 40.6411), "key": fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), k)})
		if len(r.Errors) > 0 {
			b.Fatalf("report: %s", r.raw)
		}
	}
	b.ReportMetric(float64(a.queries.Load()-before)/float64(b.N), "statements/op")
}

func BenchmarkDeliveryLatency100Subscribers(b *testing.B) {
	a := district(b)
	writer := newAPI(b, a.db, nil) // a second instance: every change crosses LISTEN/NOTIFY
	var mu sync.Mutex
	var lat []time.Duration
	const subscribers = 100
	var ready sync.WaitGroup
	for i := range subscribers {
		c := dialWS(b, a, false)
		c.subscribe(fmt.Sprint(i), `subscription { incidentChanged { code reportedAt } }`, nil)
		ready.Add(1)
		go func() {
			ready.Done()
			for {
				m, ok := c.next(30 * time.Second)
				if !ok {
					return
				}
				at := time.Now()
				// reportedAt is stamped just before the insert: the latency measured is
				// insert + commit + NOTIFY + fan-out, an upper bound on commit → delivery.
				var p struct {
					Data struct {
						IncidentChanged struct{ ReportedAt time.Time }
					}
				}
				_ = json.Unmarshal(m.Payload, &p)
				mu.Lock()
				lat = append(lat, at.Sub(p.Data.IncidentChanged.ReportedAt))
				mu.Unlock()
			}
		}()
	}
	ready.Wait()
	time.Sleep(500 * time.Millisecond)
	b.ResetTimer()
	for i := range b.N {
		var got reported
		writer.data(reportMutation, map[string]any{"in": report("时延测试", "市容环境", 109.8325, 40.6411), "key": fmt.Sprintf("lat-%d-%d", time.Now().UnixNano(), i)}, &got)
		time.Sleep(20 * time.Millisecond) // an open model: writes do not wait for delivery
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(lat)
		mu.Unlock()
		if n >= b.N*subscribers || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	if len(lat) < b.N*subscribers {
		b.Errorf("%d of %d deliveries arrived", len(lat), b.N*subscribers)
	}
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(lat)), "deliveries")
}
