package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/app"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/facility"
	"github.com/pccovid/pccovid/internal/synth"
	"github.com/pccovid/pccovid/internal/vn"
	"github.com/pccovid/pccovid/internal/web"
)

// facilityWithKey registers a facility in the console as an administrator
// and makes it an API key; it returns the facility's page path and the key.
func facilityWithKey(t *testing.T, s *system, admin *browser, code, kind string) (string, string) {
	t.Helper()
	doc, status := admin.post("/console/facilities", "/console/facilities",
		url.Values{"code": {code}, "name": {"Cơ sở " + code}, "kind": {kind}})
	if status != http.StatusOK || text(doc, "#facility-name") == "" {
		t.Fatalf("create facility: %d %q", status, text(doc, "main"))
	}
	page := "/console/facilities/" + facilityIDOf(t, s, code)
	doc, status = admin.post(page, page+"/keys", url.Values{"label": {"LIS"}})
	key := text(doc, "#new-key")
	if status != http.StatusOK || !strings.HasPrefix(key, "pcf_") {
		t.Fatalf("issue key: %d %q", status, text(doc, "main"))
	}
	return page, key
}

func facilityIDOf(t *testing.T, s *system, code string) string {
	t.Helper()
	f, err := s.app.Facilities.ByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return f.ID
}

// keyCall calls the API with a facility key.
func keyCall(t *testing.T, s *system, method, path, key string, body any) (int, map[string]any, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		r = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, s.srv.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out, raw
}

// labResult is a result for p sampled hoursAgo hours ago, as JSON.
func labResult(p map[string]string, sample, result string, hoursAgo int) map[string]any {
	at := time.Now().Add(-time.Duration(hoursAgo) * time.Hour)
	return map[string]any{"sample_id": sample, "type": "RT-PCR", "result": result,
		"sampled_at": at.Format(time.RFC3339), "result_at": at.Add(time.Hour).Format(time.RFC3339),
		"person": map[string]any{"full_name": p["full_name"], "birth_date": p["birth_date"], "sex": p["sex"],
			"id_number": p["cccd"], "phone": p["phone"]}}
}

func records(out map[string]any) []map[string]any {
	var list []map[string]any
	for _, r := range out["records"].([]any) {
		list = append(list, r.(map[string]any))
	}
	return list
}

