package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/app"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/exposure"
	"github.com/pccovid/pccovid/internal/exposure/client"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
	"github.com/pccovid/pccovid/internal/exposure/sim"
	"github.com/pccovid/pccovid/internal/web"
)

// exposureSystem is the platform with its exposure service on a clock the
// test moves: exports wait a minute behind uploads, certificates expire.
type exposureSystem struct {
	app   *app.App
	srv   *httptest.Server
	clock *clock.Fake
	cfg   exposure.Config
}

const exposureOfficial = "yte.exposure"

func startExposure(t testing.TB, engine db.Engine, cfg exposure.Config) *exposureSystem {
	t.Helper()
	ac := app.Config{DataDir: t.TempDir(), LogLevel: "error"}
	if engine == db.Postgres {
		ac.Database = dbtest.PostgresDatabaseURL(t)
	}
	a, err := app.Open(context.Background(), ac, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	// Mid-morning UTC today: the tests reason about "today's key" and the
	// export delay of a few hours, which must not carry the clock over
	// midnight (a run started at 23:00 UTC did).
	start := time.Now().UTC().Truncate(24 * time.Hour).Add(4 * time.Hour)
	s := &exposureSystem{app: a, clock: clock.NewFake(start), cfg: cfg}
	a.Exposure = exposure.New(a.DB, a.Sealer, a.Guard, s.clock, exposure.SMSDelivery{SMS: a.Outbox}, cfg)
	for _, o := range []struct {
		name string
		role access.Role
	}{{exposureOfficial, access.RoleHealthOfficial}, {"phuong.exposure", access.RoleCommuneOfficer}} {
		if _, err := a.Officials.Create(context.Background(), access.NewOfficial{Username: o.name, Name: "Cán bộ",
			Password: officialPassword, Role: o.role, Scope: access.Country}); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := a.WebServer(web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(s.srv.Close)
	return s
}

// settle moves the clock to when what was uploaded so far may be exported.
func (s *exposureSystem) settle() { s.clock.Set(s.cfg.Exportable(s.clock.Now()).Add(time.Second)) }

func eachExposure(t *testing.T, fn func(t *testing.T, s *exposureSystem)) {
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			fn(t, startExposure(t, e, exposure.DefaultConfig()))
		})
	}
}

