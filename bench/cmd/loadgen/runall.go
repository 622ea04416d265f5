package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// results is one run at one scale, as written to the results JSON.
type results struct {
	Date      string
	Scale     int
	Machine   machine
	Duration  string
	Rounds    int
	Workloads []*outcome
	// Baseline is the scale-1 run the scale comparison reads (not written).
	Baseline *results `json:"-"`
}

// measureAll checks and times every workload in turn, then writes the table.
func measureAll(ctx context.Context, o options) error {
	pool, err := openPool(ctx, o.DB)
	if err != nil {
		return err
	}
	defer pool.Close()
	b := &bench{o: o, pool: pool, http: newHTTPClient(), gridhub: proc{o.GridhubPID}, peers: map[string]*proc{}}
	for name, pid := range map[string]int{namePeer: o.PeerPID, namePeer5: o.Peer5PID, nameFeatureserv: o.FeatureservPID, nameTileserv: o.TileservPID} {
		if pid != 0 {
			b.peers[name] = &proc{pid}
		}
	}
	// Reports left by an interrupted run would sit in the read workloads' boxes.
	if err := b.tidyReports(ctx); err != nil {
		return fmt.Errorf("delete earlier benchmark reports: %w", err)
	}
	res := &results{Date: time.Now().Format("2006-01-02"), Scale: o.Scale, Machine: describeMachine(ctx, b),
		Duration: o.Duration.String(), Rounds: o.Rounds}
	if o.Baseline != "" {
		if raw, err := os.ReadFile(o.Baseline); err == nil {
			var base results
			if json.Unmarshal(raw, &base) == nil {
				res.Baseline = &base
			}
		}
	}
	steps := []struct {
		id   string
		make func(context.Context) (*workload, error)
	}{
		{"W1", func(ctx context.Context) (*workload, error) {
			return b.collection(ctx, "W1", "small bbox, ~100 incidents (featureCollection)", incidentLayer, 100)
		}},
		{"W2", func(ctx context.Context) (*workload, error) {
			return b.collection(ctx, "W2", "large bbox, ~5,000 incidents (featureCollection)", incidentLayer, 5000)
		}},
		{"W3", b.tile},
		{"T1", b.trimmedTile},
		{"W4", func(ctx context.Context) (*workload, error) {
			return b.collection(ctx, "W4", "~200 grid polygons, all levels (featureCollection)", gridLayer, 200)
		}},
		{"W5", b.screen},
		{"W6", b.nested},
		{"N1", b.nested1},
		{"N2", b.nested2},
		{"W7", b.report},
		{"O1", func(ctx context.Context) (*workload, error) {
			return b.ogcItems(ctx, "O1", "OGC items?bbox=, ~100 incidents", ogcIncidents, 100)
		}},
		{"O2", func(ctx context.Context) (*workload, error) {
			return b.ogcItems(ctx, "O2", "OGC items?bbox=, ~5,000 incidents", ogcIncidents, 5000)
		}},
		{"O3", func(ctx context.Context) (*workload, error) {
			return b.ogcItems(ctx, "O3", "OGC items?bbox=, ~200 grid polygons (grid_units)", ogcGrids, 200)
		}},
	}
	for _, s := range steps {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if o.Only != nil && !o.Only[s.id] {
			continue
		}
		b.logf("%s: checking gridhub's answer against the bare SQL's", s.id)
		w, err := s.make(ctx)
		if err != nil {
			b.logf("%s: NOT TIMED: %v", s.id, err)
			res.Workloads = append(res.Workloads, &outcome{ID: s.id, Err: err.Error()})
			continue
		}
		b.logf("%s: %s", s.id, w.Check)
		o := b.measure(ctx, w)
		if o.Err == "" && !b.gridhub.alive() {
			o = &outcome{ID: s.id, Err: fmt.Sprintf("gridhub (pid %d) exited during the run", b.gridhub.pid)}
		}
		res.Workloads = append(res.Workloads, o)
		if o.Err != "" && !b.gridhub.alive() {
			// Something outside the suite stopped the server: nothing further can be measured.
			b.logf("gridhub (pid %d) is gone: stopping", b.gridhub.pid)
			break
		}
	}
	md := res.markdown()
	fmt.Print(md)
	if o.Out == "" {
		return nil
	}
	if err := os.WriteFile(o.Out, []byte(md), 0o644); err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(strings.TrimSuffix(o.Out, ".md")+".json", append(raw, '\n'), 0o644); err != nil {
		return err
	}
	if !b.gridhub.alive() {
		return fmt.Errorf("gridhub (pid %d) exited during the run: the figures are incomplete", b.gridhub.pid)
	}
	return nil
}

// machine is what the figures were measured on.
type machine struct {
	CPU        string
	Cores      int
	MemoryGB   float64
	Kernel     string
	Go         string
	PostgreSQL string
	PostGIS    string
	Commit     string
	// Dirty: the working tree held uncommitted changes when gridhub was built.
	Dirty bool
}

func describeMachine(ctx context.Context, b *bench) machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(raw), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		f := strings.Fields(string(raw))
		if len(f) > 1 {
			kb, _ := strconv.ParseFloat(f[1], 64)
			m.MemoryGB = float64(int(kb/1024/1024*10)) / 10
		}
	}
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(raw))
	}
	_ = b.pool.QueryRow(ctx, `SELECT current_setting('server_version'), postgis_lib_version()`).Scan(&m.PostgreSQL, &m.PostGIS)
	if b.o.Commit != "" {
		m.Commit, m.Dirty = b.o.Commit, b.o.Dirty
		return m
	}
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		m.Commit = strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil {
		m.Dirty = len(strings.TrimSpace(string(out))) > 0
	}
	return m
}
