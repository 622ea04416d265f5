package faults

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// audit checks the database against what the load was told: every acknowledged report
// exists exactly once (and nothing else of the load's), every incident's timeline is one
// unbroken chain with exactly the acknowledged transitions, and every subscriber heard
// every change made while it was subscribed (a margin on either side of each window,
// for the round trips). It returns the figures for the log.
func audit(t *testing.T, url string, l *load) string {
	t.Helper()
	ctx := context.Background()
	db, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()

	rows, _ := db.Query(ctx, `SELECT idempotency_key, count(*) FROM incidents WHERE idempotency_key LIKE 'fault-%' GROUP BY 1`)
	stored := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		_ = rows.Scan(&k, &n)
		stored[k] = n
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	lost, duplicated, unacknowledged := 0, 0, 0
	for k := range l.reports {
		switch stored[k] {
		case 0:
			lost++
		case 1:
		default:
			duplicated++
		}
	}
	for k := range stored {
		if _, ok := l.reports[k]; !ok {
			unacknowledged++
		}
	}
	if lost+duplicated+unacknowledged > 0 {
		t.Errorf("reports: %d acknowledged but lost, %d stored twice, %d stored but never acknowledged", lost, duplicated, unacknowledged)
	}

	// Timelines: ordered by id, each step starts where the one before ended, and the
	// steps after the report are the acknowledged transitions.
	type step struct{ from, to *string }
	timelines := map[string][]step{}
	rows, _ = db.Query(ctx, `SELECT i.idempotency_key, e.from_status, e.to_status FROM incident_events e JOIN incidents i ON i.id = e.incident_id
WHERE i.idempotency_key LIKE 'fault-%' ORDER BY e.incident_id, e.id`)
	for rows.Next() {
		var k string
		var s step
		_ = rows.Scan(&k, &s.from, &s.to)
		timelines[k] = append(timelines[k], s)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	forks, miscounted := 0, 0
	for k, steps := range timelines {
		for i, s := range steps {
			if (i == 0 && s.from != nil) || (i > 0 && (s.from == nil || *s.from != *steps[i-1].to)) {
				forks++
				break
			}
		}
		if len(steps)-1 != l.moves[l.reports[k]] {
			miscounted++
		}
	}
	if forks+miscounted > 0 {
		t.Errorf("timelines: %d broken or forked, %d with other transitions than were acknowledged", forks, miscounted)
	}

	// Subscribers: every change inside a window (with a second's margin) was heard.
	type change struct {
		code string
		at   time.Time
	}
	var changes []change
	rows, _ = db.Query(ctx, `SELECT i.code, e.at FROM incident_events e JOIN incidents i ON i.id = e.incident_id WHERE i.idempotency_key LIKE 'fault-%'`)
	for rows.Next() {
		var ch change
		_ = rows.Scan(&ch.code, &ch.at)
		changes = append(changes, ch)
	}
	missed, expected, drops := 0, 0, 0
	var examples []string
	for si, s := range l.subs {
		s.mu.Lock()
		want := map[string]int{}
		for _, ch := range changes {
			for _, w := range s.windows {
				if ch.at.After(w[0].Add(time.Second)) && ch.at.Before(w[1].Add(-time.Second)) {
					want[ch.code]++
				}
			}
		}
		for code, n := range want {
			expected += n
			if s.heard[code] < n {
				missed += n - s.heard[code]
				if len(examples) < 5 {
					examples = append(examples, fmt.Sprintf("subscriber %d heard %d of %d changes of %s", si, s.heard[code], n, code))
				}
			}
		}
		drops += s.drops
		for r, n := range s.reasons {
			t.Logf("subscriber %d: %d connections ended: %s", si, n, r)
		}
		s.mu.Unlock()
	}
	if missed > 0 {
		t.Errorf("subscribers missed %d of %d changes made while they were subscribed:\n%s", missed, expected, strings.Join(examples, "\n"))
	}
	return fmt.Sprintf("reports acknowledged %d, lost %d, duplicated %d; timelines forked %d; subscribers heard %d of %d changes in their windows, %d connections ended (each seen by its screen)",
		len(l.reports), lost, duplicated, forks, expected-missed, expected, drops)
}
