package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wsClient speaks graphql-transport-ws (or the legacy graphql-ws) to a test server.
type wsClient struct {
	t      testing.TB
	conn   *websocket.Conn
	legacy bool
}

func dialWS(t testing.TB, a *api, legacy bool) *wsClient {
	t.Helper()
	return dialWSProto(t, a, legacy, map[string]any{})
}

// dialWSWith opens a graphql-transport-ws connection with that connection_init payload.
func dialWSWith(t testing.TB, a *api, payload map[string]any) *wsClient {
	t.Helper()
	return dialWSProto(t, a, false, payload)
}

func dialWSProto(t testing.TB, a *api, legacy bool, payload map[string]any) *wsClient {
	t.Helper()
	proto := "graphql-transport-ws"
	if legacy {
		proto = "graphql-ws"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(a.srv.URL, "http") + "/graphql"
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{proto}})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	conn.SetReadLimit(1 << 22)
	c := &wsClient{t: t, conn: conn, legacy: legacy}
	t.Cleanup(func() { conn.Close(websocket.StatusNormalClosure, "") })
	c.send(map[string]any{"type": "connection_init", "payload": payload})
	for {
		m := c.read(5 * time.Second)
		if m.Type == "connection_ack" {
			return c
		}
		if m.Type != "ka" && m.Type != "ping" {
			t.Fatalf("expected connection_ack, got %+v", m)
		}
	}
}

type wsMessage struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

func (c *wsClient) send(v any) {
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("ws write: %v", err)
	}
}

// read returns the next message, or one of type "timeout".
func (c *wsClient) read(d time.Duration) wsMessage {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return wsMessage{Type: "timeout"}
		}
		return wsMessage{Type: "closed", Payload: json.RawMessage(`"` + err.Error() + `"`)}
	}
	var m wsMessage
	_ = json.Unmarshal(b, &m)
	return m
}

func (c *wsClient) subscribe(id, query string, vars map[string]any) {
	typ := "subscribe"
	if c.legacy {
		typ = "start"
	}
	c.send(map[string]any{"id": id, "type": typ, "payload": map[string]any{"query": query, "variables": vars}})
}

// next waits for the next data message of any subscription, skipping keep-alives.
func (c *wsClient) next(d time.Duration) (wsMessage, bool) {
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return wsMessage{Type: "timeout"}, false
		}
		m := c.read(left)
		switch m.Type {
		case "ka", "ping", "pong":
			if m.Type == "ping" {
				c.send(map[string]any{"type": "pong"})
			}
			continue
		case "next", "data":
			return m, true
		default:
			return m, false
		}
	}
}

// waitSubscribers waits until the server's hub holds n subscriptions (its
// gridhub_live_subscribers gauge), so that a change written next reaches them all.
func waitSubscribers(t testing.TB, a *api, n int) {
	t.Helper()
	for range 400 {
		if liveSubscribers(t, a) == n {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("the hub never held %d subscriptions", n)
}

// liveSubscribers is the server's gridhub_live_subscribers gauge.
func liveSubscribers(t testing.TB, a *api) int {
	t.Helper()
	resp, err := http.Get(a.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	_, v, ok := strings.Cut(string(b), "\ngridhub_live_subscribers ")
	n, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(v, "\n", 2)[0]))
	if !ok || err != nil {
		t.Fatalf("no gridhub_live_subscribers in /metrics: %v", err)
	}
	return n
}
