package fleet

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"gridhub/internal/pgcluster"
	"gridhub/store"
)

const (
	report = `mutation($key: String!) { reportIncident(idempotencyKey: $key,
		input: { title: "井盖缺失", category: "突发事件", source: WECHAT, location: [109.81, 40.61] }) { id code } }`
	byID = `query($id: ID!) { node(id: $id) { id } }`
)

// TestReadYourWrites runs two hubs on one primary and one streaming replica: reads go to
// the replica, and a read carrying the position a write answered with (through the other
// hub) sees that write, from the primary while the replica has not replayed it and from
// the replica once it has.
func TestReadYourWrites(t *testing.T) {
	primary := pgcluster.New(t)
	replica := primary.Replica()
	// A bound so wide that the paused replica stays in rotation: reads without a
	// position must then read what it has.
	o := store.Options{ReplicaURLs: []string{replica.URL("gridhub")}, MaxReplicaLag: time.Hour, ReplicaPoll: 20 * time.Millisecond}
	stA := open(t, primary.URL("gridhub"), o)
	putDistrict(t, stA)
	stB := open(t, primary.URL("gridhub"), o)
	a, b := hub(t, stA, config(t)), hub(t, stB, config(t))
	eventually(t, "the replica serves hub B", func() bool { return stB.Routing().Replicas[0].Serving })
	var primaryLSN store.LSN
	eventually(t, "the replica has replayed the district", func() bool {
		var s string
		_ = stA.Pool().QueryRow(t.Context(), `SELECT pg_current_wal_insert_lsn()::text`).Scan(&s)
		primaryLSN, _ = store.ParseLSN(s)
		return stB.Routing().Replicas[0].ReplayedAt >= primaryLSN
	})

	onReplica(t, replica, `SELECT pg_wal_replay_pause()`)
	w := post(t, a, report, map[string]any{"key": "ryw-1"})
	if len(w.Errors) > 0 {
		t.Fatalf("report: %+v", w.Errors)
	}
	var made struct{ ID string }
	_ = json.Unmarshal(w.Data["reportIncident"], &made)
	lsn := w.header.Get("X-Gridhub-LSN")
	if _, err := store.ParseLSN(lsn); err != nil {
		t.Fatalf("the write answered X-Gridhub-LSN %q: %v", lsn, err)
	}
	if ext := fmt.Sprint(w.Extensions["lsn"]); ext != lsn {
		t.Errorf("extensions.lsn = %s, header %s: want the same", ext, lsn)
	}

	t.Run("a read without the position reads the paused replica", func(t *testing.T) {
		r := post(t, b, byID, map[string]any{"id": made.ID})
		if string(r.Data["node"]) != "null" {
			t.Errorf("node = %s before the replica replayed it: the read did not go to the replica", r.Data["node"])
		}
	})
	t.Run("a read with the position sees the write through the other hub", func(t *testing.T) {
		r := post(t, b, byID, map[string]any{"id": made.ID}, "X-Gridhub-LSN", lsn)
		if string(r.Data["node"]) == "null" || len(r.Errors) > 0 {
			t.Errorf("node = %s %+v: want the incident hub A wrote", r.Data["node"], r.Errors)
		}
		if got := metric(t, b, `gridhub_db_reads_total{reason="replicas_behind",target="primary"}`); got == "0" || got == "" {
			t.Errorf("reads sent to the primary because the replica was behind: %q, want some", got)
		}
	})
	t.Run("once replayed, the replica serves the read with the position", func(t *testing.T) {
		onReplica(t, replica, `SELECT pg_wal_replay_resume()`)
		want, _ := store.ParseLSN(lsn)
		eventually(t, "the replica replays the write", func() bool { return stB.Routing().Replicas[0].ReplayedAt >= want })
		before := stB.Routing().Replicas[0].Reads
		r := post(t, b, byID, map[string]any{"id": made.ID}, "X-Gridhub-LSN", lsn)
		if string(r.Data["node"]) == "null" || len(r.Errors) > 0 {
			t.Errorf("node = %s %+v: want the incident", r.Data["node"], r.Errors)
		}
		if stB.Routing().Replicas[0].Reads == before {
			t.Error("the read did not go to the replica")
		}
	})
	t.Run("a malformed position is a bad request", func(t *testing.T) {
		r := post(t, b, byID, map[string]any{"id": made.ID}, "X-Gridhub-LSN", "yesterday")
		if r.status != http.StatusBadRequest || r.code() != "BAD_INPUT" {
			t.Errorf("status %d code %q, want 400 BAD_INPUT", r.status, r.code())
		}
	})
}

// TestLaggingReplica takes a replica whose replay stopped out of rotation once its oldest
// unreplayed write is older than the bound, sends reads to the primary meanwhile, and
// puts it back once it has caught up.
func TestLaggingReplica(t *testing.T) {
	primary := pgcluster.New(t)
	replica := primary.Replica()
	st := open(t, primary.URL("gridhub"), store.Options{ReplicaURLs: []string{replica.URL("gridhub")},
		MaxReplicaLag: 500 * time.Millisecond, ReplicaPoll: 20 * time.Millisecond})
	putDistrict(t, st)
	h := hub(t, st, config(t))
	inRotation := `gridhub_db_replica_in_rotation{replica="` + fmt.Sprintf("127.0.0.1:%d", replica.Port) + `"}`
	eventually(t, "the replica is in rotation", func() bool { return metric(t, h, inRotation) == "1" })

	onReplica(t, replica, `SELECT pg_wal_replay_pause()`)
	if w := post(t, h, report, map[string]any{"key": "lag-1"}); len(w.Errors) > 0 {
		t.Fatalf("report: %+v", w.Errors)
	}
	eventually(t, "the lagging replica is out of rotation", func() bool { return metric(t, h, inRotation) == "0" })
	if lag := st.Routing().Replicas[0]; lag.LagBytes == 0 || lag.Lag < 500*time.Millisecond {
		t.Errorf("out of rotation with lag %s, %d bytes: want past the bound", lag.Lag, lag.LagBytes)
	}
	r := post(t, h, `{ incidents { totalCount } }`, nil)
	if string(r.Data["incidents"]) != `{"totalCount":1}` {
		t.Errorf("incidents = %s: a read while the replica lags must see the primary", r.Data["incidents"])
	}
	if got := metric(t, h, `gridhub_db_reads_total{reason="no_replica",target="primary"}`); got == "0" || got == "" {
		t.Errorf("reads sent to the primary for want of a replica: %q, want some", got)
	}

	onReplica(t, replica, `SELECT pg_wal_replay_resume()`)
	eventually(t, "the replica is back in rotation", func() bool { return metric(t, h, inRotation) == "1" })
	before := st.Routing().Replicas[0].Reads
	r = post(t, h, `{ incidents { totalCount } }`, nil)
	if string(r.Data["incidents"]) != `{"totalCount":1}` {
		t.Errorf("incidents = %s from the caught-up replica, want 1", r.Data["incidents"])
	}
	if st.Routing().Replicas[0].Reads == before {
		t.Error("the read did not go to the replica back in rotation")
	}
}
