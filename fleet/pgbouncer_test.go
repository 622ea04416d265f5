package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"

	"gridhub/auth"
	"gridhub/internal/pgcluster"
	"gridhub/store"
)

// startPgBouncer runs Debian's pgbouncer (which make test installs) in transaction mode
// in front of c's database gridhub, with two server connections for all its clients, and
// returns its URL. The session settings gridhub sends at connection start cannot pass a
// transaction pooler, so they are set on the role, as the README says to.
func startPgBouncer(t testing.TB, c *pgcluster.Cluster) string {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if _, err2 := os.Stat("/usr/sbin/pgbouncer"); err2 != nil {
			t.Fatal("pgbouncer is missing: run 'make test', which installs it (scripts/fleet-deps.sh)")
		}
		bin = "/usr/sbin/pgbouncer"
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.URL("gridhub"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range store.PoolerRoleSettings("gridhub") {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	dir := filepath.Join(c.Dir, "pgbouncer")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	port := pgcluster.FreePort(t)
	ini := fmt.Sprintf(`[databases]
gridhub = host=127.0.0.1 port=%d dbname=gridhub
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = scram-sha-256
auth_file = %[3]s/users.txt
pool_mode = transaction
default_pool_size = 2
max_client_conn = 500
ignore_startup_parameters = %s
logfile = %[3]s/log
pidfile = %[3]s/pid
`, c.Port, port, dir, store.PoolerIgnoredParameters)
	for name, body := range map[string]string{"pgbouncer.ini": ini, "users.txt": `"gridhub" "gridhub"` + "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{bin, "-d", filepath.Join(dir, "pgbouncer.ini")}
	if os.Geteuid() == 0 {
		// PgBouncer refuses to run as root.
		if out, err := exec.Command("chown", "-R", "postgres", dir).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v %s", err, out)
		}
		args = append([]string{"runuser", "-u", "postgres", "--"}, args...)
	}
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		t.Fatalf("pgbouncer: %v\n%s\n%s", err, out, log)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		nc, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			nc.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Fatalf("pgbouncer does not listen: %v\n%s", err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() {
		if pid, err := os.ReadFile(filepath.Join(dir, "pid")); err == nil {
			_ = exec.Command("kill", strings.TrimSpace(string(pid))).Run()
		}
	})
	return fmt.Sprintf("postgres://gridhub:gridhub@127.0.0.1:%d/gridhub?sslmode=disable", port)
}

// TestPgBouncer runs two hubs through PgBouncer in transaction mode, two server
// connections shared by both: statements go out as one unnamed exchange each (exec
// mode), live updates listen on a direct connection, and a subscriber on hub A hears
// the reports and moves made through hub B while both are under concurrent load.
func TestPgBouncer(t *testing.T) {
	c := pgcluster.New(t)
	url := startPgBouncer(t, c)
	o := store.Options{ExecMode: "exec", ListenURL: c.URL("gridhub"), MaxConns: 8}
	stA := open(t, url, o)
	putDistrict(t, stA)
	stB := open(t, url, o)
	// Readers use a key, so that their requests are audited: the audit writer's COPY
	// goes through the pooler too.
	cc := auth.DemoKeys[0]
	if err := stA.PutKey(context.Background(), cc.APIKey()); err != nil {
		t.Fatal(err)
	}
	a, b := hub(t, stA, config(t)), hub(t, stB, config(t))

	ws := dialWS(t, a)
	ws.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": `subscription { incidentChanged(area: { gridCode: "150203001001001" }) { code status } }`}})
	// The subscription is live once a change made after it is heard.
	heard := map[string][]string{}
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, ok := ws.next()
			if !ok {
				return
			}
			var p struct {
				Data struct {
					IncidentChanged struct{ Code, Status string }
				}
			}
			_ = json.Unmarshal(m, &p)
			mu.Lock()
			heard[p.Data.IncidentChanged.Code] = append(heard[p.Data.IncidentChanged.Code], p.Data.IncidentChanged.Status)
			mu.Unlock()
		}
	}()
	eventually(t, "hub A's listener is up", func() bool {
		return metric(t, a, "gridhub_live_subscribers") == "1"
	})

	const writers, each = 8, 5
	var wg sync.WaitGroup
	var failed sync.Map
	codes := make(chan string, writers*each)
	for w := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range each {
				r := post(t, b, report, map[string]any{"key": fmt.Sprintf("pgb-%d-%d", w, i)})
				var made struct{ ID, Code string }
				if len(r.Errors) > 0 || json.Unmarshal(r.Data["reportIncident"], &made) != nil {
					failed.Store(fmt.Sprint("report ", w, i), fmt.Sprint(r.Errors))
					continue
				}
				mv := post(t, b, `mutation($id: ID!) { transitionIncident(id: $id, to: ACCEPTED) { status } }`, map[string]any{"id": made.ID})
				if len(mv.Errors) > 0 {
					failed.Store(fmt.Sprint("move ", w, i), fmt.Sprint(mv.Errors))
					continue
				}
				codes <- made.Code
			}
		}()
		go func() {
			defer wg.Done()
			for i := range each {
				r := post(t, a, `query($b: [Float!]) { incidents(area: { bbox: $b }) { totalCount edges { node { code grid { name } } } } }`,
					map[string]any{"b": []float64{109.80, 40.60, 109.82, 40.62}}, "Authorization", "Bearer "+cc.Key)
				if len(r.Errors) > 0 {
					failed.Store(fmt.Sprint("read ", w, i), fmt.Sprint(r.Errors))
				}
			}
		}()
	}
	wg.Wait()
	close(codes)
	failed.Range(func(k, v any) bool {
		t.Errorf("%s: %s", k, v)
		return true
	})
	var n int
	for code := range codes {
		n++
		eventually(t, "the subscriber on hub A hears "+code+" reported and accepted", func() bool {
			mu.Lock()
			defer mu.Unlock()
			// One message a change, each showing the incident as it is when delivered.
			h := heard[code]
			return len(h) >= 2 && h[len(h)-1] == "ACCEPTED"
		}, func() string {
			mu.Lock()
			defer mu.Unlock()
			return fmt.Sprint("heard ", heard)
		})
	}
	if n != writers*each {
		t.Errorf("%d of %d reports made and moved", n, writers*each)
	}
	eventually(t, "every keyed read is in the audit log", func() bool {
		var audited int
		_ = stA.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_log`).Scan(&audited)
		return audited == writers*each
	})
	ws.conn.Close(websocket.StatusNormalClosure, "")
	<-done
}

// wsClient speaks graphql-transport-ws to a hub.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
}

func dialWS(t testing.TB, srv *httptest.Server) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadLimit(1 << 22)
	t.Cleanup(func() { conn.Close(websocket.StatusNormalClosure, "") })
	c := &wsClient{t: t, conn: conn}
	c.send(map[string]any{"type": "connection_init", "payload": map[string]any{}})
	for {
		var m struct{ Type string }
		_, b, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for connection_ack: %v", err)
		}
		if _ = json.Unmarshal(b, &m); m.Type == "connection_ack" {
			return c
		}
	}
}

func (c *wsClient) send(v any) {
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Errorf("ws write: %v", err)
	}
}

// next is the payload of the next "next" message, false once the connection is closed.
func (c *wsClient) next() (json.RawMessage, bool) {
	for {
		_, b, err := c.conn.Read(context.Background())
		if err != nil {
			return nil, false
		}
		var m struct {
			Type    string
			Payload json.RawMessage
		}
		if _ = json.Unmarshal(b, &m); m.Type == "next" {
			return m.Payload, true
		}
	}
}
