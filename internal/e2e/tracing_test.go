package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/vn"
)

// outbreak is a case, A, planted with two contacts: B checked in at the
// same venue 20 minutes after A six days ago; C sat a row behind A on a
// flight five days ago. Both have phones of their own.
type outbreak struct {
	a, b, c map[string]string
	day     func(daysAgo, hour, minute int) time.Time
}

func plantOutbreak(t *testing.T, s *system) outbreak {
	t.Helper()
	ctx := context.Background()
	ppl := s.strangers(t, 3)
	o := outbreak{a: ppl[0], b: ppl[1], c: ppl[2]}
	now := time.Now().In(vn.Location())
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, vn.Location())
	o.day = func(daysAgo, hour, minute int) time.Time {
		return midnight.AddDate(0, 0, -daysAgo).Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
	}
	prov, dist, ward, _ := vn.AdminUnits().WardPath(o.a["ward_code"])
	owner := access.Actor{Kind: access.KindOfficial, ID: "e2e-venue", Name: "venue", Role: access.RoleVenueOperator, Scope: access.Country}
	v, err := s.app.Checkins.RegisterVenue(ctx, owner, checkin.NewVenue{Name: "Quán bún chả Hương Liên", Kind: "restaurant",
		Province: prov.Code, District: dist.Code, Ward: ward.Code, Address: "24 Lê Văn Hưu", Capacity: "80"})
	if err != nil {
		t.Fatal(err)
	}
	var rows []checkin.CheckIn
	for _, x := range []struct {
		p  map[string]string
		at time.Time
	}{{o.a, o.day(6, 12, 0)}, {o.b, o.day(6, 12, 20)}} {
		id := s.personID(x.p)
		rows = append(rows, checkin.CheckIn{ID: db.NewID(), VenueID: v.ID, PersonID: id, At: x.at, Method: checkin.MethodVenueQR,
			RecordedBy: id, CreatedAt: x.at})
	}
	if err := s.app.Checkins.LoadHistory(ctx, rows); err != nil {
		t.Fatal(err)
	}
	flight := o.day(5, 0, 0)
	date := vn.Date{Year: flight.Year(), Month: int(flight.Month()), Day: flight.Day()}
	var decls []declaration.Declaration
	for seat, p := range map[string]map[string]string{"10A": o.a, "11B": o.c} {
		decls = append(decls, declaration.Declaration{ID: "e2e/" + db.NewID(), PersonID: s.personID(p), Source: "pccovid",
			Kind: declaration.KindDomestic, DeclaredAt: flight, Transport: "FLIGHT", TransportNo: "VN1273", DepartureDate: date, SeatNo: seat})
	}
	if err := s.app.Decls.Insert(ctx, s.app.DB, decls); err != nil {
		t.Fatal(err)
	}
	return o
}

// strangers returns n persons with phones of their own, each from a
// household of their own among them: none is another's household contact.
func (s *system) strangers(t *testing.T, n int) []map[string]string {
	t.Helper()
	homes := map[string]bool{}
	var out []map[string]string
	for _, p := range s.peopleWithOwnPhones(t, 60) {
		if !homes[p["household_id"]] && len(out) < n {
			homes[p["household_id"]] = true
			out = append(out, p)
		}
	}
	if len(out) < n {
		t.Fatalf("only %d persons of distinct households", len(out))
	}
	return out
}

// registerCase enters A's positive rapid test in the console and returns
// the case page's path.
func registerCase(t *testing.T, b *browser, o outbreak) string {
	t.Helper()
	form := url.Values{"number": {o.a["cccd"]}, "test_type": {"RAT"}, "sampled_at": {o.day(5, 9, 0).Format("2006-01-02T15:04")},
		"result_at": {o.day(4, 9, 0).Format("2006-01-02T15:04")}, "onset_at": {o.day(7, 8, 0).Format("2006-01-02T15:04")}}
	doc, status := b.post("/console/tracing/new", "/console/tracing/new", form)
	if status != http.StatusOK || doc.Find("#case-no").Length() != 1 {
		t.Fatalf("register: %d %q", status, text(doc, "main"))
	}
	link, _ := doc.Find(`#case-actions form[action$="/trace"]`).First().Attr("action")
	return strings.TrimSuffix(link, "/trace")
}

