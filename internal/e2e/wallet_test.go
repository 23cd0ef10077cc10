package e2e

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/vn"
)

// daysAgo is the date n days ago in Vietnam, as a date field sends it.
func daysAgo(n int) string {
	return time.Now().In(vn.Location()).AddDate(0, 0, -n).Format("2006-01-02")
}

// statusLevel is the level the status card on a page shows.
func statusLevel(b *browser, path string) string {
	doc, _ := b.get(path)
	v, _ := doc.Find("#status").Attr("data-level")
	return v
}

// healthPage is the console's health page of a person, for a purpose.
func healthPage(id, purpose string) string {
	return "/console/persons/" + id + "/health?" + url.Values{"purpose": {purpose}, "ref": {"đợt tiêm 5"}}.Encode()
}

func recordDoseForm(number, product, date string) url.Values {
	return url.Values{"number": {number}, "product": {product}, "date": {date}, "facility": {"Trạm y tế phường"}, "lot": {"ABV123"}, "ref": {"đợt tiêm 5"}}
}

// TestWalletOverHTTP: a health official records a citizen's doses in the
// console — refused when wrong — and the citizen's card goes from red to
// yellow to green at once; the wallet lists the doses and a test with their
// sources, and the citizen sees who recorded them.
func TestWalletOverHTTP(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		p := s.personWithOwnPhone(t)
		id := s.personID(p)
		citizen := s.browser(t)
		loginCitizen(t, s, citizen, p["phone"])
		home, _ := citizen.get("/")
		if lvl, _ := home.Find("#status").Attr("data-level"); lvl != "red" || !strings.Contains(text(home, "#status-rule"), "Quy định mặc định của PC-Covid") {
			t.Fatalf("fresh card: %s %q", lvl, text(home, "#status"))
		}
		if w, _ := citizen.get("/wallet"); w.Find("#no-doses").Length() != 1 {
			t.Fatalf("empty wallet: %q", text(w, "main"))
		}

		s.addOfficial(t, "yte.wallet", access.RoleHealthOfficial, provinceOf(p))
		off := s.browser(t)
		consoleLogin(t, off, "yte.wallet")
		if doc, _ := off.get("/console/persons/" + id + "/health"); doc.Find("#need-purpose").Length() != 1 || strings.Contains(doc.Text(), p["full_name"]) {
			t.Fatalf("health page without a purpose: %q", text(doc, "main"))
		}
		page := healthPage(id, "vaccination")
		doc, status := off.post(page, "/console/persons/"+id+"/doses", recordDoseForm("5", "Vodka", daysAgo(-1)))
		if status != http.StatusBadRequest || doc.Find("#dose-form .field-error").Length() != 3 {
			t.Fatalf("bad dose: %d, %d errors: %q", status, doc.Find("#dose-form .field-error").Length(), text(doc, "#dose-form"))
		}
		if got := text(doc, "#dose-form"); !strings.Contains(got, "Mũi số phải từ 1 đến 4") || !strings.Contains(got, "không thể sau hôm nay") {
			t.Errorf("errors do not say what is wrong: %q", got)
		}
		if lvl := statusLevel(citizen, "/"); lvl != "red" {
			t.Fatalf("after a refused dose the card is %s", lvl)
		}
		doc, status = off.post(page, "/console/persons/"+id+"/doses", recordDoseForm("1", "EU/1/21/1529", daysAgo(40)))
		if status != http.StatusOK || doc.Find("#recorded").Length() != 1 {
			t.Fatalf("dose 1: %d %q", status, text(doc, "main"))
		}
		if lvl := statusLevel(citizen, "/"); lvl != "yellow" {
			t.Fatalf("after dose 1 the card is %s", lvl)
		}
		off.post(page, "/console/persons/"+id+"/doses", recordDoseForm("2", "EU/1/20/1528", daysAgo(15)))
		home, _ = citizen.get("/")
		if lvl, _ := home.Find("#status").Attr("data-level"); lvl != "green" || text(home, "#status-level") != "Thẻ xanh" ||
			!strings.Contains(text(home, "#status-reason"), "2 mũi") {
			t.Fatalf("after dose 2: %s %q", lvl, text(home, "#status"))
		}
		doc, status = off.post(page, "/console/persons/"+id+"/doses", recordDoseForm("2", "EU/1/20/1528", daysAgo(10)))
		if status != http.StatusBadRequest || !strings.Contains(text(doc, "#dose-form .field-error"), "Mũi 2 đã được ghi nhận") {
			t.Fatalf("dose 2 again: %d %q", status, text(doc, "#dose-form"))
		}
		sampled := time.Now().In(vn.Location()).Add(-30 * time.Hour).Format("2006-01-02T15:04")
		resulted := time.Now().In(vn.Location()).Add(-20 * time.Hour).Format("2006-01-02T15:04")
		doc, status = off.post(healthPage(id, "testing"), "/console/persons/"+id+"/tests", url.Values{"type": {"PCR"}, "result": {"negative"},
			"sampled_at": {sampled}, "result_at": {resulted}, "lab": {"CDC Hà Nội"}, "ref": {"sàng lọc"}})
		if status != http.StatusOK || doc.Find("#tests .test").Length() != 1 {
			t.Fatalf("test: %d %q", status, text(doc, "main"))
		}

		// A dose the health book had: shown with its source.
		err := s.app.Health.InsertDoses(context.Background(), s.app.DB, []health.Dose{{ID: "healthbook/x/v1", PersonID: id,
			Source: "healthbook", RecordKey: "x", Number: 3, Date: mustDate(daysAgo(5)), Product: "EU/1/20/1507"}})
		if err != nil {
			t.Fatal(err)
		}
		wallet, _ := citizen.get("/wallet")
		doses := wallet.Find("#doses .dose")
		if doses.Length() != 3 || !strings.Contains(doses.Eq(0).Text(), "AstraZeneca (Vaxzevria)") ||
			!strings.Contains(doses.Eq(0).Text(), "Cán bộ y tế ghi nhận") || !strings.Contains(doses.Eq(2).Text(), "Sổ sức khỏe điện tử") {
			t.Fatalf("wallet doses: %q", text(wallet, "#doses"))
		}
		if got := text(wallet, "#tests .test-sampled"); got != strings.Replace(formatVN(sampled), "T", " ", 1) {
			t.Errorf("sample time shown as %q, want %q (Vietnam time)", got, formatVN(sampled))
		}
		log, _ := citizen.get("/access-log")
		if got := text(log, "#access-entries"); !strings.Contains(got, "yte.wallet") || !strings.Contains(got, "Quản lý tiêm chủng") ||
			!strings.Contains(got, "đợt tiêm 5") {
			t.Fatalf("the access log does not show who recorded: %q", got)
		}
		// Every word is translated, in both languages.
		for _, lang := range []string{"vi", "en"} {
			citizen.get("/lang/" + lang)
			off.get("/lang/" + lang)
			for _, path := range []string{"/", "/wallet", "/more", "/family", "/family/add"} {
				noRawKeys(t, citizen, path)
			}
			noRawKeys(t, off, healthPage(id, "vaccination"))
			noRawKeys(t, off, "/console/risk/rules")
		}
		if doc, _ := citizen.get("/wallet"); text(doc, "#status-level") != "Green" || text(doc, "#doses-title") != "Vaccinations" {
			t.Fatalf("the wallet in English: %q", text(doc, "main"))
		}
	})
}

