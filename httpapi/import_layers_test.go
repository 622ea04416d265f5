package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// Party units and incidents go through POST /import as the other layers do: a department's
// table with Chinese column names is recognised, a dry run lists the problems, a write
// lands once, and the incidents it writes are on their timelines.
func TestImportPartyUnitsAndIncidentsOverHTTP(t *testing.T) {
	a, _ := importAPIKeys(t)
	ctx := context.Background()
	var lon, lat float64
	if err := a.db.Store.Pool().QueryRow(ctx,
		`SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM grids WHERE level = 'GRID' ORDER BY code LIMIT 1) g`).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}

	t.Run("the panel is offered both layers", func(t *testing.T) {
		var info struct{ Layers []string }
		resp, err := http.Get(a.srv.URL + "/import")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(info.Layers, "PARTY_UNIT") || !slices.Contains(info.Layers, "INCIDENT") {
			t.Errorf("GET /import lists %v", info.Layers)
		}
	})

	incidents := func(rows ...string) []byte {
		return []byte("事件编号,标题,类别,来源,状态,上报时间,经度,纬度\n" + strings.Join(rows, "\n") + "\n")
	}
	good := fmt.Sprintf("HTTP-0001,路灯不亮,市容环境,HOTLINE,ACCEPTED,2026/3/12 8:05,%f,%f", lon, lat)

	t.Run("a dry run of incidents names each problem and writes nothing", func(t *testing.T) {
		before := a.scalar(`SELECT count(*) FROM incidents`)
		ans := a.upload(t, "", "layer=INCIDENT&dryRun=1", "工单.csv", incidents(good,
			fmt.Sprintf("HTTP-0002,无类别,不存在的类别,HOTLINE,ACCEPTED,2026/3/12 8:05,%f,%f", lon, lat),
			fmt.Sprintf("HTTP-0003,时间错,市容环境,HOTLINE,DONE,昨天,%f,%f", lon, lat)))
		if ans.status != http.StatusOK || ans.report.Errors != 3 || ans.report.Written {
			t.Fatalf("%d: %d errors, written %v: %+v", ans.status, ans.report.Errors, ans.report.Written, ans.report.Problems)
		}
		fields := map[string]bool{}
		for _, p := range ans.report.Problems {
			fields[fmt.Sprint(p.Row, p.Field)] = true
		}
		// Rows are the file's lines: the header is line 1.
		for _, want := range []string{"3category", "4status", "4reportedAt"} {
			if !fields[want] {
				t.Errorf("no problem for row/field %s: %+v", want, ans.report.Problems)
			}
		}
		if a.scalar(`SELECT count(*) FROM incidents`) != before {
			t.Error("a dry run wrote incidents")
		}
	})

	t.Run("a write lands once, on a timeline of allowed moves", func(t *testing.T) {
		ans := a.upload(t, "", "layer=INCIDENT&dryRun=0", "工单.csv", incidents(good))
		if ans.status != http.StatusOK || !ans.report.Written || ans.report.Inserted != 1 {
			t.Fatalf("%d: %+v", ans.status, ans.report)
		}
		steps := a.scalarS(`SELECT string_agg(coalesce(e.from_status, '') || '>' || e.to_status, ' ' ORDER BY e.at, e.id)
			FROM incident_events e JOIN incidents i ON i.id = e.incident_id WHERE i.code = 'HTTP-0001'`)
		if steps != ">REPORTED REPORTED>ACCEPTED" {
			t.Errorf("timeline %q", steps)
		}
		again := a.upload(t, "", "layer=INCIDENT&dryRun=0", "工单.csv", incidents(good))
		if again.report.Unchanged != 1 || again.report.Inserted+again.report.Updated != 0 {
			t.Errorf("re-import: %+v", again.report)
		}
	})

	t.Run("party units from a table with Chinese headers", func(t *testing.T) {
		file := fmt.Sprintf("党组织编号,党组织名称,组织类型,党员数,上级党组织,经度,纬度\nHTTP-PU-1,测试社区党委,COMMUNITY_COMMITTEE,40,,%f,%f\nHTTP-PU-2,测试网格党支部,GRID_BRANCH,12,HTTP-PU-1,%f,%f\n",
			lon, lat, lon, lat)
		ans := a.upload(t, "", "layer=PARTY_UNIT&dryRun=0", "党组织.csv", []byte(file))
		if ans.status != http.StatusOK || !ans.report.Written || ans.report.Inserted != 2 {
			t.Fatalf("%d: %+v", ans.status, ans.report)
		}
		if n := a.scalar(`SELECT count(*) FROM party_units c JOIN party_units p ON p.id = c.parent_id
			WHERE c.source_id = 'HTTP-PU-2' AND p.source_id = 'HTTP-PU-1' AND c.member_count = 12`); n != 1 {
			t.Errorf("the branch is not under its committee")
		}
	})
}
