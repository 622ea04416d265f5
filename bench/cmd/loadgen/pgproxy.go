package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// stmtProxy sits between a gridhub process and PostgreSQL and counts the statements the
// client has the server execute, by SQL text: each Execute of the extended protocol (its
// text from the Parse of the statement its portal was bound to) and each simple Query,
// except the pool's liveness pings. It counts the real binary's statements without
// touching its code (pg_stat_statements would need a server restart to load).
type stmtProxy struct {
	ln       net.Listener
	upstream string
	db       *url.URL
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
	executed map[string]int // SQL text → times executed
}

func newStmtProxy(databaseURL string) (*stmtProxy, error) {
	u, err := url.Parse(databaseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("the proxy needs a postgres:// URL with a host: %v", err)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "5432")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &stmtProxy{ln: ln, upstream: host, db: u, executed: map[string]int{}}
	p.wg.Go(p.accept)
	return p, nil
}

// databaseURL is the database's URL through the proxy, without TLS: the proxy reads the
// protocol in the clear.
func (p *stmtProxy) databaseURL() string {
	u := *p.db
	u.Host = p.ln.Addr().String()
	q := u.Query()
	q.Set("sslmode", "disable")
	u.RawQuery = q.Encode()
	return u.String()
}

// snapshot copies the counts so far.
func (p *stmtProxy) snapshot() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.executed)
}

func (p *stmtProxy) executes(sql string) {
	p.mu.Lock()
	p.executed[sql]++
	p.mu.Unlock()
}

func (p *stmtProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *stmtProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.upstream)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		p.wg.Go(func() { _, _ = io.Copy(c, up); c.Close() })
		p.wg.Go(func() { p.count(c, up); up.Close() })
	}
}

// count forwards the client's messages unchanged, counting statements on the way.
func (p *stmtProxy) count(client net.Conn, server net.Conn) {
	r := bufio.NewReader(client)
	// The start-up packets have no type byte: an SSL or GSS request first, then the
	// startup message (protocol 3.0 = 196608).
	for {
		pkt, err := readPacket(r, false)
		if err != nil {
			return
		}
		if _, err := server.Write(pkt); err != nil {
			return
		}
		if len(pkt) >= 8 && binary.BigEndian.Uint32(pkt[4:8]) == 196608 {
			break
		}
	}
	prepared := map[string]string{} // statement name → SQL
	portals := map[string]string{}  // portal name → SQL
	for {
		msg, err := readPacket(r, true)
		if err != nil {
			return
		}
		body := msg[5:]
		switch msg[0] {
		case 'P': // Parse: statement name, SQL
			name, rest := cstring(body)
			prepared[name], _ = cstring(rest)
		case 'B': // Bind: portal name, statement name, ...
			portal, rest := cstring(body)
			stmt, _ := cstring(rest)
			portals[portal] = prepared[stmt]
		case 'E': // Execute: portal name, row limit
			portal, _ := cstring(body)
			p.executes(portals[portal])
		case 'Q': // Query: SQL
			if sql, _ := cstring(body); !strings.HasPrefix(sql, "-- ping") {
				p.executes(sql)
			}
		}
		if _, err := server.Write(msg); err != nil {
			return
		}
	}
}

// cstring splits a NUL-terminated string off the front of b.
func cstring(b []byte) (string, []byte) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return string(b), nil
	}
	return string(b[:i]), b[i+1:]
}

// readPacket reads one protocol message: [type byte] int32 length (counting itself) body.
func readPacket(r *bufio.Reader, typed bool) ([]byte, error) {
	head := 4
	if typed {
		head = 5
	}
	h := make([]byte, head)
	if _, err := io.ReadFull(r, h); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(h[head-4:]))
	if n < 4 || n > 1<<30 {
		return nil, fmt.Errorf("bad message length %d", n)
	}
	msg := make([]byte, head+n-4)
	copy(msg, h)
	_, err := io.ReadFull(r, msg[head:])
	return msg, err
}

// server is a gridhub process this program started.
type server struct {
	cmd *exec.Cmd
	url string
}

// startGridhub runs `gridhub serve` on a free loopback port against databaseURL and waits
// until it is ready.
func startGridhub(ctx context.Context, bin, databaseURL string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	// GRIDHUB_PPROF_ADDR is the measured instance's: this one must not take its port.
	cmd.Env = append(os.Environ(), "DATABASE_URL="+databaseURL, fmt.Sprintf("GRIDHUB_ADDR=127.0.0.1:%d", port), "GRIDHUB_LOG_LEVEL=warn", "GRIDHUB_PPROF_ADDR=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, url: fmt.Sprintf("http://127.0.0.1:%d", port)}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(s.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
	}
	s.stop()
	return nil, fmt.Errorf("%s did not become ready on %s", bin, s.url)
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}
