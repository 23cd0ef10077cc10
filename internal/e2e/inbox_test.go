package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
)

// unread reads the badge beside "Messages" in the citizen's menu.
func unread(b *browser) string {
	doc, _ := b.get("/")
	return text(doc, "#unread-count")
}

// neighbourOf returns a person of the extract who lives in another ward
// and has a phone of their own.
func (s *system) neighbourOf(t *testing.T, p map[string]string) map[string]string {
	t.Helper()
	for _, q := range s.peopleWithOwnPhones(t, 20) {
		if q["ward_code"] != p["ward_code"] {
			return q
		}
	}
	t.Fatal("everyone lives in one ward")
	return nil
}

// sendNotice finds a person with the console's audited search and sends
// them a notice; it returns the page after sending.
func sendNotice(t *testing.T, b *browser, query, key, title string) (*goquery.Document, int) {
	t.Helper()
	doc, status := b.post("/console/notices", "/console/notices/find", url.Values{"purpose": {"citizen_support"},
		"ref": {"hỗ trợ 12"}, "q": {query}})
	person, ok := doc.Find(`#recipients input[name="person"][checked]`).Attr("value")
	if status != http.StatusOK || !ok {
		t.Fatalf("search: %d %q", status, text(doc, "main"))
	}
	return b.post("/console/notices", "/console/notices", url.Values{"target": {"person"}, "purpose": {"citizen_support"},
		"ref": {"hỗ trợ 12"}, "person": {person}, "key": {key}, "title_vi": {title}, "body_vi": {"Mời ông bà đến trạm y tế phường."},
		"title_en": {"Vaccination"}})
}

func TestNoticesReachTheInbox(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		p := s.personWithOwnPhone(t)
		q := s.neighbourOf(t, p)
		citizen, neighbour := s.browser(t), s.browser(t)
		loginCitizen(t, s, citizen, p["phone"])
		loginCitizen(t, s, neighbour, q["phone"])
		if got := unread(citizen); got != "" {
			t.Fatalf("a fresh inbox shows %q unread", got)
		}

		s.addOfficial(t, "phuong.tb", access.RoleCommuneOfficer, p["ward_code"])
		officer := s.browser(t)
		consoleLogin(t, officer, "phuong.tb")
		for range 2 { // the same form sent twice delivers once
			doc, status := sendNotice(t, officer, p["cccd"], "form-key-1", "Lịch tiêm vắc xin")
			if status != http.StatusOK || doc.Find("#notice-sent").Length() != 1 {
				t.Fatalf("send: %d %q", status, text(doc, "main"))
			}
		}
		if got := unread(citizen); got != "1" {
			t.Fatalf("unread = %q, want 1", got)
		}
		inbox, _ := citizen.get("/inbox")
		msg := inbox.Find("#messages .message").First()
		if inbox.Find("#messages .message").Length() != 1 || !strings.Contains(msg.Find(".title").Text(), "Lịch tiêm vắc xin") ||
			!strings.Contains(msg.Text(), "Cán bộ xã/phường") {
			t.Fatalf("inbox: %q", text(inbox, "main"))
		}
		log, _ := citizen.get("/access-log")
		if entry := text(log, "#access-entries"); !strings.Contains(entry, "phuong.tb") || !strings.Contains(entry, "hỗ trợ 12") {
			t.Errorf("the notice is not on the access log: %q", entry)
		}
		// Reading it clears the badge.
		action, _ := msg.Find("form").Attr("action")
		citizen.post("/inbox", action, url.Values{})
		if got := unread(citizen); got != "" {
			t.Fatalf("after reading: %q unread", got)
		}

		// A notice to the whole ward reaches the citizen, not the neighbour
		// of another ward; an officer cannot write to a ward outside their
		// area.
		ward := url.Values{"target": {"ward"}, "purpose": {"citizen_support"}, "key": {"form-key-2"},
			"title_vi": {"Phun khử khuẩn tối nay"}, "body_vi": {"Từ 19 giờ, đóng cửa sổ."}}
		placeFields(ward, "ward", p["ward_code"])
		doc, status := officer.post("/console/notices", "/console/notices", ward)
		if status != http.StatusOK || doc.Find("#notice-sent").Length() != 1 {
			t.Fatalf("ward notice: %d %q", status, text(doc, "main"))
		}
		if unread(citizen) != "1" || unread(neighbour) != "" {
			t.Fatalf("after the ward notice: citizen %q, neighbour %q", unread(citizen), unread(neighbour))
		}
		placeFields(ward, "ward", q["ward_code"])
		ward.Set("key", "form-key-3")
		if doc, status := officer.post("/console/notices", "/console/notices", ward); status != http.StatusForbidden || unread(neighbour) != "" {
			t.Fatalf("another ward: %d %q", status, text(doc, "main"))
		}
		doc, _ = officer.post("/console/notices", "/console/notices/find", url.Values{"purpose": {"citizen_support"}, "q": {q["cccd"]}})
		if doc.Find("#recipients").Length() != 0 || doc.Find("#no-results").Length() != 1 {
			t.Fatalf("the search found someone outside the officer's area: %q", text(doc, "main"))
		}

		// The same through the API.
		token := apiLogin(t, s, p)
		status, body, raw := apiCall(t, s, "GET", "/api/v1/me/inbox", token, nil)
		msgs, _ := body["messages"].([]any)
		if status != http.StatusOK || body["unread"] != float64(1) || len(msgs) != 2 {
			t.Fatalf("API inbox: %d %s", status, raw)
		}
		if first, _ := msgs[0].(map[string]any); first["area"] != p["ward_code"] || first["read"] != false {
			t.Errorf("newest message: %v", first)
		}
		if status, _, _ := apiCall(t, s, "POST", "/api/v1/me/inbox/read-all", token, nil); status != http.StatusNoContent {
			t.Fatalf("read-all: %d", status)
		}
		if _, body, _ := apiCall(t, s, "GET", "/api/v1/me/inbox", token, nil); body["unread"] != float64(0) {
			t.Errorf("after read-all: %v", body["unread"])
		}
	})
}

