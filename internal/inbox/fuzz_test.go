package inbox

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/problem"
)

// FuzzNoticeCheck feeds the console's notice form to its checks: they must
// clean it or refuse it with field errors, never panic, and what passes
// fits the limits.
func FuzzNoticeCheck(f *testing.F) {
	f.Add("form-1", "Lịch tiêm", "", "Thứ bảy", "")
	f.Add("", "", "", "", "")
	f.Add("../../x", "\x00", "t", "b", "e")
	f.Fuzz(func(t *testing.T, key, titleVi, titleEn, bodyVi, bodyEn string) {
		n := Notice{Key: key, Title: Text{titleVi, titleEn}, Body: Text{bodyVi, bodyEn}}
		err := n.check()
		if err != nil {
			if !errors.Is(err, problem.ErrInvalid) {
				t.Fatalf("%v is not a field error", err)
			}
			return
		}
		if n.Key == "" || n.Title.Vi == "" || n.Body.Vi == "" || utf8.RuneCountInString(n.Title.Vi) > maxTitle ||
			utf8.RuneCountInString(n.Body.En) > maxBody {
			t.Fatalf("passed: %+v", n)
		}
		if m := n.message(officerActor); m.check() != nil {
			t.Fatalf("a checked notice makes a bad message: %v", m.check())
		}
	})
}

var officerActor = access.Actor{Kind: access.KindOfficial, ID: "o", Name: "o", Role: access.RoleCommuneOfficer, Scope: "00001"}
