package fleet

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"gridhub/auth"
	"gridhub/internal/pgcluster"
	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/store"
)

// startRedis runs a Redis server of the test's own (Debian's redis-server, which make
// test installs) on a free port, without persistence, and connects to it.
func startRedis(t testing.TB) *Redis {
	t.Helper()
	r, _ := startRedisProcess(t)
	return r
}

// startRedisProcess is startRedis, with a function that kills the server.
func startRedisProcess(t testing.TB) (*Redis, func()) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is missing: run 'make test', which installs it (scripts/fleet-deps.sh)")
	}
	port := pgcluster.FreePort(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	log, _ := os.Create(filepath.Join(dir, "log"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	kill := func() { once.Do(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }) }
	t.Cleanup(kill)
	var r *Redis
	r, err = Open(context.Background(), fmt.Sprintf("redis://127.0.0.1:%d/0", port), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "redis-server answers", func() bool { return r.rdb.Ping(context.Background()).Err() == nil })
	t.Cleanup(func() { _ = r.Close() })
	return r, kill
}

// TestSharedRateLimit runs two hubs on one Redis: a caller's burst is spent across both,
// not granted by each, and so are failed sign-ins from one address.
func TestSharedRateLimit(t *testing.T) {
	r := startRedis(t)
	db := testdb.New(t)
	cfg := config(t)
	// No refill to speak of during the test: what is granted is the burst.
	cc := cfg.Policy.Roles["command_center"]
	cc.Rate.PerSecond, cc.Rate.Burst = 0.001, 5
	cfg.AuthFailures.PerSecond, cfg.AuthFailures.Burst = 0.001, 3
	cfg.Buckets = r
	a, b := hub(t, db.Store, cfg), hub(t, db.Store, cfg)

	granted, limited := 0, 0
	for i := range 10 {
		srv := a
		if i%2 == 1 {
			srv = b
		}
		switch resp := post(t, srv, `{ stats { incidents } }`, nil); resp.code() {
		case "":
			granted++
		case "RATE_LIMITED":
			limited++
			if resp.header.Get("Retry-After") == "" {
				t.Error("RATE_LIMITED without Retry-After")
			}
		default:
			t.Fatalf("request %d: %+v", i, resp.Errors)
		}
	}
	if granted != 5 || limited != 5 {
		t.Errorf("10 requests across two hubs with a burst of 5: %d granted, %d limited; want 5 and 5", granted, limited)
	}

	t.Run("failed sign-ins count across hubs", func(t *testing.T) {
		bad := "Bearer gh_00000000_not-a-key-0000000000000000000000000000000"
		for i, srv := range []*httptest.Server{a, a, b} {
			if resp := post(t, srv, `{ stats { incidents } }`, nil, "Authorization", bad); resp.code() != "UNAUTHENTICATED" {
				t.Fatalf("bad credential %d: %q, want UNAUTHENTICATED", i, resp.code())
			}
		}
		if resp := post(t, b, `{ stats { incidents } }`, nil, "Authorization", bad); resp.code() != "RATE_LIMITED" {
			t.Errorf("a fourth failure from the address at the other hub: %q, want RATE_LIMITED", resp.code())
		}
	})
}

// TestOneRoundTripPerRequest counts the commands a hub sends Redis: once a key is
// known, a request's rate and its address's failed sign-ins cost one script call, and a
// caller over its failed sign-ins is refused even with a good key.
func TestOneRoundTripPerRequest(t *testing.T) {
	r := startRedis(t)
	db := testdb.New(t)
	cfg := config(t)
	cfg.AuthFailures.PerSecond, cfg.AuthFailures.Burst = 0.001, 2
	cfg.KeyCacheTTL = time.Minute
	cfg.Buckets = r
	srv := hub(t, db.Store, cfg)
	key, prefix, hash := auth.NewKey()
	if _, err := db.Store.CreateKey(context.Background(), store.APIKey{Name: "ops", Role: "command_center", Prefix: prefix, Hash: hash}); err != nil {
		t.Fatal(err)
	}
	good := "Bearer " + key
	calls := func() int {
		n := 0
		for _, line := range strings.Split(r.rdb.Info(context.Background(), "commandstats").Val(), "\n") {
			// cmdstat_evalsha:calls=12,usec=…  (and cmdstat_eval, the first call's fallback)
			if strings.HasPrefix(line, "cmdstat_eval") {
				var c int
				if _, err := fmt.Sscanf(line[strings.Index(line, ":")+1:], "calls=%d", &c); err == nil {
					n += c
				}
			}
		}
		return n
	}
	for range 2 { // the key is read from the database once, and the script loaded
		if resp := post(t, srv, `{ stats { incidents } }`, nil, "Authorization", good); resp.code() != "" {
			t.Fatalf("warm-up: %+v", resp.Errors)
		}
	}
	before := calls()
	for i := range 10 {
		if resp := post(t, srv, `{ stats { incidents } }`, nil, "Authorization", good); resp.code() != "" {
			t.Fatalf("request %d: %+v", i, resp.Errors)
		}
	}
	if got := calls() - before; got != 10 {
		t.Errorf("10 requests with a known key sent %d scripts to Redis, want 10", got)
	}

	bad := "Bearer gh_00000000_not-a-key-0000000000000000000000000000000"
	for i := range 2 {
		if resp := post(t, srv, `{ stats { incidents } }`, nil, "Authorization", bad); resp.code() != "UNAUTHENTICATED" {
			t.Fatalf("bad credential %d: %q, want UNAUTHENTICATED", i, resp.code())
		}
	}
	resp := post(t, srv, `{ stats { incidents } }`, nil, "Authorization", good)
	if resp.code() != "RATE_LIMITED" || !strings.Contains(resp.Errors[0].Message, "failed sign-ins") {
		t.Errorf("a good key from an address over its failed sign-ins: %+v, want RATE_LIMITED for the sign-ins", resp.Errors)
	}
}

// TestSharedDenseTiles has one hub find a tile dense and the other learn it.
func TestSharedDenseTiles(t *testing.T) {
	r := startRedis(t)
	db := testdb.New(t)
	putDistrict(t, db.Store)
	other := open(t, db.URL, store.Options{SearchPath: db.Schema})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db.Store.ShareDense(r.ShareDense)
	go r.FollowDense(ctx, other.MarkDense)
	for i := range 5 {
		if _, err := db.Store.ReportIncident(ctx, store.Report{Title: "占道经营", Category: "街面秩序", Source: "WECHAT",
			Lon: 109.81 + float64(i)*1e-4, Lat: 40.61, Actor: "test", Key: fmt.Sprint("dense-", i)}); err != nil {
			t.Fatal(err)
		}
	}
	tile := maptile.At(orb.Point{109.81, 40.61}, 14)
	o := store.TileOptions{ClusterBelow: 10, ClusterAbove: 2}
	if _, err := db.Store.Tile(ctx, []model.Layer{model.LayerIncident}, 14, int(tile.X), int(tile.Y), o); err != nil {
		t.Fatal(err)
	}
	if n := db.Store.DenseTilesRemembered(); n != 1 {
		t.Fatalf("the hub that built the tile remembers %d dense tiles, want 1", n)
	}
	eventually(t, "the other hub learns the dense tile", func() bool { return other.DenseTilesRemembered() == 1 })
}

// TestRedisGone has a hub whose Redis died keep limiting with its own buckets.
func TestRedisGone(t *testing.T) {
	r, kill := startRedisProcess(t)
	if ok, _ := r.Take("k", 0.001, 1); !ok {
		t.Fatal("the first request of a burst of 1 was refused")
	}
	kill()
	if ok, _ := r.Take("other", 0.001, 1); !ok {
		t.Error("without Redis, a new key's first request was refused")
	}
	if ok, wait := r.Take("other", 0.001, 1); ok || wait <= 0 {
		t.Errorf("without Redis, a second request past a burst of 1: granted %v, wait %s; want refused by the hub's own bucket", ok, wait)
	}
}
