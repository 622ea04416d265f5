package main

import (
	"fmt"
	"strings"
)

// targets writes each target of the brief with the figure that meets or misses it. A
// target whose workload was not timed is said to be unmeasured, never met.
func (r *results) targets(s *strings.Builder) {
	s.WriteString("\n## Targets\n\n")
	line := func(ok bool, format string, args ...any) {
		verdict := "met"
		if !ok {
			verdict = "MISSED"
		}
		fmt.Fprintf(s, "- %s: %s\n", verdict, fmt.Sprintf(format, args...))
	}
	missing := func(id, what string) {
		for _, o := range r.Workloads {
			if o.ID == id { // run, but its check or set-up failed
				fmt.Fprintf(s, "- not measured: %s %s (the workload was not timed)\n", id, what)
			}
		}
	}

	// atBoth says whether x's req/s is at least k times y's at every concurrency both ran.
	atBoth := func(o *outcome, x, y string, k float64) (bool, string) {
		ok, parts := true, []string{}
		for _, c := range o.Conc {
			gx, gy := o.ReqPerSec[x][c], o.ReqPerSec[y][c]
			if gy == 0 {
				continue
			}
			ok = ok && gx >= k*gy
			parts = append(parts, fmt.Sprintf("c=%d %s vs %s = %.2f×", c, rate(gx), rate(gy), gx/gy))
		}
		return ok && len(parts) > 0, strings.Join(parts, ", ")
	}
	for _, id := range []string{"W1", "W2", "W4"} {
		o := r.workload(id)
		if o == nil {
			missing(id, "against the bare SQL, pg_featureserv and PostGraphile")
			continue
		}
		line(o.Ratio <= 1.3, "%s p50 is %.2f× the bare SQL's (median of the rounds' ratios %s; pooled %.2f vs %.2f ms) (target ≤ 1.3×)",
			id, o.Ratio, o.roundRatios(), o.Latency[nameGridhub].P50, o.Latency[nameBare].P50)
		if _, ran := o.ReqPerSec[nameFeatureserv]; ran {
			ok, what := atBoth(o, nameGridhub, nameFeatureserv, 2)
			line(ok, "%s gridhub / pg_featureserv at equal content, req/s: %s (target ≥ 2× at c=8 and c=32)", id, what)
		} else {
			best := o.best(nameGridhub)
			line(best >= 2*featureserv[id], "%s %s req/s is %.1f× pg_featureserv's reference %s req/s (target ≥ 2×; reference from an earlier measurement)",
				id, rate(best), best/featureserv[id], rate(featureserv[id]))
		}
		if id == "W1" {
			ok, what := atBoth(o, nameGridhub, nameBare, 0.95)
			line(ok, "W1 gridhub / bare SQL req/s: %s (target ≥ 0.95×)", what)
			if o.Requests > 0 {
				ms := 1000 * o.CPUSeconds / float64(o.Requests)
				line(ms <= 0.45, "W1 gridhub CPU per request %.2f ms (target ≤ 0.45 ms)", ms)
			}
		}
		if p := o.best(namePeer); p > 0 {
			line(o.best(nameGridhub) >= 5*p, "%s %s req/s is %.1f× PostGraphile v4's %s req/s (target ≥ 5×; best of c=8 and c=32 for each)",
				id, rate(o.best(nameGridhub)), o.best(nameGridhub)/p, rate(p))
		}
	}
	for _, id := range []string{"N1", "N2", "W6"} {
		o := r.workload(id)
		if o == nil {
			missing(id, "against the bare SQL and PostGraphile")
			continue
		}
		if _, ran := o.ReqPerSec[namePeer5]; ran {
			ok, what := atBoth(o, nameGridhub, namePeer5, 2)
			line(ok, "%s gridhub / PostGraphile v5 req/s: %s (target ≥ 2×)", id, what)
		} else {
			fmt.Fprintf(s, "- not measured: %s against PostGraphile v5\n", id)
		}
		if _, ran := o.ReqPerSec[namePeer]; ran {
			_, what := atBoth(o, nameGridhub, namePeer, 1)
			fmt.Fprintf(s, "- for information: %s gridhub / PostGraphile v4 req/s: %s\n", id, what)
		}
		ok, what := atBoth(o, nameGridhub, nameBare, 0.5)
		line(ok, "%s gridhub / bare statement req/s: %s (target ≥ 0.5×)", id, what)
		if len(o.Statements) == 2 {
			line(o.Statements[50] == o.Statements[500], "%s runs %d SQL statements for 50 root rows and %d for 500 (target: the same)", id, o.Statements[50], o.Statements[500])
		} else {
			missing(id, "statement counts")
		}
		if o.Requests > 0 {
			fmt.Fprintf(s, "- for information: %s allocates %.2f MB per request (target: half what it did before compiled selections; see bench/README.md)\n",
				id, o.AllocMB/float64(o.Requests))
		}
	}
	if o := r.workload("T1"); o != nil {
		if _, ran := o.ReqPerSec[nameTileserv]; ran {
			ok, what := atBoth(o, nameGridhub, nameTileserv, 1)
			line(ok, "T1 gridhub / pg_tileserv req/s, same tile and attributes: %s (target ≥ 1×)", what)
		} else {
			fmt.Fprintf(s, "- not measured: T1 against pg_tileserv\n")
		}
	}
	for _, id := range []string{"O1", "O2", "O3"} {
		o := r.workload(id)
		if o == nil {
			continue
		}
		line(o.Ratio <= 1.3, "%s p50 is %.2f× the bare SQL's (median of the rounds' ratios %s; pooled %.2f vs %.2f ms) (target ≤ 1.3×)",
			id, o.Ratio, o.roundRatios(), o.Latency[nameGridhub].P50, o.Latency[nameBare].P50)
		if p := o.best(nameFeatureserv); p > 0 {
			best := o.best(nameGridhub)
			line(best >= 2*p, "%s %s req/s is %.1f× pg_featureserv's %s req/s, measured in the same rounds (target ≥ 2×; best of c=8 and c=32 for each)",
				id, rate(best), best/p, rate(p))
		} else {
			fmt.Fprintf(s, "- not measured: %s against pg_featureserv\n", id)
		}
	}
	if o := r.workload("W3"); o != nil {
		line(o.Ratio <= 1.1, "W3 tile p50 is %.2f× the bare ST_AsMVT's (median of the rounds' ratios %s; pooled %.2f vs %.2f ms) (target ≤ 1.1×)",
			o.Ratio, o.roundRatios(), o.Latency[nameGridhub].P50, o.Latency[nameBare].P50)
	} else {
		missing("W3", "against the bare ST_AsMVT")
	}
	rss, rssAt := 0.0, ""
	for _, o := range r.Workloads {
		if mb := o.PeakRSSMB[32]; mb > rss {
			rss, rssAt = mb, o.ID
		}
	}
	if rss > 0 {
		line(rss <= 200, "gridhub's largest peak RSS at c=32 is %.0f MB, in %s (target ≤ 200 MB)", rss, rssAt)
	}
	if r.Baseline != nil && r.Scale > 1 {
		for _, id := range []string{"W1", "W2"} {
			o, base := r.workload(id), r.Baseline.workload(id)
			if o == nil || base == nil {
				continue
			}
			g, b := o.Latency[nameGridhub].P50, base.Latency[nameGridhub].P50
			verdict := fmt.Sprintf("%s p50 at scale %d is %.2f× its p50 at scale 1 (%.2f vs %.2f ms)", id, r.Scale, g/b, g, b)
			if r.Scale == 100 {
				line(g <= 1.5*b, "%s (target at scale 100: ≤ 1.5×)", verdict)
			} else {
				fmt.Fprintf(s, "- for information: %s (the target applies at scale 100)\n", verdict)
			}
		}
	}
	errs := 0
	for _, o := range r.Workloads {
		errs += o.totalErrors()
		if o.Err != "" {
			errs++
		}
	}
	line(errs == 0, "%d failed requests or checks across every run (target: none)", errs)
}

func (o *outcome) roundRatios() string {
	var rs []string
	for _, r := range o.RoundRatios {
		rs = append(rs, fmt.Sprintf("%.2f", r))
	}
	return strings.Join(rs, ", ")
}
