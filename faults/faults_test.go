// Package faults starts gridhub and PostgreSQL for real, breaks them while clients
// report, move incidents, read and listen, and audits afterwards that every
// acknowledged write exists exactly once, no timeline forked and every subscriber heard
// every change made while it was subscribed. make test runs the short cases here; the
// long ones (a minute's outage, a thousand subscribers, a half-hour soak) are built with
// the faults tag and run by make faults.
package faults

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// scenario runs the load against a fresh cluster and hub for d, calling fault at its
// middle, then stops it, waits for every client to know its outcome, and audits. The
// hub reaches the database at via's URL (the cluster's own when via is nil).
func scenario(t *testing.T, d time.Duration, writers, readers, listeners int, via func(*cluster) string, fault func(c *cluster, h *hub, l *load), env ...string) (*cluster, *hub, *load) {
	c := newCluster(t)
	policy := district(t, c)
	url := c.url("gridhub")
	if via != nil {
		url = via(c)
	}
	h := startHub(t, url, append([]string{policy}, env...)...)
	l := newLoad(h.url())
	ctx, stop := context.WithCancel(context.Background())
	subs := l.subscribe(ctx, listeners)
	time.Sleep(500 * time.Millisecond)
	var wg sync.WaitGroup
	wg.Go(func() { l.run(ctx, writers, readers) })
	time.Sleep(d / 2)
	fault(c, h, l)
	time.Sleep(d / 2)
	// Let the last changes reach the subscribers before they hang up.
	stop()
	wg.Wait()
	time.Sleep(time.Second)
	subs.Wait()
	t.Logf("%s", l.summary())
	t.Logf("%s", audit(t, c.url("gridhub"), l))
	if t.Failed() {
		t.Logf("the hub's log:\n%s", h.logs.String())
	}
	return c, h, l
}

// TestHubKilledMidWrites kills the hub with SIGKILL while it takes reports and
// transitions, and starts it again; clients retry with their idempotency keys.
func TestHubKilledMidWrites(t *testing.T) {
	scenario(t, 8*time.Second, 8, 2, 3, nil, func(c *cluster, h *hub, l *load) {
		h.kill()
		start := time.Now()
		h.start()
		t.Logf("killed and started again: serving after %s", time.Since(start).Round(time.Millisecond))
	})
}

// TestDatabaseStoppedAndStarted stops PostgreSQL (a clean fast shutdown, and an
// immediate one that kills it) under load for a few seconds: requests answer UNAVAILABLE
// rather than hang, /readyz says 503, and afterwards the pool and the live listener
// recover: writes go through and subscribers hear every change, those written while the
// listener was still reconnecting included.
func TestDatabaseStoppedAndStarted(t *testing.T) {
	for _, mode := range []string{"fast", "immediate"} {
		t.Run(mode, func(t *testing.T) { databaseOutage(t, mode, 3*time.Second, 8*time.Second) })
	}
}

func databaseOutage(t *testing.T, mode string, outage, d time.Duration) {
	scenario(t, d, 6, 2, 3, nil, func(c *cluster, h *hub, l *load) {
		c.Stop(mode)
		down := time.Now()
		time.Sleep(outage / 2)
		if s := status(h.url() + "/readyz"); s != http.StatusServiceUnavailable {
			t.Errorf("/readyz answered %d while the database was down, want 503", s)
		}
		time.Sleep(outage / 2)
		c.Start()
		up := time.Now()
		for time.Since(up) < 30*time.Second {
			if a := l.post(context.Background(), `{ stats { incidents } }`, nil); a.code == "" {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("database down %s (%s); a read succeeded %s after it was back", up.Sub(down).Round(time.Millisecond), mode, time.Since(up).Round(time.Millisecond))
		if !h.ready(time.Second) {
			t.Errorf("/readyz did not say ready once the database was back")
		}
	})
}

// TestSlowDatabase makes every answer of the database wait, longer than a request's
// deadline (2 s here) allows for some: requests still end (answered, or UNAVAILABLE
// saying they took too long), writes are acknowledged once, and the hub's memory stays
// bounded.
func TestSlowDatabase(t *testing.T) {
	slowDatabase(t, time.Second, 12*time.Second)
}

func slowDatabase(t *testing.T, delay, d time.Duration) {
	var p *slowProxy
	via := func(c *cluster) string {
		p = newSlowProxy(t, fmt.Sprintf("127.0.0.1:%d", c.Port))
		return fmt.Sprintf("postgres://gridhub:gridhub@%s/gridhub?sslmode=disable", p.addr())
	}
	_, h, _ := scenario(t, d, 16, 8, 2, via, func(c *cluster, h *hub, l *load) {
		p.delay.Store(int64(delay))
		time.Sleep(d / 3)
		rss, _ := strconv.ParseFloat(h.metric("process_resident_memory_bytes"), 64)
		t.Logf("every database answer held %s: the hub's resident memory %.0f MB", delay, rss/1e6)
		if rss > 400e6 {
			t.Errorf("the hub holds %.0f MB while the database is slow: memory is not bounded", rss/1e6)
		}
		p.delay.Store(0)
	}, "GRIDHUB_REQUEST_TIMEOUT=2s")
	t.Logf("requests that waited for the execution budget: %s", h.metric("gridhub_graphql_admission_wait_seconds_count"))
}

// TestSubscribersComeAndGo connects many subscribers at once, drops and reconnects them
// in waves, and checks that the hub is left holding no subscription and no more
// goroutines than before.
func TestSubscribersComeAndGo(t *testing.T) {
	subscriberChurn(t, 200, 3)
}

func subscriberChurn(t *testing.T, n, waves int) { churn(t, n, waves, nil) }

// churn runs waves of n subscribers against a fresh hub; during is called with the hub
// before the first wave.
func churn(t *testing.T, n, waves int, during func(*hub)) {
	c := newCluster(t)
	policy := district(t, c)
	h := startHub(t, c.url("gridhub"), policy)
	goroutines := func() int { v, _ := strconv.ParseFloat(h.metric("go_goroutines"), 64); return int(v) }
	before := goroutines()
	if during != nil {
		during(h)
	}
	l := newLoad(h.url())
	for range waves {
		ctx, stop := context.WithCancel(context.Background())
		subs := l.subscribe(ctx, n)
		deadline := time.Now().Add(60 * time.Second)
		for h.metric("gridhub_live_subscribers") != strconv.Itoa(n) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if got := h.metric("gridhub_live_subscribers"); got != strconv.Itoa(n) {
			t.Fatalf("%s subscriptions registered, want %d", got, n)
		}
		stop()
		subs.Wait()
	}
	deadline := time.Now().Add(30 * time.Second)
	for (h.metric("gridhub_live_subscribers") != "0" || goroutines() > before+10) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if got, after := h.metric("gridhub_live_subscribers"), goroutines(); got != "0" || after > before+10 {
		t.Errorf("after %d waves of %d subscribers: %s subscriptions left, goroutines %d → %d", waves, n, got, before, after)
	} else {
		t.Logf("%d waves of %d subscribers: goroutines %d before, %d after", waves, n, before, after)
	}
}
