package main

import (
	"fmt"
	"sort"
	"strings"
)

// featureserv holds pg_featureserv's req/s from an earlier measurement on this machine,
// for the W workloads (O1-O3 time it in the same rounds); gridhub's target is twice as many.
var featureserv = map[string]float64{"W1": 1150, "W2": 38, "W4": 540}

// peerNames are the peers in the order the table lists them, with their short names.
var peerNames = []struct{ name, short string }{
	{namePeer, "PG4"}, {namePeer5, "PG5"}, {nameFeatureserv, "pg_fs"}, {nameTileserv, "pg_ts"},
}

// markdown renders the run: the summary table, the checks, the targets and the notes.
func (r *results) markdown() string {
	var s strings.Builder
	m := r.Machine
	fmt.Fprintf(&s, "# gridhub benchmark: scale %d, %s\n\n", r.Scale, r.Date)
	dirty := ""
	if m.Dirty {
		dirty = " (built from a working tree with uncommitted changes)"
	}
	fmt.Fprintf(&s, "Machine: %s, %d cores, %.1f GB, Linux %s; PostgreSQL %s, PostGIS %s; %s; gridhub %s%s. "+
		"gridhub, PostgreSQL, the peers and the load driver share the cores. Peers: PG4 PostGraphile v4, PG5 PostGraphile v5, "+
		"pg_fs pg_featureserv (W1, W2, W4: asked with properties= for the columns behind gridhub's properties; O: every column), "+
		"pg_ts pg_tileserv (the same attributes).\n\n",
		m.CPU, m.Cores, m.MemoryGB, m.Kernel, m.PostgreSQL, m.PostGIS, m.Go, m.Commit, dirty)
	fmt.Fprintf(&s, "Each timed run lasts %s; %d rounds interleave gridhub, the bare SQL and PostGraphile. "+
		"req/s: closed loop, median of the rounds. Latency: open model at the rate shown (half the slower of gridhub and "+
		"the bare SQL at c=%s), all rounds pooled, measured from each request's scheduled start; gridhub / bare p50 is "+
		"the median over the rounds of that round's ratio. "+
		"CPU and peak RSS are gridhub's own process over its runs of the workload.\n\n", r.Duration, r.Rounds, "8 (W7: 16)")

	s.WriteString("| workload | gridhub req/s c=8 | c=32 | open rate req/s | p50 ms | p90 ms | p99 ms | bytes | bare SQL p50 ms | gridhub / bare p50 | bare SQL req/s c=8 | peers req/s c=8 / c=32 | gridhub CPU s (ms/req) | alloc MB/req | peak RSS MB | errors |\n")
	s.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, o := range r.Workloads {
		if o.Err != "" {
			fmt.Fprintf(&s, "| %s | not timed: %s ||||||||||||||| |\n", o.ID, mdEscape(o.Err))
			continue
		}
		g, bare := o.Latency[nameGridhub], o.Latency[nameBare]
		var ps []string
		for _, p := range peerNames {
			if pr, ok := o.ReqPerSec[p.name]; ok {
				ps = append(ps, fmt.Sprintf("%s %s / %s", p.short, rate(pr[8]), rate(pr[32])))
			}
		}
		peer := "—"
		if len(ps) > 0 {
			peer = strings.Join(ps, "; ")
		}
		cpu, alloc := "—", "—"
		if o.Requests > 0 {
			cpu = fmt.Sprintf("%.1f (%.2f)", o.CPUSeconds, 1000*o.CPUSeconds/float64(o.Requests))
			alloc = fmt.Sprintf("%.2f", o.AllocMB/float64(o.Requests))
		}
		fmt.Fprintf(&s, "| %s %s | %s | %s | %s | %.2f | %.2f | %.2f | %s | %.2f | %s | %s | %s | %s | %s | %s | %d |\n",
			o.ID, o.Title, rate(o.ReqPerSec[nameGridhub][8]), rate(o.ReqPerSec[nameGridhub][32]), rate(o.Rate),
			g.P50, g.P90, g.P99, thousands(o.Bytes), bare.P50, times(o.Ratio),
			rate(o.ReqPerSec[nameBare][8]), peer, cpu, alloc, peakRSS(o), o.totalErrors())
	}
	s.WriteString("\n")
	r.detail(&s)
	r.targets(&s)
	s.WriteString("\n## Checks before timing\n\n")
	for _, o := range r.Workloads {
		if o.Err != "" {
			fmt.Fprintf(&s, "- %s: FAILED: %s\n", o.ID, o.Err)
		} else {
			fmt.Fprintf(&s, "- %s: %s\n", o.ID, o.Check)
		}
	}
	var notes []string
	for _, o := range r.Workloads {
		notes = append(notes, o.Notes...)
		if o.FirstError != "" {
			notes = append(notes, fmt.Sprintf("%s: first error: %s", o.ID, o.FirstError))
		}
	}
	if len(notes) > 0 {
		s.WriteString("\n## Notes\n\n")
		for _, n := range notes {
			fmt.Fprintf(&s, "- %s\n", n)
		}
	}
	return s.String()
}