func TestTracingOverHTTP(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		o := plantOutbreak(t, s)
		s.addOfficial(t, "yte.truyvet", access.RoleHealthOfficial, "VN")
		yte := s.browser(t)
		consoleLogin(t, yte, "yte.truyvet")

		// Contradictory dates are refused, saying why.
		bad := url.Values{"number": {o.a["cccd"]}, "test_type": {"PCR"}, "sampled_at": {o.day(3, 9, 0).Format("2006-01-02T15:04")},
			"result_at": {o.day(4, 9, 0).Format("2006-01-02T15:04")}}
		doc, status := yte.post("/console/tracing/new", "/console/tracing/new", bad)
		if status != http.StatusBadRequest || !strings.Contains(text(doc, "#case-form"), "trước ngày lấy mẫu") {
			t.Fatalf("result before sampling: %d %q", status, text(doc, "main"))
		}

		casePath := registerCase(t, yte, o)
		doc, _ = yte.get(casePath)
		if doc.Find("#isolation").Length() != 1 || !strings.Contains(text(doc, "#rules-version"), "BYT-2021") {
			t.Fatalf("the case has no isolation order, or no rules: %q", text(doc, "main"))
		}
		// Entered twice: one case.
		again := registerCase(t, yte, o)
		if again != casePath {
			t.Fatalf("the same episode entered twice made %s and %s", casePath, again)
		}

		doc, status = yte.post(casePath, casePath+"/trace", url.Values{"degree": {"1"}})
		if status != http.StatusOK || doc.Find("#run-report").Length() != 1 {
			t.Fatalf("trace: %d %q", status, text(doc, "main"))
		}
		for _, p := range []map[string]string{o.b, o.c} {
			row := doc.Find(fmt.Sprintf(`#contacts tr[data-person="%s"]`, s.personID(p)))
			if row.Length() != 1 || !strings.Contains(row.Text(), p["full_name"]) {
				t.Fatalf("contact %s missing: %q", p["full_name"], text(doc, "#contacts"))
			}
		}
		venueRow := doc.Find(fmt.Sprintf(`#contacts tr[data-person="%s"] .evidence-item`, s.personID(o.b)))
		if !strings.Contains(venueRow.Text(), "Quán bún chả Hương Liên") || !strings.Contains(venueRow.Text(), "40") {
			t.Errorf("B's evidence: %q", venueRow.Text())
		}

		// Run again: nobody is warned twice.
		doc, _ = yte.post(casePath, casePath+"/trace", url.Values{"degree": {"1"}})
		if !strings.Contains(text(doc, "#run-report"), "đã cảnh báo 0 người") {
			t.Fatalf("second run: %q", text(doc, "#run-report"))
		}
		citizen := s.browser(t)
		loginCitizen(t, s, citizen, o.b["phone"])
		box, _ := citizen.get("/inbox")
		if n := box.Find(`#messages [data-category="exposure"]`).Length(); n != 1 {
			t.Fatalf("B has %d exposure warnings", n)
		}
		if page := text(box, "#messages"); !strings.Contains(page, "Quán bún chả Hương Liên") || strings.Contains(page, o.a["full_name"]) {
			t.Fatalf("B's warning: %q", page)
		}

		// A verification code for the case's phone, to publish its
		// exposure keys.
		doc, status = yte.post(casePath, casePath+"/code", url.Values{})
		if status != http.StatusOK || len(text(doc, "#short-code")) != 8 {
			t.Fatalf("code: %d %q", status, text(doc, "main"))
		}

		// The chain, and the F2s on demand.
		chain, status := yte.get(casePath + "/chain")
		if status != http.StatusOK || chain.Find(fmt.Sprintf(`#chain-svg g[data-person="%s"]`, s.personID(o.c))).Length() != 1 {
			t.Fatalf("chain: %d %q", status, text(chain, "main"))
		}
		if _, status := yte.post(casePath, casePath+"/trace", url.Values{"degree": {"2"}}); status != http.StatusOK {
			t.Fatalf("F2: %d", status)
		}

		// A, the case, sees the isolation and names a contact, who is
		// warned without learning by whom.
		d := s.strangers(t, 4)[3]
		a := s.browser(t)
		loginCitizen(t, s, a, o.a["phone"])
		mine, _ := a.get("/quarantine")
		if mine.Find("#my-case").Length() != 1 || !strings.Contains(text(mine, ".order"), "Cách ly điều trị") {
			t.Fatalf("A's page: %q", text(mine, "main"))
		}
		doc, status = a.post("/quarantine", "/quarantine/contacts", url.Values{"number": {d["phone"]},
			"met_at": {o.day(5, 19, 0).Format("2006-01-02T15:04")}, "place": {"nhà hàng"}})
		if status != http.StatusOK || doc.Find("#declared").Length() != 1 {
			t.Fatalf("declare: %d %q", status, text(doc, "main"))
		}
		dBox := s.browser(t)
		loginCitizen(t, s, dBox, d["phone"])
		if box, _ := dBox.get("/inbox"); box.Find(`#messages [data-category="exposure"]`).Length() != 1 || strings.Contains(text(box, "#messages"), o.a["full_name"]) {
			t.Fatalf("D's inbox: %q", text(box, "main"))
		}

		// Dismiss C, audited; an official of another province sees no case.
		doc, status = yte.post(casePath, casePath+"/contacts/"+s.personID(o.c), url.Values{"status": {"dismissed"}})
		if status != http.StatusOK || !strings.Contains(doc.Find(fmt.Sprintf(`#contacts tr[data-person="%s"] .link-status`, s.personID(o.c))).Text(), "Đã loại bỏ") {
			t.Fatalf("dismiss: %d", status)
		}
		other := "01"
		if strings.HasPrefix(provinceOf(o.a), "01") {
			other = "79"
		}
		s.addOfficial(t, "yte.khac", access.RoleHealthOfficial, other)
		far := s.browser(t)
		consoleLogin(t, far, "yte.khac")
		if _, status := far.get(casePath); status != http.StatusForbidden && !contactsIn(s, o, other) {
			t.Fatalf("an official of province %s opened the case: %d", other, status)
		}
	})
}

