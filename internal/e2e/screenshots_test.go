package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/vn"
)

// updateScreenshots makes TestScreenshots write the README's screenshots:
//
//	go test ./internal/e2e -run Screenshots -update-screenshots
var updateScreenshots = flag.Bool("update-screenshots", false, "write the screenshots of TestScreenshots to docs/screenshots")

// Phone is the screen the screenshots are taken on: a 360 × 780 phone, the
// narrowest in common use in Vietnam in 2021, at twice the pixel density.
const (
	phoneWidth  = 360
	phoneHeight = 780
	phoneScale  = 2
)

// TestScreenshots walks through the main screens on a 360-pixel-wide phone
// and checks that none is wider than the screen and that the bottom tabs
// stay on one line. With -update-screenshots it saves each screen as a PNG
// in docs/screenshots/ for the README. The data is fixed — the synthetic
// registry's seed, the doses' and tests' dates — so a rerun gives the same
// pictures except for the times of the day's declaration and check-in.
func TestScreenshots(t *testing.T) {
	s := start(t, db.SQLite)
	parent, child, _, elder := s.familyOf(t)
	me := s.personID(parent)
	s.seedScreenshotData(t, me, s.personID(child), s.personID(elder))
	out := t.TempDir()
	if *updateScreenshots {
		out = filepath.Join("..", "..", "docs", "screenshots")
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ctx := newChrome(t, chromedp.WindowSize(phoneWidth, phoneHeight))
	do(t, ctx, chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(phoneScale)))
	// shoot saves the screen at path (the current one when "") once
	// waitFor shows, scrolled so that scrollTo is at the top when it is not
	// "".
	shoot := func(name, path, waitFor, scrollTo string) {
		t.Helper()
		if path != "" {
			do(t, ctx, chromedp.Navigate(s.srv.URL+path))
		}
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS(waitFor)))
		checkFitsPhone(t, ctx, name)
		capture := chromedp.CaptureScreenshot()
		switch scrollTo {
		case "":
		default:
			js := fmt.Sprintf(`(() => { document.querySelector(%q).scrollIntoView({block: "start"}); return true; })()`, scrollTo)
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err != nil {
				t.Fatal(err)
			}
		}
		png, err := chromedp.Run(ctx, capture)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A health official looks the citizen up, for vaccination: the console's
	// person page, and a line on the citizen's access log.
	s.addOfficial(t, "yte.phuong", access.RoleHealthOfficial, provinceOf(parent))
	officialLogin(t, s, ctx, "yte.phuong")
	shoot("console-person", healthPage(me, "vaccination"), "#dose-form", "main p.badge")
	do(t, ctx,
		chromedp.Navigate(s.srv.URL+healthPage(me, "vaccination")),
		chromedp.WaitVisible(chromedp.CSS("#dose-form")),
		chromedp.SetValue(chromedp.CSS("#number"), "3"),
		chromedp.SetValue(chromedp.CSS("#product"), "EU/1/20/1528"),
		chromedp.SendKeys(chromedp.CSS("#date"), "20/12/2021"),
		chromedp.SendKeys(chromedp.CSS("#facility"), "Trạm y tế phường"),
	)
	shoot("console-dose", "", "#dose-form", "#record-dose")
	shoot("console-rules", "/console/risk/rules", "#rules-form", "#rule-sets")

	citizenLogin(t, s, ctx, parent)
	shoot("home", "/", "#status", "")
	shoot("wallet", "/wallet", "#doses", "#doses-title")
	shoot("more", "/more", "#more-menu", "")
	shoot("access-log", "/access-log", "#access-entries", "")
	shoot("family", "/family", "#profiles", "")

	ward, district, province := elsewhere(parent)
	do(t, ctx,
		chromedp.Navigate(s.srv.URL+"/declarations"),
		chromedp.WaitVisible(chromedp.CSS("#new-domestic")),
		chromedp.Click(chromedp.CSS("#new-domestic")),
		chromedp.WaitVisible(chromedp.CSS("#declaration-form")),
		chooseOption("#ward-province", province),
		chooseOption("#ward-district", district),
		chooseOption("#ward-ward", ward),
		chromedp.Click(chromedp.CSS("#transport-FLIGHT")),
		chromedp.SendKeys(chromedp.CSS("#transport_no"), "VN244"),
		chromedp.SendKeys(chromedp.CSS("#seat"), "12A"),
		chromedp.Click(chromedp.CSS("#declare-submit")),
		chromedp.WaitVisible(chromedp.CSS("#qr-image")),
		poll(`document.querySelector("#qr-image").naturalWidth > 0`),
	)
	shoot("declaration-qr", "", "#qr-image", "#qr")

	venue := registerVenue(t, s, apiLogin(t, s, elderOwner(t, s, parent)))
	do(t, ctx,
		chromedp.Navigate(s.srv.URL+"/checkin"),
		chromedp.WaitVisible(chromedp.CSS("#code")),
		chromedp.SendKeys(chromedp.CSS("#code"), venue["code"].(string)),
		chromedp.Click(chromedp.CSS("#code-submit")),
	)
	shoot("checkin", "", "#checkin-done", "")

	// Acting for the child: the banner says whose profile is in use.
	do(t, ctx,
		chromedp.Navigate(s.srv.URL+"/family"),
		chromedp.Click(chromedp.CSS(`[data-person="`+s.personID(child)+`"] button.switch`)),
		chromedp.WaitVisible(chromedp.CSS("#active-profile.other")),
	)
	shoot("family-child-wallet", "/wallet", "#doses", "")
}