// rawKey is a message key a template printed because no message has it.
var rawKey = regexp.MustCompile(`\b(wallet|status|reason|family|rules|chealth|tab|more|test|source)\.[a-z_]+\b`)

// noRawKeys fails when a page shows a message key instead of words.
func noRawKeys(t *testing.T, b *browser, path string) {
	t.Helper()
	doc, status := b.get(path)
	if status != http.StatusOK {
		t.Fatalf("%s: %d", path, status)
	}
	if k := rawKey.FindString(doc.Find("body").Text()); k != "" {
		t.Errorf("%s shows the message key %q", path, k)
	}
}

func mustDate(s string) vn.Date {
	d, err := vn.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// formatVN turns a datetime-local value into the wallet's "15:04 02/01/2006".
func formatVN(local string) string {
	t, _ := time.ParseInLocation("2006-01-02T15:04", local, vn.Location())
	return t.Format("15:04 02/01/2006")
}

func TestWalletAPI(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		p := s.personWithOwnPhone(t)
		id := s.personID(p)
		tok := apiLogin(t, s, p)
		s.addOfficial(t, "api.vacc", access.RoleHealthOfficial, provinceOf(p))
		s.addOfficial(t, "api.far", access.RoleHealthOfficial, farProvince(p))
		otok := officialToken(t, s, "api.vacc")
		status, body, raw := apiCall(t, s, "POST", "/api/v1/console/persons/"+id+"/doses", otok,
			map[string]any{"number": 1, "product": "AZ", "date": daysAgo(30), "facility": "TYT"})
		if e, _ := body["error"].(map[string]any); status != 400 || e["field"] != "product" {
			t.Fatalf("bad product: %d %s", status, raw)
		}
		status, _, raw = apiCall(t, s, "POST", "/api/v1/console/persons/"+id+"/doses", officialToken(t, s, "api.far"),
			map[string]any{"number": 1, "product": "EU/1/20/1525", "date": daysAgo(30), "facility": "TYT"})
		if status != 403 {
			t.Fatalf("an official of another province recorded a dose: %d %s", status, raw)
		}
		status, body, raw = apiCall(t, s, "POST", "/api/v1/console/persons/"+id+"/doses", otok,
			map[string]any{"number": 1, "product": "EU/1/20/1525", "date": daysAgo(30), "facility": "TYT", "ref": "campaign 3"})
		if status != 201 || body["product_name"] != "Janssen (Jcovden)" {
			t.Fatalf("dose: %d %s", status, raw)
		}
		status, body, raw = apiCall(t, s, "GET", "/api/v1/me/status", tok, nil)
		rules, _ := body["rules"].(map[string]any)
		if status != 200 || body["level"] != "green" || body["reason"] != "full_course" || body["title_vi"] != "Thẻ xanh" || rules["scope"] != "VN" {
			t.Fatalf("status after one Janssen dose: %d %s", status, raw)
		}
		status, body, raw = apiCall(t, s, "GET", "/api/v1/me/wallet", tok, nil)
		doses, _ := body["doses"].([]any)
		if status != 200 || len(doses) != 1 || body["person_id"] != id {
			t.Fatalf("wallet: %d %s", status, raw)
		}
		status, _, raw = apiCall(t, s, "GET", "/api/v1/console/persons/"+id+"/health?purpose=vaccination", otok, nil)
		if status != 200 || !strings.Contains(string(raw), `"level":"green"`) {
			t.Fatalf("console health: %d %s", status, raw)
		}
		_, doc, _ := apiCall(t, s, "GET", "/api/v1/openapi.json", "", nil)
		paths, _ := doc["paths"].(map[string]any)
		for _, want := range []string{"/api/v1/me/wallet", "/api/v1/me/status", "/api/v1/me/profiles", "/api/v1/me/profiles/switch",
			"/api/v1/me/family", "/api/v1/console/persons/{id}/doses", "/api/v1/console/persons/{id}/tests", "/api/v1/console/risk/rules"} {
			if paths[want] == nil {
				t.Errorf("OpenAPI lacks %s", want)
			}
		}
	})
}

