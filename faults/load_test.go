package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// commandCentre is the demo seed's command-centre key: the load writes and reads with it.
const commandCentre = "gh_dec0de01_demo-command-center-00000000000000000000000"

// district seeds the demo district into the cluster (as of a fixed day) and returns a
// policy file whose rates do not get in the load's way.
func district(t testing.TB, c *cluster) (policyEnv string) {
	t.Helper()
	gridhub(t, []string{"DATABASE_URL=" + c.url("gridhub")}, "seed")
	return loosePolicy(t)
}

// loosePolicy is the built-in roles with rates that do not get in the load's way.
func loosePolicy(t testing.TB) (policyEnv string) {
	t.Helper()
	b, err := os.ReadFile("../auth/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b = regexp.MustCompile(`rate: \{[^}]*\}`).ReplaceAll(b, []byte("rate: {perSecond: 100000, burst: 100000}"))
	path := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return "GRIDHUB_POLICY=" + path
}

// load is clients of one hub, as a command centre and grid workers' phones would be:
// reporters and movers that retry with their idempotency keys until they know the
// outcome, readers, and subscribers that reconnect. It records what was acknowledged and
// what each subscriber heard, for audit to check against the database.
type load struct {
	base string

	mu       sync.Mutex
	reports  map[string]string // idempotency key → incident id, acknowledged
	moves    map[string]int    // incident id → transitions acknowledged
	outcomes map[string]int    // each answer's kind: ok, a code, or "no answer"
	failures []time.Duration   // how long requests that failed took
	took     []time.Duration   // how long every request took, since the last takeTimes
	subs     []*subscriber
}

// takeTimes returns the requests' times since it was last called.
func (l *load) takeTimes() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.took
	l.took = nil
	return t
}

func newLoad(base string) *load {
	return &load{base: base, reports: map[string]string{}, moves: map[string]int{}, outcomes: map[string]int{}}
}

// answer is one GraphQL answer as the load sees it.
type answer struct {
	data json.RawMessage
	code string // "" for success; "no answer" when the connection failed
	took time.Duration
}

func (l *load) post(ctx context.Context, query string, vars map[string]any) answer {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, l.base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+commandCentre)
	a := answer{code: "no answer"}
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		var out struct {
			Data   json.RawMessage
			Errors []struct{ Extensions struct{ Code string } }
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case json.Unmarshal(raw, &out) != nil:
			a.code = fmt.Sprintf("HTTP %d", resp.StatusCode)
		case len(out.Errors) > 0:
			a.code = out.Errors[0].Extensions.Code
		default:
			a.code, a.data = "", out.Data
		}
	}
	a.took = time.Since(start)
	l.mu.Lock()
	kind := a.code
	if kind == "" {
		kind = "ok"
	} else {
		l.failures = append(l.failures, a.took)
	}
	l.outcomes[kind]++
	if len(l.took) < 1e6 {
		l.took = append(l.took, a.took)
	}
	l.mu.Unlock()
	return a
}

// retryable answers leave the outcome of a write unknown, or say it was not made.
func retryable(code string) bool {
	return code == "no answer" || code == "UNAVAILABLE" || strings.HasPrefix(code, "HTTP 5")
}

const reportMutation = `mutation($in: ReportIncidentInput!, $key: String!) { reportIncident(input: $in, idempotencyKey: $key) { id } }`
const moveMutation = `mutation($id: ID!, $to: IncidentStatus!) { transitionIncident(id: $id, to: $to) { id status } }`

var flow = []string{"REPORTED", "ACCEPTED", "DISPATCHED", "IN_PROGRESS", "RESOLVED", "CLOSED"}

// run starts the clients; they stop starting new work when ctx ends, finish what they
// started (retrying until they know), and run returns when all have.
func (l *load) run(ctx context.Context, writers, readers int) {
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() { l.writer(ctx, w) })
	}
	for r := range readers {
		wg.Go(func() { l.reader(ctx, r) })
	}
	wg.Wait()
}

