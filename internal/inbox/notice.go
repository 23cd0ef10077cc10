package inbox

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Notice is what an official writes to citizens from the console.
type Notice struct {
	// Key makes sending idempotent: the console puts a fresh one in each
	// form, so a form submitted twice sends once. Empty means a new one.
	Key   string
	Title Text
	Body  Text
}

// Limits of a notice, in characters.
const (
	maxTitle = 120
	maxBody  = 2000
)

// check cleans a notice and refuses an empty or overlong one, naming the
// form field.
func (n *Notice) check() error {
	var errs problem.Fields
	clean := func(field, s string, max int, required bool) string {
		s = strings.TrimSpace(s)
		switch {
		case s == "" && required:
			errs.Add(problem.Field(field, "Hãy viết nội dung", "write something here"))
		case utf8.RuneCountInString(s) > max:
			errs.Add(problem.Field(field, fmt.Sprintf("Quá dài: tối đa %d ký tự", max), fmt.Sprintf("too long: at most %d characters", max)))
		}
		return s
	}
	n.Title.Vi = clean("title_vi", n.Title.Vi, maxTitle, true)
	n.Body.Vi = clean("body_vi", n.Body.Vi, maxBody, true)
	n.Title.En = clean("title_en", n.Title.En, maxTitle, false)
	n.Body.En = clean("body_en", n.Body.En, maxBody, false)
	n.Key = strings.TrimSpace(n.Key)
	if n.Key == "" {
		n.Key = db.NewID()
	} else if len(n.Key) > 64 || strings.Trim(strings.ToLower(n.Key), "0123456789abcdefghijklmnopqrstuvwxyz-") != "" {
		errs.Add(problem.Field("key", "Biểu mẫu không hợp lệ, hãy tải lại trang", "the form is not valid; reload the page"))
	}
	return errs.Err()
}

func (n Notice) message(a access.Actor) Message {
	return Message{Key: "notice/" + n.Key, Category: CategoryNotice, Title: n.Title, Body: n.Body,
		Sender: string(a.Role), SenderArea: string(a.Scope)}
}

// NotifyPerson sends an official's notice to one person, for the request's
// purpose. The person must lie within the official's area; the notice is
// recorded in the audit trail and so on the person's access log.
func (s *Store) NotifyPerson(ctx context.Context, req access.Request, personID string, n Notice) error {
	if req.Actor.Kind != access.KindOfficial {
		return fmt.Errorf("inbox: only officials send notices: %w", problem.ErrForbidden)
	}
	if err := n.check(); err != nil {
		return err
	}
	sub, err := s.persons.Subject(ctx, personID)
	if err != nil {
		return err
	}
	if err := s.guard.Read(ctx, req, "inbox.notice", sub); err != nil {
		return err
	}
	return s.Send(ctx, personID, n.message(req.Actor))
}

// NotifyWard sends an official's notice to everyone living in a ward
// within the official's area, for the request's purpose. The sending is
// recorded in the audit trail, refused or not.
func (s *Store) NotifyWard(ctx context.Context, req access.Request, ward string, n Notice) error {
	if req.Actor.Kind != access.KindOfficial {
		return fmt.Errorf("inbox: only officials send notices: %w", problem.ErrForbidden)
	}
	if u, ok := vn.AdminUnits().Ward(ward); !ok || u.Code != ward {
		return problem.Field("ward", "Hãy chọn phường, xã nhận thông báo", "choose the ward or commune to notify")
	}
	if err := n.check(); err != nil {
		return err
	}
	detail := fmt.Sprintf("ward %s, notice %s", ward, n.Key)
	if !req.Actor.Scope.Covers(ward) {
		err := s.guard.Record(ctx, req, "inbox.notice_area.refused", "", detail+": outside the sender's area")
		if err != nil {
			return err
		}
		return fmt.Errorf("inbox: ward %s is outside %s: %w", ward, req.Actor.Scope, problem.ErrForbidden)
	}
	if err := s.guard.Record(ctx, req, "inbox.notice_area", "", detail); err != nil {
		return err
	}
	return s.SendArea(ctx, ward, n.message(req.Actor))
}
