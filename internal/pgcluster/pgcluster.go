// Package pgcluster runs PostgreSQL servers of a test's own: a primary in a temporary
// directory on a free port, and streaming replicas of it, so that tests can stop, kill,
// pause and promote them without touching the cluster every other test uses. They are
// made with the system's PostgreSQL binaries (which make test installs with PostGIS)
// and run as the postgres OS user when the tests run as root, as PostgreSQL requires.
package pgcluster

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

// Cluster is one PostgreSQL server; its superuser is gridhub (password gridhub).
type Cluster struct {
	t    testing.TB
	bin  string
	Dir  string
	Port int
}

// New starts a primary with a database gridhub holding PostGIS.
func New(t testing.TB) *Cluster {
	t.Helper()
	c := prepare(t)
	pgdata := filepath.Join(c.Dir, "pg")
	if err := os.Mkdir(pgdata, 0o700); err != nil {
		t.Fatal(err)
	}
	c.own(pgdata)
	pw := filepath.Join(c.Dir, "pw")
	if err := os.WriteFile(pw, []byte("gridhub\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.Run("initdb", "-D", pgdata, "-U", "gridhub", "--pwfile="+pw, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8")
	c.configure()
	c.Start()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE gridhub`); err != nil {
		t.Fatal(err)
	}
	db, err := pgx.Connect(ctx, c.URL("gridhub"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	if _, err := db.Exec(ctx, `CREATE EXTENSION postgis`); err != nil {
		t.Fatalf("PostGIS is missing (make test installs it): %v", err)
	}
	return c
}

// Replica starts a streaming replica of c (pg_basebackup, then hot standby).
func (c *Cluster) Replica() *Cluster {
	c.t.Helper()
	r := prepare(c.t)
	pgdata := filepath.Join(r.Dir, "pg")
	pgpass := filepath.Join(r.Dir, "pgpass")
	if err := os.WriteFile(pgpass, []byte("*:*:*:gridhub:gridhub\n"), 0o600); err != nil {
		c.t.Fatal(err)
	}
	r.own(pgpass)
	cmd := r.Cmd("pg_basebackup", "-D", pgdata, "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", "gridhub", "-R", "-X", "stream", "-c", "fast")
	cmd.Env = append(os.Environ(), "PGPASSFILE="+pgpass)
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("pg_basebackup: %v\n%s", err, out)
	}
	// -R wrote primary_conninfo without the password, which the standby then needs.
	r.appendConf(fmt.Sprintf("primary_conninfo = 'host=127.0.0.1 port=%d user=gridhub password=gridhub application_name=replica%d'\n", c.Port, r.Port))
	r.configure()
	r.Start()
	return r
}

func prepare(t testing.TB) *Cluster {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(bins) == 0 {
		t.Fatal("no PostgreSQL server binaries under /usr/lib/postgresql: run 'make test', which installs PostgreSQL and PostGIS")
	}
	sort.Strings(bins)
	c := &Cluster{t: t, bin: filepath.Dir(bins[len(bins)-1]), Port: FreePort(t)}
	dir, err := os.MkdirTemp("", "gridhub-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.Dir = dir
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c.own(dir)
	t.Cleanup(func() {
		_ = c.Cmd("pg_ctl", "-D", filepath.Join(dir, "pg"), "stop", "-m", "immediate").Run()
		os.RemoveAll(dir)
	})
	return c
}

func (c *Cluster) configure() {
	c.appendConf(fmt.Sprintf("\nlisten_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\nmax_connections = 300\njit = off\nmax_parallel_workers_per_gather = 0\nfsync = on\nhot_standby_feedback = on\n", c.Port, c.Dir))
}

func (c *Cluster) appendConf(s string) {
	f, err := os.OpenFile(filepath.Join(c.Dir, "pg", "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		c.t.Fatal(err)
	}
}

// URL is the URL of database name on the cluster.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://gridhub:gridhub@127.0.0.1:%d/%s?sslmode=disable", c.Port, name)
}

// Start starts the server and waits until it takes connections.
func (c *Cluster) Start() {
	c.t.Helper()
	c.Run("pg_ctl", "-D", filepath.Join(c.Dir, "pg"), "-l", filepath.Join(c.Dir, "log"), "-w", "-t", "60", "start")
}

// Stop stops the server: "fast" (clients are disconnected, a clean shutdown) or
// "immediate" (the server is killed and recovers from its log at the next start).
func (c *Cluster) Stop(mode string) {
	c.t.Helper()
	c.Run("pg_ctl", "-D", filepath.Join(c.Dir, "pg"), "-w", "stop", "-m", mode)
}

// Run runs a PostgreSQL program as the cluster's owner and fails the test if it fails.
func (c *Cluster) Run(name string, args ...string) {
	c.t.Helper()
	if out, err := c.Cmd(name, args...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.Dir, "log"))
		c.t.Fatalf("%s %v: %v\n%s\n%s", name, args, err, out, log)
	}
}

// Cmd is a PostgreSQL program run as the cluster's owner.
func (c *Cluster) Cmd(name string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, name)
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

// own gives the paths to the postgres OS user when the tests run as root.
func (c *Cluster) own(paths ...string) {
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

// FreePort is a TCP port nothing listens on at the moment.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
