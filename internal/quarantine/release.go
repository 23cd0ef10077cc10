package quarantine

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Releasable says whether an order's release criteria are met today; when
// not, the error says why, in words an officer can act on.
func (s *Service) Releasable(ctx context.Context, o Order, tests []Test, today vn.Date) error {
	if o.Status != OrderActive {
		return problem.Field("order", "Quyết định này đã kết thúc", "this order has ended")
	}
	if after(o.PlannedEnd, today) {
		return problem.Field("order", "Chưa hết thời gian: quyết định kéo dài đến hết ngày "+displayDate(o.PlannedEnd),
			"not yet: the order runs to the end of "+displayDate(o.PlannedEnd))
	}
	rule, err := s.ruleOf(ctx, o)
	if err != nil {
		return err
	}
	extended := after(o.PlannedEnd, AddDays(o.Start, rule.Days-1))
	if rule.Release.TestDay == 0 || extended {
		return nil
	}
	for _, t := range tests {
		if t.Day >= rule.Release.TestDay && t.Done && t.Result == ResultNegative && (t.Type == rule.Release.TestType || t.Type == TestPCR) {
			return nil
		}
	}
	kind := map[string][2]string{TestPCR: {"RT-PCR", "RT-PCR"}, TestRAT: {"test nhanh kháng nguyên", "rapid antigen test"}}[rule.Release.TestType]
	return problem.Field("order", fmt.Sprintf("Cần kết quả %s âm tính từ ngày thứ %d trở đi", kind[0], rule.Release.TestDay),
		fmt.Sprintf("a negative %s from day %d on is needed", kind[1], rule.Release.TestDay))
}

// Release ends an order whose criteria are met, for an official whose area
// covers it; the person is told, and a case's isolation ending marks the
// case recovered. A note (at most 500 characters) goes on the order.
func (s *Service) Release(ctx context.Context, req access.Request, orderID, note string) (Order, error) {
	o, err := s.officialOrder(ctx, req, orderID, "quarantine.order.release")
	if err != nil {
		return o, err
	}
	if utf8.RuneCountInString(note) > 500 {
		return o, problem.Field("note", "Ghi chú tối đa 500 ký tự", "a note has at most 500 characters")
	}
	tests, err := s.testsOf(ctx, s.DB, o.ID)
	if err != nil {
		return o, err
	}
	if err := s.Releasable(ctx, o, tests, s.Today()); err != nil {
		return o, err
	}
	err = s.DB.Transact(ctx, func(tx *db.DB) error {
		if err := s.close(ctx, tx, o.ID, OrderReleased, strings.TrimSpace(note), req.Actor.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE quarantine_alerts SET resolved_at = $2, resolved_by = $3 WHERE order_id = $1 AND resolved_at = 0",
			o.ID, db.Millis(s.Clock.Now()), req.Actor.ID)
		if err != nil {
			return err
		}
		return s.Inbox.WithTx(tx).Send(ctx, o.PersonID, inbox.Message{Key: "quarantine/released/" + o.ID, Category: inbox.CategoryQuarantine,
			Title: releasedTitle, BodyKey: "quarantine.msg.released_body", Params: []string{displayDate(o.MonitorUntil)},
			Link: "/quarantine"})
	})
	if err != nil {
		return o, err
	}
	if o.Kind == KindIsolation && o.CaseID > 0 {
		if err := s.Cases.Recover(ctx, access.Request{Actor: req.Actor, Purpose: access.PurposeQuarantine}, o.CaseID); err != nil {
			return o, err
		}
	}
	return s.order(ctx, s.DB, o.ID)
}

// Cancel withdraws an order issued in error, with the reason on it.
func (s *Service) Cancel(ctx context.Context, req access.Request, orderID, reason string) (Order, error) {
	o, err := s.officialOrder(ctx, req, orderID, "quarantine.order.cancel")
	if err != nil {
		return o, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return o, problem.Field("note", "Hãy ghi lý do hủy (tối đa 500 ký tự)", "give the reason for cancelling (at most 500 characters)")
	}
	if o.Status != OrderActive {
		return o, problem.Field("order", "Quyết định này đã kết thúc", "this order has ended")
	}
	if err := s.close(ctx, s.DB, o.ID, OrderCancelled, reason, req.Actor.ID); err != nil {
		return o, err
	}
	return s.order(ctx, s.DB, o.ID)
}

// officialOrder loads an order for an official, checking their purpose and
// that their area covers the ward the person stays in; the read is
// recorded under action.
func (s *Service) officialOrder(ctx context.Context, req access.Request, id, action string) (Order, error) {
	if err := mayFollow(req); err != nil {
		return Order{}, err
	}
	o, err := s.order(ctx, s.DB, id)
	if err != nil {
		return o, err
	}
	req.Ref = fmt.Sprintf("order %d", o.Number)
	if err := s.Guard.Read(ctx, req, action, access.Subject{PersonID: o.PersonID, Area: o.Ward}); err != nil {
		return Order{}, err
	}
	return o, nil
}

