package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/vn"
)

// ageNow is a registry person's age today.
func ageNow(p map[string]string) int {
	b := mustDate(p["birth_date"])
	now := time.Now().In(vn.Location())
	a := now.Year() - b.Year
	if int(now.Month()) < b.Month || int(now.Month()) == b.Month && now.Day() < b.Day {
		a--
	}
	return a
}

// familyOf returns a parent with a phone of their own, a child under 14 of
// their household, and two adults of other households.
func (s *system) familyOf(t *testing.T) (parent, child, other, elder map[string]string) {
	t.Helper()
	phones := map[string]int{}
	for _, p := range s.people {
		phones[p["phone"]]++
	}
	for _, a := range s.people {
		if a["phone"] == "" || phones[a["phone"]] != 1 || ageNow(a) < 25 {
			continue
		}
		for _, c := range s.people {
			if c["household_id"] != a["household_id"] || ageNow(c) >= 14 || ageNow(c) < 1 {
				continue
			}
			var others []map[string]string
			for _, o := range s.people {
				if o["household_id"] != a["household_id"] && ageNow(o) >= 60 && o["old_id"] != "" {
					others = append(others, o)
				}
			}
			if len(others) >= 2 {
				return a, c, others[0], others[1]
			}
		}
	}
	t.Fatal("no parent with a child under 14 in the extract")
	return nil, nil, nil, nil
}

func dmyOf(p map[string]string) string {
	b := p["birth_date"]
	return b[8:10] + "/" + b[5:7] + "/" + b[:4]
}

