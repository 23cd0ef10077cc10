package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	_ "image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	qrenc "github.com/skip2/go-qrcode"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/app"
	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/vn"
)

// apiLogin logs a person in through the API and returns the bearer token.
func apiLogin(t *testing.T, s *system, p map[string]string) string {
	t.Helper()
	if status, _, raw := apiCall(t, s, "POST", "/api/v1/auth/otp", "", map[string]string{"phone": p["phone"]}); status != http.StatusAccepted {
		t.Fatalf("otp: %d %s", status, raw)
	}
	status, body, raw := apiCall(t, s, "POST", "/api/v1/auth/verify", "", map[string]string{"phone": p["phone"], "code": s.lastCode(t, p["phone"])})
	if status != http.StatusOK {
		t.Fatalf("verify: %d %s", status, raw)
	}
	return body["token"].(string)
}

// peopleWithOwnPhones returns n persons of the extract whose phones nobody
// else has, born before 2004 (so their card was issued after birth).
func (s *system) peopleWithOwnPhones(t *testing.T, n int) []map[string]string {
	t.Helper()
	count := map[string]int{}
	for _, p := range s.people {
		count[p["phone"]]++
	}
	var out []map[string]string
	for _, p := range s.people {
		if p["phone"] != "" && count[p["phone"]] == 1 && p["birth_date"] < "2004" && len(out) < n {
			out = append(out, p)
		}
	}
	if len(out) < n {
		t.Fatalf("only %d persons with their own phone", len(out))
	}
	return out
}

// cardQR is what the QR on p's chip-based CCCD card says.
func cardQR(p map[string]string) string {
	b := p["birth_date"] // YYYY-MM-DD
	sex := map[string]string{"M": "Nam", "F": "Nữ"}[p["sex"]]
	return strings.Join([]string{p["cccd"], p["old_id"], p["full_name"], b[8:10] + b[5:7] + b[:4], sex, p["address"], "15082021"}, "|")
}

func registerVenue(t *testing.T, s *system, token string) map[string]any {
	t.Helper()
	status, v, raw := apiCall(t, s, "POST", "/api/v1/venues", token, map[string]any{"name": "Chợ Đồng Xuân — sạp 12", "kind": "market",
		"province": "01", "district": "002", "ward": "00040", "address": "Phố Đồng Xuân", "capacity": 300})
	if status != http.StatusCreated {
		t.Fatalf("register venue: %d %s", status, raw)
	}
	return v
}

