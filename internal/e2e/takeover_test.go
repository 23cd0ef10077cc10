package e2e

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/takeover"
)

// TestTakeoverReviewInConsole imports the sample dump and has an official
// work the review queue: see a pair side by side, confirm it, and find the
// record with its evidence on the citizen's page.
func TestTakeoverReviewInConsole(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		ctx := context.Background()
		if _, err := s.app.Takeover.Import(ctx, filepath.Join("..", "takeover", "testdata", "sample"), takeover.Options{}); err != nil {
			t.Fatal(err)
		}
		s.addOfficial(t, "doisoat", access.RoleHealthOfficial, "VN")
		b := s.browser(t)
		b.post("/console/login", "/console/login", url.Values{"username": {"doisoat"}, "password": {officialPassword}})
		list, status := b.get("/console/reviews")
		link, ok := list.Find("a.review-open").First().Attr("href")
		if status != http.StatusOK || !ok {
			t.Fatalf("review list: %d %q", status, text(list, "main"))
		}
		pair, _ := b.get(link)
		if text(pair, "#review-record dd") == "" || text(pair, "#review-candidate dd") == "" || pair.Find("#review-evidence li").Length() == 0 {
			t.Fatalf("pair page incomplete: %q", text(pair, "main"))
		}
		_, status = b.post(link, link, url.Values{"decision": {"confirm"}})
		if status != http.StatusOK {
			t.Fatalf("confirm: %d", status)
		}
		id := strings.TrimPrefix(link, "/console/reviews/")
		var candidate, st string
		s.app.DB.QueryRow(ctx, "SELECT candidate_id, status FROM linkage_reviews WHERE id = $1", id).Scan(&candidate, &st)
		if st != takeover.ReviewConfirmed {
			t.Fatalf("review status %q after confirming", st)
		}
		page, _ := b.get("/console/persons/" + candidate + "?purpose=linkage_review")
		if page.Find("#taken-over tr").Length() < 2 || !strings.Contains(text(page, "#taken-over"), "review") {
			t.Fatalf("the citizen's page does not show the confirmed record: %q", text(page, "#taken-over"))
		}
	})
}
