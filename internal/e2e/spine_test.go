package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/vn"
)

func each(t *testing.T, fn func(t *testing.T, s *system)) {
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			fn(t, start(t, e))
		})
	}
}

// loginCitizen logs a browser in by phone and code.
func loginCitizen(t *testing.T, s *system, b *browser, phone string) {
	t.Helper()
	doc, status := b.post("/login", "/login", url.Values{"phone": {phone}})
	if status != http.StatusOK || doc.Find(`input[name="code"]`).Length() != 1 {
		t.Fatalf("after sending the phone: status %d, page %q", status, text(doc, "main"))
	}
	doc, status = b.post("/login", "/login/code", url.Values{"phone": {phone}, "code": {s.lastCode(t, phone)}})
	if status != http.StatusOK {
		t.Fatalf("after the code: status %d, page %q", status, text(doc, "main"))
	}
}

func TestCitizenSeesOwnProfileAndWhoLooked(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		p := s.personWithOwnPhone(t)
		citizen := s.browser(t)
		loginCitizen(t, s, citizen, p["phone"])
		home, _ := citizen.get("/")
		if got := text(home, "#full-name"); got != p["full_name"] {
			t.Fatalf("home shows %q, want %q", got, p["full_name"])
		}
		if got := text(home, "#cccd"); got == p["cccd"] || !strings.HasSuffix(got, p["cccd"][9:]) {
			t.Fatalf("CCCD shown as %q: want it masked, ending in its last digits", got)
		}
		log, _ := citizen.get("/access-log")
		if log.Find("#access-none").Length() != 1 {
			t.Fatalf("fresh access log not empty: %q", text(log, "main"))
		}

		s.addOfficial(t, "phuong.test", access.RoleCommuneOfficer, p["ward_code"])
		official := s.browser(t)
		doc, status := official.post("/console/login", "/console/login", url.Values{"username": {"phuong.test"}, "password": {officialPassword}})
		if status != http.StatusOK || !strings.Contains(text(doc, "header"), "phuong.test") {
			t.Fatalf("official login: %d %q", status, text(doc, "header"))
		}
		// Without a purpose: asked for one, shown nothing.
		view, _ := official.get("/console/persons/" + s.personID(p))
		if view.Find("#need-purpose").Length() != 1 || view.Find("#person-name").Length() != 0 {
			t.Fatalf("person shown without a purpose: %q", text(view, "main"))
		}
		if strings.Contains(view.Text(), p["full_name"]) {
			t.Fatal("the name leaked on the purpose page")
		}
		// A purpose the role does not serve: refused.
		view, status = official.get("/console/persons/" + s.personID(p) + "?purpose=tracing")
		if status != http.StatusBadRequest || view.Find("#person-name").Length() != 0 {
			t.Fatalf("commune officer read for tracing: %d %q", status, text(view, "main"))
		}
		view, _ = official.get("/console/persons/" + s.personID(p) + "?purpose=quarantine&ref=order+7")
		if got := text(view, "#person-name"); got != p["full_name"] {
			t.Fatalf("with a purpose the console shows %q, want %q", got, p["full_name"])
		}
		log, _ = citizen.get("/access-log")
		entry := text(log, "#access-entries .entry")
		if !strings.Contains(entry, "phuong.test") || !strings.Contains(entry, "Quản lý cách ly") || !strings.Contains(entry, "order 7") {
			t.Fatalf("access log entry = %q", entry)
		}
	})
}

func TestConsoleSearchNeedsPurpose(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		p := s.personWithOwnPhone(t)
		s.addOfficial(t, "yte.test", access.RoleHealthOfficial, "VN")
		b := s.browser(t)
		b.post("/console/login", "/console/login", url.Values{"username": {"yte.test"}, "password": {officialPassword}})
		doc, status := b.post("/console/persons", "/console/persons", url.Values{"q": {p["cccd"]}})
		if status != http.StatusBadRequest || doc.Find("#results").Length() != 0 || text(doc, ".field-error") == "" {
			t.Fatalf("search without purpose: %d %q", status, text(doc, "main"))
		}
		doc, _ = b.post("/console/persons", "/console/persons", url.Values{"q": {p["cccd"]}, "purpose": {"tracing"}, "ref": {"case 1"}})
		if got := text(doc, "#results a.result"); got != p["full_name"] {
			t.Fatalf("search result %q, want %q", got, p["full_name"])
		}
		phone, _ := vn.ParsePhone(p["phone"])
		doc, _ = b.post("/console/persons", "/console/persons", url.Values{"q": {phone.National()}, "purpose": {"tracing"}})
		if doc.Find("#results a.result").Length() < 1 {
			t.Fatalf("search by phone found nobody: %q", text(doc, "main"))
		}
	})
}

