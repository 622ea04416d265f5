package faults

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// slowProxy relays TCP connections to PostgreSQL and can hold every chunk the server
// sends for a while: a database (or a network) that has become slow.
type slowProxy struct {
	ln    net.Listener
	delay atomic.Int64 // nanoseconds each chunk from the server is held
	wg    sync.WaitGroup
}

func newSlowProxy(t testing.TB, target string) *slowProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &slowProxy{ln: ln}
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			d, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			go func() { _, _ = io.Copy(d, c); d.Close() }()
			go func() { p.relay(c, d); c.Close() }()
		}
	})
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

// relay copies the server's chunks to the client, each after the current delay.
func (p *slowProxy) relay(dst io.Writer, src io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if d := time.Duration(p.delay.Load()); d > 0 {
				time.Sleep(d)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *slowProxy) addr() string { return p.ln.Addr().String() }
