package main

import (
	"bufio"
	"bytes"
	"context"
	"strconv"
	"strings"
)

// goStats are the Go runtime's counters gridhub publishes on /metrics: what a request
// allocates explains its CPU in the garbage collector and its peak RSS.
type goStats struct {
	AllocBytes float64 // go_memstats_alloc_bytes_total
	GCs        float64 // go_gc_duration_seconds_count
}

func (b *bench) goStats(ctx context.Context) (goStats, bool) {
	var s goStats
	buf := new(bytes.Buffer)
	if err := b.send(ctx, "GET", b.o.Gridhub+"/metrics", nil, buf); err != nil {
		return s, false
	}
	found := 0
	sc := bufio.NewScanner(buf)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		var dst *float64
		switch name {
		case "go_memstats_alloc_bytes_total":
			dst = &s.AllocBytes
		case "go_gc_duration_seconds_count":
			dst = &s.GCs
		default:
			continue
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			*dst = f
			found++
		}
	}
	return s, found == 2
}
