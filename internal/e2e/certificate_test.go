package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	_ "image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/app"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/vn"
)

// decodeCertQR reads the QR code of a certificate's PNG as a pure barcode:
// the image is the code itself, on its quiet zone.
func decodeCertQR(t *testing.T, b []byte) string {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatalf("no QR code in the image: %v", err)
	}
	return res.GetText()
}

// certified sets up the DCC keys and a lab-and-vaccination site, sends
// p's two doses, and returns the site's key.
func certified(t *testing.T, s *system, p map[string]string) string {
	t.Helper()
	if _, err := s.app.Certificates.Keys().Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.addOfficial(t, "admin.cert", access.RoleAdmin, "VN")
	admin := s.browser(t)
	consoleLogin(t, admin, "admin.cert")
	_, key := facilityWithKey(t, s, admin, "BV_CERT", "both")
	person := map[string]any{"full_name": p["full_name"], "birth_date": p["birth_date"], "id_number": p["cccd"], "phone": p["phone"]}
	status, _, raw := keyCall(t, s, "POST", "/api/v1/facility/doses", key, map[string]any{"records": []any{
		map[string]any{"dose_id": "V1", "person": person, "dose_number": 1, "vaccine": "Pfizer", "date": "2021-09-01", "lot": "FF1"},
		map[string]any{"dose_id": "V2", "person": person, "dose_number": 2, "vaccine": "Pfizer", "date": "2021-10-01", "lot": "FF2"}}})
	if status != http.StatusOK {
		t.Fatalf("doses: %d %s", status, raw)
	}
	return key
}

// issueFirst asks for the certificate of the first option on the health
// page and returns the certificate page's path.
func issueFirst(t *testing.T, citizen *browser, typ string) string {
	t.Helper()
	doc, _ := citizen.get("/health")
	form := doc.Find(`.cert-option[data-type="` + typ + `"] form`).First()
	record, _ := form.Find(`input[name="record"]`).Attr("value")
	if record == "" {
		t.Fatalf("no %s option: %q", typ, text(doc, "main"))
	}
	citizen.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	defer func() { citizen.c.CheckRedirect = nil }()
	tok, _ := doc.Find(`input[name="csrf"]`).First().Attr("value")
	req, _ := http.NewRequest("POST", citizen.base+"/certificates", strings.NewReader(url.Values{"csrf": {tok}, "type": {typ}, "record": {record}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", citizen.base)
	resp, err := citizen.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/certificates/") {
		t.Fatalf("issue: %d %q", resp.StatusCode, loc)
	}
	return loc
}

// cliVerify runs `pccovid dcc verify --json` on qr with the signer list
// the server publishes, and returns its answer.
func cliVerify(t *testing.T, s *system, qr string) map[string]any {
	t.Helper()
	list := (&browser{t: t, c: http.DefaultClient, base: s.srv.URL}).fetch("/api/v1/dcc/signers", "application/json; charset=utf-8")
	file := writeTemp(t, "signers.json", string(list))
	var out, errOut bytes.Buffer
	app.Run(context.Background(), []string{"dcc", "verify", "--signers", file, "--json", qr}, &out, &errOut)
	var a map[string]any
	if err := json.Unmarshal(out.Bytes(), &a); err != nil {
		t.Fatalf("dcc verify printed %q (%s)", out.String(), errOut.String())
	}
	return a
}

// TestCertificates: a citizen with two doses gets the vaccination
// certificate, sees its QR code and downloads the PDF; the API and `pccovid
// dcc verify` (with the published signer list) give the same answer for it
// and for texts that are not certificates; a confirmed recovery gives a
// recovery certificate.
func TestCertificates(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		ppl := s.peopleWithOwnPhones(t, 2)
		p, q := ppl[0], ppl[1]
		key := certified(t, s, p)
		citizen := s.browser(t)
		loginCitizen(t, s, citizen, p["phone"])
		page := issueFirst(t, citizen, "v")
		doc, _ := citizen.get(page)
		if doc.Find("#cert-qr").Length() != 1 || !strings.Contains(text(doc, "#cert-entry"), "dose 2/2") ||
			!strings.HasPrefix(text(doc, "#cert-uvci"), "URN:UVCI:01:VN:") {
			t.Fatalf("certificate page: %q", text(doc, "main"))
		}
		qr := decodeCertQR(t, citizen.fetch(page+"/qr.png", "image/png"))
		if !strings.HasPrefix(qr, "HC1:") {
			t.Fatalf("QR text %.20q", qr)
		}
		if pdf := citizen.fetch(page+"/pdf", "application/pdf"); !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatal("not a PDF")
		}
		if doc, _ := citizen.get("/health"); attr(doc, `.cert-option[data-type="v"] .cert-show`, "href") != page {
			t.Fatalf("the health page does not show the certificate issued: %q", text(doc, "#cert-options"))
		}
		other := s.browser(t)
		loginCitizen(t, s, other, q["phone"])
		if doc, status := other.get(page); status != http.StatusForbidden || doc.Find("#cert-qr").Length() != 0 {
			t.Fatalf("someone else sees the certificate: %d", status)
		}

		for _, text := range []string{qr, qr[:len(qr)-6] + "ABCDEF", "HC1:", "PCD1:xyz", "https://example.com/"} {
			status, api, raw := apiCall(t, s, "POST", "/api/v1/dcc/verify", "", map[string]string{"qr": text})
			cli := cliVerify(t, s, text)
			if status != http.StatusOK || api["valid"] != cli["valid"] || api["code"] != cli["code"] || api["message_vi"] == "" {
				t.Errorf("%.24q: API %s, CLI %v", text, raw, cli)
			}
			if (text == qr) != (api["valid"] == true) {
				t.Errorf("%.24q: valid %v", text, api["valid"])
			}
		}

		// A positive test three weeks ago, a confirmed recovery.
		res := labResult(p, "R-1", "positive", 21*24)
		status, _, raw := keyCall(t, s, "POST", "/api/v1/facility/tests", key, map[string]any{"records": []any{res}})
		if status != http.StatusOK {
			t.Fatalf("positive: %d %s", status, raw)
		}
		s.addOfficial(t, "yte.cert", access.RoleHealthOfficial, "VN")
		off := s.browser(t)
		consoleLogin(t, off, "yte.cert")
		treat := "/console/health/treatment/" + s.personID(p)
		off.post(treat, treat, url.Values{"action": {"recover"}, "at": {time.Now().In(vn.Location()).Format("2006-01-02T15:04")}})
		rec := issueFirst(t, citizen, "r")
		doc, _ = citizen.get(rec)
		if !strings.Contains(text(doc, "#cert-entry"), "recovery") {
			t.Fatalf("recovery certificate: %q", text(doc, "main"))
		}
	})
}

