// Package e2e runs the whole platform in-process — the real server on a
// real database of each engine — and drives it over HTTP and through a real
// headless Chromium, as the people who use it would.
package e2e

import (
	"context"
	"encoding/csv"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/app"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/synth"
	"github.com/pccovid/pccovid/internal/vn"
	"github.com/pccovid/pccovid/internal/web"
)

// testWriter sends the server's warnings and errors to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// system is one running platform.
type system struct {
	app    *app.App
	srv    *httptest.Server
	people []map[string]string // the registry extract it was loaded with
}

const officialPassword = "a long enough password"

// start runs the platform on engine with a synthetic registry of 400
// people loaded, and a few officials.
func start(t *testing.T, engine db.Engine) *system {
	t.Helper()
	ctx := context.Background()
	cfg := app.Config{DataDir: t.TempDir(), LogLevel: "error"}
	if engine == db.Postgres {
		cfg.Database = dbtest.PostgresDatabaseURL(t)
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	dir := t.TempDir()
	if _, err := synth.WriteRegistry(dir, 7, 400); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Persons.LoadExtract(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	s := &system{app: a, people: readCSV(t, filepath.Join(dir, "people.csv"))}
	srv, err := a.WebServer(web.Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(s.srv.Close)
	return s
}

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
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

// personWithOwnPhone returns a person of the extract whose phone nobody
// else in it has.
func (s *system) personWithOwnPhone(t *testing.T) map[string]string {
	t.Helper()
	n := map[string]int{}
	for _, p := range s.people {
		n[p["phone"]]++
	}
	for _, p := range s.people {
		if p["phone"] != "" && n[p["phone"]] == 1 {
			return p
		}
	}
	t.Fatal("no person with a phone of their own")
	return nil
}

func (s *system) personID(p map[string]string) string { return s.app.Persons.RegistryID(p["cccd"]) }

// addOfficial creates an official.
func (s *system) addOfficial(t *testing.T, username string, role access.Role, scope string) {
	t.Helper()
	_, err := s.app.Officials.Create(context.Background(), access.NewOfficial{Username: username, Name: "Cán bộ " + username,
		Password: officialPassword, Role: role, Scope: access.Scope(scope)})
	if err != nil {
		t.Fatal(err)
	}
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

// lastCode reads the login code of the last SMS sent to phone.
func (s *system) lastCode(t *testing.T, phone string) string {
	t.Helper()
	want, _ := vn.ParsePhone(phone)
	for _, m := range s.app.Outbox.Recent() {
		if m.To == want {
			if c := codeRE.FindStringSubmatch(m.Text); c != nil {
				return c[1]
			}
		}
	}
	t.Fatalf("no login code sent to %s", phone)
	return ""
}

// browser is an HTTP client with cookies, like a browser without scripts.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
}

func (s *system) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar}, base: s.srv.URL}
}

// get fetches a page and parses it.
func (b *browser) get(path string) (*goquery.Document, int) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	return parse(b.t, resp)
}

// post submits a form as the page at formPage would, with its CSRF token.
func (b *browser) post(formPage, action string, fields url.Values) (*goquery.Document, int) {
	b.t.Helper()
	doc, _ := b.get(formPage)
	tok, ok := doc.Find(`input[name="csrf"]`).First().Attr("value")
	if !ok {
		b.t.Fatalf("no CSRF token on %s", formPage)
	}
	fields.Set("csrf", tok)
	req, _ := http.NewRequest("POST", b.base+action, strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return parse(b.t, resp)
}

func parse(t *testing.T, resp *http.Response) (*goquery.Document, int) {
	t.Helper()
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc, resp.StatusCode
}

func text(doc *goquery.Document, sel string) string {
	return strings.TrimSpace(doc.Find(sel).First().Text())
}