// contactsIn reports whether B or C lives in a province (then its official
// may see the case, limited to them).
func contactsIn(s *system, o outbreak, prov string) bool {
	return provinceOf(o.b) == prov || provinceOf(o.c) == prov
}

func TestTracingAPI(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		o := plantOutbreak(t, s)
		s.addOfficial(t, "yte.api", access.RoleHealthOfficial, "VN")
		status, body, raw := apiCall(t, s, "POST", "/api/v1/console/login", "", map[string]string{"username": "yte.api", "password": officialPassword})
		if status != http.StatusOK {
			t.Fatalf("login: %d %s", status, raw)
		}
		token := body["token"].(string)
		entry := map[string]any{"number": o.a["phone"], "test_type": "PCR", "sampled_at": o.day(5, 9, 0), "result_at": o.day(4, 9, 0)}
		status, body, raw = apiCall(t, s, "POST", "/api/v1/console/cases", token, entry)
		if status != http.StatusCreated {
			t.Fatalf("case: %d %s", status, raw)
		}
		id := int64(body["id"].(float64))
		if status, _, raw := apiCall(t, s, "POST", "/api/v1/console/cases", token, entry); status != http.StatusOK {
			t.Fatalf("the same result again: %d %s (want 200, the same case)", status, raw)
		}
		path := fmt.Sprintf("/api/v1/console/cases/%d", id)
		status, body, raw = apiCall(t, s, "POST", path+"/trace", token, map[string]int{"degree": 1})
		if status != http.StatusOK || body["found"].(float64) < 2 {
			t.Fatalf("trace: %d %s", status, raw)
		}
		status, body, raw = apiCall(t, s, "GET", path, token, nil)
		if status != http.StatusOK || !strings.Contains(string(raw), s.personID(o.c)) || !strings.Contains(string(raw), `"rule":"transport"`) {
			t.Fatalf("case: %d %s", status, raw)
		}
		status, _, raw = apiCall(t, s, "POST", path+"/contacts", token, map[string]any{"number": o.b["phone"], "met_at": o.day(20, 9, 0)})
		if status != http.StatusBadRequest || !strings.Contains(string(raw), "met_at") {
			t.Fatalf("a contact before the window: %d %s", status, raw)
		}
		status, body, raw = apiCall(t, s, "POST", fmt.Sprintf("/api/v1/console/quarantine/cases/%d/orders", id), token,
			map[string]any{"isolate": true, "contacts": true})
		if status != http.StatusOK {
			t.Fatalf("orders: %d %s", status, raw)
		}
		if _, _, raw := apiCall(t, s, "GET", path+"/chain?cluster=1", token, nil); !strings.Contains(string(raw), `"cluster":[`) {
			t.Fatalf("cluster: %s", raw)
		}
		// The contact sees their order and reports through the API.
		ct := apiLogin(t, s, o.b)
		status, _, raw = apiCall(t, s, "GET", "/api/v1/me/quarantine", ct, nil)
		if status != http.StatusOK || !strings.Contains(string(raw), `"policy":"762/BYT-DP"`) {
			t.Fatalf("my quarantine: %d %s", status, raw)
		}
	})
}
