package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/app"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/vn"
)

// TestQuarantineOverHTTP: the case's F1s get their orders; the contact
// sees theirs and reports; the ward's officer sees the board, records the
// test and releases the order only once the rule allows; the decision
// prints.
func TestQuarantineOverHTTP(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		o := plantOutbreak(t, s)
		s.addOfficial(t, "yte.cachly", access.RoleHealthOfficial, "VN")
		s.addOfficial(t, "phuong.cachly", access.RoleCommuneOfficer, o.b["ward_code"])
		yte := s.browser(t)
		consoleLogin(t, yte, "yte.cachly")
		casePath := registerCase(t, yte, o)
		yte.post(casePath, casePath+"/trace", url.Values{"degree": {"1"}})
		id := strings.TrimPrefix(casePath, "/console/tracing/cases/")
		doc, status := yte.post(casePath, "/console/quarantine/cases/"+id+"/orders", url.Values{"what": {"contacts"}})
		if status != http.StatusOK || doc.Find("#order-report").Length() != 1 {
			t.Fatalf("orders: %d %q", status, text(doc, "main"))
		}
		link, ok := doc.Find(fmt.Sprintf(`#contacts tr[data-person="%s"] a[href^="/console/quarantine/orders/"]`, s.personID(o.b))).Attr("href")
		if !ok {
			t.Fatalf("B's order is not on the case page: %q", text(doc, "#contacts"))
		}

		// B sees the order, the tests and files today's report; the status
		// card says quarantine.
		b := s.browser(t)
		loginCitizen(t, s, b, o.b["phone"])
		if home, _ := b.get("/"); attr(home, "#status", "data-level") != "quarantine" {
			t.Fatalf("B's status card: %q", text(home, "#status"))
		}
		mine, _ := b.get("/quarantine")
		card := mine.Find(".order").First()
		if !strings.Contains(card.Text(), "762/BYT-DP") || card.Find(".report-form").Length() != 1 || card.Find(".test").Length() == 0 {
			t.Fatalf("B's page: %q", text(mine, "main"))
		}
		action, _ := card.Find(".report-form").Attr("action")
		doc, status = b.post("/quarantine", action, url.Values{"temperature": {"39,5"}, "symptoms": {"cough"}})
		if status != http.StatusOK || doc.Find("#reported").Length() != 1 {
			t.Fatalf("report: %d %q", status, text(doc, "main"))
		}

		// The ward's officer: the board, the order, a release refused, the
		// test, the release.
		ward := s.browser(t)
		consoleLogin(t, ward, "phuong.cachly")
		board, _ := ward.get("/console/quarantine")
		if board.Find(`#board .order-link[href="`+link+`"]`).Length() != 1 || text(board, "#count-alerts strong") == "0" {
			t.Fatalf("board: %q", text(board, "main"))
		}
		doc, status = ward.post(link, link+"/release", url.Values{})
		if status != http.StatusBadRequest || !strings.Contains(text(doc, "main"), "test nhanh") {
			t.Fatalf("release without the test: %d %q", status, text(doc, "main"))
		}
		day, _ := doc.Find(`#test-day option`).Last().Attr("value")
		doc, status = ward.post(link, link+"/tests", url.Values{"day": {day}, "type": {"RAT"}, "result": {"negative"},
			"sampled_at": {time.Now().In(vn.Location()).Add(-time.Minute).Format("2006-01-02T15:04")}})
		if status != http.StatusOK || !strings.Contains(text(doc, "#tests"), "Âm tính") {
			t.Fatalf("test: %d %q", status, text(doc, "main"))
		}
		doc, status = ward.post(link, link+"/release", url.Values{"note": {"âm tính"}})
		if status != http.StatusOK || text(doc, "#order-phase") != "Tự theo dõi sức khỏe" {
			t.Fatalf("release: %d %q", status, text(doc, "main"))
		}
		if home, _ := b.get("/"); attr(home, "#status", "data-level") == "quarantine" {
			t.Fatalf("B's status card after release: %q", text(home, "#status"))
		}
		pdf := ward.fetch(link+"/decision.pdf", "application/pdf")
		if !strings.HasPrefix(string(pdf), "%PDF") {
			t.Fatal("the decision is not a PDF")
		}
		// The health official prints every decision of C's ward at once.
		if body := postPDF(t, yte, "/console/quarantine", url.Values{"area": {o.c["ward_code"]}}); !strings.HasPrefix(string(body), "%PDF") {
			t.Fatal("the ward's decisions are not a PDF")
		}
		// Another ward's officer cannot open it.
		s.addOfficial(t, "phuong.khac.cl", access.RoleCommuneOfficer, otherWard(o.b["ward_code"]))
		far := s.browser(t)
		consoleLogin(t, far, "phuong.khac.cl")
		if _, status := far.get(link); status != http.StatusForbidden {
			t.Fatalf("another ward's officer opened the order: %d", status)
		}
	})
}

