package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/vn"
)

// elsewhere returns a ward in another province than the person's, where
// their journey goes: Phường Hòa Hiệp Bắc in Đà Nẵng, or Phường Phúc Xá in
// Hà Nội for a person from Đà Nẵng.
func elsewhere(p map[string]string) (ward, district, province string) {
	w, _ := vn.AdminUnits().Ward(p["ward_code"])
	d, _ := vn.AdminUnits().District(w.ParentCode)
	if d.ParentCode == "48" {
		return "00001", "001", "01"
	}
	return "20194", "490", "48"
}

// provinceOf returns the province code of a person's ward.
func provinceOf(p map[string]string) string {
	prov, _, _, _ := vn.AdminUnits().WardPath(p["ward_code"])
	return prov.Code
}

// placeFields fills a place's three selects as a form posts them.
func placeFields(f url.Values, name, ward string) {
	prov, dist, w, _ := vn.AdminUnits().WardPath(ward)
	f.Set(name+"_province", prov.Code)
	f.Set(name+"_district", dist.Code)
	f.Set(name+"_ward", w.Code)
}

func countDeclarations(t *testing.T, s *system) int {
	t.Helper()
	var n int
	if err := s.app.DB.QueryRow(context.Background(), "SELECT count(*) FROM declarations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// consoleLogin logs an official's browser into the console.
func consoleLogin(t *testing.T, b *browser, username string) {
	t.Helper()
	doc, status := b.post("/console/login", "/console/login", url.Values{"username": {username}, "password": {officialPassword}})
	if status != http.StatusOK || !strings.Contains(text(doc, "header"), username) {
		t.Fatalf("console login %s: %d %q", username, status, text(doc, "main"))
	}
}

func TestDeclarationOverHTTP(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		p := s.personWithOwnPhone(t)
		citizen := s.browser(t)
		loginCitizen(t, s, citizen, p["phone"])

		// The form starts from what the registry knows: nobody types their
		// identity again.
		form, status := citizen.get("/declare/domestic")
		if status != http.StatusOK || text(form, "#decl-name") != p["full_name"] {
			t.Fatalf("form: %d, name %q", status, text(form, "#decl-name"))
		}
		if got := text(form, "#decl-cccd"); got == p["cccd"] || !strings.HasSuffix(got, p["cccd"][8:]) {
			t.Errorf("CCCD shown as %q", got)
		}
		if got, _ := form.Find("#from-ward option[selected]").Attr("value"); got != p["ward_code"] {
			t.Errorf("the journey starts at %q, want the home ward %s", got, p["ward_code"])
		}
		if got, _ := form.Find("#departure_date").Attr("value"); got != time.Now().In(vn.Location()).Format("2006-01-02") {
			t.Errorf("departure pre-filled as %q", got)
		}

		// A bad form is refused, field by field, and nothing is stored.
		bad := url.Values{"transport": {"FLIGHT"}, "transport_no": {"flight 12"}, "departure_date": {"31/02/2021"}}
		placeFields(bad, "from", p["ward_code"])
		doc, status := citizen.post("/declare/domestic", "/declare/domestic", bad)
		if status != http.StatusBadRequest || doc.Find(".field-error").Length() < 3 || countDeclarations(t, s) != 0 {
			t.Fatalf("bad form: %d, %d errors, %d stored: %q", status, doc.Find(".field-error").Length(), countDeclarations(t, s), text(doc, "main"))
		}
		if got := text(doc, "#declaration-form"); !strings.Contains(got, "Số hiệu chuyến bay gồm mã hãng") || !strings.Contains(got, "không có thật") {
			t.Errorf("the errors do not say what is wrong: %q", got)
		}

		ward, _, destProvince := elsewhere(p)
		good := url.Values{"transport": {"FLIGHT"}, "transport_no": {"vn 244"}, "seat": {"12a"},
			"departure_date": {time.Now().In(vn.Location()).Format("2006-01-02")}, "symptoms": {"cough"}}
		placeFields(good, "from", p["ward_code"])
		placeFields(good, "ward", ward)
		doc, status = citizen.post("/declare/domestic", "/declare/domestic", good)
		qr, _ := doc.Find("#qr-text").Attr("value")
		if status != http.StatusOK || doc.Find("#sent").Length() != 1 || !strings.HasPrefix(qr, "PCCOVID-KB1:") {
			t.Fatalf("declared: %d %q", status, text(doc, "main"))
		}
		if got := text(doc, "#decl-transport"); !strings.Contains(got, "VN244") || !strings.Contains(got, "12A") {
			t.Errorf("transport shown as %q", got)
		}
		src, _ := doc.Find("#qr-image").Attr("src")
		if got := decodePNG(t, citizen.fetch(src, "image/png")); got != qr {
			t.Fatalf("the QR image says %q, the page %q", got, qr)
		}
		if strings.Contains(qr, p["cccd"]) || strings.Contains(strings.ToLower(qr), strings.ToLower(vn.StripDiacritics(p["full_name"]))) {
			t.Fatal("the QR code holds personal data")
		}

		// The daily self-check asks only about health.
		doc, status = citizen.post("/declare/selfcheck", "/declare/selfcheck", url.Values{"symptoms": {"fever", "taste_loss"}})
		if status != http.StatusOK || !strings.Contains(text(doc, "#decl-symptoms"), "Sốt") || countDeclarations(t, s) != 2 {
			t.Fatalf("self-check: %d %q", status, text(doc, "main"))
		}
		// The entry form starts from the CCCD, in both languages, and no page
		// shows a message key instead of words.
		entry, _ := citizen.get("/declare/entry")
		if got, _ := entry.Find("#id_number").Attr("value"); got != "" || !strings.HasSuffix(text(entry, "#id-on-record"), p["cccd"][8:]+" trong hồ sơ được dùng.") {
			t.Errorf("entry form: document %q, %q", got, text(entry, "#id-on-record"))
		}
		for _, lang := range []string{"en", "vi"} {
			citizen.get("/lang/" + lang)
			for _, page := range []string{"/declarations", "/declare/domestic", "/declare/entry", "/declare/selfcheck", "/inbox", "/feedback", "/feedback/new"} {
				doc, status := citizen.get(page)
				if m := messageKey.FindString(text(doc, "body")); status != http.StatusOK || m != "" {
					t.Errorf("%s %s: %d, shows %q", lang, page, status, m)
				}
			}
		}
		citizen.get("/lang/en")
		if doc, _ := citizen.get("/declarations"); !strings.Contains(text(doc, "#declarations"), "Domestic journey") {
			t.Errorf("English list: %q", text(doc, "#declarations"))
		}
		citizen.get("/lang/vi")

		// A police checkpoint of the person's province checks it and sees
		// only what it needs.
		s.addOfficial(t, "ca.chot", access.RolePoliceOfficer, provinceOf(p))
		police := s.browser(t)
		consoleLogin(t, police, "ca.chot")
		for _, lang := range []string{"en", "vi"} {
			police.get("/lang/" + lang)
			for _, page := range []string{"/console", "/console/declarations/check", "/console/declarations/arrivals", "/console/notices", "/console/feedback"} {
				doc, status := police.get(page)
				if m := messageKey.FindString(text(doc, "body")); status != http.StatusOK || m != "" {
					t.Errorf("%s %s: %d, shows %q", lang, page, status, m)
				}
			}
		}
		check := func(code string) (string, int, string) {
			doc, status := police.post("/console/declarations/check", "/console/declarations/check",
				url.Values{"qr": {code}, "purpose": {"declaration_check"}, "ref": {"chốt kiểm soát số 3"}})
			return text(doc, "main"), status, text(doc, "#result-name")
		}
		page, status, name := check(qr)
		if status != http.StatusOK || name != declaration.MaskName(p["full_name"]) {
			t.Fatalf("check: %d, name %q: %q", status, name, page)
		}
		if strings.Contains(page, p["full_name"]) || strings.Contains(page, p["cccd"]) || strings.Contains(page, p["cccd"][8:]) {
			t.Fatalf("the verifier shows personal data: %q", page)
		}
		if !strings.Contains(page, "VN244") || !strings.Contains(page, "Có") {
			t.Errorf("the verifier lacks the journey or the symptoms flag: %q", page)
		}
		log, _ := citizen.get("/access-log")
		if entry := text(log, "#access-entries"); !strings.Contains(entry, "ca.chot") || !strings.Contains(entry, "chốt kiểm soát số 3") {
			t.Errorf("the check is not on the citizen's access log: %q", entry)
		}

		// A forged or altered code is refused, clearly.
		i := len("PCCOVID-KB1:") + 5
		altered := qr[:i] + map[bool]string{true: "1", false: "0"}[qr[i] == '0'] + qr[i+1:]
		for _, bad := range []string{altered, "PCCOVID-KB1:hello", "https://example.com"} {
			page, status, _ := check(bad)
			if status != http.StatusBadRequest || !strings.Contains(page, "Không chấp nhận") {
				t.Errorf("%q: %d %q", bad, status, page)
			}
		}
		// A checkpoint the journey does not touch is refused.
		other := "92"
		for _, c := range []string{"92", "96", "79"} {
			if c != provinceOf(p) && c != destProvince {
				other = c
				break
			}
		}
		s.addOfficial(t, "ca.xa", access.RolePoliceOfficer, other)
		far := s.browser(t)
		consoleLogin(t, far, "ca.xa")
		doc, status = far.post("/console/declarations/check", "/console/declarations/check", url.Values{"qr": {qr}, "purpose": {"declaration_check"}})
		if status != http.StatusForbidden || doc.Find("#result").Length() != 0 || doc.Find("#refused").Length() != 1 {
			t.Errorf("a far checkpoint: %d %q", status, text(doc, "main"))
		}
	})
}