// TestHealthResultsThroughAPI: an administrator connects a lab and gives it
// a key; the lab sends results; each lands on the right person (or waits
// for review), a resend changes nothing, bad keys and bad input are refused
// with a reason; the citizen sees the result, the card changes; a positive
// result opens home treatment, whose warning signs alert the ward's health
// station; a confirmed recovery closes the case.
func TestHealthResultsThroughAPI(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		ppl := s.peopleWithOwnPhones(t, 2)
		p := ppl[0]
		s.addOfficial(t, "admin.health", access.RoleAdmin, "VN")
		admin := s.browser(t)
		consoleLogin(t, admin, "admin.health")
		page, key := facilityWithKey(t, s, admin, "LAB_HN", "lab")

		citizen := s.browser(t)
		loginCitizen(t, s, citizen, p["phone"])
		before := statusLevel(citizen, "/")

		status, out, raw := keyCall(t, s, "POST", "/api/v1/facility/tests", key,
			map[string]any{"records": []any{labResult(p, "S-1", "negative", 2)}})
		if status != http.StatusOK || out["linked"].(float64) != 1 {
			t.Fatalf("send: %d %s", status, raw)
		}
		rec := records(out)[0]
		if rec["person_id"] != s.personID(p) || rec["status"] != "linked" {
			t.Fatalf("record %v", rec)
		}
		status, out, _ = keyCall(t, s, "POST", "/api/v1/facility/tests", key,
			map[string]any{"records": []any{labResult(p, "S-1", "negative", 2)}})
		if status != http.StatusOK || out["duplicate"].(float64) != 1 || countRows(t, s, "test_results") != 1 {
			t.Fatalf("resend: %d %v", status, out)
		}
		w, _ := citizen.get("/wallet")
		if w.Find("#tests .record").Length() != 1 || !strings.Contains(text(w, "#tests"), "Cơ sở LAB_HN") {
			t.Fatalf("wallet: %q", text(w, "main"))
		}
		if after := statusLevel(citizen, "/"); after == before {
			t.Fatalf("the card stayed %s after a negative PCR", after)
		}

		refusals(t, s, key, p)

		// The health page shows the insurance card, masked, with its validity.
		cards, err := s.app.Persons.InsuranceCards(t.Context(), access.Request{Actor: access.Actor{Kind: access.KindCitizen,
			PersonID: s.personID(p)}}, s.personID(p))
		if err != nil {
			t.Fatal(err)
		}
		hp, _ := citizen.get("/health")
		switch {
		case len(cards) == 0 && hp.Find("#no-insurance").Length() != 1:
			t.Fatalf("no card, and the page says %q", text(hp, "main"))
		case len(cards) > 0 && (text(hp, "#insurance-number") != cards[0].Masked() || strings.Contains(text(hp, "main"), cards[0].Number) ||
			text(hp, "#insurance-state") == ""):
			t.Fatalf("card %s shown as %q", cards[0].Masked(), text(hp, "#insurance-card"))
		}

		// Positive: home treatment, a daily report with SpO2 93, the alert.
		keyCall(t, s, "POST", "/api/v1/facility/tests", key, map[string]any{"records": []any{labResult(p, "S-2", "positive", 1)}})
		if lvl := statusLevel(citizen, "/"); lvl != "red" && lvl != "case" {
			t.Fatalf("card after a positive result: %s", lvl)
		}
		doc, status := citizen.post("/health", "/health/report", url.Values{"temperature": {"38,2"}, "spo2": {"93"}, "symptoms": {"cough"}})
		if status != http.StatusOK || doc.Find("#report-warning").Length() != 1 {
			t.Fatalf("report: %d %q", status, text(doc, "main"))
		}
		s.addOfficial(t, "tyt.ward", access.RoleCommuneOfficer, p["ward_code"])
		station := s.browser(t)
		consoleLogin(t, station, "tyt.ward")
		alerts, _ := station.get("/console/health/alerts")
		if alerts.Find("#alerts .alert").Length() != 1 || !strings.Contains(text(alerts, ".alert-signs"), "SpO2 dưới 95%") {
			t.Fatalf("alerts: %q", text(alerts, "main"))
		}
		treat := "/console/health/treatment/" + s.personID(p)
		doc, status = station.post(treat, treat, url.Values{"action": {"recover"},
			"at": {time.Now().In(vn.Location()).Format("2006-01-02T15:04")}})
		if status != http.StatusOK || doc.Find("#treatment-recovered").Length() != 1 {
			t.Fatalf("recovery: %d %q", status, text(doc, "main"))
		}
		// The recovery closes the case; the card shows the isolation order,
		// which quarantine releases on its own rules, and then recovered.
		if lvl := statusLevel(citizen, "/"); lvl == "case" || lvl == "red" {
			t.Fatalf("card after recovery: %s", lvl)
		}
		if at, err := s.app.Treatments.LastRecovery(t.Context(), s.personID(p), time.Now()); err != nil || at.IsZero() {
			t.Fatalf("the status card's recovery source: %v %v", at, err)
		}

		// Revoked, the key stops working at once.
		keys, _ := admin.get(page)
		keyID, _ := keys.Find("tr.key").Attr("data-key")
		admin.post(page, page+"/keys/"+keyID+"/revoke", url.Values{})
		if status, _, _ := keyCall(t, s, "POST", "/api/v1/facility/tests", key, map[string]any{"records": []any{labResult(p, "S-3", "negative", 1)}}); status != http.StatusUnauthorized {
			t.Fatalf("revoked key: %d", status)
		}
	})
}

// refusals: wrong keys, a lab sending doses, malformed and overwriting
// records are refused, each with its reason, and nothing is stored.
func refusals(t *testing.T, s *system, key string, p map[string]string) {
	t.Helper()
	n := countRows(t, s, "health_ingest")
	bad := labResult(p, "S 9", "maybe", 1)
	cases := []struct {
		name, path, key string
		body            any
		status          int
		code, field     string
	}{
		{"no key", "/api/v1/facility/tests", "", map[string]any{"records": []any{labResult(p, "S-8", "negative", 1)}}, 401, "unauthorized", ""},
		{"wrong key", "/api/v1/facility/tests", key + "x", map[string]any{"records": []any{labResult(p, "S-8", "negative", 1)}}, 401, "unauthorized", ""},
		{"doses from a lab", "/api/v1/facility/doses", key, map[string]any{"records": []any{map[string]any{"dose_id": "1"}}}, 403, "forbidden", ""},
		{"not JSON", "/api/v1/facility/tests", key, "{records:", 400, "invalid", "body"},
		{"unknown member", "/api/v1/facility/tests", key, `{"records":[],"colour":1}`, 400, "invalid", "body"},
		{"bad record", "/api/v1/facility/tests", key, map[string]any{"records": []any{bad}}, 400, "invalid", ""},
		{"overwrite", "/api/v1/facility/tests", key, map[string]any{"records": []any{labResult(p, "S-1", "positive", 2)}}, 400, "invalid", "sample_id"},
	}
	for _, c := range cases {
		status, out, raw := keyCall(t, s, "POST", c.path, c.key, c.body)
		e, _ := out["error"].(map[string]any)
		if status != c.status || e == nil || e["code"] != c.code || e["message_en"] == "" || (c.field != "" && e["field"] != c.field) {
			t.Errorf("%s: %d %s", c.name, status, raw)
		}
	}
	if m := countRows(t, s, "health_ingest"); m != n {
		t.Fatalf("refused records stored: %d → %d", n, m)
	}
}