// writer reports incidents and moves each of its own along the workflow, one step at a
// time, retrying a step (with the same idempotency key for reports) until it knows.
func (l *load) writer(ctx context.Context, w int) {
	rng := rand.New(rand.NewPCG(uint64(w), 7))
	type mine struct {
		id   string
		step int
	}
	var own []*mine
	for n := 0; ctx.Err() == nil; n++ {
		if len(own) < 3 || rng.IntN(3) == 0 {
			key := fmt.Sprintf("fault-%d-%d", w, n)
			in := map[string]any{"title": "故障测试上报", "category": "市容环境", "source": "GRID_PATROL",
				"location": []float64{109.80 + rng.Float64()*0.07, 40.61 + rng.Float64()*0.06}}
			for {
				a := l.post(context.Background(), reportMutation, map[string]any{"in": in, "key": key})
				if a.code == "" {
					var d struct{ ReportIncident struct{ ID string } }
					_ = json.Unmarshal(a.data, &d)
					l.mu.Lock()
					l.reports[key] = d.ReportIncident.ID
					l.mu.Unlock()
					own = append(own, &mine{id: d.ReportIncident.ID})
					break
				}
				if !retryable(a.code) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			continue
		}
		m := own[rng.IntN(len(own))]
		if m.step == len(flow)-1 {
			continue
		}
		to := flow[m.step+1]
		uncertain := false
		for {
			a := l.post(context.Background(), moveMutation, map[string]any{"id": m.id, "to": to})
			if a.code == "" || (a.code == "INVALID_TRANSITION" && uncertain) {
				// After an attempt whose outcome was unknown, INVALID_TRANSITION means that
				// attempt was made: only this writer moves this incident, so it is
				// already where it was sent.
				m.step++
				l.mu.Lock()
				l.moves[m.id]++
				l.mu.Unlock()
				break
			}
			if !retryable(a.code) {
				break
			}
			// UNAVAILABLE too may come after a commit (a connection lost at COMMIT).
			uncertain = true
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// reader asks what a map screen asks: figures and a viewport's incidents.
func (l *load) reader(ctx context.Context, r int) {
	queries := []string{
		`{ stats { incidents openIncidents overdueIncidents cameras } }`,
		`{ featureCollection(area: {bbox: [109.82, 40.63, 109.845, 40.65]}, layers: [INCIDENT, CAMERA], limit: 500) }`,
		`{ incidents(filter: {statuses: [REPORTED, ACCEPTED]}, first: 50) { totalCount edges { node { code grid { name } } } } }`,
	}
	for i := r; ctx.Err() == nil; i++ {
		l.post(ctx, queries[i%len(queries)], nil)
		time.Sleep(20 * time.Millisecond)
	}
}

// subscriber is one map screen's live connection: it hears incidentChanged, notes when it
// was connected, and reconnects when the connection ends.
type subscriber struct {
	mu      sync.Mutex
	heard   map[string]int // incident code → changes heard
	windows [][2]time.Time // when it was subscribed
	drops   int            // connections that ended, which the screen sees
	reasons map[string]int // why they ended
}

func (l *load) subscribe(ctx context.Context, n int) *sync.WaitGroup {
	var wg sync.WaitGroup
	for range n {
		s := &subscriber{heard: map[string]int{}, reasons: map[string]int{}}
		l.mu.Lock()
		l.subs = append(l.subs, s)
		l.mu.Unlock()
		wg.Go(func() { s.run(ctx, l.base) })
	}
	return &wg
}

func (s *subscriber) run(ctx context.Context, base string) {
	for ctx.Err() == nil {
		s.session(ctx, base)
		time.Sleep(100 * time.Millisecond)
	}
}

// session is one connection, until it ends.
func (s *subscriber) session(ctx context.Context, base string) {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	conn, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(base, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	cancel()
	if err != nil {
		return
	}
	defer conn.CloseNow()
	send := func(v any) error {
		b, _ := json.Marshal(v)
		return conn.Write(ctx, websocket.MessageText, b)
	}
	if send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + commandCentre}}) != nil ||
		send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": `subscription { incidentChanged { code status } }`}}) != nil {
		return
	}
	var window [2]time.Time
	acked := false
	defer func() {
		if acked {
			window[1] = time.Now()
			s.mu.Lock()
			s.windows = append(s.windows, window)
			s.drops++
			s.mu.Unlock()
		}
	}()
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.mu.Lock()
				s.reasons[err.Error()]++
				s.mu.Unlock()
			}
			return
		}
		var m struct {
			Type    string
			Payload struct {
				Data struct{ IncidentChanged struct{ Code string } }
			}
		}
		_ = json.Unmarshal(b, &m)
		switch m.Type {
		case "connection_ack":
			// Subscribed once the ack is in: the subscription is registered before the
			// server reads the next message, and a change needs a round trip to arrive.
			acked, window[0] = true, time.Now()
		case "next":
			s.mu.Lock()
			s.heard[m.Payload.Data.IncidentChanged.Code]++
			s.mu.Unlock()
		case "ping":
			_ = send(map[string]any{"type": "pong"})
		}
	}
}

// summary is the outcomes for the test's log and the README's reliability figures.
func (l *load) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var kinds []string
	for k, n := range l.outcomes {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	var worst time.Duration
	for _, d := range l.failures {
		worst = max(worst, d)
	}
	moves := 0
	for _, n := range l.moves {
		moves += n
	}
	return fmt.Sprintf("answers: %s; reports acknowledged %d, transitions %d; slowest failed request %s",
		strings.Join(kinds, ", "), len(l.reports), moves, worst.Round(time.Millisecond))
}