func TestDeclarationAPI(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		p := s.personWithOwnPhone(t)
		token := apiLogin(t, s, p)
		status, prefill, raw := apiCall(t, s, "GET", "/api/v1/me/declarations/prefill?kind=ENTRY", token, nil)
		form, _ := prefill["form"].(map[string]any)
		if status != http.StatusOK || form["id_number"] != nil || form["id_type"] != "CCCD" || form["nationality"] != "VNM" {
			t.Fatalf("prefill: %d %s", status, raw)
		}
		today := time.Now().In(vn.Location()).Format("2006-01-02")
		entry := map[string]any{"kind": "ENTRY", "nationality": "VNM", "from_country": "JPN", "border_gate": "HAN",
			"transport": "FLIGHT", "transport_no": "VN311", "seat": "3C", "departure_date": today, "arrival_date": today,
			"ward": p["ward_code"], "id_type": "PASSPORT"}
		status, body, raw := apiCall(t, s, "POST", "/api/v1/me/declarations", token, entry)
		errObj, _ := body["error"].(map[string]any)
		if status != http.StatusBadRequest || errObj["field"] != "id_number" || countDeclarations(t, s) != 0 {
			t.Fatalf("entry without a document: %d %s", status, raw)
		}
		delete(entry, "id_type") // no document named: the CCCD on record
		status, body, raw = apiCall(t, s, "POST", "/api/v1/me/declarations", token, entry)
		qr, _ := body["qr"].(string)
		if status != http.StatusCreated || qr == "" || body["border_gate"] != "HAN" || body["id_type"] != "CCCD" ||
			body["id_number"] != vn.MaskID(p["cccd"]) {
			t.Fatalf("entry: %d %s", status, raw)
		}
		if status, list, raw := apiCall(t, s, "GET", "/api/v1/me/declarations/"+body["id"].(string), token, nil); status != 200 || list["qr"] != qr {
			t.Fatalf("get: %d %s", status, raw)
		}

		s.addOfficial(t, "bp.noibai", access.RolePoliceOfficer, "01")
		_, login, _ := apiCall(t, s, "POST", "/api/v1/console/login", "", map[string]string{"username": "bp.noibai", "password": officialPassword})
		otok := login["token"].(string)
		status, _, raw = apiCall(t, s, "GET", "/api/v1/console/declarations/arrivals?gate=HAN&date="+today+"&ref=VN311", otok, nil)
		if status != http.StatusOK || !strings.Contains(string(raw), p["full_name"]) || !strings.Contains(string(raw), `"transport_no":"VN311"`) {
			t.Fatalf("arrivals: %d %s", status, raw)
		}
		police := s.browser(t)
		consoleLogin(t, police, "bp.noibai")
		page, _ := police.get("/console/declarations/arrivals?gate=HAN&date=" + today + "&ref=VN311")
		if got := text(page, "#arrivals .arrival-name"); !strings.Contains(got, p["full_name"]) || strings.Contains(text(page, "#arrivals"), p["cccd"]) {
			t.Errorf("arrivals page: %q", text(page, "main"))
		}
		status, checked, raw := apiCall(t, s, "POST", "/api/v1/console/declarations/check", otok,
			map[string]string{"qr": qr, "purpose": "entry_control", "ref": "VN311"})
		if status != http.StatusOK || checked["name"] != declaration.MaskName(p["full_name"]) || checked["border_gate"] != "HAN" ||
			strings.Contains(string(raw), p["cccd"]) {
			t.Fatalf("check: %d %s", status, raw)
		}
		if status, _, _ := apiCall(t, s, "POST", "/api/v1/console/declarations/check", otok,
			map[string]string{"qr": qr, "purpose": "tracing"}); status != http.StatusBadRequest {
			t.Errorf("police checking for tracing: %d", status)
		}
		_, doc, _ := apiCall(t, s, "GET", "/api/v1/openapi.json", "", nil)
		paths, _ := doc["paths"].(map[string]any)
		for _, want := range []string{"/api/v1/me/declarations", "/api/v1/me/declarations/prefill", "/api/v1/console/declarations/check",
			"/api/v1/console/declarations/arrivals", "/api/v1/declarations/reference"} {
			if _, ok := paths[want]; !ok {
				t.Errorf("OpenAPI lacks %s", want)
			}
		}
	})
}