// TestCertificateCommands: `pccovid dcc check` runs EU test files;
// `pccovid keys dcc init` refuses to run twice.
func TestCertificateCommands(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := app.Run(context.Background(), []string{"dcc", "check", "../certificate/testdata/dcc/AT/2DCode/raw/1.json",
		"../certificate/testdata/dcc/common/2DCode/raw/CO5.json"}, &out, &errOut); err != nil {
		t.Fatalf("dcc check: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "EXPECTEDVERIFY expected=true got=true") {
		t.Fatalf("dcc check printed %s", out.String())
	}
	dir := t.TempDir()
	args := []string{"keys", "dcc", "init", "--data", dir}
	if err := app.Run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("keys dcc init: %v", err)
	}
	if err := app.Run(context.Background(), args, &out, &errOut); err == nil {
		t.Fatal("keys dcc init ran twice")
	}
	out.Reset()
	if err := app.Run(context.Background(), []string{"keys", "dcc", "rotate", "--data", dir}, &out, &errOut); err != nil ||
		strings.Count(out.String(), "dsc ") != 2 || !strings.Contains(out.String(), "retired") {
		t.Fatalf("rotate: %v\n%s", err, out.String())
	}
}

// TestBrowserCertificateVerifier: the citizen shows the certificate; a
// checkpoint points the verifier page's camera at it and sees it valid;
// then the network goes, the page is opened again and still verifies.
func TestBrowserCertificateVerifier(t *testing.T) {
	s := start(t, db.SQLite)
	p := s.peopleWithOwnPhones(t, 1)[0]
	certified(t, s, p)
	ctx := newChrome(t)
	citizenLogin(t, s, ctx, p)
	do(t, ctx,
		chromedp.Navigate(s.srv.URL+"/health"),
		chromedp.WaitVisible(chromedp.CSS(`.cert-option[data-type="v"] .cert-issue`)),
		chromedp.Click(chromedp.CSS(`.cert-option[data-type="v"] .cert-issue`)),
		chromedp.WaitVisible(chromedp.CSS("#cert-qr")),
		// The QR code is shown big: a whole screen's width of crisp modules.
		poll(`document.getElementById("cert-qr").naturalWidth >= 600 && document.getElementById("cert-qr").width >= 300`),
	)
	citizen := s.browser(t)
	loginCitizen(t, s, citizen, p["phone"])
	doc, _ := citizen.get("/health")
	href, _ := doc.Find(".cert-show").Attr("href")
	png := citizen.fetch(href+"/qr.png", "image/png")
	qr := decodeCertQR(t, png)

	checker := newChrome(t, cameraFlags(fakeCamera(t, qrImage(t, qr), 640, 480))...)
	do(t, checker,
		chromedp.Navigate(s.srv.URL+"/verifier/"),
		poll(`document.getElementById("verifier").dataset.ready === "1"`),
		// The service worker has kept the page and its files.
		poll(`(navigator.serviceWorker.ready.then(() => { window.swReady = true; }), window.swReady === true)`),
		chromedp.Click(chromedp.CSS("#scan-start")),
		chromedp.WaitVisible(chromedp.CSS("#result")),
	)
	if v := textOf(t, checker, "#result-verdict"); v != "HỢP LỆ" {
		t.Fatalf("verdict %q: %q", v, textOf(t, checker, "#result"))
	}
	if name := textOf(t, checker, "#result-name"); name != p["full_name"] {
		t.Fatalf("name %q, want %q", name, p["full_name"])
	}

	// Offline: the server is gone; the page, its code and the signer list
	// come from the service worker's copy.
	s.srv.Close()
	do(t, checker,
		chromedp.Reload(),
		poll(`document.getElementById("verifier").dataset.ready === "1"`),
		chromedp.SetValue(chromedp.CSS("#qr-text"), qr),
		chromedp.Click(chromedp.CSS("#verify-submit")),
		chromedp.WaitVisible(chromedp.CSS("#result")),
	)
	if v := textOf(t, checker, "#result-verdict"); v != "HỢP LỆ" {
		t.Fatalf("offline verdict %q", v)
	}
	do(t, checker,
		chromedp.SetValue(chromedp.CSS("#qr-text"), "PCD1:not a certificate"),
		chromedp.Click(chromedp.CSS("#verify-submit")),
		poll(`document.getElementById("result").dataset.code === "bad_prefix"`),
	)
	if v := textOf(t, checker, "#result-verdict"); v != "KHÔNG HỢP LỆ" {
		t.Fatalf("verdict on a text that is not a certificate: %q", v)
	}
}
