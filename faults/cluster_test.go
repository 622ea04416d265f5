package faults

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// cluster is a PostgreSQL server of the test's own, in a temporary directory on a free
// port, so that it can be stopped, killed and started again without touching the
// cluster every other test uses. It is made with the system's PostgreSQL binaries (which
// make test installs with PostGIS) and runs as the postgres OS user when the tests run
// as root, as PostgreSQL requires.
type cluster struct {
	t    testing.TB
	bin  string
	dir  string
	port int
}

func newCluster(t testing.TB) *cluster {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(bins) == 0 {
		t.Fatal("no PostgreSQL server binaries under /usr/lib/postgresql: run 'make test', which installs PostgreSQL and PostGIS")
	}
	sort.Strings(bins)
	c := &cluster{t: t, bin: filepath.Dir(bins[len(bins)-1]), port: freePort(t)}
	dir, err := os.MkdirTemp("", "gridhub-faults-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pgdata := filepath.Join(dir, "pg")
	if err := os.Mkdir(pgdata, 0o700); err != nil {
		t.Fatal(err)
	}
	c.own(pgdata, dir)
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("gridhub\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.run("initdb", "-D", pgdata, "-U", "gridhub", "--pwfile="+pw, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8")
	conf := fmt.Sprintf("\nlisten_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\nmax_connections = 300\njit = off\nmax_parallel_workers_per_gather = 0\nfsync = on\n", c.port, dir)
	f, err := os.OpenFile(filepath.Join(pgdata, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(conf)
	f.Close()
	c.start()
	t.Cleanup(func() {
		_ = c.cmd("pg_ctl", "-D", pgdata, "stop", "-m", "immediate").Run()
		os.RemoveAll(dir)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{`CREATE DATABASE gridhub`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db, err := pgx.Connect(ctx, c.url("gridhub"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	if _, err := db.Exec(ctx, `CREATE EXTENSION postgis`); err != nil {
		t.Fatalf("PostGIS is missing (make test installs it): %v", err)
	}
	return c
}

// url is the URL of database name on the cluster.
func (c *cluster) url(name string) string {
	return fmt.Sprintf("postgres://gridhub:gridhub@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

// start starts the server and waits until it takes connections.
func (c *cluster) start() {
	c.t.Helper()
	c.run("pg_ctl", "-D", filepath.Join(c.dir, "pg"), "-l", filepath.Join(c.dir, "log"), "-w", "-t", "60", "start")
}

// stop stops the server: "fast" (clients are disconnected, a clean shutdown) or
// "immediate" (the server is killed and recovers from its log at the next start).
func (c *cluster) stop(mode string) {
	c.t.Helper()
	c.run("pg_ctl", "-D", filepath.Join(c.dir, "pg"), "-w", "stop", "-m", mode)
}

func (c *cluster) run(name string, args ...string) {
	c.t.Helper()
	if out, err := c.cmd(name, args...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		c.t.Fatalf("%s %v: %v\n%s\n%s", name, args, err, out, log)
	}
}

// cmd runs a PostgreSQL program as the cluster's owner.
func (c *cluster) cmd(name string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, name)
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

// own gives the paths to the postgres OS user when the tests run as root.
func (c *cluster) own(paths ...string) {
	if os.Geteuid() != 0 {
		return
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		c.t.Fatalf("no postgres OS user (it comes with the postgresql package): %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, p := range paths {
		if err := os.Chown(p, uid, gid); err != nil {
			c.t.Fatal(err)
		}
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