// detail is every target at every concurrency, for the figures the summary leaves out.
func (r *results) detail(s *strings.Builder) {
	s.WriteString("<details><summary>every target, every run</summary>\n\n")
	s.WriteString("| workload | target | closed-loop req/s | open-model p50 / p90 / p99 ms (n) | gridhub / bare p50 by round | load avg start → end |\n|---|---|---|---|---|---|\n")
	for _, o := range r.Workloads {
		if o.Err != "" {
			continue
		}
		for _, t := range []string{nameGridhub, nameBare, namePeer, namePeer5, nameFeatureserv, nameTileserv} {
			byC, ok := o.ReqPerSec[t]
			if !ok {
				continue
			}
			var cs []int
			for c := range byC {
				cs = append(cs, c)
			}
			sort.Ints(cs)
			var parts []string
			for _, c := range cs {
				parts = append(parts, fmt.Sprintf("c=%d: %s", c, rate(byC[c])))
			}
			lat := "—"
			if q, ok := o.Latency[t]; ok {
				lat = fmt.Sprintf("%.2f / %.2f / %.2f (%d)", q.P50, q.P90, q.P99, q.N)
			}
			rounds := ""
			if t == nameGridhub {
				var rs []string
				for _, r := range o.RoundRatios {
					rs = append(rs, fmt.Sprintf("%.2f", r))
				}
				rounds = strings.Join(rs, " / ")
			}
			fmt.Fprintf(s, "| %s | %s | %s | %s | %s | %.1f → %.1f |\n", o.ID, t, strings.Join(parts, ", "), lat, rounds, o.Load[0], o.Load[1])
		}
	}
	s.WriteString("\n</details>\n")
}

func (o *outcome) totalErrors() int {
	n := 0
	for _, e := range o.Errors {
		n += e
	}
	return n
}

// best is a target's higher closed-loop throughput (c=8 or c=32).
func (o *outcome) best(t string) float64 {
	b := 0.0
	for _, v := range o.ReqPerSec[t] {
		b = max(b, v)
	}
	return b
}

func (r *results) workload(id string) *outcome {
	for _, o := range r.Workloads {
		if o.ID == id && o.Err == "" {
			return o
		}
	}
	return nil
}

func peakRSS(o *outcome) string {
	p := 0.0
	for _, v := range o.PeakRSSMB {
		p = max(p, v)
	}
	return fmt.Sprintf("%.0f", p)
}

func rate(v float64) string {
	switch {
	case v == 0:
		return "—"
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	}
	return thousands(int(v + 0.5))
}

func times(r float64) string {
	if r == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", r)
}

// thousands writes n with comma separators, as the README's figures are.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}