// messageKey finds a message key shown instead of its words.
var messageKey = regexp.MustCompile(`\b(decl|inbox|feedback|cfeedback|notice|verify|arrivals|place|transport|symptom|nav)\.[a-z_]+\b`)

// chooseOption selects a value in a select once it has that option, and
// tells the page's script, as a person's tap would.
func chooseOption(sel, value string) chromedp.Action[chromedp.Void] {
	return poll(fmt.Sprintf(`(() => { const s = document.querySelector(%q);
		if (!s || !s.querySelector('option[value="%s"]')) return false;
		s.value = %q; s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`, sel, value, value))
}

// citizenLogin logs a citizen in through the pages and waits for the home
// page.
func citizenLogin(t *testing.T, s *system, ctx context.Context, p map[string]string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(s.srv.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS("#phone"), p["phone"]),
		chromedp.Click(chromedp.CSS("#send-code")),
		chromedp.WaitVisible(chromedp.CSS("#code")),
	)
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#code"), s.lastCode(t, p["phone"])),
		chromedp.Click(chromedp.CSS("#verify")),
		chromedp.WaitVisible(chromedp.CSS("#full-name")),
	)
}

// officialLogin logs an official in through the console's pages.
func officialLogin(t *testing.T, s *system, ctx context.Context, username string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(s.srv.URL+"/console/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), officialPassword),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS(".tiles")),
	)
}

