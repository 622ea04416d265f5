package live

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"gridhub/importer"
	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/store"
)

func TestLayerChangesSkipAStuckSubscriberWithoutHoldingOthersBack(t *testing.T) {
	h := New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	all := func(store.LayerChange) bool { return true }
	cameras := func(c store.LayerChange) bool { return c.Layer == model.LayerCamera }
	stuck, reading, picky := h.SubscribeLayers(all), h.SubscribeLayers(all), h.SubscribeLayers(cameras)
	got := 0
	for i := range layerBuffer + 5 {
		h.publishLayer(store.LayerChange{Layer: model.LayerServicePoint, Inserted: i}, nil)
		select {
		case c := <-reading.C:
			if c.Inserted != i {
				t.Fatalf("change %d arrived as %d", i, c.Inserted)
			}
			got++
		default:
		}
	}
	if got != layerBuffer+5 {
		t.Errorf("the reading subscriber got %d changes, want all %d", got, layerBuffer+5)
	}
	if n := len(stuck.C); n != layerBuffer {
		t.Errorf("the stuck subscriber holds %d changes, want its buffer of %d", n, layerBuffer)
	}
	if n := len(picky.C); n != 0 {
		t.Errorf("a subscriber to cameras got %d service point changes", n)
	}
	if n := h.Subscribers(); n != 3 {
		t.Errorf("%d subscribers, want 3: a stuck one is skipped, not dropped", n)
	}
	h.UnsubscribeLayers(stuck)
	h.UnsubscribeLayers(stuck)
	if n := h.Subscribers(); n != 2 {
		t.Errorf("%d subscribers after one left (twice), want 2", n)
	}
}

// importPoints imports service points named prefix-0, prefix-1… at the given places,
// through the importer as an operator would; prune removes the layer's other points.
func importPoints(t *testing.T, st *store.Store, prefix string, prune bool, at ...[2]float64) *importer.Result {
	t.Helper()
	var f []string
	for i, p := range at {
		f = append(f, fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%f,%f]},"properties":{"sourceId":"%s-%d","name":"调解室%d","kind":"MEDIATION"}}`, p[0], p[1], prefix, i, i))
	}
	path := filepath.Join(t.TempDir(), prefix+".geojson")
	if err := os.WriteFile(path, []byte(`{"type":"FeatureCollection","features":[`+strings.Join(f, ",")+`]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := importer.Run(context.Background(), st, importer.Options{Layer: model.LayerServicePoint, File: path, Prune: prune})
	if err != nil || res.Errors() > 0 || !res.Written {
		t.Fatalf("import %s: %v %+v", prefix, err, res)
	}
	return res
}

// nextLayerChange waits for the subscriber's next change, and checks it is the one an
// import of res (at clock, over bbox: nil when it removed rows) committed.
func nextLayerChange(t *testing.T, s *LayerSub, what string, res *importer.Result, clock time.Time, bbox []float64) store.LayerChange {
	t.Helper()
	var c store.LayerChange
	select {
	case c = <-s.C:
	case <-time.After(30 * time.Second):
		t.Fatalf("no layer change for %s", what)
	}
	if c.Layer != model.LayerServicePoint || c.Inserted != res.Inserted || c.Updated != res.Updated || c.Removed != res.Pruned || !c.At.Equal(clock) || c.ID == 0 {
		t.Fatalf("%s: got %+v, want %d inserted, %d updated, %d removed at %s, with an id", what, c, res.Inserted, res.Updated, res.Pruned, clock)
	}
	if len(c.BBox) != len(bbox) {
		t.Fatalf("%s: bbox %v, want %v", what, c.BBox, bbox)
	}
	for i := range bbox {
		if math.Abs(c.BBox[i]-bbox[i]) > 1e-6 {
			t.Fatalf("%s: bbox %v, want %v", what, c.BBox, bbox)
		}
	}
	return c
}