// mayFollow says who follows orders: health officials and commune officers,
// for the purpose of quarantine.
func mayFollow(req access.Request) error {
	a := req.Actor
	if a.Kind != access.KindOfficial || (a.Role != access.RoleHealthOfficial && a.Role != access.RoleCommuneOfficer) {
		return fmt.Errorf("quarantine: orders are followed by health officials and commune officers: %w", problem.ErrForbidden)
	}
	if req.Purpose != access.PurposeQuarantine {
		return problem.Field("purpose", "Cần mục đích: quản lý cách ly", "the purpose must be quarantine management")
	}
	return nil
}

// ownOrder loads an order of a person for the citizen who is or manages
// them.
func (s *Service) ownOrder(ctx context.Context, actor access.Actor, personID, orderID string) (Order, error) {
	if actor.Kind != access.KindCitizen {
		return Order{}, fmt.Errorf("quarantine: only the person files their reports: %w", problem.ErrForbidden)
	}
	sub, err := s.Persons.Subject(ctx, personID)
	if err != nil {
		return Order{}, err
	}
	if err := (access.Request{Actor: actor, Purpose: access.PurposeOwn}).Check(sub); err != nil {
		return Order{}, err
	}
	o, err := s.order(ctx, s.DB, orderID)
	if err != nil {
		return o, err
	}
	if o.PersonID != personID {
		return Order{}, fmt.Errorf("quarantine: order %s is not %s's: %w", orderID, personID, problem.ErrNotFound)
	}
	return o, nil
}

// View is an order with its tests and reports.
type View struct {
	Order
	Person        *identity.Person // for officials
	PolicyTitle   string
	PolicyTitleEn string
	Today         vn.Date
	Phase         string
	DayOf         int
	Tests         []Test
	Reports       []Report
	ReportedToday bool
	// Releasable is nil when the order may be released today; otherwise
	// why not.
	Releasable error
}

func (s *Service) view(ctx context.Context, o Order) (View, error) {
	v := View{Order: o, Today: s.Today()}
	v.Phase, v.DayOf = o.Phase(v.Today), o.Day(v.Today)
	var err error
	if v.Tests, err = s.testsOf(ctx, s.DB, o.ID); err != nil {
		return v, err
	}
	if v.Reports, err = s.reportsOf(ctx, o.ID); err != nil {
		return v, err
	}
	for _, r := range v.Reports {
		v.ReportedToday = v.ReportedToday || r.Day == v.Today
	}
	if p, err := s.policies.Get(ctx, o.Policy); err == nil {
		v.PolicyTitle, v.PolicyTitleEn = p.TitleVi, p.TitleEn
	}
	if o.Status == OrderActive {
		v.Releasable = s.Releasable(ctx, o, v.Tests, v.Today)
	}
	return v, nil
}

// Mine returns the orders of a person, newest first, for the citizen who
// is or manages them.
func (s *Service) Mine(ctx context.Context, actor access.Actor, personID string) ([]View, error) {
	if actor.Kind != access.KindCitizen {
		return nil, fmt.Errorf("quarantine: %w", problem.ErrForbidden)
	}
	sub, err := s.Persons.Subject(ctx, personID)
	if err != nil {
		return nil, err
	}
	if err := s.Guard.Read(ctx, access.Request{Actor: actor, Purpose: access.PurposeOwn}, "quarantine.mine", sub); err != nil {
		return nil, err
	}
	os, err := s.orders(ctx, s.DB, "WHERE person_id = $1 ORDER BY start_date DESC, number DESC LIMIT 20", personID)
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(os))
	for _, o := range os {
		v, err := s.view(ctx, o)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Get returns an order with the person, for an official whose area covers
// it (recorded).
func (s *Service) Get(ctx context.Context, req access.Request, id string) (View, error) {
	if err := mayFollow(req); err != nil {
		return View{}, err
	}
	o, err := s.order(ctx, s.DB, id)
	if err != nil {
		return View{}, err
	}
	req.Ref = fmt.Sprintf("order %d", o.Number)
	ps, err := s.Persons.GetMany(ctx, req, "quarantine.order.view", []access.Subject{{PersonID: o.PersonID, Area: o.Ward}})
	if err != nil {
		return View{}, err
	}
	v, err := s.view(ctx, o)
	v.Person = &ps[0]
	return v, err
}

// OrdersOf lists a person's orders for an official (recorded): the
// console's person and case pages show them.
func (s *Service) OrdersOf(ctx context.Context, req access.Request, personID string) ([]Order, error) {
	if err := mayFollow(req); err != nil && req.Purpose != access.PurposeTracing {
		return nil, err
	}
	os, err := s.orders(ctx, s.DB, "WHERE person_id = $1 ORDER BY start_date DESC, number DESC", personID)
	if err != nil || len(os) == 0 {
		return os, err
	}
	if err := s.Guard.Read(ctx, req, "quarantine.orders", access.Subject{PersonID: personID, Area: os[0].Ward}); err != nil {
		return nil, err
	}
	return os, nil
}

// ByCase lists the orders issued for a case (its isolation and its F1s'
// quarantines), for the case page: only ids, numbers and dates; the
// people are read through the case's own view.
func (s *Service) ByCase(ctx context.Context, caseID int64) ([]Order, error) {
	return s.orders(ctx, s.DB, "WHERE case_id = $1 ORDER BY number", caseID)
}

// untilOf is when an order's last day ends.
func untilOf(d vn.Date) time.Time { return d.Time().AddDate(0, 0, 1) }
