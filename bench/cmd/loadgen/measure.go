package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"
)

// target is one way of answering a workload: gridhub, the bare SQL, or a peer server.
type target struct {
	name string
	do   request
}

// workload is one hot path whose answers were already checked: gridhub's equals the bare
// SQL's (and the peer's) before anything is timed.
type workload struct {
	ID, Title     string
	Gridhub, Bare target
	Peers         []target // PostGraphile v4 and v5, pg_featureserv, pg_tileserv: closed-loop runs only
	Conc          []int    // closed-loop concurrencies
	Check         string   // what the check compared
	Notes         []string
	stmts         map[int]int                     // W6: SQL statements per request by page size
	after         func(ctx context.Context) error // tidies up after the runs (W7)
}

// outcome is a workload's figures, as written to the results JSON.
type outcome struct {
	ID, Title, Check string
	Err              string `json:",omitempty"` // the set-up or check failed: nothing was timed
	Conc             []int
	// ReqPerSec is the median over the rounds, by target and concurrency.
	ReqPerSec map[string]map[int]float64
	// Rate is the open model's request rate, the same for gridhub and the bare SQL.
	Rate    float64
	Latency map[string]quantiles // open model, all rounds pooled
	// RoundRatios is gridhub's p50 over the bare SQL's in each round, and Ratio their
	// median: a burst of other work on the machine during one round's run moves one
	// ratio, not the figure.
	RoundRatios []float64
	Ratio       float64
	Bytes       int // of one gridhub answer
	// CPUSeconds and Requests are gridhub's over all its runs of the workload.
	CPUSeconds float64
	Requests   int
	// AllocMB and GCs are what gridhub's Go runtime allocated and collected meanwhile.
	AllocMB float64
	GCs     float64
	// PeerCPUSeconds and PeerRequests are each peer's, by name.
	PeerCPUSeconds map[string]float64
	PeerRequests   map[string]int
	// PeakRSSMB is gridhub's peak RSS during its runs, by closed-loop concurrency
	// (0: the open-model runs).
	PeakRSSMB  map[int]float64
	Errors     map[string]int
	FirstError string `json:",omitempty"`
	Notes      []string
	// Load is the machine's 1-minute load average when the workload started and ended:
	// above the core count, something else competed for the CPU.
	Load [2]float64
	// Statements is W6's SQL statements per request, by page size.
	Statements map[int]int `json:",omitempty"`
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// measure times w: a calibration, then rounds in which gridhub, the bare SQL and the
// peer take turns at each concurrency and at the open-model rate, so that drift on the
// machine (caches, autovacuum, other load) falls on all of them alike.
func (b *bench) measure(ctx context.Context, w *workload) *outcome {
	o := &outcome{ID: w.ID, Title: w.Title, Check: w.Check, Conc: w.Conc, Notes: w.Notes,
		ReqPerSec: map[string]map[int]float64{}, Latency: map[string]quantiles{},
		PeakRSSMB: map[int]float64{}, Errors: map[string]int{}, Statements: w.stmts,
		PeerCPUSeconds: map[string]float64{}, PeerRequests: map[string]int{}}
	targets := append([]target{w.Gridhub, w.Bare}, w.Peers...)
	fail := func(t target, n int, err error) {
		if n > 0 {
			o.Errors[t.name] += n
			if o.FirstError == "" && err != nil {
				o.FirstError = t.name + ": " + err.Error()
			}
		}
	}
	closed := func(t target, c int, d time.Duration) closedRun {
		var r closedRun
		b.watch(o, t, c, func() { r = closedLoop(ctx, t.do, c, d) })
		fail(t, r.Errs, r.FirstErr)
		b.tally(o, t, r.Reqs)
		return r
	}

	o.Load[0] = loadAverage()
	defer func() { o.Load[1] = loadAverage() }()
	if n, err := w.Gridhub.do(ctx); err == nil {
		o.Bytes = n
	}
	for _, t := range targets {
		closed(t, 1, 200*time.Millisecond) // warm caches and connection pools
	}
	cal := min(b.o.Duration, time.Second)
	g, s := closed(w.Gridhub, w.Conc[0], cal), closed(w.Bare, w.Conc[0], cal)
	// Half of the slower one's closed-loop throughput: below saturation for both, so the
	// latencies compare the work per request, not two queues.
	o.Rate = 0.5 * min(g.perSecond(), s.perSecond())
	if o.Rate <= 0 {
		o.Err = "calibration: no request succeeded: " + o.FirstError
		return o
	}
	// Enough requests per round for a p99 even at low rates, within 3 durations.
	openD := max(b.o.Duration, min(3*b.o.Duration, time.Duration(100/o.Rate*float64(time.Second))))

	rates := map[string]map[int][]float64{}
	lat := map[string][]time.Duration{}
	for round := 1; round <= b.o.Rounds && ctx.Err() == nil; round++ {
		if !b.gridhub.alive() {
			o.Err = fmt.Sprintf("gridhub (pid %d) exited during the run; the figures so far are discarded", b.gridhub.pid)
			return o
		}
		for _, c := range w.Conc {
			for _, t := range targets {
				r := closed(t, c, b.o.Duration)
				if rates[t.name] == nil {
					rates[t.name] = map[int][]float64{}
				}
				rates[t.name][c] = append(rates[t.name][c], r.perSecond())
				b.logf("%s round %d/%d: %-12s c=%-2d %8.1f req/s  errors %d", w.ID, round, b.o.Rounds, t.name, c, r.perSecond(), r.Errs)
			}
		}
		var p50 [2]float64
		for i, t := range targets[:2] {
			var r openRun
			b.watch(o, t, 0, func() { r = openLoop(ctx, t.do, o.Rate, openD) })
			fail(t, r.Errs, r.FirstErr)
			b.tally(o, t, len(r.Lat))
			lat[t.name] = append(lat[t.name], r.Lat...)
			q := percentiles(r.Lat)
			p50[i] = q.P50
			b.logf("%s round %d/%d: %-12s %.1f req/s open: p50 %.2f ms p99 %.2f ms errors %d", w.ID, round, b.o.Rounds, t.name, o.Rate, q.P50, q.P99, r.Errs)
		}
		if p50[0] > 0 && p50[1] > 0 {
			o.RoundRatios = append(o.RoundRatios, p50[0]/p50[1])
		}
	}
	o.Ratio = median(o.RoundRatios)
	for name, byC := range rates {
		o.ReqPerSec[name] = map[int]float64{}
		for c, rs := range byC {
			o.ReqPerSec[name][c] = median(rs)
		}
	}
	for name, l := range lat {
		o.Latency[name] = percentiles(l)
	}
	if w.after != nil {
		if err := w.after(ctx); err != nil {
			o.Notes = append(o.Notes, "tidying up failed: "+err.Error())
		}
	}
	return o
}

// watch runs f, adding the server's CPU time to the outcome and, for gridhub, noting its
// peak RSS during f under key.
func (b *bench) watch(o *outcome, t target, key int, f func()) {
	p := b.peers[t.name]
	if t.name == nameGridhub {
		p = &b.gridhub
	}
	if p == nil {
		f()
		return
	}
	var g0 goStats
	var ok0 bool
	if t.name == nameGridhub {
		_ = p.resetPeak()
		g0, ok0 = b.goStats(context.Background())
	}
	c0, err0 := p.cpuSeconds()
	f()
	c1, err1 := p.cpuSeconds()
	if t.name == nameGridhub {
		if g1, ok1 := b.goStats(context.Background()); ok0 && ok1 {
			o.AllocMB += (g1.AllocBytes - g0.AllocBytes) / 1e6
			o.GCs += g1.GCs - g0.GCs
		}
	}
	if err0 == nil && err1 == nil {
		if t.name == nameGridhub {
			o.CPUSeconds += c1 - c0
		} else {
			o.PeerCPUSeconds[t.name] += c1 - c0
		}
	}
	if t.name == nameGridhub {
		if mb, err := p.peakMB(); err == nil {
			o.PeakRSSMB[key] = max(o.PeakRSSMB[key], mb)
		}
	}
}

func (b *bench) tally(o *outcome, t target, n int) {
	switch t.name {
	case nameGridhub:
		o.Requests += n
	case nameBare:
	default:
		o.PeerRequests[t.name] += n
	}
}

// The targets' names, as the table and the results JSON call them.
const (
	nameGridhub = "gridhub"
	nameBare    = "bare SQL"
	namePeer    = "PostGraphile"    // v4
	namePeer5   = "PostGraphile v5" // without PostGIS filters: the nested workloads
	// nameFeatureserv is the OGC workloads' peer, and W1, W2 and W4's at equal content.
	nameFeatureserv = "pg_featureserv"
	nameTileserv    = "pg_tileserv"
)

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
