//go:build fleet

package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// member is what Patroni's API says of one PostgreSQL member.
type member struct {
	State    string `json:"state"`
	Role     string `json:"role"`
	Timeline int    `json:"timeline"`
}

func patroni(i int) (member, bool) {
	var m member
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/patroni", 58080+i))
	if err != nil {
		return m, false
	}
	defer resp.Body.Close()
	return m, json.NewDecoder(resp.Body).Decode(&m) == nil
}

// TestFleetFailover starts the fleet 'make fleet' starts (three members under Patroni,
// HAProxy, Redis, three hubs), runs reporters, movers, readers and subscribers through
// HAProxy, kills the primary's PostgreSQL, and checks that Patroni promotes a standby,
// the hubs follow, every acknowledged write exists exactly once, no timeline forked and
// every subscriber heard every change. It logs how long writes were refused.
func TestFleetFailover(t *testing.T) {
	dir, err := os.MkdirTemp("", "gridhub-fleet-")
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(dir, 0o755)
	fleetDir := filepath.Join(dir, "fleet")
	script := func(arg string) {
		cmd := exec.Command("bash", "scripts/fleet.sh", arg)
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "FLEET_DIR="+fleetDir, "FLEET_BINARY="+binary, loosePolicy(t))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("fleet.sh %s: %v\n%s", arg, err, out)
		}
	}
	t.Cleanup(func() {
		// What the hubs logged as errors, before the fleet and its logs go.
		logs, _ := filepath.Glob(filepath.Join(fleetDir, "hub*.log"))
		for _, f := range logs {
			b, _ := os.ReadFile(f)
			n := 0
			for _, line := range strings.Split(string(b), "\n") {
				if strings.Contains(line, `"level":"ERROR"`) && n < 5 {
					t.Logf("%s: %s", filepath.Base(f), line)
					n++
				}
			}
		}
		script("down")
		os.RemoveAll(dir)
	})
	script("up")
	// All three members streaming before the fault.
	waitFor(t, "three members running", func() bool {
		n := 0
		for i := 1; i <= 3; i++ {
			if m, ok := patroni(i); ok && m.State == "running" {
				n++
			}
		}
		return n == 3
	})

	l := newLoad("http://127.0.0.1:8090")
	ctx, stop := context.WithCancel(context.Background())
	subs := l.subscribe(ctx, 3)
	time.Sleep(500 * time.Millisecond)
	var wg sync.WaitGroup
	wg.Go(func() { l.run(ctx, 6, 2) })
	time.Sleep(5 * time.Second)

	leader := 0
	for i := 1; i <= 3; i++ {
		if m, ok := patroni(i); ok && (m.Role == "master" || m.Role == "primary") {
			leader = i
		}
	}
	if leader == 0 {
		t.Fatal("no member is primary")
	}
	pidFile, err := os.ReadFile(filepath.Join(fleetDir, fmt.Sprintf("pg%d", leader), "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.SplitN(string(pidFile), "\n", 2)[0])
	killed := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill the primary's postmaster %d: %v", pid, err)
	}
	// Writes accepted again: a probe reports with fresh keys until one is acknowledged
	// with another member primary. (The killed postmaster's backends may still finish a
	// commit or two, replicated to the synchronous standby, before they notice.)
	probe := newLoad(l.base)
	var outage time.Duration
	newLeader := 0
	for n := 0; ; n++ {
		a := probe.post(context.Background(), reportMutation, map[string]any{"key": fmt.Sprint("probe-", n),
			"in": map[string]any{"title": "探测", "category": "市容环境", "source": "OTHER", "location": []float64{109.8325, 40.6411}}})
		if a.code == "" {
			for i := 1; i <= 3; i++ {
				if m, ok := patroni(i); ok && i != leader && (m.Role == "master" || m.Role == "primary") {
					newLeader = i
				}
			}
			if newLeader != 0 {
				outage = time.Since(killed)
				break
			}
		}
		if time.Since(killed) > 2*time.Minute {
			t.Fatalf("no write acknowledged by a new primary two minutes after the kill: %s", probe.summary())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(10 * time.Second)
	stop()
	wg.Wait()
	time.Sleep(2 * time.Second)
	subs.Wait()

	// The killed member comes back as a standby of the new primary, on its timeline.
	var timelines []string
	waitFor(t, "the old primary rejoins as a standby", func() bool {
		timelines = timelines[:0]
		tl := map[int]bool{}
		running := 0
		for i := 1; i <= 3; i++ {
			m, ok := patroni(i)
			if ok && m.State == "running" {
				running++
				tl[m.Timeline] = true
			}
			timelines = append(timelines, fmt.Sprintf("pg%d %s %s timeline %d", i, m.Role, m.State, m.Timeline))
		}
		return running == 3 && len(tl) == 1
	})
	t.Logf("failover: pg%d's PostgreSQL killed; pg%d promoted; writes accepted again %s after the kill (probe: %s)",
		leader, newLeader, outage.Round(10*time.Millisecond), probe.summary())
	t.Logf("members afterwards: %s", strings.Join(timelines, "; "))
	t.Logf("%s", l.summary())
	t.Logf("%s", audit(t, "postgres://gridhub:gridhub@127.0.0.1:54350/gridhub?sslmode=disable", l))
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not so after two minutes: %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