func TestCheckinOverHTTP(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		ppl := s.peopleWithOwnPhones(t, 3)
		owner, visitor, walkIn := ppl[0], ppl[1], ppl[2]
		b := s.browser(t)
		loginCitizen(t, s, b, owner["phone"])

		// Register a venue from the app: first with mistakes, each named.
		doc, status := b.post("/venues/new", "/venues", url.Values{"name": {""}, "kind": {"casino"}, "province": {"01"},
			"district": {"760"}, "ward": {""}, "address": {"x"}, "capacity": {"-3"}})
		if status != http.StatusBadRequest || doc.Find("#venue-form .field-error").Length() != 4 {
			t.Fatalf("bad venue form: %d, %d field errors: %q", status, doc.Find("#venue-form .field-error").Length(), text(doc, "#venue-form"))
		}
		if doc.Find(`#district option[value="001"]`).Length() != 1 {
			t.Fatal("the district select does not offer Hà Nội's districts")
		}
		doc, status = b.post("/venues/new", "/venues", url.Values{"name": {"Quán Bún Chả Hương Liên"}, "kind": {"restaurant"},
			"province": {"01"}, "district": {"001"}, "ward": {"00001"}, "address": {"24 Lê Văn Hưu"}, "capacity": {"60"}})
		if status != http.StatusOK || doc.Find("#registered").Length() != 1 || text(doc, "#venue-name") != "Quán Bún Chả Hương Liên" {
			t.Fatalf("registered venue page: %d %q", status, text(doc, "main"))
		}
		code := strings.ReplaceAll(text(doc, "#venue-code"), "-", "")
		src, _ := doc.Find("#poster").Attr("src")
		venueID := strings.Split(src, "/")[2]

		// The poster's QR reads back, and verifies.
		content := decodePNG(t, b.fetch(src, "image/png"))
		if got, err := s.app.Checkins.ParseVenueQR(content); err != nil || got != code {
			t.Fatalf("poster QR %q: %q %v", content, got, err)
		}
		if pdf := b.fetch("/venues/"+venueID+"/poster.pdf", "application/pdf"); !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Fatal("poster.pdf is not a PDF")
		}

		// A visitor checks in through the API with the scanned QR.
		tok := apiLogin(t, s, visitor)
		first := checkinAPI(t, s, tok, map[string]any{"id": "visit-00000001", "qr": content}, http.StatusOK)
		area := first["venue"].(map[string]any)["area"].(map[string]any)
		if first["repeat"] != "new" || area["province"] != "Thành phố Hà Nội" || area["ward"] != "Phường Phúc Xá" ||
			!regexp.MustCompile(`^\d\d:\d\d \d\d/\d\d/\d{4}$`).MatchString(first["at_local"].(string)) {
			t.Fatalf("check-in answer %v", first)
		}
		again := checkinAPI(t, s, tok, map[string]any{"id": "visit-00000001", "qr": content}, http.StatusOK)
		double := checkinAPI(t, s, tok, map[string]any{"id": "visit-00000002", "code": strings.ToLower(code)}, http.StatusOK)
		if again["repeat"] != "resent" || double["repeat"] != "double" || double["id"] != first["id"] || !strings.Contains(double["message_en"].(string), "less than a minute") {
			t.Fatalf("resend %v, double %v", again, double)
		}
		for _, bad := range []map[string]any{
			{"qr": strings.Replace(content, code, "ABCD2345", 1)},
			{"qr": alter(content)},
			{"code": "ZZZZ-ZZZZ"},
			{"code": "ABCD-234"},
		} {
			e := checkinAPI(t, s, tok, bad, http.StatusBadRequest)["error"].(map[string]any)
			if e["code"] != "invalid" || e["message_vi"] == "" || e["message_en"] == "" {
				t.Errorf("refusal of %v: %v", bad, e)
			}
		}

		// The owner's venue scans the visitor's personal QR, then a walk-in's
		// CCCD card (someone without a smartphone).
		_, pqr, _ := apiCall(t, s, "GET", "/api/v1/me/personal-qr", tok, nil)
		if strings.Contains(pqr["token"].(string), s.personID(visitor)) {
			t.Fatal("the personal QR shows the person id")
		}
		doc, status = b.post("/venues/"+venueID+"/scan", "/venues/"+venueID+"/scan", url.Values{"qr": {pqr["token"].(string)}, "id": {"scan-000000001"}})
		// The visitor checked in themselves moments ago: one check-in, said so.
		if status != http.StatusOK || !strings.Contains(text(doc, "#scan-result"), "chưa đến 1 phút") {
			t.Fatalf("personal QR scan: %d %q", status, text(doc, "main"))
		}
		ownerTok := apiLogin(t, s, owner)
		status, card, raw := apiCall(t, s, "POST", "/api/v1/venues/"+venueID+"/checkins", ownerTok, map[string]any{"id": "card-00000001", "qr": cardQR(walkIn)})
		if status != http.StatusOK || card["method"] != "cccd_card" || card["card"] != "********"+walkIn["cccd"][8:] {
			t.Fatalf("card scan: %d %s", status, raw)
		}
		broken := strings.Replace(cardQR(walkIn), "|15082021", "|1508202", 1)
		status, _, raw = apiCall(t, s, "POST", "/api/v1/venues/"+venueID+"/checkins", ownerTok, map[string]any{"qr": broken})
		if status != http.StatusBadRequest || !strings.Contains(string(raw), "card_qr.issue_date") {
			t.Fatalf("broken card: %d %s", status, raw)
		}
		// Someone else's venue: refused.
		if status, _, _ := apiCall(t, s, "POST", "/api/v1/venues/"+venueID+"/checkins", tok, map[string]any{"qr": cardQR(walkIn)}); status != http.StatusForbidden {
			t.Fatalf("scan at someone else's venue: %d", status)
		}

		// The owner checks in by typing the code in the form.
		doc, status = b.post("/checkin", "/checkin", url.Values{"code": {code[:4] + " " + code[4:]}})
		if status != http.StatusOK || text(doc, "#result-venue") != "Quán Bún Chả Hương Liên" || !strings.Contains(text(doc, "#result-area"), "Quận Ba Đình") {
			t.Fatalf("form check-in: %d %q", status, text(doc, "main"))
		}
		if n := countCheckins(t, s); n != 3 {
			t.Fatalf("%d check-ins stored, want 3", n)
		}
		list, _ := b.get("/checkin")
		if list.Find("#recent .entry").Length() != 1 {
			t.Fatalf("the owner's recent list: %q", text(list, "#recent"))
		}
	})
}

