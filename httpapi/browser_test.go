package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds Debian's chromium. The browser test fails without it rather than
// skipping, so that CI cannot pass without running it (scripts/chromium.sh, run by
// make test, installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed: run 'bash scripts/chromium.sh' (make test does)")
	return ""
}

// browser is a headless chromium on a fresh profile, collecting what the page logs as
// an error (exceptions, console.error, CSP violations, failed loads).
type browser struct {
	ctx  context.Context
	mu   sync.Mutex
	errs []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
	)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{ctx: ctx}
	// Console starts the browser and subscribes before the page exists.
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				b.mu.Lock()
				b.errs = append(b.errs, m.String())
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// do runs actions with a deadline, failing the test with what the page logged.
func (b *browser) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v (page errors: %v)", what, err, b.errors())
	}
}

func (b *browser) errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errs...)
}

// eval evaluates a JavaScript expression and decodes its JSON value into v (nil: ignore it).
func (b *browser) eval(t *testing.T, expr string, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](`JSON.stringify((`+expr+`) ?? null)`))
	if err != nil {
		t.Fatalf("evaluate %s: %v (page errors: %v)", expr, err, b.errors())
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(s), v); err != nil {
			t.Fatalf("evaluate %s: %s: %v", expr, s, err)
		}
	}
}

// wait polls a JavaScript condition for up to 20 seconds.
func (b *browser) wait(t *testing.T, what, cond string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(50*time.Millisecond)))
		// A page that reloads takes the polling script's JavaScript context with it:
		// poll again in the new page.
		if err != nil && ctx.Err() == nil && (strings.Contains(err.Error(), "Cannot find context") ||
			strings.Contains(err.Error(), "navigated or closed")) {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatalf("waiting for %s: %v (page errors: %v)", what, err, b.errors())
		}
		return
	}
}

// waitRendered waits until every visible tile has loaded and been drawn.
func (b *browser) waitRendered(t *testing.T) {
	t.Helper()
	b.wait(t, "the map to render", `window.__gridhub && window.__gridhub.rendered === true`)
}

// screenshot saves the page as name.png under dir and returns its path.
func (b *browser) screenshot(t *testing.T, dir, name string) string {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func (b *browser) click(t *testing.T, x, y float64) {
	t.Helper()
	b.do(t, fmt.Sprintf("click at %.0f,%.0f", x, y), chromedp.MouseClickXY(x, y))
}