// TestBrowserDeclarationQRVerified: a citizen declares a domestic journey on
// the phone, choosing the destination from the province, district and ward
// lists, and gets its QR code; a checkpoint officer points the console's
// camera at it and sees the check's result.
func TestBrowserDeclarationQRVerified(t *testing.T) {
	s := start(t, db.SQLite)
	p := s.personWithOwnPhone(t)
	ward, district, province := elsewhere(p)
	ctx := newChrome(t)
	citizenLogin(t, s, ctx, p)
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#nav-declarations")),
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
	if got := textOf(t, ctx, "#decl-to"); !strings.Contains(got, declaration.PlaceName(ward)) {
		t.Fatalf("destination shown as %q", got)
	}
	qr, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#qr-text")))
	if err != nil || !strings.HasPrefix(qr, "PCCOVID-KB1:") {
		t.Fatalf("QR text %q, %v", qr, err)
	}

	// The officer's phone camera sees the citizen's QR code.
	s.addOfficial(t, "ca.camera", access.RolePoliceOfficer, province)
	officer := newChrome(t, cameraFlags(fakeCamera(t, qrImage(t, qr), 640, 480))...)
	officialLogin(t, s, officer, "ca.camera")
	do(t, officer,
		chromedp.Click(chromedp.CSS("#verify-tile")),
		chromedp.WaitVisible(chromedp.CSS("#scan-start")),
		poll(`document.querySelector("#scanner").dataset.ready === "1"`),
		chromedp.Click(chromedp.CSS("#scan-start")),
		chromedp.WaitVisible(chromedp.CSS("#result")),
	)
	if got := textOf(t, officer, "#result-name"); got != declaration.MaskName(p["full_name"]) {
		t.Fatalf("the officer sees %q", got)
	}
	if got := textOf(t, officer, "#result-leg"); !strings.Contains(got, "VN244") {
		t.Fatalf("journey %q", got)
	}
	if page := textOf(t, officer, "main"); strings.Contains(page, p["full_name"]) {
		t.Fatal("the verifier shows the full name")
	}
}