// TestBrowserNoticeInInbox: an official sends a citizen a notice from the
// console; the citizen sees the count in the menu, opens the messages and
// reads it.
func TestBrowserNoticeInInbox(t *testing.T) {
	s := start(t, db.SQLite)
	p := s.personWithOwnPhone(t)
	s.addOfficial(t, "phuong.browser", access.RoleCommuneOfficer, p["ward_code"])
	ctx := newChrome(t)
	officialLogin(t, s, ctx, "phuong.browser")
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#notices-tile")),
		chromedp.WaitVisible(chromedp.CSS("#notice-find")),
		chromedp.SetValue(chromedp.CSS("#find-purpose"), "citizen_support"),
		chromedp.SendKeys(chromedp.CSS("#q"), p["cccd"]),
		chromedp.Click(chromedp.CSS("#notice-search")),
		chromedp.WaitVisible(chromedp.CSS("#recipients")),
		chromedp.SendKeys(chromedp.CSS("#notice-person .title-vi"), "Kết quả xét nghiệm đã có"),
		chromedp.SendKeys(chromedp.CSS("#notice-person .body-vi"), "Mời bạn xem trong mục Kết quả."),
		chromedp.Click(chromedp.CSS("#notice-send-person")),
		chromedp.WaitVisible(chromedp.CSS("#notice-sent")),
	)
	citizenLogin(t, s, ctx, p)
	if got := textOf(t, ctx, "#unread-count"); got != "1" {
		t.Fatalf("the menu shows %q unread", got)
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#nav-inbox")),
		chromedp.WaitVisible(chromedp.CSS("#messages")),
	)
	if got := textOf(t, ctx, "#messages .message .title"); got != "Kết quả xét nghiệm đã có" {
		t.Fatalf("the message reads %q", got)
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#messages .mark-read")),
		chromedp.WaitNotPresent(chromedp.CSS("#unread-count")),
	)
}