func TestLayerChangesCommittedWhileTheListenerIsDisconnectedArriveOnce(t *testing.T) {
	clock := testdb.Reference
	db := testdb.New(t, func(o *store.Options) { o.Now = func() time.Time { return clock } })
	st := db.Store
	putDistrict(t, st)
	a, b, c := [2]float64{109.805, 40.605}, [2]float64{109.815, 40.615}, [2]float64{109.812, 40.602}
	importPoints(t, st, "history", false, a, b) // before the hub listens: not told to its subscribers

	// The listener's connections are opened one at a time as the test allows, and the
	// test hears of each attempt, so that imports can be committed while it is down.
	h := New(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	dialing, allow, pids := make(chan struct{}, 8), make(chan struct{}, 8), make(chan uint32, 8)
	h.connect = func(ctx context.Context) (*pgx.Conn, error) {
		dialing <- struct{}{}
		select {
		case <-allow:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		conn, err := st.ListenConn(ctx)
		if err == nil {
			pids <- conn.PgConn().PID()
		}
		return conn, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		_ = h.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-stopped })
	wait := func(ch <-chan struct{}, what string) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			t.Fatalf("timed out waiting until %s", what)
		}
	}
	wait(dialing, "the listener dials")
	allow <- struct{}{}
	wait(h.Listening(), "the hub listens")
	sub := h.SubscribeLayers(func(store.LayerChange) bool { return true })

	heard := importPoints(t, st, "heard", false, c)
	first := nextLayerChange(t, sub, "an import heard as it commits", heard, clock, []float64{c[0], c[1], c[0], c[1]})

	var killed bool
	if err := st.Pool().QueryRow(context.Background(), `SELECT pg_terminate_backend($1)`, <-pids).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate the listener's backend: %v %v", killed, err)
	}
	wait(dialing, "the listener dials again")
	gap1 := importPoints(t, st, "gap", false, a, b)
	gap2 := importPoints(t, st, "heard", true, c) // removes all but this one point
	if gap2.Pruned != 4 {
		t.Fatalf("the pruning import removed %d points, want the other 4", gap2.Pruned)
	}
	allow <- struct{}{}

	t.Run("imports committed while it was down are caught up, in order, with their counts and extent", func(t *testing.T) {
		got1 := nextLayerChange(t, sub, "the first import in the gap", gap1, clock, []float64{a[0], a[1], b[0], b[1]})
		got2 := nextLayerChange(t, sub, "the pruning import in the gap", gap2, clock, nil)
		if !(first.ID < got1.ID && got1.ID < got2.ID) {
			t.Errorf("ids %d, %d, %d: want them rising in commit order", first.ID, got1.ID, got2.ID)
		}
	})
	t.Run("nothing is told twice: the next change is the next import", func(t *testing.T) {
		after := importPoints(t, st, "after", false, b)
		nextLayerChange(t, sub, "an import after the reconnect", after, clock, []float64{b[0], b[1], b[0], b[1]})
	})
}

func TestALayerChangeBothCaughtUpAndAnnouncedIsPublishedOnce(t *testing.T) {
	db := testdb.New(t)
	st := db.Store
	putDistrict(t, st)
	ctx := context.Background()
	h := New(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	sub := h.SubscribeLayers(func(store.LayerChange) bool { return true })
	ch, err := st.LayerChannel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn := db.Listen(t, ch)
	heard := func() *pgconn.Notification {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		n, err := conn.WaitForNotification(wctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	// An import commits between the listener's LISTEN and its catch-up: the catch-up
	// reads it, and then its notification arrives.
	l := &layerListener{h: h}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	importPoints(t, st, "x", false, [2]float64{109.805, 40.605})
	nx := heard()
	must(l.HandleBacklog(ctx, ch, conn))
	must(l.HandleNotification(ctx, nx, conn))
	importPoints(t, st, "y", false, [2]float64{109.815, 40.615})
	ny := heard()
	must(l.HandleNotification(ctx, ny, conn))
	// A reconnect that missed nothing publishes nothing.
	must(l.HandleBacklog(ctx, ch, conn))

	if n := len(sub.C); n != 2 {
		t.Fatalf("%d changes published, want 2", n)
	}
	for _, n := range []*pgconn.Notification{nx, ny} {
		want, err := store.ParseLayerChange(n.Payload)
		if err != nil {
			t.Fatal(err)
		}
		got := <-sub.C
		if got.ID != want.ID || got.Layer != want.Layer || got.Inserted != want.Inserted || got.Updated != want.Updated ||
			got.Removed != want.Removed || !slices.Equal(got.BBox, want.BBox) || !got.At.Equal(want.At) {
			t.Errorf("published %+v, want it as announced: %+v", got, want)
		}
	}
}
