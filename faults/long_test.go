//go:build faults

package faults

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The long cases, run by make faults (go test -tags faults ./faults).

// TestDatabaseDownAMinute stops PostgreSQL for a minute, cleanly and by killing it.
func TestDatabaseDownAMinute(t *testing.T) {
	for _, mode := range []string{"fast", "immediate"} {
		t.Run(mode, func(t *testing.T) { databaseOutage(t, mode, time.Minute, 90*time.Second) })
	}
}

// TestHubKilledRepeatedly kills the hub five times under load.
func TestHubKilledRepeatedly(t *testing.T) {
	scenario(t, 40*time.Second, 12, 4, 6, nil, func(c *cluster, h *hub, l *load) {
		for range 5 {
			h.kill()
			start := time.Now()
			h.start()
			t.Logf("killed and started again: serving after %s", time.Since(start).Round(time.Millisecond))
			time.Sleep(3 * time.Second)
		}
	})
}

// TestVerySlowDatabase holds every database answer for two seconds for a minute.
func TestVerySlowDatabase(t *testing.T) { slowDatabase(t, 2*time.Second, 90*time.Second) }

// TestThousandSubscribers: a thousand subscribers connect, drop and reconnect at once,
// in waves, while a reader asks as a map screen would; the reader's latency is reported.
func TestThousandSubscribers(t *testing.T) {
	var l *load
	var stop context.CancelFunc
	var wg sync.WaitGroup
	churn(t, 1000, 3, func(h *hub) {
		l = newLoad(h.url())
		var ctx context.Context
		ctx, stop = context.WithCancel(context.Background())
		wg.Go(func() { l.run(ctx, 0, 1) })
	})
	stop()
	wg.Wait()
	t.Logf("a reader during the churn: %s", percentiles(l.takeTimes()))
}

// TestSoak runs a steady mixed load for GRIDHUB_SOAK (30m by default) and samples the
// hub every 30 s: its heap, goroutines, open files and database connections must not
// grow, and the requests' p99 is reported per interval.
func TestSoak(t *testing.T) {
	d := 30 * time.Minute
	if v, err := time.ParseDuration(os.Getenv("GRIDHUB_SOAK")); err == nil {
		d = v
	}
	c := newCluster(t)
	policy := district(t, c)
	h := startHub(t, c.url("gridhub"), policy)
	l := newLoad(h.url())
	ctx, stop := context.WithCancel(context.Background())
	subs := l.subscribe(ctx, 20)
	var wg sync.WaitGroup
	wg.Go(func() { l.run(ctx, 4, 4) })
	type sample struct{ heap, goroutines, fds, conns float64 }
	read := func() sample {
		f := func(name string) float64 { v, _ := strconv.ParseFloat(h.metric(name), 64); return v }
		return sample{f("go_memstats_heap_inuse_bytes"), f("go_goroutines"), f("process_open_fds"), f(`gridhub_db_pool_connections{state="acquired"}`) + f(`gridhub_db_pool_connections{state="idle"}`)}
	}
	var samples []sample
	start := time.Now()
	for time.Since(start) < d {
		time.Sleep(30 * time.Second)
		s := read()
		samples = append(samples, s)
		t.Logf("%6s heap %5.1f MB, goroutines %4.0f, files %3.0f, connections %2.0f; %s",
			time.Since(start).Round(time.Second), s.heap/1e6, s.goroutines, s.fds, s.conns, percentiles(l.takeTimes()))
	}
	stop()
	wg.Wait()
	subs.Wait()
	t.Logf("%s", l.summary())
	t.Logf("%s", audit(t, c.url("gridhub"), l))
	if len(samples) < 4 {
		return
	}
	// After a warm-up, the last quarter of the run must hold no more than the first.
	q := len(samples) / 4
	first, last := samples[1:q+1], samples[len(samples)-q:]
	peak := func(ss []sample, f func(sample) float64) float64 {
		m := 0.0
		for _, s := range ss {
			m = max(m, f(s))
		}
		return m
	}
	for _, m := range []struct {
		name  string
		f     func(sample) float64
		slack float64
	}{
		{"heap", func(s sample) float64 { return s.heap }, 20e6},
		{"goroutines", func(s sample) float64 { return s.goroutines }, 30},
		{"open files", func(s sample) float64 { return s.fds }, 10},
		{"database connections", func(s sample) float64 { return s.conns }, 4},
	} {
		if a, b := peak(first, m.f), peak(last, m.f); b > a*1.2+m.slack {
			t.Errorf("%s grew over the soak: %.0f early, %.0f late", m.name, a, b)
		}
	}
}

// percentiles summarises request times.
func percentiles(ts []time.Duration) string {
	if len(ts) == 0 {
		return "no requests"
	}
	slices.Sort(ts)
	p := func(q float64) time.Duration {
		return ts[min(len(ts)-1, int(q*float64(len(ts))))].Round(100 * time.Microsecond)
	}
	return fmt.Sprintf("%d requests, p50 %s, p90 %s, p99 %s", len(ts), p(0.5), p(0.9), p(0.99))
}