// TestFamilyOverHTTP: a parent adds their child from the household book,
// is refused with wrong proof and when forging a switch, switches to the
// child and sees the child's card and wallet; every read is on the child's
// access log.
func TestFamilyOverHTTP(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		ctx := context.Background()
		parent, child, stranger, elder := s.familyOf(t)
		childID, strangerID, elderID := s.personID(child), s.personID(stranger), s.personID(elder)
		err := s.app.Health.InsertDoses(ctx, s.app.DB, []health.Dose{{ID: "healthbook/c/v1", PersonID: childID, Source: "healthbook",
			RecordKey: "c", Number: 1, Date: mustDate(daysAgo(20)), Product: "EU/1/20/1528"}})
		if err != nil {
			t.Fatal(err)
		}
		b := s.browser(t)
		loginCitizen(t, s, b, parent["phone"])
		home, _ := b.get("/")
		if got := text(home, "#active-profile-name"); got != parent["full_name"] || home.Find("#active-profile.other").Length() != 0 {
			t.Fatalf("banner %q", text(home, "#active-profile"))
		}
		if doc, _ := b.get("/family"); doc.Find("#profiles .profile-line").Length() != 1 {
			t.Fatalf("profiles before adding: %q", text(doc, "#profiles"))
		}
		// A switch to a profile not managed, by a forged form: refused.
		if _, status := b.post("/family/add", "/family/switch", url.Values{"person_id": {childID}}); status != http.StatusForbidden {
			t.Fatalf("forged switch: %d", status)
		}
		if got := text(mustGet(b, "/"), "#active-profile-name"); got != parent["full_name"] {
			t.Fatalf("after a refused switch the profile is %q", got)
		}
		add, _ := b.get("/family/add")
		if add.Find(`#add-child input[value="`+childID+`"]`).Length() != 1 {
			t.Fatalf("the child is not offered: %q", text(add, "#add-child"))
		}
		doc, status := b.post("/family/add", "/family/add", url.Values{"mode": {"child"}, "member": {childID}, "birth_date": {"01/01/2016"}})
		if status != http.StatusBadRequest || !strings.Contains(text(doc, "#add-child .field-error"), "sổ hộ khẩu") || doc.Find("#add-by-number .field-error").Length() != 0 {
			t.Fatalf("wrong birth date: %d %q", status, text(doc, "main"))
		}
		doc, status = b.post("/family/add", "/family/add", url.Values{"mode": {"number"}, "id_number": {elder["cccd"]}, "birth_date": {"01/01/1931"}})
		if status != http.StatusBadRequest || !strings.Contains(text(doc, "#add-by-number .field-error"), "không khớp") {
			t.Fatalf("wrong CCCD proof: %d %q", status, text(doc, "main"))
		}
		doc, status = b.post("/family/add", "/family/add", url.Values{"mode": {"child"}, "member": {childID}, "birth_date": {dmyOf(child)}})
		if status != http.StatusOK || !strings.Contains(text(doc, "#added"), child["full_name"]) || doc.Find("#profiles .profile-line").Length() != 2 {
			t.Fatalf("child added: %d %q", status, text(doc, "main"))
		}
		// The health book's managedBy, as the takeover leaves it.
		if err := s.app.Persons.AddManager(ctx, elderID, s.personID(parent), "healthbook", "hb-1"); err != nil {
			t.Fatal(err)
		}
		doc, _ = b.get("/family")
		if got := text(doc, `[data-person="`+elderID+`"]`); !strings.Contains(got, "Từ Sổ sức khỏe điện tử") {
			t.Fatalf("taken-over profile shown as %q", got)
		}

		doc, status = b.post("/family", "/family/switch", url.Values{"person_id": {childID}})
		if status != http.StatusOK || text(doc, "#active-profile-name") != child["full_name"] || doc.Find("#active-profile.other").Length() != 1 ||
			text(doc, "#full-name") != child["full_name"] {
			t.Fatalf("after switching: %d banner %q, name %q", status, text(doc, "#active-profile"), text(doc, "#full-name"))
		}
		if lvl, _ := doc.Find("#status").Attr("data-level"); lvl != "yellow" {
			t.Fatalf("the child's card is %s", lvl)
		}
		wallet, _ := b.get("/wallet")
		if got := text(wallet, "#doses"); !strings.Contains(got, "Pfizer-BioNTech (Comirnaty)") || text(wallet, "#active-profile-name") != child["full_name"] {
			t.Fatalf("the child's wallet: %q", got)
		}
		// Forging a switch to a stranger changes nothing.
		if _, status := b.post("/family", "/family/switch", url.Values{"person_id": {strangerID}}); status != http.StatusForbidden {
			t.Fatalf("forged switch to a stranger: %d", status)
		}
		if got := text(mustGet(b, "/"), "#active-profile-name"); got != child["full_name"] {
			t.Fatalf("after a forged switch the profile is %q", got)
		}
		entries, err := s.app.Trail.ForSubject(ctx, childID, 50)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range entries {
			seen[e.Action] = true
			if e.Purpose != access.PurposeFamily {
				t.Errorf("entry %s on the child's log has purpose %s", e.Action, e.Purpose)
			}
		}
		for _, want := range []string{"family.switch.refused", "family.add", "family.switch", "person.view", "health.records"} {
			if !seen[want] {
				t.Errorf("the child's access log lacks %s (has %v)", want, seen)
			}
		}
		// Acting for the child, "who saw my data" is the child's log.
		own, err := s.app.Trail.ForSubject(ctx, s.personID(parent), 200)
		if err != nil {
			t.Fatal(err)
		}
		if len(own) == len(entries) {
			t.Fatalf("the parent's and the child's logs both hold %d entries: the check below could not tell them apart", len(own))
		}
		if n := mustGet(b, "/access-log").Find("#access-entries .entry").Length(); n != len(entries) {
			t.Fatalf("acting for the child, the access log shows %d entries; the child's log holds %d, the parent's %d", n, len(entries), len(own))
		}
		if entries, _ := s.app.Trail.ForSubject(ctx, strangerID, 5); len(entries) != 1 || entries[0].Action != "family.switch.refused" {
			t.Fatalf("the stranger's access log: %+v", entries)
		}

		// The same over the API.
		tok := apiLogin(t, s, parent)
		status, _, raw := apiCall(t, s, "GET", "/api/v1/me/profiles", tok, nil)
		if status != 200 || strings.Count(string(raw), `"person_id"`) != 3 || !strings.Contains(string(raw), `"source":"healthbook"`) {
			t.Fatalf("profiles: %d %s", status, raw)
		}
		if status, _, raw := apiCall(t, s, "POST", "/api/v1/me/profiles/switch", tok, map[string]string{"person_id": strangerID}); status != 403 {
			t.Fatalf("API switch to a stranger: %d %s", status, raw)
		}
		if status, _, raw := apiCall(t, s, "POST", "/api/v1/me/profiles/switch", tok, map[string]string{"person_id": elderID}); status != 200 {
			t.Fatalf("API switch: %d %s", status, raw)
		}
		if _, body, raw := apiCall(t, s, "GET", "/api/v1/me/wallet", tok, nil); body["person_id"] != elderID {
			t.Fatalf("wallet after the API switch: %s", raw)
		}
		status, body, raw := apiCall(t, s, "POST", "/api/v1/me/family", tok, map[string]string{"id_number": stranger["old_id"], "birth_date": "1900-01-01"})
		if e, _ := body["error"].(map[string]any); status != 400 || e["field"] != "birth_date" {
			t.Fatalf("API add with a wrong date: %d %s", status, raw)
		}
		status, _, raw = apiCall(t, s, "POST", "/api/v1/me/family", tok, map[string]string{"id_number": stranger["old_id"], "birth_date": stranger["birth_date"]})
		if status != 201 || !strings.Contains(string(raw), stranger["full_name"]) {
			t.Fatalf("API add by CMND: %d %s", status, raw)
		}
	})
}

