package httpapi

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"gridhub/model"
)

// TestMapPage drives the map page in headless chromium like an operator: it loads the
// district, toggles a layer, drills into a street by clicking it, hovers over and clicks
// an incident and checks the side panel against GraphQL, sees a newly reported incident
// arrive live, and searches. Screenshots are kept in the folder the test log names;
// /tmp/map.png is the incident's.
func TestMapPage(t *testing.T) {
	a := mapAPI(t)
	b := newBrowser(t)
	shots, err := os.MkdirTemp("", "gridhub-map-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)

	// A command-centre desk monitor's worth of page, whatever the window's frame takes.
	b.do(t, "open /map", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(a.srv.URL+"/map"))
	b.wait(t, "the district", `document.querySelector('#breadcrumb .current[data-level="DISTRICT"]') !== null`)
	b.waitRendered(t)
	b.wait(t, "the layer counts", `document.getElementById('count-incident').textContent.indexOf('未办结') >= 0`)

	t.Run("the district view draws grids and incidents and counts them as GraphQL does", func(t *testing.T) {
		var counts map[string]int
		b.eval(t, `window.__gridhub.counts`, &counts)
		if counts["grid"] == 0 || counts["incident"] == 0 {
			t.Errorf("rendered features by layer: %v", counts)
		}
		var s struct{ Stats struct{ OpenIncidents int } }
		a.data(`{ stats { openIncidents } }`, nil, &s)
		var kpis string
		b.eval(t, `document.getElementById('kpis').textContent`, &kpis)
		if want := fmt.Sprintf("%s未办结事件", thousands(s.Stats.OpenIncidents)); !strings.Contains(kpis, want) {
			t.Errorf("header %q does not say %q", kpis, want)
		}
	})
	b.screenshot(t, shots, "1-district")

	t.Run("a layer toggles on and off", func(t *testing.T) {
		b.do(t, "click the camera toggle", chromedp.Click(chromedp.CSS("#toggle-camera")))
		b.wait(t, "cameras to show", `window.__gridhub.layers.camera.getVisible() === true`)
		b.waitRendered(t)
		b.wait(t, "camera features", `window.__gridhub.counts.camera > 0`)
		b.do(t, "click the camera toggle", chromedp.Click(chromedp.CSS("#toggle-camera")))
		b.wait(t, "cameras to hide", `window.__gridhub.layers.camera.getVisible() === false`)
	})

	var street struct{ code, name string }
	t.Run("clicking a street drills into it", func(t *testing.T) {
		var code, name string
		if err := a.db.Store.Pool().QueryRow(t.Context(), `SELECT code, name FROM grids WHERE level = 'STREET'
			AND ST_Contains(geom, ST_SetSRID(ST_MakePoint(109.8325, 40.6411), 4326))`).Scan(&code, &name); err != nil {
			t.Fatal(err)
		}
		street.code, street.name = code, name
		// A spot inside the street where no point feature lies on top, as an operator would pick.
		rows, err := a.db.Store.Pool().Query(t.Context(), `SELECT ST_X(p), ST_Y(p) FROM grids g,
			LATERAL (SELECT (ST_Dump(ST_GeneratePoints(ST_Buffer(g.geom, -0.002), 40, 7))).geom AS p) d WHERE g.code = $1`, code)
		if err != nil {
			t.Fatal(err)
		}
		var spots [][2]float64
		for rows.Next() {
			var p [2]float64
			_ = rows.Scan(&p[0], &p[1])
			spots = append(spots, p)
		}
		rows.Close()
		clicked := false
		for _, p := range spots {
			var xy [2]float64
			b.eval(t, fmt.Sprintf(`window.__gridhub.pixelOf(%f, %f)`, p[0], p[1]), &xy)
			var hit *struct{ Layer, Code string }
			b.eval(t, fmt.Sprintf(`window.__gridhub.featureAt(%f, %f)`, xy[0], xy[1]), &hit)
			if hit != nil && hit.Layer == "grid" && hit.Code == code {
				b.click(t, xy[0], xy[1])
				clicked = true
				break
			}
		}
		if !clicked {
			t.Fatalf("no spot in %s without a point feature on it", name)
		}
		b.wait(t, "the breadcrumb to reach the street",
			fmt.Sprintf(`(document.querySelector('#breadcrumb .current[data-level="STREET"]') || {}).dataset?.code === %q`, code))
		var crumbs string
		b.eval(t, `document.getElementById('breadcrumb').textContent`, &crumbs)
		if !strings.HasPrefix(crumbs, "昆都仑区›"+name) {
			t.Errorf("breadcrumb %q", crumbs)
		}
		b.waitRendered(t)
		var centre [2]float64
		b.eval(t, `window.__gridhub.center()`, &centre)
		inside := a.scalar(`SELECT count(*) FROM grids WHERE code = $1 AND ST_Intersects(ST_Envelope(geom), ST_SetSRID(ST_MakePoint($2, $3), 4326))`,
			code, centre[0], centre[1])
		if inside != 1 {
			t.Errorf("the view is centred at %v, outside %s", centre, name)
		}
		b.wait(t, "the street's panel", fmt.Sprintf(`(document.getElementById('panel-title') || {}).textContent === %q`, name))
	})
	b.screenshot(t, shots, "2-street")

	t.Run("clicking an incident fills the panel as GraphQL answers", func(t *testing.T) {
		var id int64
		var lon, lat float64
		// An open incident in the street (the page shows open ones) with no other close
		// enough to share its pixel.
		if err := a.db.Store.Pool().QueryRow(t.Context(), `SELECT i.id, ST_X(i.geom), ST_Y(i.geom) FROM incidents i, grids g
			WHERE g.code = $1 AND ST_Contains(g.geom, i.geom) AND i.status IN ('REPORTED', 'ACCEPTED', 'DISPATCHED', 'IN_PROGRESS') AND NOT EXISTS (
			  SELECT 1 FROM incidents j WHERE j.id <> i.id AND ST_DWithin(j.geom::geography, i.geom::geography, 30))
			ORDER BY i.id LIMIT 1`, street.code).Scan(&id, &lon, &lat); err != nil {
			t.Fatal(err)
		}
		b.eval(t, fmt.Sprintf(`window.__gridhub.goTo(%f, %f, 18)`, lon, lat), nil)
		b.waitRendered(t)
		var xy [2]float64
		b.eval(t, fmt.Sprintf(`window.__gridhub.pixelOf(%f, %f)`, lon, lat), &xy)
		b.do(t, "hover over the incident", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[0], xy[1]))
		var title string
		if err := a.db.Store.Pool().QueryRow(t.Context(), `SELECT title FROM incidents WHERE id = $1`, id).Scan(&title); err != nil {
			t.Fatal(err)
		}
		b.wait(t, "the tooltip to name it", fmt.Sprintf(`document.querySelector('.tooltip:not([hidden])')?.textContent.startsWith(%q)`, title))
		b.click(t, xy[0], xy[1])

		gid := model.GlobalID(model.LayerIncident, id)
		var want struct {
			Node struct {
				Code, Status  string
				Timeline      []json.RawMessage
				NearbyCameras []json.RawMessage
			}
		}
		a.data(`query($id: ID!) { node(id: $id) { ... on Incident { code status timeline { at } nearbyCameras(radiusMeters: 200) { distanceMeters } } } }`,
			map[string]any{"id": gid}, &want)
		b.wait(t, "the incident's panel", fmt.Sprintf(`(document.getElementById('incident-code') || {}).textContent === %q`, want.Node.Code))
		var got struct {
			Status   string
			Timeline int
			Cameras  int
			Shown    string
		}
		b.eval(t, `({status: document.querySelector('.incident-status').dataset.status,
			timeline: document.querySelectorAll('#timeline > li').length,
			cameras: window.__gridhub.shown.node.nearbyCameras.length,
			shown: window.__gridhub.shown.node.id})`, &got)
		if got.Status != want.Node.Status || got.Timeline != len(want.Node.Timeline) || got.Shown != gid || got.Cameras != len(want.Node.NearbyCameras) {
			t.Errorf("panel shows %+v; GraphQL says status %s, %d timeline entries, %d cameras within 200 m",
				got, want.Node.Status, len(want.Node.Timeline), len(want.Node.NearbyCameras))
		}
	})
	// The incident in its panel is the screenshot worth a look: /tmp/map.png.
	review := b.screenshot(t, shots, "3-incident")

	t.Run("a reported incident appears live", func(t *testing.T) {
		b.wait(t, "live updates to connect", `window.__gridhub.live === true`)
		var centre [2]float64
		b.eval(t, `window.__gridhub.center()`, &centre)
		var r struct{ ReportIncident struct{ ID, Code string } }
		a.data(`mutation($in: ReportIncidentInput!, $key: String!) { reportIncident(input: $in, idempotencyKey: $key) { id code } }`,
			map[string]any{"key": fmt.Sprintf("map-test-%d", time.Now().UnixNano()), "in": map[string]any{
				"title": "路灯不亮", "category": "市容环境", "source": "WECHAT", "location": []float64{centre[0] + 0.0003, centre[1]}}}, &r)
		b.wait(t, "the page to announce it", fmt.Sprintf(`document.getElementById('toasts').textContent.indexOf(%q) >= 0`, r.ReportIncident.Code))
		b.wait(t, "the incident on the map", fmt.Sprintf(`window.__gridhub.layers.incident.getFeaturesInExtent(
			window.__gridhub.map.getView().calculateExtent()).some((f) => f.get('id') === %q)`, r.ReportIncident.ID))
	})
	b.screenshot(t, shots, "4-live")

	t.Run("the search finds units by name and by code and drills to them", func(t *testing.T) {
		var code, name, community string
		if err := a.db.Store.Pool().QueryRow(t.Context(), `SELECT g.code, g.name, p.name FROM grids g JOIN grids p ON p.id = g.parent_id
			WHERE g.level = 'GRID' ORDER BY g.code LIMIT 1`).Scan(&code, &name, &community); err != nil {
			t.Fatal(err)
		}
		b.do(t, "type a community's name", chromedp.SendKeys(chromedp.CSS("#search"), community))
		b.wait(t, "suggestions", fmt.Sprintf(`[...document.querySelectorAll('#search-results li .name')].some((e) => e.textContent === %q)`, community))
		b.eval(t, `document.getElementById('search').value = ''`, nil)
		b.do(t, "type a grid code", chromedp.SendKeys(chromedp.CSS("#search"), code+"\r"))
		b.wait(t, "the breadcrumb to reach the grid",
			fmt.Sprintf(`(document.querySelector('#breadcrumb .current[data-level="GRID"]') || {}).textContent === %q`, name))
		b.wait(t, "the grid's panel", fmt.Sprintf(`(document.getElementById('panel-title') || {}).textContent === %q`, name))
	})
	b.screenshot(t, shots, "5-search")

	t.Run("the 网格员 layer draws workers and a click on one shows its panel", func(t *testing.T) {
		var id int64
		var name, code string
		var lon, lat float64
		if err := a.db.Store.Pool().QueryRow(t.Context(), `SELECT id, name, code, ST_X(geom), ST_Y(geom) FROM grid_workers
			WHERE ST_Contains((SELECT geom FROM grids WHERE level = 'DISTRICT'), geom) ORDER BY id LIMIT 1`).Scan(&id, &name, &code, &lon, &lat); err != nil {
			t.Fatal(err)
		}
		b.do(t, "click the worker toggle", chromedp.Click(chromedp.CSS("#toggle-worker")))
		b.wait(t, "workers to show", `window.__gridhub.layers.worker.getVisible() === true`)
		b.eval(t, fmt.Sprintf(`window.__gridhub.goTo(%f, %f, 18)`, lon, lat), nil)
		b.waitRendered(t)
		b.wait(t, "worker features", `window.__gridhub.counts.worker > 0`)
		var xy [2]float64
		b.eval(t, fmt.Sprintf(`window.__gridhub.pixelOf(%f, %f)`, lon, lat), &xy)
		var hit *struct{ Layer, ID string }
		b.eval(t, fmt.Sprintf(`window.__gridhub.featureAt(%f, %f)`, xy[0], xy[1]), &hit)
		if hit == nil || hit.Layer != "worker" || hit.ID != model.GlobalID(model.LayerWorker, id) {
			t.Fatalf("under the worker's position: %+v", hit)
		}
		b.click(t, xy[0], xy[1])
		b.wait(t, "the worker's panel", fmt.Sprintf(`(document.getElementById('panel-title') || {}).textContent === %q`, name))
		var text string
		b.eval(t, `document.getElementById('panel').textContent`, &text)
		if !strings.Contains(text, code) || !strings.Contains(text, "派遣事件") {
			t.Errorf("panel %q lacks the worker's code or its dispatched incidents", text)
		}
		b.wait(t, "the worker's latest day of patrol", `((window.__gridhub.shown || {}).node || {}).track?.points > 0`)
		var track struct{ Points int }
		b.eval(t, `window.__gridhub.shown.node.track`, &track)
		var want int
		if err := a.db.Store.Pool().QueryRow(t.Context(), `SELECT count(*) FROM worker_positions WHERE worker_id = $1
			AND (at AT TIME ZONE 'Asia/Shanghai')::date = (SELECT (last_seen_at AT TIME ZONE 'Asia/Shanghai')::date FROM grid_workers WHERE id = $1)`, id).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if track.Points != want {
			t.Errorf("the panel's track has %d points, want the %d of the worker's last day", track.Points, want)
		}

		// Day playback: the slider's time moves the marker to the worker's last
		// position before it, as the database holds it.
		b.wait(t, "the playback", `window.__gridhub.playback && window.__gridhub.playback.settled`)
		slideTo := func(fraction float64) (at time.Time, marker [2]float64, clock string) {
			t.Helper()
			var box struct{ X, Y, W, H float64 }
			b.eval(t, `(() => { const e = document.getElementById('playback-time'); e.scrollIntoView({ block: 'center' });
				const r = e.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width, h: r.height }; })()`, &box)
			before := ""
			b.eval(t, `document.getElementById('playback-clock').textContent`, &before)
			b.click(t, box.X+fraction*box.W, box.Y+box.H/2)
			b.wait(t, "the playback clock to change", fmt.Sprintf(`document.getElementById('playback-clock').textContent !== %q`, before))
			b.wait(t, "the playback marker", `window.__gridhub.playback.settled && window.__gridhub.playback.marker !== null`)
			var p struct {
				Time   time.Time
				Clock  string
				Marker [2]float64
			}
			b.eval(t, `window.__gridhub.playback`, &p)
			var label string
			b.eval(t, `document.getElementById('playback-clock').textContent`, &label)
			if want := p.Time.In(model.Beijing).Format("15:04"); p.Clock != want || !strings.Contains(label, want+" 北京时间") {
				t.Errorf("the slider's time %s shows as %q (%q), want %s Beijing time", p.Time, p.Clock, label, want)
			}
			var x, y float64
			if err := a.db.Store.Pool().QueryRow(t.Context(), `SELECT ST_X(geom), ST_Y(geom) FROM worker_positions
				WHERE worker_id = $1 AND at < $2 AND NOT jump ORDER BY at DESC LIMIT 1`, id, p.Time).Scan(&x, &y); err != nil {
				t.Fatal(err)
			}
			if math.Abs(p.Marker[0]-x) > 1e-5 || math.Abs(p.Marker[1]-y) > 1e-5 {
				t.Errorf("at %s the marker is at %v, the worker's last position before then at [%f %f]", p.Time, p.Marker, x, y)
			}
			return p.Time, p.Marker, p.Clock
		}
		// The seed's patrols run from about 9:00 and 14:30 for 90 minutes.
		at1, m1, c1 := slideTo(10.0 / 24)
		at2, m2, c2 := slideTo(15.5 / 24)
		if !at2.After(at1) || m1 == m2 || c1 == c2 {
			t.Errorf("moving the slider from %s (%s) to %s (%s) left the marker at %v and %v", c1, at1, c2, at2, m1, m2)
		}
		b.wait(t, "the map to follow the marker", `!window.__gridhub.map.getView().getAnimating() && window.__gridhub.rendered`)
		b.screenshot(t, shots, "6-playback")
		var day string
		b.eval(t, `(() => { const s = document.getElementById('playback-day'); s.value = '1'; s.dispatchEvent(new Event('change'));
			return s.options[1].textContent; })()`, &day)
		b.wait(t, "the day before", fmt.Sprintf(`window.__gridhub.playback.day === %q && window.__gridhub.playback.settled`, day))
		var m3 [2]float64
		b.eval(t, `window.__gridhub.playback.marker`, &m3)
		if m3 == m2 {
			t.Errorf("the day before at the same time puts the marker at the same place %v", m3)
		}

		b.do(t, "click the worker toggle", chromedp.Click(chromedp.CSS("#toggle-worker")))
		b.wait(t, "workers to hide", `window.__gridhub.layers.worker.getVisible() === false`)
	})
	b.screenshot(t, shots, "6-worker")

	t.Run("走访覆盖率 shades every GRID unit by its visit coverage, with a legend", func(t *testing.T) {
		b.do(t, "click the coverage toggle", chromedp.Click(chromedp.CSS("#toggle-coverage")))
		b.wait(t, "the coverage shading", `window.__gridhub.coverage.grids > 0`)
		var g struct {
			Grids struct {
				Edges []struct {
					Node struct {
						Code          string
						VisitCoverage *float64
					}
				}
			}
		}
		a.data(`{ grids(level: GRID, first: 1000) { edges { node { code visitCoverage(days: 30) } } } }`, nil, &g)
		var colors map[string]string
		b.eval(t, `window.__gridhub.coverage.colors`, &colors)
		if len(colors) != len(g.Grids.Edges) {
			t.Errorf("%d grids shaded, GraphQL has %d", len(colors), len(g.Grids.Edges))
		}
		// The ramp of coverage.js: red below 60 %, then one colour a 10 % band, green from 90 %.
		ramp := func(v *float64) string {
			switch {
			case v == nil:
				return "#64748b"
			case *v >= 0.9:
				return "#16a34a"
			case *v >= 0.8:
				return "#84cc16"
			case *v >= 0.7:
				return "#facc15"
			case *v >= 0.6:
				return "#f97316"
			}
			return "#dc2626"
		}
		seen := map[string]int{}
		for _, e := range g.Grids.Edges {
			want := ramp(e.Node.VisitCoverage)
			seen[want]++
			if colors[e.Node.Code] != want {
				t.Errorf("grid %s (coverage %v) shaded %s, want %s", e.Node.Code, e.Node.VisitCoverage, colors[e.Node.Code], want)
			}
		}
		if len(seen) < 2 {
			t.Errorf("every grid in one colour: %v", seen)
		}
		var legend []struct{ Color, Count string }
		b.eval(t, `document.getElementById('coverage-legend').hidden ? null : [...document.querySelectorAll('#coverage-legend li')].map((li) =>
			({ color: li.dataset.color, count: li.querySelector('.count').textContent }))`, &legend)
		if len(legend) < 5 {
			t.Fatalf("legend %+v", legend)
		}
		for _, l := range legend {
			if fmt.Sprint(seen[l.Color]) != l.Count {
				t.Errorf("legend says %s grids in %s, the data %d", l.Count, l.Color, seen[l.Color])
			}
		}
		b.eval(t, fmt.Sprintf(`window.__gridhub.goTo(%f, %f, 13)`, 109.84, 40.65), nil)
		b.waitRendered(t)
		b.screenshot(t, shots, "7-coverage")
		b.do(t, "click the coverage toggle", chromedp.Click(chromedp.CSS("#toggle-coverage")))
		b.wait(t, "the shading to go", `window.__gridhub.coverage.on === false && document.getElementById('coverage-legend').hidden`)
	})
	if png, err := os.ReadFile(review); err == nil {
		_ = os.WriteFile("/tmp/map.png", png, 0o644)
	}
	if errs := b.errors(); len(errs) > 0 {
		t.Errorf("the page logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

// thousands writes n as the page does (zh-CN grouping).
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
