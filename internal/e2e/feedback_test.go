package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/vn"
)

const reportText = "Quán cà phê đầu ngõ 12 tụ tập hơn 30 người mỗi tối"

func TestFeedbackIsHandledByTheWard(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		p := s.personWithOwnPhone(t)
		q := s.neighbourOf(t, p)
		citizen := s.browser(t)
		loginCitizen(t, s, citizen, p["phone"])

		// The report is about the neighbour's ward.
		form := url.Values{"category": {"crowding"}, "text": {"đông"}}
		placeFields(form, "ward", q["ward_code"])
		doc, status := citizen.post("/feedback/new", "/feedback/new", form)
		if status != http.StatusBadRequest || !strings.Contains(text(doc, "#feedback-form"), "ít nhất 10 ký tự") {
			t.Fatalf("a too short report: %d %q", status, text(doc, "main"))
		}
		form.Set("text", reportText)
		doc, status = citizen.post("/feedback/new", "/feedback/new", form)
		if status != http.StatusOK || doc.Find("#feedback-sent").Length() != 1 || text(doc, "#reports .report-status") != "Đang chờ xử lý" {
			t.Fatalf("sent: %d %q", status, text(doc, "main"))
		}

		// The ward's officer sees it, without who sent it; the citizen's own
		// ward's officer does not.
		s.addOfficial(t, "phuong.noi", access.RoleCommuneOfficer, q["ward_code"])
		s.addOfficial(t, "phuong.khac", access.RoleCommuneOfficer, p["ward_code"])
		here, there := s.browser(t), s.browser(t)
		consoleLogin(t, here, "phuong.noi")
		consoleLogin(t, there, "phuong.khac")
		list, _ := here.get("/console/feedback")
		link, ok := list.Find("#reports .report-link").Attr("href")
		if !ok || !strings.Contains(text(list, "#reports"), reportText) {
			t.Fatalf("the ward's officer sees %q", text(list, "main"))
		}
		phone, _ := vn.ParsePhone(p["phone"])
		if page := text(list, "main"); strings.Contains(page, p["full_name"]) || strings.Contains(page, phone.National()) {
			t.Fatal("the officer sees who reported")
		}
		if other, _ := there.get("/console/feedback?filter=all"); other.Find("#reports").Length() != 0 {
			t.Fatalf("another ward's officer sees %q", text(other, "main"))
		}
		if _, status := there.get(link); status != http.StatusForbidden {
			t.Fatalf("another ward's officer opens it: %d", status)
		}
		if _, status := there.post("/console/feedback", link+"/answer", url.Values{"answer": {"xong"}}); status != http.StatusForbidden {
			t.Fatalf("another ward's officer answers it: %d", status)
		}

		doc, status = here.post(link, link+"/answer", url.Values{"answer": {"Tổ dân phố đã nhắc nhở, quán đóng cửa lúc 21 giờ."}, "close": {"1"}})
		if status != http.StatusOK || text(doc, "#report-status") != "Đã xử lý xong" {
			t.Fatalf("answer: %d %q", status, text(doc, "main"))
		}
		mine, _ := citizen.get("/feedback")
		if text(mine, "#reports .report-status") != "Đã xử lý xong" || !strings.Contains(text(mine, "#reports .report-answer"), "quán đóng cửa") {
			t.Fatalf("the citizen sees %q", text(mine, "main"))
		}
		if got := unread(citizen); got != "1" {
			t.Errorf("the answer is not in the inbox: %q unread", got)
		}

		// Reports are limited per account: five an hour.
		token := apiLogin(t, s, p)
		body := map[string]string{"category": "no_mask", "ward": q["ward_code"], "text": reportText}
		for i := 2; i <= 5; i++ {
			if status, _, raw := apiCall(t, s, "POST", "/api/v1/me/feedback", token, body); status != http.StatusCreated {
				t.Fatalf("report %d: %d %s", i, status, raw)
			}
		}
		status, got, raw := apiCall(t, s, "POST", "/api/v1/me/feedback", token, body)
		if errObj, _ := got["error"].(map[string]any); status != http.StatusTooManyRequests || errObj["code"] != "rate_limited" {
			t.Fatalf("sixth report: %d %s", status, raw)
		}
		if status, _, raw := apiCall(t, s, "GET", "/api/v1/me/feedback", token, nil); status != http.StatusOK || strings.Count(string(raw), `"id"`) != 5 {
			t.Fatalf("my reports: %d %s", status, raw)
		}
	})
}

// TestBrowserFeedbackAnswered: a citizen reports crowding in their ward
// from the phone, choosing the place from the lists; the commune officer
// answers and closes it in the console; the citizen sees the answer.
func TestBrowserFeedbackAnswered(t *testing.T) {
	s := start(t, db.SQLite)
	p := s.personWithOwnPhone(t)
	prov, dist, ward, _ := vn.AdminUnits().WardPath(p["ward_code"])
	s.addOfficial(t, "phuong.tl", access.RoleCommuneOfficer, ward.Code)
	ctx := newChrome(t)
	citizenLogin(t, s, ctx, p)
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#feedback-link")),
		chromedp.WaitVisible(chromedp.CSS("#feedback-new")),
		chromedp.Click(chromedp.CSS("#feedback-new")),
		chromedp.WaitVisible(chromedp.CSS("#feedback-form")),
		chromedp.Click(chromedp.CSS("#cat-crowding")),
		chooseOption("#ward-province", prov.Code),
		chooseOption("#ward-district", dist.Code),
		chooseOption("#ward-ward", ward.Code),
		chromedp.SendKeys(chromedp.CSS("#text"), reportText),
		chromedp.Click(chromedp.CSS("#feedback-send")),
		chromedp.WaitVisible(chromedp.CSS("#feedback-sent")),
	)
	officialLogin(t, s, ctx, "phuong.tl")
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#feedback-tile")),
		chromedp.WaitVisible(chromedp.CSS("#reports .report-link")),
		chromedp.Click(chromedp.CSS("#reports .report-link")),
		chromedp.WaitVisible(chromedp.CSS("#answer-form")),
		chromedp.SendKeys(chromedp.CSS("#answer"), "Đã cử tổ công tác đến giải tán."),
		chromedp.Click(chromedp.CSS("#close")),
		chromedp.Click(chromedp.CSS("#answer-send")),
		chromedp.WaitVisible(chromedp.CSS("#report-answer")),
	)
	do(t, ctx,
		chromedp.Navigate(s.srv.URL+"/feedback"),
		chromedp.WaitVisible(chromedp.CSS("#reports .report-answer")),
	)
	if got := textOf(t, ctx, "#reports .report-answer"); got != "Đã cử tổ công tác đến giải tán." {
		t.Fatalf("the citizen sees the answer %q", got)
	}
	if got := textOf(t, ctx, "#reports .report-status"); got != "Đã xử lý xong" {
		t.Fatalf("status %q", got)
	}
}
