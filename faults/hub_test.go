package faults

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gridhub/internal/pgcluster"
)

// binary is the gridhub binary the tests start, built once from this checkout.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gridhub-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "gridhub")
	if out, err := exec.Command("go", "build", "-o", binary, "..").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build gridhub: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// hub is a gridhub server process, started for real from the built binary.
type hub struct {
	t    testing.TB
	addr string
	env  []string
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{}
}

// gridhub runs a subcommand of the binary to its end.
func gridhub(t testing.TB, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gridhub %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// startHub serves databaseURL on a port of its own, kept across restarts, with a short
// request deadline so that faults show within a test's time.
func startHub(t testing.TB, databaseURL string, extra ...string) *hub {
	t.Helper()
	h := &hub{t: t, addr: fmt.Sprintf("127.0.0.1:%d", pgcluster.FreePort(t)),
		env: append([]string{"DATABASE_URL=" + databaseURL, "GRIDHUB_REQUEST_TIMEOUT=5s", "GRIDHUB_LOG_LEVEL=info"}, extra...)}
	h.env = append(h.env, "GRIDHUB_ADDR="+h.addr)
	h.start()
	t.Cleanup(h.kill)
	return h
}

func (h *hub) url() string { return "http://" + h.addr }

// start starts the process and waits until it answers /readyz.
func (h *hub) start() {
	h.t.Helper()
	h.cmd = exec.Command(binary, "serve")
	h.cmd.Env = append(os.Environ(), h.env...)
	if h.logs == nil {
		h.logs = &syncBuffer{}
	}
	h.cmd.Stdout, h.cmd.Stderr = h.logs, h.logs
	if err := h.cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	h.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(h.cmd, h.done)
	if !h.ready(30 * time.Second) {
		h.t.Fatalf("the hub did not become ready:\n%s", h.logs.String())
	}
}

// ready waits up to d for /readyz to answer 200.
func (h *hub) ready(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if status(h.url()+"/readyz") == http.StatusOK {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// kill ends the process with SIGKILL: no shutdown, no draining.
func (h *hub) kill() {
	if h.cmd == nil || h.cmd.Process == nil {
		return
	}
	_ = h.cmd.Process.Signal(syscall.SIGKILL)
	<-h.done
}

// status is the HTTP status of a GET (0 when there is no answer).
func status(url string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// metric reads one value from a hub's /metrics ("" when it has none).
func (h *hub) metric(name string) string {
	resp, err := http.Get(h.url() + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	for _, l := range strings.Split(b.String(), "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			return v
		}
	}
	return ""
}

// syncBuffer collects a process's output while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