// alter changes the last character of a signed QR's text.
func alter(s string) string {
	if strings.HasSuffix(s, "7") {
		return s[:len(s)-1] + "6"
	}
	return s[:len(s)-1] + "7"
}

func checkinAPI(t *testing.T, s *system, token string, body map[string]any, want int) map[string]any {
	t.Helper()
	status, out, raw := apiCall(t, s, "POST", "/api/v1/checkins", token, body)
	if status != want {
		t.Fatalf("check-in %v: %d %s, want %d", body, status, raw, want)
	}
	return out
}

func countCheckins(t *testing.T, s *system) int {
	t.Helper()
	var n int
	if err := s.app.DB.QueryRow(context.Background(), "SELECT count(*) FROM checkins").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// fetch GETs a file and checks its type.
func (b *browser) fetch(path, mime string) []byte {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != mime {
		b.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return body
}

func decodePNG(t *testing.T, b []byte) string {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no QR code in the image: %v", err)
	}
	return res.GetText()
}

// fakeCamera writes img, letterboxed on white into w×h, as a YUV4MPEG2
// file Chromium plays as the camera (--use-file-for-fake-video-capture).
func fakeCamera(t *testing.T, img image.Image, w, h int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "camera.y4m")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	fmt.Fprintf(bw, "YUV4MPEG2 W%d H%d F5:1 Ip A1:1 C420jpeg\n", w, h)
	src := img.Bounds()
	scale := min(float64(w)/float64(src.Dx()), float64(h)/float64(src.Dy()))
	ox, oy := (float64(w)-scale*float64(src.Dx()))/2, (float64(h)-scale*float64(src.Dy()))/2
	ys, cbs, crs := make([]byte, w*h), make([]byte, w*h/4), make([]byte, w*h/4)
	for y := range h {
		for x := range w {
			sx, sy := int((float64(x)-ox)/scale), int((float64(y)-oy)/scale)
			var c color.Color = color.White
			if sx >= 0 && sy >= 0 && sx < src.Dx() && sy < src.Dy() {
				c = img.At(src.Min.X+sx, src.Min.Y+sy)
			}
			r, g, b, _ := c.RGBA()
			yy, cb, cr := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(b>>8))
			ys[y*w+x] = yy
			if x%2 == 0 && y%2 == 0 {
				cbs[(y/2)*(w/2)+x/2], crs[(y/2)*(w/2)+x/2] = cb, cr
			}
		}
	}
	for range 3 {
		bw.WriteString("FRAME\n")
		bw.Write(ys)
		bw.Write(cbs)
		bw.Write(crs)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	return path
}

func cameraFlags(file string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", file),
		chromedp.Flag("disable-background-networking", true),
	}
}

func qrImage(t *testing.T, text string) image.Image {
	t.Helper()
	q, err := qrenc.New(text, qrenc.Medium)
	if err != nil {
		t.Fatal(err)
	}
	return q.Image(480)
}

// browserLogin logs a citizen in through the pages.
func browserLogin(t *testing.T, s *system, ctx context.Context, p map[string]string) {
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
		chromedp.WaitVisible(chromedp.CSS("#checkin-link")),
	)
}

