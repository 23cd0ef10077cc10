package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pccovid/pccovid/internal/access"
)

// chromiumPath finds Debian's Chromium. The browser tests fail, never skip,
// without it: .ci/run installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PCCOVID_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium is not installed (apt-get install chromium, or set PCCOVID_CHROMIUM); .ci/run installs it")
	return ""
}

// newChrome starts a headless Chromium for one test; extra flags (a fake
// camera) may be added.
func newChrome(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844),
	)
	opts = append(opts, extra...)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	// The first Do starts the browser; it must not carry the timeout, or
	// the browser would die with it.
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start Chromium: %v", err)
	}
	// A whole browser flow, not one step: on a 2-core machine running the
	// other packages' tests beside it, the camera-scan flow has taken 99 s.
	tctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return tctx
}

// do runs browser steps, failing the test with the page's text on error.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("browser: %v\npage: %.600s", err, body)
	}
}

// textOf reads the text of the first element matching a CSS selector.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("browser: text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// TestBrowserLoginAndAccessLog is the spine's story in a real browser: a
// citizen logs in by phone and code and sees their own name; an official
// without a purpose cannot see them; with one they can; the citizen then
// sees that access listed.
func TestBrowserLoginAndAccessLog(t *testing.T) {
	s := start(t, "sqlite")
	p := s.personWithOwnPhone(t)
	s.addOfficial(t, "browser.phuong", access.RoleCommuneOfficer, p["ward_code"])
	ctx := newChrome(t)
	base := s.srv.URL

	do(t, ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#phone"), p["phone"]),
		chromedp.Click(chromedp.CSS("#send-code")),
		chromedp.WaitVisible(chromedp.CSS("#code")),
	)
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#code"), s.lastCode(t, p["phone"])),
		chromedp.Click(chromedp.CSS("#verify")),
		chromedp.WaitVisible(chromedp.CSS("#full-name")),
	)
	if name := textOf(t, ctx, "#full-name"); name != p["full_name"] {
		t.Fatalf("the citizen sees %q, want %q", name, p["full_name"])
	}

	do(t, ctx,
		chromedp.Navigate(base+"/console/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), "browser.phuong"),
		chromedp.SendKeys(chromedp.CSS("#password"), officialPassword),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS(".tiles")),
		chromedp.Navigate(base+"/console/persons/"+s.personID(p)),
		chromedp.WaitVisible(chromedp.CSS("#need-purpose")),
	)
	if page := textOf(t, ctx, "main"); strings.Contains(page, p["full_name"]) {
		t.Fatal("the official sees the person without a purpose")
	}
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS("#purpose"), "quarantine"),
		chromedp.SendKeys(chromedp.CSS("#ref"), "order 12"),
		chromedp.Click(chromedp.CSS("#show")),
		chromedp.WaitVisible(chromedp.CSS("#person-name")),
	)
	if name := textOf(t, ctx, "#person-name"); name != p["full_name"] {
		t.Fatalf("with a purpose the official sees %q", name)
	}

	do(t, ctx,
		chromedp.Navigate(base+"/access-log"),
		chromedp.WaitVisible(chromedp.CSS("#access-entries")),
	)
	if entries := textOf(t, ctx, "#access-entries"); !strings.Contains(entries, "browser.phuong") || !strings.Contains(entries, "order 12") {
		t.Fatalf("the citizen's access log shows %q", entries)
	}
}