func officialToken(t *testing.T, s *system, username string) string {
	t.Helper()
	_, body, raw := apiCall(t, s, "POST", "/api/v1/console/login", "", map[string]string{"username": username, "password": officialPassword})
	tok, _ := body["token"].(string)
	if tok == "" {
		t.Fatalf("official login: %s", raw)
	}
	return tok
}

// farProvince is a province other than p's.
func farProvince(p map[string]string) string {
	if provinceOf(p) == "01" {
		return "79"
	}
	return "01"
}

// TestWalletRulesInConsole: an authority adds a version of the rules for their
// province in the console; it is validated, kept to their area, audited,
// and the card of a resident follows it at once (it takes effect today).
func TestWalletRulesInConsole(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		p := s.personWithOwnPhone(t)
		prov := provinceOf(p)
		err := s.app.Health.InsertDoses(context.Background(), s.app.DB, []health.Dose{
			{ID: "v/1", PersonID: s.personID(p), Source: "vaccination", Number: 1, Date: mustDate(daysAgo(90)), Product: "EU/1/21/1529"},
			{ID: "v/2", PersonID: s.personID(p), Source: "vaccination", Number: 2, Date: mustDate(daysAgo(30)), Product: "EU/1/21/1529"}})
		if err != nil {
			t.Fatal(err)
		}
		citizen := s.browser(t)
		loginCitizen(t, s, citizen, p["phone"])
		if lvl := statusLevel(citizen, "/"); lvl != "green" {
			t.Fatalf("two doses under the default rules: %s", lvl)
		}
		s.addOfficial(t, "yte.tinh", access.RoleHealthOfficial, prov)
		s.addOfficial(t, "phuong.rules", access.RoleCommuneOfficer, p["ward_code"])
		commune := s.browser(t)
		consoleLogin(t, commune, "phuong.rules")
		if doc, _ := commune.get("/console/risk/rules"); doc.Find("#no-authority").Length() != 1 || doc.Find("#rules-form").Length() != 0 {
			t.Fatalf("a commune officer is offered the form: %q", text(doc, "main"))
		}
		off := s.browser(t)
		consoleLogin(t, off, "yte.tinh")
		form, _ := off.get("/console/risk/rules")
		if n := form.Find("#scope option").Length(); n != 1 {
			t.Fatalf("a province official may choose %d scopes", n)
		}
		if v, _ := form.Find("#doses_needed").Attr("value"); v != "2" {
			t.Fatalf("the form does not start from the rules in force: doses %q", v)
		}
		today := daysAgo(0)
		good := url.Values{"name": {"Quy định tỉnh: tiêm 3 mũi"}, "scope": {prov}, "effective_from": {today}, "days_after_dose": {"14"},
			"doses_needed": {"3"}, "recovery_days": {"180"}, "negative_test_hours": {"72"}, "test_types": {"PCR", "RAT"},
			"positive_test_days": {"14"}, "one_dose_products": {"EU/1/20/1525"}}
		bad := url.Values{"name": {"x"}, "scope": {farProvince(p)}, "effective_from": {daysAgo(1)}, "days_after_dose": {"-3"},
			"doses_needed": {"9"}, "recovery_days": {"180"}, "negative_test_hours": {"72"}, "positive_test_days": {"14"}}
		doc, status := off.post("/console/risk/rules", "/console/risk/rules", bad)
		if status != http.StatusBadRequest || doc.Find("#rules-form .field-error").Length() != 5 {
			t.Fatalf("bad rules: %d, %d errors %q", status, doc.Find("#rules-form .field-error").Length(), text(doc, "#rules-form"))
		}
		forged := url.Values{}
		for k, v := range good {
			forged[k] = v
		}
		forged.Set("scope", farProvince(p))
		if doc, status := off.post("/console/risk/rules", "/console/risk/rules", forged); status != http.StatusBadRequest ||
			!strings.Contains(text(doc, "#rules-form"), "địa bàn của mình") {
			t.Fatalf("rules for another province: %d %q", status, text(doc, "#rules-form"))
		}
		doc, status = off.post("/console/risk/rules", "/console/risk/rules", good)
		if status != http.StatusOK || doc.Find("#added").Length() != 1 || doc.Find("#rule-sets .in-force").Length() != 2 {
			t.Fatalf("added: %d %q", status, text(doc, "main"))
		}
		home, _ := citizen.get("/")
		if lvl, _ := home.Find("#status").Attr("data-level"); lvl != "yellow" || !strings.Contains(text(home, "#status-rule"), "Quy định tỉnh: tiêm 3 mũi") {
			t.Fatalf("under the province's rules: %s %q", lvl, text(home, "#status"))
		}
		var n int
		s.app.DB.QueryRow(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'risk.rules.add' AND actor_name = 'yte.tinh'").Scan(&n)
		if n != 1 {
			t.Fatalf("%d audit entries for the new rules", n)
		}
		if _, err := s.app.Risk.RulesFor(context.Background(), prov); err != nil {
			t.Fatal(err)
		}
		commune.post("/console/risk/rules", "/console/risk/rules", good)
		if sets, _ := s.app.Risk.RuleSets(context.Background()); len(sets) != 2 {
			t.Fatalf("%d versions after a commune officer's post", len(sets))
		}
	})
}