// TestBrowserCheckinByScanningPoster: a citizen points the phone at a
// venue's poster; the page decodes it in WebAssembly and checks them in.
func TestBrowserCheckinByScanningPoster(t *testing.T) {
	s := start(t, db.SQLite)
	ppl := s.peopleWithOwnPhones(t, 2)
	v := registerVenue(t, s, apiLogin(t, s, ppl[0]))
	poster := (&browser{t: t, c: http.DefaultClient, base: s.srv.URL}).fetchAuth(apiLogin(t, s, ppl[0]), "/api/v1/venues/"+v["id"].(string)+"/poster.png")
	img, _, err := image.Decode(bytes.NewReader(poster))
	if err != nil {
		t.Fatal(err)
	}
	ctx := newChrome(t, cameraFlags(fakeCamera(t, img, 640, 906))...)
	browserLogin(t, s, ctx, ppl[1])
	do(t, ctx,
		chromedp.Navigate(s.srv.URL+"/checkin"),
		chromedp.WaitVisible(chromedp.CSS("#scan-start")),
		poll(`document.querySelector("[data-scanner]").dataset.ready === "1"`),
		chromedp.Click(chromedp.CSS("#scan-start")),
		chromedp.WaitVisible(chromedp.CSS("#checkin-result")),
	)
	if got := textOf(t, ctx, "#result-venue"); got != "Chợ Đồng Xuân — sạp 12" {
		t.Fatalf("checked in at %q", got)
	}
	if got := textOf(t, ctx, "#result-area"); got != "Phường Đồng Xuân, Quận Hoàn Kiếm, Thành phố Hà Nội" {
		t.Fatalf("area %q", got)
	}
	if got := textOf(t, ctx, "#result-time"); !regexp.MustCompile(`^\d\d:\d\d \d\d/\d\d/\d{4}$`).MatchString(got) {
		t.Fatalf("time %q", got)
	}
	if n := countCheckins(t, s); n != 1 {
		t.Fatalf("%d check-ins, want 1", n)
	}
}

func (b *browser) fetchAuth(token, path string) []byte {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}

// scannerPage logs the venue's owner in and opens the venue's scanner with
// a camera that shows qr.
func scannerPage(t *testing.T, s *system, qr string) (context.Context, map[string]any, []map[string]string) {
	t.Helper()
	ppl := s.peopleWithOwnPhones(t, 2)
	v := registerVenue(t, s, apiLogin(t, s, ppl[0]))
	if qr == "" {
		qr = cardQR(ppl[1])
	}
	ctx := newChrome(t, cameraFlags(fakeCamera(t, qrImage(t, qr), 640, 480))...)
	browserLogin(t, s, ctx, ppl[0])
	do(t, ctx,
		chromedp.Navigate(s.srv.URL+"/venues/"+v["id"].(string)+"/scan"),
		chromedp.WaitVisible(chromedp.CSS("#scan-start")),
		poll(`document.querySelector("[data-scanner]").dataset.ready === "1"`),
	)
	return ctx, v, ppl
}

// TestBrowserVenueScansCCCDCard: a venue checks in someone without a
// smartphone by the QR on their CCCD card.
func TestBrowserVenueScansCCCDCard(t *testing.T) {
	s := start(t, db.SQLite)
	ctx, _, ppl := scannerPage(t, s, "")
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#scan-start")),
		chromedp.WaitVisible(chromedp.CSS("#scan-log .entry")),
	)
	if got := textOf(t, ctx, "#scan-log .entry"); !strings.Contains(got, "********"+ppl[1]["cccd"][8:]) || !strings.Contains(got, "Chợ Đồng Xuân") {
		t.Fatalf("scan log: %q", got)
	}
	var person string
	s.app.DB.QueryRow(context.Background(), "SELECT person_id FROM checkins").Scan(&person)
	if person != s.personID(ppl[1]) {
		t.Fatalf("checked in %q, want the card holder", person)
	}
}

// TestBrowserVenueScannerOffline: the network drops; the scanner keeps
// the scan on the device and sends it, once, when the network is back.
func TestBrowserVenueScannerOffline(t *testing.T) {
	s := start(t, db.SQLite)
	ctx, _, _ := scannerPage(t, s, "")
	do(t, ctx, offline(true),
		chromedp.Click(chromedp.CSS("#scan-start")),
		poll(`document.getElementById("scan-queue").textContent !== ""`),
	)
	time.Sleep(4 * time.Second) // a retry or two while offline
	if n := countCheckins(t, s); n != 0 {
		t.Fatalf("%d check-ins recorded while offline", n)
	}
	if q := textOf(t, ctx, "#scan-queue"); !strings.Contains(q, "1") {
		t.Fatalf("queue line %q", q)
	}
	do(t, ctx, offline(false),
		chromedp.WaitVisible(chromedp.CSS("#scan-log .entry")),
		poll(`localStorage.getItem("pccovid.queue." + document.querySelector("[data-scanner]").dataset.endpoint) === "[]"`),
	)
	time.Sleep(3 * time.Second) // the camera still sees the card: no second check-in
	if n := countCheckins(t, s); n != 1 {
		t.Fatalf("%d check-ins after coming back online, want 1", n)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#scan-log .entry").length`)); err != nil || n != 1 {
		t.Fatalf("%d entries in the scan log (%v), want 1", n, err)
	}
}