func countRows(t *testing.T, s *system, table string) int {
	t.Helper()
	var n int
	if err := s.app.DB.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// labFile is a lab line list (FORMATS.md) with a row for each person, and
// one for someone the registry does not know.
func labFile(ppl []map[string]string) string {
	var b strings.Builder
	b.WriteString("ma_mau,ho_ten,nam_sinh,gioi_tinh,sdt,cccd,dia_chi,loai_xet_nghiem,ket_qua,ngay_lay_mau,ngay_tra_ket_qua\n")
	for i, p := range ppl {
		sex := map[string]string{"M": "Nam", "F": "Nữ"}[p["sex"]]
		fmt.Fprintf(&b, "XN%04d,%s,%s,%s,%s,%s,,RT-PCR,Âm tính,15/03/2022 09:%02d,15/03/2022 18:00\n", i+1,
			strings.ToUpper(p["full_name"]), p["birth_date"][:4], sex, p["phone"], p["cccd"], 10+i)
	}
	fmt.Fprintf(&b, "XN%04d,Kim Min Jun,1990,Nam,,,Hà Nội,RAT,Dương tính,16/03/2022 10:00,\n", len(ppl)+1)
	return b.String()
}

// upload posts a file to the console's upload form.
func (b *browser) upload(facility, format, name, content string) (*goqueryDoc, int) {
	b.t.Helper()
	doc, _ := b.get("/console/health/upload")
	tok, _ := doc.Find(`input[name="csrf"]`).First().Attr("value")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", tok)
	mw.WriteField("facility", facility)
	mw.WriteField("format", format)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+"/console/health/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.base)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return parse(b.t, resp)
}

// TestHealthUploadAndReview: a health official uploads a lab line list in
// the console; rows tie to their people, the stranger waits for review and
// is settled there; a broken file is refused whole with its line.
func TestHealthUploadAndReview(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		ppl := s.peopleWithOwnPhones(t, 3)
		s.addOfficial(t, "admin.up", access.RoleAdmin, "VN")
		s.addOfficial(t, "yte.up", access.RoleHealthOfficial, "VN")
		admin := s.browser(t)
		consoleLogin(t, admin, "admin.up")
		facilityWithKey(t, s, admin, "CDC_TEST", "lab")
		off := s.browser(t)
		consoleLogin(t, off, "yte.up")
		fid := facilityIDOf(t, s, "CDC_TEST")
		doc, status := off.upload(fid, "labtests", "CDC_TEST.csv", labFile(ppl))
		if status != http.StatusOK || !strings.Contains(text(doc, "#upload-summary"), "4 dòng: 3 gắn với người, 1 chờ đối soát, 0") {
			t.Fatalf("upload: %d %q", status, text(doc, "main"))
		}
		doc, _ = off.upload(fid, "labtests", "CDC_TEST.csv", labFile(ppl))
		if !strings.Contains(text(doc, "#upload-summary"), "4 đã có từ trước") {
			t.Fatalf("upload again: %q", text(doc, "main"))
		}
		broken := labFile(ppl[:1]) + "XN0099,Trần Văn B,1980,Nam,,,Huế,RT-PCR,chưa rõ,15/03/2022 09:00,\n"
		doc, status = off.upload(fid, "labtests", "x.csv", broken)
		if status != http.StatusBadRequest || !strings.Contains(text(doc, "#upload-problems"), "labtests/CDC_TEST.csv:4") {
			t.Fatalf("broken file: %d %q", status, text(doc, "main"))
		}
		list, _ := off.get("/console/health/reviews")
		href, ok := list.Find("a.review-open").Attr("href")
		if !ok || list.Find(".ingest-review").Length() != 1 {
			t.Fatalf("reviews: %q", text(list, "main"))
		}
		doc, status = off.post(href, href, url.Values{"decision": {"new"}})
		if status != http.StatusOK || doc.Find("#review-done").Length() != 1 {
			t.Fatalf("decide: %d %q", status, text(doc, "main"))
		}
		if n := countRows(t, s, "test_results"); n != 4 {
			t.Fatalf("%d results stored, want 4", n)
		}
		if list, _ := off.get("/console/health/reviews"); list.Find("#no-ingest-reviews").Length() != 1 {
			t.Fatal("the settled record is still listed")
		}
	})
}

