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
		fmt.Fprintf(s, "- not measured: %s %s (the workload was not timed)\n", id, what)
	}

	for _, id := range []string{"W1", "W2", "W4"} {
		o := r.workload(id)
		if o == nil {
			missing(id, "against the bare SQL, pg_featureserv and PostGraphile")
			continue
		}
		line(o.Ratio <= 1.3, "%s p50 is %.2f× the bare SQL's (median of the rounds' ratios %s; pooled %.2f vs %.2f ms) (target ≤ 1.3×)",
			id, o.Ratio, o.roundRatios(), o.Latency[nameGridhub].P50, o.Latency[nameBare].P50)
		best := o.best(nameGridhub)
		line(best >= 2*featureserv[id], "%s %s req/s is %.1f× pg_featureserv's reference %s req/s (target ≥ 2×; reference from an earlier measurement)",
			id, rate(best), best/featureserv[id], rate(featureserv[id]))
		if p := o.best(namePeer); p > 0 {
			line(best >= 5*p, "%s %s req/s is %.1f× PostGraphile's %s req/s (target ≥ 5×; best of c=8 and c=32 for each)", id, rate(best), best/p, rate(p))
		} else {
			fmt.Fprintf(s, "- not measured: %s against PostGraphile\n", id)
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
	if o := r.workload("W6"); o != nil && len(o.Statements) == 2 {
		line(o.Statements[50] == o.Statements[500], "W6 runs %d SQL statements for 50 incidents and %d for 500 (target: the same)", o.Statements[50], o.Statements[500])
	} else {
		missing("W6", "statement counts")
	}
	if o := r.workload("W2"); o != nil {
		mb := o.PeakRSSMB[32]
		line(mb > 0 && mb < 200, "gridhub's peak RSS during W2 at c=32 is %.0f MB (target < 200 MB)", mb)
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
