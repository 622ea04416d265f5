package httpapi

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"gridhub/model"
)

// idsOf are the row ids of OGC features.
func idsOf(t *testing.T, fs []ogcFeature) []int64 {
	t.Helper()
	out := make([]int64, len(fs))
	for i, f := range fs {
		_, id, ok := model.ParseGlobalID(f.ID)
		if !ok {
			t.Fatalf("feature id %q is not a global id", f.ID)
		}
		out[i] = id
	}
	return out
}

func (a *api) ids(sql string, args ...any) []int64 {
	a.t.Helper()
	rows, err := a.db.Store.Pool().Query(a.t.Context(), sql, args...)
	if err != nil {
		a.t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			a.t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// seenOnce checks that ids hold every one of want exactly once and nothing twice.
func seenOnce(t *testing.T, ids, want []int64) {
	t.Helper()
	seen := map[int64]int{}
	for _, id := range ids {
		seen[id]++
		if seen[id] == 2 {
			t.Errorf("incident %d came twice", id)
		}
	}
	missing := 0
	for _, id := range want {
		if seen[id] == 0 {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d incidents were skipped", missing, len(want))
	}
}

func TestOGCPagingWhileReportsAreWritten(t *testing.T) {
	a := district(t)
	written := 0
	write := func(prefix string) {
		var r reported
		written++
		a.data(reportMutation, map[string]any{"in": report("占道经营", "街面秩序", 109.80+float64(written%50)*0.001, 40.62),
			"key": fmt.Sprintf("%s-%d", prefix, written)}, &r)
	}
	t.Run("following next links with a filter while rows leave it and reports arrive", func(t *testing.T) {
		const open = "status IN ('REPORTED', 'ACCEPTED', 'DISPATCHED', 'IN_PROGRESS', 'RESOLVED')"
		start := a.ids(`SELECT id FROM incidents WHERE ` + open + ` ORDER BY id`)
		if len(start) < 50 {
			t.Fatalf("only %d incidents to page through", len(start))
		}
		// Between pages, an incident on a page already read leaves the filter (where an
		// offset would shift every later row forward by one), and one is reported.
		var got []int64
		moved := 0
		next := "/ogc/collections/incidents/items?status=REPORTED,ACCEPTED,DISPATCHED,IN_PROGRESS,RESOLVED&limit=10&properties=status"
		for next != "" {
			var fc ogcFeatures
			ogcJSON(t, a, strings.TrimPrefix(next, a.srv.URL), "", &fc)
			got = append(got, idsOf(t, fc.Features)...)
			if len(got) > 0 {
				if ids := a.ids(`SELECT id FROM incidents WHERE status IN ('REPORTED', 'ACCEPTED', 'RESOLVED') AND id <= $1 ORDER BY id LIMIT 1`, got[len(got)-1]); len(ids) == 1 {
					to := "REJECTED"
					if a.scalarS(`SELECT status FROM incidents WHERE id = $1`, ids[0]) == "RESOLVED" {
						to = "CLOSED"
					}
					a.data(`mutation($id: ID!, $to: IncidentStatus!) { transitionIncident(id: $id, to: $to) { status } }`,
						map[string]any{"id": model.GlobalID(model.LayerIncident, ids[0]), "to": to}, &struct{}{})
					moved++
				}
				write("ogc-page")
			}
			next = fc.link("next")
		}
		if moved < 3 {
			t.Fatalf("only %d incidents left the filter while paging", moved)
		}
		// What matched at the start and still matches was neither skipped nor repeated.
		still := a.ids(`SELECT id FROM incidents WHERE `+open+` AND id <= $1 ORDER BY id`, start[len(start)-1])
		seenOnce(t, got, still)
	})
	t.Run("ogr2ogr reads every incident once while reports are written", func(t *testing.T) {
		start := a.ids(`SELECT id FROM incidents ORDER BY id`)
		var stop atomic.Bool
		var wg sync.WaitGroup
		n := 0
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() && n < 200 {
				n++
				var r reported
				a.data(reportMutation, map[string]any{"in": report("噪音扰民", "市容环境", 109.85, 40.66), "key": fmt.Sprintf("ogc-gdal-%d", n)}, &r)
			}
		}()
		fs := ogr2ogrJSON(t, ogcURL(a, ""), "incidents", "-oo", "PAGE_SIZE=500")
		stop.Store(true)
		wg.Wait()
		if n == 0 {
			t.Fatal("no report was written while GDAL paged")
		}
		seenOnce(t, idsOf(t, fs), start)
	})
	t.Run("prev leads back to the page before", func(t *testing.T) {
		var p1, p2, back ogcFeatures
		ogcJSON(t, a, "/ogc/collections/incidents/items?limit=7&properties=code", "", &p1)
		ogcJSON(t, a, strings.TrimPrefix(p1.link("next"), a.srv.URL), "", &p2)
		ogcJSON(t, a, strings.TrimPrefix(p2.link("prev"), a.srv.URL), "", &back)
		if got, want := fmt.Sprint(idsOf(t, back.Features)), fmt.Sprint(idsOf(t, p1.Features)); got != want || back.link("next") == "" {
			t.Errorf("prev of the second page holds %s, the first page %s", got, want)
		}
		if back.link("prev") != "" {
			t.Errorf("the first page, reached by prev, links to a page before it: %s", back.link("prev"))
		}
		var p3, back2 ogcFeatures
		ogcJSON(t, a, strings.TrimPrefix(p2.link("next"), a.srv.URL), "", &p3)
		ogcJSON(t, a, strings.TrimPrefix(p3.link("prev"), a.srv.URL), "", &back2)
		if got, want := fmt.Sprint(idsOf(t, back2.Features)), fmt.Sprint(idsOf(t, p2.Features)); got != want || back2.link("prev") == "" {
			t.Errorf("prev of the third page holds %s (prev %q), the second page %s", got, back2.link("prev"), want)
		}
	})
}