func TestLoginErrorsAreClear(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		b := s.browser(t)
		doc, status := b.post("/login", "/login", url.Values{"phone": {"12ab"}})
		if status != http.StatusBadRequest || text(doc, ".field-error") == "" {
			t.Fatalf("bad phone: %d %q", status, text(doc, "main"))
		}
		p := s.personWithOwnPhone(t)
		b.post("/login", "/login", url.Values{"phone": {p["phone"]}})
		doc, status = b.post("/login", "/login/code", url.Values{"phone": {p["phone"]}, "code": {"000000"}})
		if status != http.StatusBadRequest || !strings.Contains(text(doc, ".field-error"), "Mã") {
			t.Fatalf("wrong code: %d %q", status, text(doc, "main"))
		}
		// A form without its CSRF token is refused.
		req, _ := http.NewRequest("POST", s.srv.URL+"/login", strings.NewReader("phone=0912345678"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("form without CSRF token: %d", resp.StatusCode)
		}
		// A cross-site form post is refused before it reaches the handler.
		req, _ = http.NewRequest("POST", s.srv.URL+"/login", strings.NewReader("phone=0912345678"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, _ = b.c.Do(req)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-site post: %d, want 403", resp.StatusCode)
		}
	})
}

func apiCall(t *testing.T, s *system, method, path, token string, body any) (int, map[string]any, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.srv.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
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

func TestAPI(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		p := s.personWithOwnPhone(t)
		status, body, _ := apiCall(t, s, "POST", "/api/v1/auth/otp", "", map[string]string{"phone": "not a phone"})
		errObj, _ := body["error"].(map[string]any)
		if status != 400 || errObj["code"] != "invalid" || errObj["field"] != "phone" || errObj["message_en"] == "" || errObj["message_vi"] == "" {
			t.Fatalf("bad phone: %d %v", status, body)
		}
		if status, _, _ := apiCall(t, s, "POST", "/api/v1/auth/otp", "", map[string]string{"phone": p["phone"]}); status != 202 {
			t.Fatalf("otp: %d", status)
		}
		status, body, _ = apiCall(t, s, "POST", "/api/v1/auth/verify", "", map[string]string{"phone": p["phone"], "code": s.lastCode(t, p["phone"])})
		token, _ := body["token"].(string)
		if status != 200 || token == "" || body["person_id"] != s.personID(p) {
			t.Fatalf("verify: %d %v", status, body)
		}
		status, body, _ = apiCall(t, s, "GET", "/api/v1/me", token, nil)
		if status != 200 || body["full_name"] != p["full_name"] || body["cccd"] == p["cccd"] {
			t.Fatalf("me: %d %v", status, body)
		}
		if status, _, _ := apiCall(t, s, "GET", "/api/v1/me", "wrong-token", nil); status != 401 {
			t.Fatalf("me with a wrong token: %d", status)
		}
		if status, _, _ := apiCall(t, s, "POST", "/api/v1/auth/verify", "", map[string]string{"phone": p["phone"], "code": "1", "extra": "x"}); status != 400 {
			t.Fatalf("unknown JSON member accepted: %d", status)
		}
		s.addOfficial(t, "api.yte", access.RoleHealthOfficial, "VN")
		_, body, _ = apiCall(t, s, "POST", "/api/v1/console/login", "", map[string]string{"username": "api.yte", "password": officialPassword})
		otok, _ := body["token"].(string)
		if status, _, _ := apiCall(t, s, "GET", "/api/v1/console/persons/"+s.personID(p), otok, nil); status != 400 {
			t.Fatalf("person without purpose: %d, want 400", status)
		}
		status, body, _ = apiCall(t, s, "GET", "/api/v1/console/persons/"+s.personID(p)+"?purpose=testing", otok, nil)
		person, _ := body["person"].(map[string]any)
		if status != 200 || person["cccd"] != p["cccd"] {
			t.Fatalf("person with purpose: %d %v", status, body)
		}
		status, _, raw := apiCall(t, s, "GET", "/api/v1/me/access-log", token, nil)
		if status != 200 || !strings.Contains(string(raw), `"actor":"api.yte"`) || !strings.Contains(string(raw), `"purpose":"testing"`) {
			t.Fatalf("access log: %d %s", status, raw)
		}
	})
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	s := start(t, db.SQLite)
	_, doc, raw := apiCall(t, s, "GET", "/api/v1/openapi.json", "", nil)
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("not an OpenAPI 3.1 document: %.200s", raw)
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, want := range []string{"/api/v1/auth/otp", "/api/v1/auth/verify", "/api/v1/me", "/api/v1/me/access-log",
		"/api/v1/console/persons/{id}", "/api/v1/console/persons/search"} {
		if _, ok := paths[want]; !ok {
			t.Errorf("OpenAPI document lacks %s", want)
		}
	}
	verify := paths["/api/v1/auth/verify"].(map[string]any)["post"].(map[string]any)
	schema := toJSON(verify["requestBody"])
	if !strings.Contains(schema, `"phone"`) || !strings.Contains(schema, `"code"`) {
		t.Fatalf("verify request schema lacks its fields: %s", schema)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	s := start(t, db.SQLite)
	resp, err := http.Get(s.srv.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	http.Get(s.srv.URL + "/login")
	resp, _ = http.Get(s.srv.URL + "/metrics")
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(raw), `pccovid_http_requests_total{code="200",route="GET /login"}`) {
		t.Fatalf("metrics lack the login page's count:\n%.500s", raw)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("CSP = %q", csp)
	}
}