func otherWard(w string) string {
	if w == "00001" {
		return "00004"
	}
	return "00001"
}

// TestBrowserTracingGraphAndQuarantineRelease is the console's story in a real browser:
// a health official registers a case, traces its F1s, looks at the chain,
// orders the F1s to quarantine, records a contact's test and releases them.
func TestBrowserTracingGraphAndQuarantineRelease(t *testing.T) {
	s := start(t, db.SQLite)
	o := plantOutbreak(t, s)
	s.addOfficial(t, "yte.trinhduyet", access.RoleHealthOfficial, "VN")
	ctx := newChrome(t)
	officialLogin(t, s, ctx, "yte.trinhduyet")
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#tracing-tile")),
		chromedp.WaitVisible(chromedp.CSS("#new-case")),
		chromedp.Click(chromedp.CSS("#new-case")),
		chromedp.WaitVisible(chromedp.CSS("#case-form")),
		chromedp.SendKeys(chromedp.CSS("#number"), o.a["cccd"]),
		chromedp.SetValue(chromedp.CSS("#sampled_at"), o.day(5, 9, 0).Format("2006-01-02T15:04")),
		chromedp.SetValue(chromedp.CSS("#result_at"), o.day(4, 9, 0).Format("2006-01-02T15:04")),
		chromedp.SetValue(chromedp.CSS("#onset_at"), o.day(7, 8, 0).Format("2006-01-02T15:04")),
		chromedp.Click(chromedp.CSS("#register")),
		chromedp.WaitVisible(chromedp.CSS("#case-no")),
		chromedp.Click(chromedp.CSS("#trace-f1")),
		chromedp.WaitVisible(chromedp.CSS("#run-report")),
	)
	if name := textOf(t, ctx, fmt.Sprintf(`#contacts tr[data-person="%s"] .contact-name`, s.personID(o.b))); name != o.b["full_name"] {
		t.Fatalf("B in the contacts: %q", name)
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#chain-link")),
		chromedp.WaitVisible(chromedp.CSS("#chain-svg")),
	)
	nodes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#chain-svg g.node").length`))
	if err != nil || nodes < 3 {
		t.Fatalf("the chain has %d nodes: %v", nodes, err)
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#back-to-case")),
		chromedp.WaitVisible(chromedp.CSS("#order-f1")),
		chromedp.Click(chromedp.CSS("#order-f1")),
		chromedp.WaitVisible(chromedp.CSS("#order-report")),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#contacts tr[data-person="%s"] a[href^="/console/quarantine/orders/"]`, s.personID(o.b)))),
		chromedp.WaitVisible(chromedp.CSS("#test-form")),
		chooseOption("#test-result", "negative"),
		chromedp.Click(chromedp.CSS("#record-test")),
		chromedp.WaitVisible(chromedp.CSS("#tests .test.done")),
		chromedp.Click(chromedp.CSS("#release")),
		chromedp.WaitVisible(chromedp.CSS(`#order-phase[data-phase="monitoring"]`)),
	)
	if phase := textOf(t, ctx, "#order-phase"); phase != "Tự theo dõi sức khỏe" {
		t.Fatalf("after release: %q\n%s", phase, textOf(t, ctx, "main"))
	}
}

// postPDF submits the board's print form and returns the PDF.
func postPDF(t *testing.T, b *browser, formPage string, fields url.Values) []byte {
	t.Helper()
	doc, _ := b.get(formPage)
	tok, _ := doc.Find(`input[name="csrf"]`).First().Attr("value")
	fields.Set("csrf", tok)
	req, _ := http.NewRequest("POST", b.base+"/console/quarantine/decisions", strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("print: %d %s", resp.StatusCode, body)
	}
	return body
}