type goqueryDoc = goquery.Document

// TestBrowserUploadLabFileAndWallet: a health official uploads a lab file
// in a real browser; the citizen sees the result in the wallet.
func TestBrowserUploadLabFileAndWallet(t *testing.T) {
	s := start(t, db.SQLite)
	ppl := s.peopleWithOwnPhones(t, 1)
	s.addOfficial(t, "admin.b", access.RoleAdmin, "VN")
	s.addOfficial(t, "yte.b", access.RoleHealthOfficial, "VN")
	admin := s.browser(t)
	consoleLogin(t, admin, "admin.b")
	facilityWithKey(t, s, admin, "LAB_B", "lab")
	file := writeTemp(t, "LAB_B.csv", labFile(ppl))

	ctx := newChrome(t)
	officialLogin(t, s, ctx, "yte.b")
	do(t, ctx,
		chromedp.Navigate(s.srv.URL+"/console/health/upload"),
		chromedp.WaitVisible(chromedp.CSS("#upload-form")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.Click(chromedp.CSS("#upload-send")),
		chromedp.WaitVisible(chromedp.CSS("#upload-summary")),
	)
	if got := textOf(t, ctx, "#upload-summary"); !strings.Contains(got, "1 gắn với người") {
		t.Fatalf("summary %q", got)
	}
	citizenLogin(t, s, ctx, ppl[0])
	do(t, ctx,
		chromedp.Navigate(s.srv.URL+"/wallet"),
		chromedp.WaitVisible(chromedp.CSS("#tests .record")),
	)
	if got := textOf(t, ctx, "#tests .record"); !strings.Contains(got, "Âm tính") || !strings.Contains(got, "Cơ sở LAB_B") {
		t.Fatalf("the wallet shows %q", got)
	}
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// BenchmarkHealthIngestAPI is a lab sending results through the JSON API
// to the whole server, in batches of 500: HTTP, the key, JSON, the checks,
// matching against a registry of 20,000 people, storing the results with
// the citizens' notices. results/s is the rate of results taken in.
func BenchmarkHealthIngestAPI(b *testing.B) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(engine), func(b *testing.B) {
			srv, key, people := benchServer(b, engine)
			const batch = 500
			n := 0
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				recs := make([]any, batch)
				for i := range recs {
					recs[i] = labResult(people[(n*batch+i)%len(people)], fmt.Sprintf("B%d-%d", n, i), "negative", 3)
				}
				body, _ := json.Marshal(map[string]any{"records": recs})
				n++
				b.StartTimer()
				req, _ := http.NewRequest("POST", srv+"/api/v1/facility/tests", bytes.NewReader(body))
				req.Header.Set("X-API-Key", key)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			b.ReportMetric(float64(n*batch)/b.Elapsed().Seconds(), "results/s")
		})
	}
}

// benchServer runs the platform with a registry of 20,000 people and a lab
// with a key.
func benchServer(b *testing.B, engine db.Engine) (string, string, []map[string]string) {
	b.Helper()
	ctx := context.Background()
	cfg := app.Config{DataDir: b.TempDir(), LogLevel: "error"}
	if engine == db.Postgres {
		cfg.Database = dbtest.PostgresDatabaseURL(b)
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	dir := b.TempDir()
	if _, err := synth.WriteRegistry(dir, 3, 20000); err != nil {
		b.Fatal(err)
	}
	if _, err := a.Persons.LoadExtract(ctx, dir, nil); err != nil {
		b.Fatal(err)
	}
	admin := access.Actor{Kind: access.KindOfficial, ID: "bench", Role: access.RoleAdmin, Scope: access.Country}
	f, err := a.Facilities.Create(ctx, admin, facility.New{Code: "BENCH", Name: "Bench lab", Kind: "lab"})
	if err != nil {
		b.Fatal(err)
	}
	_, key, err := a.Facilities.IssueKey(ctx, admin, f.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	srv, err := a.WebServer(web.Options{})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	b.Cleanup(hs.Close)
	return hs.URL, key, readCSVb(b, filepath.Join(dir, "people.csv"))
}

func readCSVb(b *testing.B, path string) []map[string]string {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}