// TestBrowserWalletStatusCardChanges: in a real browser, a health official
// records a citizen's two doses in the console's form, and the citizen's
// card turns from red to yellow to green.
func TestBrowserWalletStatusCardChanges(t *testing.T) {
	s := start(t, db.SQLite)
	p := s.personWithOwnPhone(t)
	id := s.personID(p)
	s.addOfficial(t, "yte.browser", access.RoleHealthOfficial, provinceOf(p))
	ctx := newChrome(t)
	citizenLogin(t, s, ctx, p)
	card := func() (string, string) {
		t.Helper()
		do(t, ctx, chromedp.Navigate(s.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#status")))
		level, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#status"), "data-level"))
		if err != nil {
			t.Fatal(err)
		}
		return level.Value, textOf(t, ctx, "#status-level")
	}
	if lvl, title := card(); lvl != "red" || title != "Thẻ đỏ" {
		t.Fatalf("fresh card %s %q", lvl, title)
	}
	officialLogin(t, s, ctx, "yte.browser")
	record := func(number, product, date string) {
		t.Helper()
		do(t, ctx,
			chromedp.Navigate(s.srv.URL+healthPage(id, "vaccination")),
			chromedp.WaitVisible(chromedp.CSS("#dose-form")),
			chromedp.SetValue(chromedp.CSS("#number"), number),
			chromedp.SetValue(chromedp.CSS("#product"), product),
			chromedp.SetValue(chromedp.CSS("#date"), date),
			chromedp.SendKeys(chromedp.CSS("#facility"), "Trạm y tế phường"),
			chromedp.Click(chromedp.CSS("#save-dose")),
			chromedp.WaitVisible(chromedp.CSS("#recorded")),
		)
	}
	record("1", "EU/1/21/1529", daysAgo(30))
	if lvl, _ := card(); lvl != "yellow" {
		t.Fatalf("after dose 1: %s", lvl)
	}
	record("2", "EU/1/21/1529", daysAgo(14))
	if lvl, title := card(); lvl != "green" || title != "Thẻ xanh" {
		t.Fatalf("after dose 2: %s %q", lvl, title)
	}
	if rule := textOf(t, ctx, "#status-rule"); !strings.Contains(rule, "Toàn quốc") || !strings.Contains(rule, "08/03/2021") {
		t.Fatalf("the card does not say which rules applied: %q", rule)
	}
	bg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#status")).backgroundColor`))
	if err != nil || bg != "rgb(20, 108, 46)" {
		t.Fatalf("the green card is painted %s (%v)", bg, err)
	}
}
