package live

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"gridhub/internal/testdb"
	"gridhub/store"
)

// putDistrict puts the district the tests' reports and imports lie in, 109.80–109.82 E,
// 40.60–40.62 N: one street, one community and one grid, each the whole of it.
func putDistrict(t *testing.T, st *store.Store) {
	t.Helper()
	if _, err := st.Pool().Exec(context.Background(), `INSERT INTO grids (id, code, level, parent_id, name, geom)
SELECT id, code, level, parent_id, name, ST_Multi(ST_MakeEnvelope(109.80, 40.60, 109.82, 40.62, 4326)) FROM (VALUES
  (1, '150203', 'DISTRICT', NULL::bigint, '测试区'), (2, '150203001', 'STREET', 1, '测试街道'),
  (3, '150203001001', 'COMMUNITY', 2, '测试社区'), (4, '150203001001001', 'GRID', 3, '测试网格')) AS g(id, code, level, parent_id, name)
ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
}

// reportN files n reports through the store and returns their changes.
func reportN(t *testing.T, st *store.Store, n int) []store.Change {
	t.Helper()
	ctx := context.Background()
	pool := st.Pool()
	putDistrict(t, st)
	var out []store.Change
	for i := range n {
		inc, err := st.ReportIncident(ctx, store.Report{Title: "测试", Category: "市容环境", Source: "OTHER",
			Lon: 109.81, Lat: 40.61, Actor: "test", Key: fmt.Sprintf("k%d-%d", n, i)})
		if err != nil {
			t.Fatal(err)
		}
		var ev int64
		if err := pool.QueryRow(ctx, `SELECT max(id) FROM incident_events WHERE incident_id = $1`, inc.DBID).Scan(&ev); err != nil {
			t.Fatal(err)
		}
		out = append(out, store.Change{Event: ev, Incident: inc.DBID})
	}
	return out
}

func TestSlowSubscriberIsDroppedWithoutHoldingOthersBack(t *testing.T) {
	db := testdb.New(t)
	h := New(db.Store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	changes := reportN(t, db.Store, Buffer+10)
	all := func(store.Placed) bool { return true }
	slow, fast := h.Subscribe(all), h.Subscribe(all)
	got := make(chan int)
	go func() {
		n := 0
		for range fast.C {
			n++
		}
		got <- n
	}()
	for _, c := range changes {
		h.deliver(context.Background(), []store.Change{c})
	}
	select {
	case <-slow.Dropped:
	default:
		t.Fatal("a subscriber that never read was not dropped")
	}
	if h.Subscribers() != 1 {
		t.Errorf("%d subscribers left, want the reading one", h.Subscribers())
	}
	h.Unsubscribe(fast)
	if n := <-got; n != len(changes) {
		t.Errorf("the reading subscriber got %d changes, want all %d", n, len(changes))
	}
	if n := len(slow.C); n != Buffer {
		t.Errorf("the dropped subscriber holds %d changes, want at most its buffer of %d", n, Buffer)
	}
}

func TestEachChangeIsDeliveredOnce(t *testing.T) {
	db := testdb.New(t)
	h := New(db.Store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	changes := reportN(t, db.Store, 3)
	s := h.Subscribe(func(store.Placed) bool { return true })
	// A notification and the catch-up after a reconnect can name the same change.
	h.deliver(context.Background(), changes)
	h.deliver(context.Background(), changes[1:])
	if n := len(s.C); n != 3 {
		t.Errorf("%d deliveries, want 3", n)
	}
}
