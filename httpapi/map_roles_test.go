package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"gridhub/auth"
)

// TestMapPageUnderARole opens the map as the public (the anonymous role here), which may
// not read cameras (nor visits, so no coverage shading), then enters the command centre's key: the page must say which layers
// are closed to it and, with the key, fetch tiles and data under the stronger role.
func TestMapPageUnderARole(t *testing.T) {
	a := mapAPI(t)
	for _, d := range auth.DemoKeys {
		if err := a.db.Store.PutKey(context.Background(), d.APIKey()); err != nil {
			t.Fatal(err)
		}
	}
	cfg := testConfig()
	cfg.TileClusterBelow = clusterBelow
	cfg.AnonymousRole = "public"
	cfg.Policy.Roles["public"].Rate = auth.Rate{PerSecond: 1e6, Burst: 1e6}
	h, done := New(a.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); done() })

	b := newBrowser(t)
	b.do(t, "open /map", chromedp.Navigate(srv.URL+"/map/"))
	b.wait(t, "the district", `document.querySelector('#breadcrumb .current[data-level="DISTRICT"]') !== null`)
	b.waitRendered(t)
	b.wait(t, "the page to learn the public may not import", `window.__gridhub.importAllowed === false`)
	var importHidden bool
	b.eval(t, `document.getElementById('import-section').hidden`, &importHidden)
	if !importHidden {
		t.Error("the public is offered the 数据导入 section")
	}

	b.do(t, "show cameras", chromedp.Click(chromedp.CSS("#toggle-camera")))
	b.wait(t, "the camera layer to be marked closed", `document.getElementById('toggle-camera').disabled === true &&
		document.getElementById('count-camera').textContent === '无权限'`)

	// The public never sees visits: the coverage shading says so and shades nothing.
	b.do(t, "shade by visit coverage", chromedp.Click(chromedp.CSS("#toggle-coverage")))
	b.wait(t, "the coverage legend to say it is closed", `document.getElementById('coverage-legend').textContent === '当前身份无权查看走访覆盖率' &&
		window.__gridhub.coverage.grids === 0`)
	b.do(t, "stop shading", chromedp.Click(chromedp.CSS("#toggle-coverage")))

	b.do(t, "enter the command centre's key", chromedp.Click(chromedp.CSS("#credential")),
		chromedp.SendKeys(chromedp.CSS("#credential-input"), auth.DemoKeys[0].Key+"\r"))
	b.wait(t, "the page to come back under the key", `document.getElementById('credential').textContent === '密钥 gh_dec0de01' &&
		document.querySelector('#breadcrumb .current') !== null`)
	b.waitRendered(t)
	b.do(t, "show cameras", chromedp.Click(chromedp.CSS("#toggle-camera")))
	b.wait(t, "camera features", `window.__gridhub.rendered && window.__gridhub.counts.camera > 0`)
	b.wait(t, "live updates under the key", `window.__gridhub.live === true`)
	b.wait(t, "the command centre's 数据导入 section", `document.getElementById('import-section').hidden === false`)

	var forbidden []string
	for _, e := range b.errors() {
		// The public's refused tiles are the point of the first half.
		if !strings.Contains(e, "403") {
			forbidden = append(forbidden, e)
		}
	}
	if len(forbidden) > 0 {
		t.Errorf("the page logged errors: %v", forbidden)
	}
}