// offline cuts or restores the page's network, as a phone losing signal.
func offline(off bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		rule := network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: []*network.Conditions{
			{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}}}
		if _, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, rule); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	})
}

// poll waits until a JavaScript expression is true.
func poll(expr string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Poll[bool](expr)(ctx, tg)
		return chromedp.Void{}, err
	}
}

// TestCheckinKillDuringLoad starts `pccovid serve` as a process, fires
// check-ins at it from many clients, kills it with SIGKILL in the middle
// of the burst, starts it again, and checks that every check-in it
// acknowledged is there, once, and that sending them all again changes
// nothing.
func TestCheckinKillDuringLoad(t *testing.T) {
	bin := buildPccovid(t)
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			killDuringLoad(t, bin, engine)
		})
	}
}

func buildPccovid(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pccovid")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/pccovid")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build pccovid: %v\n%s", err, out)
	}
	return bin
}

// killFixture is a data directory prepared with venues and logged-in
// citizens before the server starts.
type killFixture struct {
	dir, dsn string
	codes    []string
	tokens   []string
}

func prepareKill(t *testing.T, engine db.Engine, clients, venues int) killFixture {
	t.Helper()
	ctx := context.Background()
	f := killFixture{dir: t.TempDir()}
	if engine == db.Postgres {
		f.dsn = dbtest.PostgresDatabaseURL(t)
	}
	a, err := app.Open(ctx, app.Config{DataDir: f.dir, Database: f.dsn, LogLevel: "error"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	owner := access.Actor{Kind: access.KindCitizen, ID: "kill-owner", Role: access.RoleCitizen, Scope: access.Country}
	for i := range venues {
		v, err := a.Checkins.RegisterVenue(ctx, owner, checkin.NewVenue{Name: fmt.Sprintf("Quầy %d", i), Kind: "shop",
			Province: "01", District: "001", Ward: "00001", Address: "Phố Huế", Capacity: "10"})
		if err != nil {
			t.Fatal(err)
		}
		f.codes = append(f.codes, v.Code)
	}
	for i := range clients {
		phone, _ := vn.ParsePhone(fmt.Sprintf("0912%06d", i))
		if err := a.Citizens.RequestCode(ctx, phone, fmt.Sprint("kill-", i)); err != nil {
			t.Fatal(err)
		}
		code := codeRE.FindString(a.Outbox.Recent()[0].Text)
		acct, err := a.Citizens.VerifyCode(ctx, phone, code)
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := a.Sessions.Create(ctx, access.KindCitizen, acct.ID, fmt.Sprint("kill-person-", i))
		if err != nil {
			t.Fatal(err)
		}
		f.tokens = append(f.tokens, tok)
	}
	return f
}

// serveProcess starts pccovid serve on a free port and waits for it.
func serveProcess(t *testing.T, bin string, f killFixture) (*exec.Cmd, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data", f.dir, "--log-level", "error")
	cmd.Env = append(os.Environ(), "PCCOVID_DATABASE="+f.dsn)
	cmd.Stderr = testWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for range 200 {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd, "http://" + addr
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("pccovid serve did not start")
	return nil, ""
}

type ack struct {
	req map[string]any
	id  string // the check-in the answer names
	tok string
}

func killDuringLoad(t *testing.T, bin string, engine db.Engine) {
	const clients, venues = 32, 400
	f := prepareKill(t, engine, clients, venues)
	cmd, base := serveProcess(t, bin, f)
	acks := make(chan ack, 100000)
	var sent atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Timeout: 10 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				// Client c visits venue i: never the same one twice, so every
				// acknowledged check-in is a new row.
				req := map[string]any{"id": fmt.Sprintf("kill-%02d-%06d", c, i), "code": f.codes[i%venues]}
				sent.Add(1)
				status, body, err := postJSON(hc, base+"/api/v1/checkins", f.tokens[c], req)
				if err != nil || status != http.StatusOK {
					return // the server is gone
				}
				acks <- ack{req: req, id: body["id"].(string), tok: f.tokens[c]}
				if i+1 == venues {
					return
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()
	close(acks)
	var acked []ack
	for a := range acks {
		acked = append(acked, a)
	}
	if len(acked) < 100 {
		t.Fatalf("only %d check-ins acknowledged before the kill: the burst was too small to mean anything", len(acked))
	}
	t.Logf("%d check-ins sent, %d acknowledged before SIGKILL", sent.Load(), len(acked))

	// Restart: every acknowledged check-in is there, and a resend of each
	// (as a phone would after a lost answer) changes nothing.
	_, base = serveProcess(t, bin, f)
	hc := &http.Client{Timeout: 10 * time.Second}
	for _, a := range acked {
		status, body, err := postJSON(hc, base+"/api/v1/checkins", a.tok, a.req)
		if err != nil || status != http.StatusOK || body["repeat"] != "resent" || body["id"] != a.id {
			t.Fatalf("resend of acknowledged %v after restart: %d %v %v", a.req, status, body, err)
		}
	}
	rows, dup := countKill(t, f)
	if dup != 0 {
		t.Fatalf("%d duplicated check-ins", dup)
	}
	inFlight := int(sent.Load()) - len(acked)
	if rows < len(acked) || rows > len(acked)+inFlight {
		t.Fatalf("%d rows after restart for %d acknowledged and %d in flight", rows, len(acked), inFlight)
	}
}

func postJSON(hc *http.Client, url, token string, v any) (int, map[string]any, error) {
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	err = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, err
}

// countKill reads the rows, and the ids stored more than once, from the
// database the server left.
func countKill(t *testing.T, f killFixture) (rows, dup int) {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, f.dsn, f.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.QueryRow(ctx, "SELECT count(*) FROM checkins").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if err := d.QueryRow(ctx, "SELECT count(*) FROM (SELECT id FROM checkins GROUP BY id HAVING count(*) > 1) d").Scan(&dup); err != nil {
		t.Fatal(err)
	}
	return rows, dup
}

// TestCheckinFastPathSessions: the check-in path caches sessions, but a
// log-out is seen at once; cookie callers need the CSRF token, and the
// answers carry the same security headers as every page.
func TestCheckinFastPathSessions(t *testing.T) {
	s := start(t, db.SQLite)
	ppl := s.peopleWithOwnPhones(t, 2)
	v := registerVenue(t, s, apiLogin(t, s, ppl[0]))
	code := strings.ReplaceAll(v["code"].(string), "-", "")
	tok := apiLogin(t, s, ppl[1])
	checkinAPI(t, s, tok, map[string]any{"code": code}, http.StatusOK)
	if status, _, _ := apiCall(t, s, "POST", "/api/v1/auth/logout", tok, nil); status != http.StatusNoContent {
		t.Fatalf("logout: %d", status)
	}
	checkinAPI(t, s, tok, map[string]any{"code": code}, http.StatusUnauthorized)

	// A browser's session: the cookie alone is not enough.
	b := s.browser(t)
	loginCitizen(t, s, b, ppl[1]["phone"])
	page, _ := b.get("/checkin")
	csrf, _ := page.Find("[data-scanner]").Attr("data-csrf")
	for _, tc := range []struct {
		csrf string
		want int
	}{{"", http.StatusBadRequest}, {csrf, http.StatusOK}} {
		req, _ := http.NewRequest("POST", s.srv.URL+"/api/v1/checkins", strings.NewReader(`{"code":"`+code+`","id":"cookie-0000001"}`))
		req.Header.Set("Content-Type", "application/json")
		if tc.csrf != "" {
			req.Header.Set("X-CSRF-Token", tc.csrf)
		}
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") || resp.Header.Get("X-Request-ID") == "" {
			t.Fatalf("cookie check-in with csrf %q: %d, headers %v", tc.csrf, resp.StatusCode, resp.Header)
		}
	}
	// Logging out of the page drops the cached session too: the old
	// cookie, replayed, no longer checks anyone in.
	u, _ := url.Parse(s.srv.URL)
	var session string
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "pccovid_session" {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatal("no session cookie")
	}
	b.post("/checkin", "/logout", url.Values{})
	req, _ := http.NewRequest("POST", s.srv.URL+"/api/v1/checkins", strings.NewReader(`{"code":"`+code+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	req.Header.Set("Cookie", "pccovid_session="+session+"; pccovid_csrf="+csrf)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("check-in after logging out: %d", resp.StatusCode)
	}
}

// TestCheckinPagesRender walks the pages the other tests do not: the
// personal QR (shown, hidden, shown again), the page a phone's camera app
// opens from a poster, the venue list, and the console's venue section
// for an official venue operator.
func TestCheckinPagesRender(t *testing.T) {
	s := start(t, db.SQLite)
	ppl := s.peopleWithOwnPhones(t, 2)
	b := s.browser(t)
	loginCitizen(t, s, b, ppl[0]["phone"])
	qr, _ := b.get("/checkin/qr")
	if qr.Find("#personal-qr").Length() != 1 || qr.Find("#qr-hide").Length() != 1 {
		t.Fatalf("personal QR page: %q", text(qr, "main"))
	}
	if png := b.fetch("/checkin/qr.png", "image/png"); !strings.HasPrefix(decodePNG(t, png), "PCP1.") {
		t.Fatal("the personal QR image is not a personal QR code")
	}
	hidden, _ := b.post("/checkin/qr", "/checkin/qr", url.Values{"hide": {"1"}})
	if hidden.Find("#qr-hidden").Length() != 1 || hidden.Find("#personal-qr").Length() != 0 {
		t.Fatalf("hidden QR page: %q", text(hidden, "main"))
	}
	shown, _ := b.post("/checkin/qr", "/checkin/qr", url.Values{"hide": {"0"}})
	if shown.Find("#personal-qr").Length() != 1 {
		t.Fatalf("shown again: %q", text(shown, "main"))
	}

	v := registerVenue(t, s, apiLogin(t, s, ppl[0]))
	payload := v["qr"].(string)[strings.LastIndex(v["qr"].(string), "/")+1:]
	confirm, status := b.get("/c/" + payload)
	if status != http.StatusOK || text(confirm, "#confirm-venue") != "Chợ Đồng Xuân — sạp 12" {
		t.Fatalf("confirm page: %d %q", status, text(confirm, "main"))
	}
	if _, status := b.get("/c/" + payload[:len(payload)-1] + "A"); status != http.StatusBadRequest {
		t.Fatalf("forged link: %d", status)
	}
	list, _ := b.get("/venues")
	if list.Find("#venues .entry").Length() != 1 {
		t.Fatalf("venue list: %q", text(list, "main"))
	}

	s.addOfficial(t, "diadiem.test", access.RoleVenueOperator, "01")
	off := s.browser(t)
	off.post("/console/login", "/console/login", url.Values{"username": {"diadiem.test"}, "password": {officialPassword}})
	home, _ := off.get("/console")
	if home.Find("#venues-tile").Length() != 1 {
		t.Fatalf("console home of a venue operator: %q", text(home, "main"))
	}
	doc, status := off.post("/console/venues/new", "/console/venues", url.Values{"name": {"Trường Tiểu học Điện Biên"}, "kind": {"school"},
		"province": {"01"}, "district": {"001"}, "ward": {"00001"}, "address": {"1 Điện Biên Phủ"}, "capacity": {"800"}})
	if status != http.StatusOK || text(doc, "#venue-name") != "Trường Tiểu học Điện Biên" || doc.Find(".console").Length() == 0 && doc.Find("body.console").Length() == 0 {
		t.Fatalf("console venue: %d %q", status, text(doc, "main"))
	}
	scan, _ := off.get(strings.TrimPrefix(attr(doc, "#scan-link", "href"), s.srv.URL))
	if api, _ := scan.Find("[data-scanner]").Attr("data-endpoint"); !strings.HasPrefix(api, "/api/v1/console/venues/") {
		t.Fatalf("console scanner posts to %q", api)
	}
	// Outside the operator's province: refused, field named.
	doc, status = off.post("/console/venues/new", "/console/venues", url.Values{"name": {"Chợ Bến Thành"}, "kind": {"market"},
		"province": {"79"}, "district": {"760"}, "ward": {"26734"}, "address": {"Lê Lợi"}, "capacity": {"800"}})
	if status != http.StatusBadRequest || doc.Find("#venue-form .field-error").Length() != 1 {
		t.Fatalf("venue outside the area: %d %q", status, text(doc, "#venue-form"))
	}
}

func attr(doc *goquery.Document, sel, name string) string {
	v, _ := doc.Find(sel).First().Attr(name)
	return v
}