// exposurePhone is a phone that has had keys for the last days days.
func exposurePhone(t *testing.T, now time.Time, days int) *client.Phone {
	t.Helper()
	p := client.NewPhone()
	for d := days; d >= 0; d-- {
		if _, err := p.Broadcast(now.AddDate(0, 0, -d)); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func (s *exposureSystem) console(t *testing.T, srv *client.Server) *client.Console {
	t.Helper()
	c, err := srv.LoginOfficial(context.Background(), exposureOfficial, officialPassword)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *exposureSystem) keyCount(t *testing.T) int {
	t.Helper()
	var n int
	if err := s.app.DB.QueryRow(context.Background(), "SELECT count(*) FROM exposure_keys").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantExposureRefusal checks an HTTP refusal's status, protocol code and rule.
func wantExposureRefusal(t *testing.T, err error, status int, code, rule string) {
	t.Helper()
	e, ok := client.AsError(err)
	if !ok || e.Status != status || e.Code != code || e.Rule() != rule || e.Message == "" {
		t.Fatalf("got %v, want %d %s %s", err, status, code, rule)
	}
}

func TestExposureProtocolOverHTTP(t *testing.T) {
	eachExposure(t, func(t *testing.T, s *exposureSystem) {
		ctx := context.Background()
		now := s.clock.Now()
		srv := client.NewServer(s.srv.URL, nil) // the reference paths, as GAEN apps use them
		console := s.console(t, srv)
		code, err := console.IssueCode(ctx, client.CodeRequest{Ref: "case 7", TestType: "confirmed",
			SymptomDate: now.AddDate(0, 0, -2).Format("2006-01-02")})
		if err != nil || len(code.ShortCode) != 8 || code.Delivery != "official" {
			t.Fatalf("issue: %+v %v", code, err)
		}

		// Code → token → certificate → upload, each used once.
		sick, friend := exposurePhone(t, now, 5), client.NewPhone()
		met := now.AddDate(0, 0, -2)
		id, _ := sick.Broadcast(met)
		friend.Observe(id, met.Add(3*time.Minute), -62)
		v, err := srv.Verify(ctx, code.ShortCode)
		if err != nil || v.TestType != "confirmed" || v.Token == "" {
			t.Fatalf("verify: %+v %v", v, err)
		}
		_, err = srv.Verify(ctx, code.LongCode)
		wantExposureRefusal(t, err, 400, gaen.ErrCodeVerifyCodeInvalid, exposure.RuleCodeUsed)
		keys := sick.Keys(now)
		secret := []byte("a secret only the phone knows!!!")
		cert, err := srv.Certificate(ctx, v.Token, gaen.KeysHMAC(secret, keys))
		if err != nil {
			t.Fatalf("certificate: %v", err)
		}
		_, err = srv.Certificate(ctx, v.Token, gaen.KeysHMAC(secret, keys))
		wantExposureRefusal(t, err, 400, gaen.ErrCodeTokenInvalid, exposure.RuleTokenUsed)
		upload := gaen.Publish{Keys: keys, HealthAuthorityID: "vn.gov.pccovid", VerificationPayload: cert,
			HMACKey: exposureB64(secret)}
		resp, err := srv.Publish(ctx, upload)
		if err != nil || resp.InsertedExposures != 6 {
			t.Fatalf("publish: %+v %v", resp, err)
		}
		_, err = srv.Publish(ctx, upload)
		wantExposureRefusal(t, err, 401, gaen.PublishErrCertificateInvalid, exposure.RuleCertificateUsed)

		// The same under /api/v1/exposure/, and a rule broken over HTTP.
		v1 := client.NewServer(s.srv.URL, nil)
		v1.Paths = client.V1Paths("VN")
		code2, _ := console.IssueCode(ctx, client.CodeRequest{Ref: "case 8", TestType: "likely"})
		other := exposurePhone(t, now, 3)
		bad := other.Keys(now)
		bad[0].IntervalCount = 0
		v2, err := v1.Verify(ctx, code2.LongCode)
		if err != nil || v2.TestType != "likely" {
			t.Fatalf("verify under /api/v1: %+v %v", v2, err)
		}
		cert2, _ := v1.Certificate(ctx, v2.Token, gaen.KeysHMAC(secret, bad))
		_, err = v1.Publish(ctx, gaen.Publish{Keys: bad, HealthAuthorityID: "vn.gov.pccovid", VerificationPayload: cert2, HMACKey: exposureB64(secret)})
		wantExposureRefusal(t, err, 400, gaen.PublishErrBadRequest, exposure.RuleRollingPeriod)
		if n := s.keyCount(t); n != 6 {
			t.Fatalf("%d keys stored after a refused upload, want 6", n)
		}

		// Exports: nothing until the delay has passed, then the keys whose
		// validity ended; today's key is held back.
		s.settle()
		cut, err := console.CutExport(ctx)
		if err != nil || cut.Keys != 5 || len(cut.Files) != 1 {
			t.Fatalf("cut: %+v %v", cut, err)
		}
		checkExposureExports(t, s, keys)
		exposures, err := friend.CheckExposures(ctx, srv)
		if err != nil || len(exposures) != 1 || exposures[0].Interval != gaen.IntervalNumber(met) || exposures[0].Metadata[0] != 0x40 {
			t.Fatalf("the friend's phone found %+v, %v", exposures, err)
		}
		if again, _ := friend.CheckExposures(ctx, srv); len(again) != 0 {
			t.Fatal("a phone matched the same file twice")
		}
	})
}

func exposureB64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// checkExposureExports fetches index.txt and the files as a plain HTTP client
// would and checks the signature with the published PEM key and the
// standard library alone (gaen.VerifyExport: SHA-256 and ecdsa.VerifyASN1).
func checkExposureExports(t *testing.T, s *exposureSystem, published []gaen.Key) {
	t.Helper()
	index, ctype := exposureGet(t, s.srv.URL+"/exposure/exposureKeyExport-VN/index.txt")
	names := strings.Fields(string(index))
	if len(names) != 1 || !strings.HasPrefix(ctype, "text/plain") || !regexp.MustCompile(`^exposureKeyExport-VN/\d+-\d+-00001\.zip$`).MatchString(names[0]) {
		t.Fatalf("index.txt (%s): %q", ctype, index)
	}
	data, ctype := exposureGet(t, s.srv.URL+"/exposure/"+names[0])
	if ctype != "application/zip" {
		t.Fatalf("export served as %s", ctype)
	}
	pub := exposureExportKey(t, s)
	if err := gaen.VerifyExport(data, pub); err != nil {
		t.Fatalf("signature: %v", err)
	}
	b, err := gaen.ReadExport(data)
	if err != nil {
		t.Fatal(err)
	}
	if b.Region != "VN" || len(b.Keys) != s.cfg.MinKeysPerBatch {
		t.Fatalf("export: region %q, %d keys (padded to %d)", b.Region, len(b.Keys), s.cfg.MinKeysPerBatch)
	}
	for _, k := range published[:len(published)-1] {
		if !exposureHasKey(b.Keys, k) {
			t.Fatal("a published key is missing from the export")
		}
	}
	if exposureHasKey(b.Keys, published[len(published)-1]) {
		t.Fatal("today's key was exported while still valid")
	}
	if resp, err := http.Get(s.srv.URL + "/exposure/exposureKeyExport-VN/0-0-00001.zip"); err != nil || resp.StatusCode != 404 {
		t.Fatalf("unknown export: %v %v", resp, err)
	}
}

func exposureHasKey(keys []gaen.Key, k gaen.Key) bool {
	for _, o := range keys {
		if string(o.Data) == string(k.Data) {
			return true
		}
	}
	return false
}

func exposureGet(t *testing.T, u string) ([]byte, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return b, resp.Header.Get("Content-Type")
}

// exposureExportKey reads the export key from /api/v1/exposure/keys, in PEM.
func exposureExportKey(t *testing.T, s *exposureSystem) *ecdsa.PublicKey {
	t.Helper()
	raw, _ := exposureGet(t, s.srv.URL+"/api/v1/exposure/keys")
	var body struct {
		Keys []struct {
			Usage, Version, Kty, Crv, X, Y string
			PEM                            string `json:"public_key_pem"`
			KeyID                          string `json:"verification_key_id"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	for _, k := range body.Keys {
		if k.Usage != "export" || k.Version != "v1" {
			continue
		}
		if k.Kty != "EC" || k.Crv != "P-256" || k.X == "" || k.KeyID != "452" {
			t.Fatalf("export key %+v", k)
		}
		block, _ := pem.Decode([]byte(k.PEM))
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return pub.(*ecdsa.PublicKey)
	}
	t.Fatalf("no export key in %s", raw)
	return nil
}

func TestExposureSimulator(t *testing.T) {
	eachExposure(t, func(t *testing.T, s *exposureSystem) {
		// Half an hour before midnight UTC: the export delay carries the
		// server past midnight, when today's keys become due.
		s.clock.Set(s.clock.Now().Truncate(24 * time.Hour).Add(23*time.Hour + 30*time.Minute))
		rep, err := sim.Run(context.Background(), sim.Config{Server: client.NewServer(s.srv.URL, nil),
			Official: exposureOfficial, Password: officialPassword, Phones: 24, Days: 6, Cases: 4, ContactsPerDay: 3,
			Seed: 7, Now: s.clock.Now(), Settle: s.settle, ServerNow: s.clock.Now, Wait: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || rep.Expected == 0 || rep.Found != rep.Expected || rep.Decoys == 0 || rep.ExportedKeys < rep.KeysShared-4 {
			t.Fatalf("simulation: %v", rep)
		}
		t.Log(rep)
	})
}

func TestExposureOpenAPI(t *testing.T) {
	s := startExposure(t, db.SQLite, exposure.DefaultConfig())
	raw, _ := exposureGet(t, s.srv.URL+"/api/v1/openapi.json")
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	json.Unmarshal(raw, &doc)
	for path, method := range map[string]string{"/api/v1/exposure/verify": "post", "/api/v1/exposure/certificate": "post",
		"/api/v1/exposure/publish": "post", "/api/v1/exposure/codes": "post", "/api/v1/exposure/keys": "get",
		"/api/v1/exposure/exports": "get"} {
		if doc.Paths[path][method] == nil {
			t.Errorf("OpenAPI lacks %s %s", method, path)
		}
	}
	publish := toJSON(doc.Paths["/api/v1/exposure/publish"])
	if !strings.Contains(publish, "temporaryExposureKeys") || !strings.Contains(publish, `"rule"`) || !strings.Contains(publish, "insertedExposures") {
		t.Errorf("the publish schemas lack members: %s", publish)
	}
}

func TestExposureConsolePage(t *testing.T) {
	eachExposure(t, func(t *testing.T, s *exposureSystem) {
		b := &browser{t: t, c: exposureJar(), base: s.srv.URL}
		b.post("/console/login", "/console/login", url.Values{"username": {exposureOfficial}, "password": {officialPassword}})
		home, _ := b.get("/console")
		if home.Find("#exposure-tile").Length() != 1 {
			t.Fatalf("no exposure tile on the health official's console: %q", text(home, "main"))
		}
		doc, status := b.post("/console/exposure/codes", "/console/exposure/codes", url.Values{"test_type": {"confirmed"}})
		if status != 400 || doc.Find("#short-code").Length() != 0 || text(doc, ".field-error") == "" {
			t.Fatalf("issue without a case: %d %q", status, text(doc, "main"))
		}
		doc, status = b.post("/console/exposure/codes", "/console/exposure/codes", url.Values{"ref": {"case 12"},
			"test_type": {"confirmed"}, "symptom_date": {s.clock.Now().AddDate(0, 0, -1).Format("2006-01-02")}})
		short := text(doc, "#short-code")
		if status != 200 || !regexp.MustCompile(`^\d{8}$`).MatchString(short) || doc.Find("#read-out").Length() != 1 ||
			text(doc, "#recent-codes .code-row .state") != "Chưa dùng" {
			t.Fatalf("issued: %d %q", status, text(doc, "main"))
		}
		if strings.Contains(doc.Find("main").Text(), "exposure.") {
			t.Fatalf("untranslated message keys: %q", text(doc, "main"))
		}
		if _, err := client.NewServer(s.srv.URL, nil).Verify(context.Background(), short); err != nil {
			t.Fatal(err)
		}
		doc, _ = b.get("/console/exposure/codes")
		if got := text(doc, "#recent-codes .code-row .state"); got != "Đã dùng" || doc.Find("#short-code").Length() != 0 {
			t.Fatalf("after use the list shows %q", got)
		}
		// A commune officer may not issue codes, and the attempt is recorded.
		c := &browser{t: t, c: exposureJar(), base: s.srv.URL}
		c.post("/console/login", "/console/login", url.Values{"username": {"phuong.exposure"}, "password": {officialPassword}})
		if _, status := c.get("/console/exposure/codes"); status != 403 {
			t.Fatalf("commune officer sees the code page: %d", status)
		}
		if _, status := c.post("/console", "/console/exposure/codes", url.Values{"ref": {"x"}, "test_type": {"confirmed"}}); status != 403 {
			t.Fatalf("commune officer issues a code: %d", status)
		}
		var refused int
		s.app.DB.QueryRow(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'exposure.code.issue.refused'").Scan(&refused)
		if refused != 1 {
			t.Fatalf("%d refusals audited", refused)
		}
	})
}

func exposureJar() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// TestBrowserOfficialIssuesExposureCode: a health official, in a real
// browser, opens the code page from the console, issues a code and sees it.
func TestBrowserOfficialIssuesExposureCode(t *testing.T) {
	s := startExposure(t, db.SQLite, exposure.DefaultConfig())
	ctx := newChrome(t)
	do(t, ctx,
		chromedp.Navigate(s.srv.URL+"/console/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), exposureOfficial),
		chromedp.SendKeys(chromedp.CSS("#password"), officialPassword),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#exposure-tile")),
		chromedp.Click(chromedp.CSS("#exposure-tile")),
		chromedp.WaitVisible(chromedp.CSS("#code-form")),
		chromedp.SendKeys(chromedp.CSS("#ref"), "ca 2021-123"),
		chromedp.SetValue(chromedp.CSS("#test_type"), "likely"),
		chromedp.Click(chromedp.CSS("#issue")),
		chromedp.WaitVisible(chromedp.CSS("#short-code")),
	)
	if code := textOf(t, ctx, "#short-code"); !regexp.MustCompile(`^\d{8}$`).MatchString(code) {
		t.Fatalf("the official sees %q", code)
	}
	if long := textOf(t, ctx, "#long-code"); len(long) != 16 {
		t.Fatalf("long code %q", long)
	}
	if row := textOf(t, ctx, "#recent-codes .code-row"); !strings.Contains(row, "Nhiều khả năng") {
		t.Fatalf("recent codes row %q", row)
	}
}

// BenchmarkExposurePublish measures uploads per second over HTTP on
// loopback against the real server, 14 keys each, each with its own
// certificate (made beforehand, untimed). Run with a fixed count:
//
//	go test ./internal/e2e -run '^$' -bench ExposurePublish -benchtime 2000x
func BenchmarkExposurePublish(b *testing.B) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(engine), func(b *testing.B) {
			cfg := exposure.DefaultConfig()
			cfg.IssueLimit = access.Limit{Max: 1 << 30, Per: time.Hour}
			cfg.VerifyLimit = cfg.IssueLimit
			s := startExposure(b, engine, cfg)
			bodies := s.uploads(b, b.N)
			var next atomic.Int64
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}} // keep-alive, as apps behind a CDN
			b.SetParallelism(4)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					body := bodies[next.Add(1)-1]
					resp, err := hc.Post(s.srv.URL+"/v1/publish", "application/json", strings.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("publish: %d", resp.StatusCode)
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}

// uploads makes n certified uploads of 14 keys through the service.
func (s *exposureSystem) uploads(b *testing.B, n int) []string {
	b.Helper()
	ctx := context.Background()
	req := access.Request{Actor: access.Actor{Kind: access.KindOfficial, ID: "bench", Name: "bench", Role: access.RoleHealthOfficial,
		Scope: access.Country}, Purpose: access.PurposeTracing, Ref: "bench"}
	out := make([]string, n)
	secret := []byte("0123456789abcdef0123456789abcdef")
	for i := range out {
		c, err := s.app.Exposure.IssueCode(ctx, req, exposure.CodeRequest{TestType: "confirmed"})
		if err != nil {
			b.Fatal(err)
		}
		v, err := s.app.Exposure.VerifyCode(ctx, c.ShortCode, nil, "127.0.0.1")
		if err != nil {
			b.Fatal(err)
		}
		keys := exposureKeyHistory(s.clock.Now(), 13)
		cert, err := s.app.Exposure.Certificate(ctx, v.Token, exposureB64(gaen.KeysHMAC(secret, keys)))
		if err != nil {
			b.Fatal(err)
		}
		body, _ := json.Marshal(gaen.Publish{Keys: keys, HealthAuthorityID: "vn.gov.pccovid", VerificationPayload: cert.Certificate,
			HMACKey: exposureB64(secret), Padding: gaen.NewPadding()})
		out[i] = string(body)
	}
	return out
}

func exposureKeyHistory(now time.Time, days int) []gaen.Key {
	p := client.NewPhone()
	for d := days; d >= 0; d-- {
		p.Broadcast(now.AddDate(0, 0, -d))
	}
	return p.Keys(now)
}

// TestExposureCommands runs the operator's commands: derive prints the
// specification's identifiers, and simulate (its own in-process server)
// exits 0 only when the phones found exactly the planted exposures.
func TestExposureCommands(t *testing.T) {
	ctx := context.Background()
	var out, errs strings.Builder
	err := app.Run(ctx, []string{"exposure", "derive", "--tek", "75c734c6dd1a782de7a965da5eb93125", "--interval", "2642976",
		"--count", "2", "--metadata", "40080000"}, &out, &errs)
	want := "2642976 8be6cd371c5c891604bfbe49df845096 72033874\n2642977 3c9a1de5dd6b02afa7fded7b570b3e56 c29211b1\n"
	if err != nil || out.String() != want {
		t.Fatalf("derive: %v\n%s", err, out.String())
	}
	err = app.Run(ctx, []string{"exposure", "derive", "--tek", "xyz", "--interval", "1"}, &out, &errs)
	if app.ExitCode(err) != 3 || !strings.Contains(err.Error(), "tek") {
		t.Fatalf("derive with a bad TEK: %v (exit %d)", err, app.ExitCode(err))
	}
	out.Reset()
	err = app.Run(ctx, []string{"exposure", "simulate", "--phones", "20", "--days", "3", "--cases", "3"}, &out, &errs)
	if err != nil || !strings.Contains(out.String(), "OK: every planted exposure found, nothing else") {
		t.Fatalf("simulate: %v\n%s\n%s", err, out.String(), errs.String())
	}
	if err := app.Run(ctx, []string{"exposure", "simulate", "--days", "15"}, &out, &errs); err == nil {
		t.Fatal("simulate accepted 15 days")
	}
}