// TestQuarantineOfArrivals: an entry declaration gets the order the
// policy in force requires; entry control sees it beside the arrival.
func TestQuarantineOfArrivals(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		p := s.strangers(t, 1)[0]
		today := time.Now().In(vn.Location())
		day := vn.Date{Year: today.Year(), Month: int(today.Month()), Day: today.Day()}
		err := s.app.Decls.Insert(context.Background(), s.app.DB, []declaration.Declaration{{ID: "e2e-entry-" + p["cccd"],
			PersonID: s.personID(p), Source: "pccovid", Kind: declaration.KindEntry, DeclaredAt: today, Ward: p["ward_code"],
			Transport: "FLIGHT", TransportNo: "VN54", DepartureDate: day, ArrivalDate: day, BorderGate: "HAN",
			Details: declaration.Details{FullName: p["full_name"], FromCountry: "KOR"}}})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.app.Quarantine.SyncEntries(context.Background())
		if err != nil || rep.Issued != 1 {
			t.Fatalf("entries: %+v %v", rep, err)
		}
		s.addOfficial(t, "congan.cuakhau", access.RolePoliceOfficer, "01")
		police := s.browser(t)
		consoleLogin(t, police, "congan.cuakhau")
		doc, status := police.get("/console/quarantine/arrivals?gate=HAN&date=" + day.String() + "&ref=VN54")
		cell := text(doc, "#entry-arrivals .arrival-order")
		if status != http.StatusOK || !strings.Contains(cell, "762/BYT-DP") || !strings.Contains(text(doc, "#entry-arrivals"), p["full_name"]) {
			t.Fatalf("arrivals: %d %q", status, text(doc, "main"))
		}
	})
}

// TestQuarantineCommands: the operator lists the policies, adds a version
// from a file, and runs the jobs by hand; a bad policy is refused with
// the field at fault.
func TestQuarantineCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	run := func(args ...string) (string, error) {
		var out, errs strings.Builder
		err := app.Run(ctx, append(args, "--data", dir, "--log-level", "error"), &out, &errs)
		return out.String() + errs.String(), err
	}
	out, err := run("quarantine", "policies")
	if err != nil || !strings.Contains(out, "762/BYT-DP") || !strings.Contains(out, "f1_vaccinated") {
		t.Fatalf("policies: %v\n%s", err, out)
	}
	file := filepath.Join(dir, "policy.json")
	os.WriteFile(file, []byte(`{"vaccination":{"min_days_after_last_dose":14,"recovered_within_days":180},"rules":[
		{"name":"f1_any","reasons":["f1","entry"],"kind":"quarantine","place":"home","days":3,"monitor_days":4,"tests":[{"day":3,"type":"RAT"}],"release":{"test_day":3,"test_type":"RAT"}},
		{"name":"f0","reasons":["f0"],"kind":"isolation","place":"home","days":5,"monitor_days":0,"tests":[],"release":{}}]}`), 0o600)
	out, err = run("quarantine", "policies", "--add", file, "--code", "999/BYT-DP", "--from", "2022-04-01", "--title", "Thử nghiệm")
	if err != nil || !strings.Contains(out, "999/BYT-DP") {
		t.Fatalf("add: %v\n%s", err, out)
	}
	os.WriteFile(file, []byte(`{"rules":[{"name":"x","reasons":["f1"],"kind":"quarantine","place":"moon","days":3}]}`), 0o600)
	if _, err := run("quarantine", "policies", "--add", file, "--code", "1000/BYT-DP", "--from", "2022-05-01", "--title", "Sai"); app.ExitCode(err) != 3 {
		t.Fatalf("a bad policy: %v (exit %d)", err, app.ExitCode(err))
	}
	if out, err := run("tracing", "rules"); err != nil || !strings.Contains(out, "BYT-2021") {
		t.Fatalf("rules: %v\n%s", err, out)
	}
	if out, err := run("tracing", "sync"); err != nil || !strings.Contains(out, "0 new cases") {
		t.Fatalf("tracing sync: %v\n%s", err, out)
	}
	if out, err := run("quarantine", "sync"); err != nil || !strings.Contains(out, "orders issued 0") {
		t.Fatalf("quarantine sync: %v\n%s", err, out)
	}
}