func mustGet(b *browser, path string) *goquery.Document {
	doc, _ := b.get(path)
	return doc
}

// TestBrowserFamilySwitchToChildWallet: in a real browser a parent adds their
// child from the household book, switches to the child's profile, and sees
// the child's name at the top and the child's vaccination in the wallet.
func TestBrowserFamilySwitchToChildWallet(t *testing.T) {
	s := start(t, db.SQLite)
	parent, child, _, _ := s.familyOf(t)
	childID := s.personID(child)
	err := s.app.Health.InsertDoses(context.Background(), s.app.DB, []health.Dose{{ID: "vaccination/c1", PersonID: childID,
		Source: "vaccination", RecordKey: "c1", Number: 1, Date: mustDate(daysAgo(30)), Product: "EU/1/20/1528", Facility: "Trường tiểu học"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := newChrome(t)
	citizenLogin(t, s, ctx, parent)
	step := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		do(t, sctx, steps...)
	}
	step(chromedp.Click(chromedp.CSS("#change-profile")))
	step(chromedp.WaitVisible(chromedp.CSS("#add-relative")))
	step(chromedp.Click(chromedp.CSS("#add-relative")))
	step(chromedp.WaitVisible(chromedp.CSS("#add-child")))
	step(chromedp.Click(chromedp.CSS(`#add-child input[value="` + childID + `"]`)))
	step(chromedp.SendKeys(chromedp.CSS("#child_birth_date"), dmyOf(child)))
	step(chromedp.Click(chromedp.CSS("#add-child-submit")))
	step(chromedp.WaitVisible(chromedp.CSS("#added")))
	step(chromedp.Click(chromedp.CSS(`[data-person="` + childID + `"] button.switch`)))
	step(chromedp.WaitVisible(chromedp.CSS("#status")))
	if got := textOf(t, ctx, "#active-profile-name"); got != child["full_name"] {
		t.Fatalf("the banner names %q, want the child %q", got, child["full_name"])
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#wallet-link")),
		chromedp.WaitVisible(chromedp.CSS("#doses")),
	)
	if got := textOf(t, ctx, "#doses"); !strings.Contains(got, "Pfizer-BioNTech (Comirnaty)") || !strings.Contains(got, "Trường tiểu học") {
		t.Fatalf("the child's wallet shows %q", got)
	}
	if got := textOf(t, ctx, "#active-profile"); !strings.Contains(got, "Đang dùng hồ sơ của") || !strings.Contains(got, child["full_name"]) {
		t.Fatalf("banner %q", got)
	}
}