// elderOwner is someone with a phone of their own, other than p, to own the
// venue.
func elderOwner(t *testing.T, s *system, p map[string]string) map[string]string {
	t.Helper()
	for _, o := range s.peopleWithOwnPhones(t, 2) {
		if o["cccd"] != p["cccd"] {
			return o
		}
	}
	t.Fatal("no venue owner")
	return nil
}

// seedScreenshotData gives the citizen a full course and a test taken over
// from the old apps, a child taken over from the health book with a dose,
// and an elderly parent they added.
func (s *system) seedScreenshotData(t *testing.T, me, child, elder string) {
	t.Helper()
	ctx := context.Background()
	day := func(y, m, d int) vn.Date { return vn.Date{Year: y, Month: m, Day: d} }
	err := s.app.Health.InsertDoses(ctx, s.app.DB, []health.Dose{
		{ID: "vaccination/s1", PersonID: me, Source: "vaccination", RecordKey: "s1", Number: 1, Date: day(2021, 8, 2),
			Product: "EU/1/21/1529", Lot: "ABV5300", Facility: "Trạm y tế phường", Province: "01"},
		{ID: "vaccination/s2", PersonID: me, Source: "vaccination", RecordKey: "s2", Number: 2, Date: day(2021, 9, 6),
			Product: "EU/1/21/1529", Lot: "ABV5811", Facility: "Trạm y tế phường", Province: "01"},
		{ID: "healthbook/s2", PersonID: me, Source: "healthbook", RecordKey: "s2", Number: 2, Date: day(2021, 9, 6), Product: "EU/1/21/1529"},
		{ID: "healthbook/c1", PersonID: child, Source: "healthbook", RecordKey: "c1", Number: 1, Date: day(2021, 11, 1),
			Product: "EU/1/20/1528", Facility: "Trường tiểu học", Province: "01"},
	})
	if err != nil {
		t.Fatal(err)
	}
	sampled := time.Date(2021, 10, 20, 8, 30, 0, 0, vn.Location())
	err = s.app.Health.InsertTests(ctx, s.app.DB, []health.Test{{ID: "labtests/s1", PersonID: me, Source: "labtests", RecordKey: "s1",
		Type: "PCR", SampledAt: sampled, ResultAt: sampled.Add(9 * time.Hour), Lab: "CDC Hà Nội"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.app.Persons.AddManager(ctx, child, me, "healthbook", "hb-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.app.Persons.AddManager(ctx, elder, me, "family", "added"); err != nil {
		t.Fatal(err)
	}
}

// checkFitsPhone fails when the page is wider than the phone or the bottom
// tabs take more than one line.
func checkFitsPhone(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil || wide {
		w, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		t.Errorf("%s: the page is %d px wide on a %d px screen (%v)", name, w, phoneWidth, err)
	}
	lines, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => {
		const nav = document.querySelector("nav.bottom"); if (!nav) return 1;
		const tops = new Set([...nav.querySelectorAll("a")].map(a => a.getBoundingClientRect().top));
		const spans = [...nav.querySelectorAll("a > span:first-of-type")];
		return tops.size + spans.filter(s => s.scrollWidth > s.clientWidth + 1 || s.getClientRects().length > 1).length;
	})()`))
	if err != nil || lines != 1 {
		t.Errorf("%s: the bottom tabs wrap or cut their labels (%d, %v)", name, lines, err)
	}
}
