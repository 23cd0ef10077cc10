package quarantine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Order statuses.
const (
	OrderActive    = "active"
	OrderReleased  = "released"
	OrderCancelled = "cancelled" // superseded by a later order, or issued in error
)

// Order is an isolation or quarantine order.
type Order struct {
	ID           string
	Number       int64 // the decision's number
	Key          string
	PersonID     string
	Kind         Kind
	Reason       Reason
	Ref          string // "case 12", "declaration …"
	CaseID       int64
	Place        string
	Ward         string // where the person stays: its officers follow the order
	Policy       string // the policy's code, e.g. "762/BYT-DP"
	Rule         string // the policy's rule that applied
	Vaccinated   bool   // fully vaccinated or recently recovered, when issued
	Start        vn.Date
	PlannedEnd   vn.Date
	MonitorUntil vn.Date
	Status       string
	Note         string
	IssuedBy     string
	IssuedAt     time.Time
	ClosedBy     string
	ClosedAt     time.Time
}

// Phases of an order on a day.
const (
	PhaseUpcoming   = "upcoming"   // not started yet
	PhaseConfined   = "confined"   // isolating or quarantining
	PhaseAwaiting   = "awaiting"   // past the last day, not released yet
	PhaseMonitoring = "monitoring" // released, monitoring their health
	PhaseEnded      = "ended"
	PhaseCancelled  = "cancelled"
)

// Phase says where an order stands on a day.
func (o Order) Phase(today vn.Date) string {
	switch {
	case o.Status == OrderCancelled:
		return PhaseCancelled
	case o.Status == OrderReleased && !after(today, o.MonitorUntil):
		return PhaseMonitoring
	case o.Status == OrderReleased:
		return PhaseEnded
	case after(o.Start, today):
		return PhaseUpcoming
	case after(today, o.PlannedEnd):
		return PhaseAwaiting
	}
	return PhaseConfined
}

// Day is the day of the order today is (1 on the first day).
func (o Order) Day(today vn.Date) int { return DaysBetween(o.Start, today) + 1 }

// after reports whether date a is after date b.
func after(a, b vn.Date) bool { return a.String() > b.String() }

const orderColumns = `SELECT id, number, dedup_key, person_id, kind, reason, ref, case_id, place, ward_code, policy_code, policy_rule,
	vaccinated, start_date, planned_end, monitor_until, status, status_note, issued_by, issued_at, closed_by, closed_at FROM quarantine_orders `

func (s *Service) orders(ctx context.Context, d *db.DB, where string, args ...any) ([]Order, error) {
	rows, err := d.Query(ctx, orderColumns+where, args...)
	if err != nil {
		return nil, fmt.Errorf("quarantine: orders: %w", err)
	}
	defer rows.Close()
	var out []Order
	for rows.Next() {
		var o Order
		var kind, reason, start, end, monitor string
		var issued, closed int64
		if err := rows.Scan(&o.ID, &o.Number, &o.Key, &o.PersonID, &kind, &reason, &o.Ref, &o.CaseID, &o.Place, &o.Ward, &o.Policy,
			&o.Rule, &o.Vaccinated, &start, &end, &monitor, &o.Status, &o.Note, &o.IssuedBy, &issued, &o.ClosedBy, &closed); err != nil {
			return nil, fmt.Errorf("quarantine: orders: %w", err)
		}
		o.Kind, o.Reason, o.IssuedAt, o.ClosedAt = Kind(kind), Reason(reason), db.TimeOf(issued), db.TimeOf(closed)
		o.Start, _ = vn.ParseDate(start)
		o.PlannedEnd, _ = vn.ParseDate(end)
		o.MonitorUntil, _ = vn.ParseDate(monitor)
		out = append(out, o)
	}
	return out, rows.Err()
}

func (s *Service) order(ctx context.Context, d *db.DB, id string) (Order, error) {
	os, err := s.orders(ctx, d, "WHERE id = $1", id)
	if err != nil {
		return Order{}, err
	}
	if len(os) == 0 {
		return Order{}, fmt.Errorf("quarantine: order %s: %w", id, problem.ErrNotFound)
	}
	return os[0], nil
}

// want is an order to issue.
type want struct {
	key    string
	person string
	reason Reason
	ref    string
	caseID int64
	start  vn.Date
	ward   string
}

// ErrOver says the order would already have ended: nothing to issue.
var ErrOver = problem.Field("start", "Thời gian cách ly theo quy định đã kết thúc trước hôm nay", "the period the rules require has already ended")

// ErrIsolating says the person is isolating as a case already.
var ErrIsolating = problem.Field("person", "Người này đang cách ly điều trị như một ca bệnh (F0)", "this person is already isolating as a case (F0)")

// issue computes and stores an order, or returns the one that exists for
// its key. It reports whether the order is new.
func (s *Service) issue(ctx context.Context, req access.Request, w want) (Order, bool, error) {
	policy, err := s.policies.For(ctx, w.start)
	if err != nil {
		return Order{}, false, err
	}
	protected, err := s.protected(ctx, w.person, w.start, policy.Vaccination)
	if err != nil {
		return Order{}, false, err
	}
	rule, err := policy.Apply(w.reason, protected)
	if err != nil {
		return Order{}, false, err
	}
	plan := rule.Plan(w.start)
	if after(s.Today(), plan.PlannedEnd) {
		return Order{}, false, ErrOver
	}
	o := Order{ID: db.NewID(), Key: w.key, PersonID: w.person, Kind: rule.Kind, Reason: w.reason, Ref: w.ref, CaseID: w.caseID,
		Place: rule.Place, Ward: w.ward, Policy: policy.Code, Rule: rule.Name, Vaccinated: protected, Start: plan.Start,
		PlannedEnd: plan.PlannedEnd, MonitorUntil: plan.MonitorUntil, Status: OrderActive, IssuedBy: req.Actor.ID,
		IssuedAt: s.Clock.Now().UTC().Truncate(time.Millisecond)}
	created := false
	err = s.DB.Transact(ctx, func(tx *db.DB) error {
		existing, err := s.orders(ctx, tx, "WHERE dedup_key = $1", w.key)
		if err != nil || len(existing) > 0 {
			if len(existing) > 0 {
				o = existing[0]
			}
			return err
		}
		if err := s.lockPerson(ctx, tx, w.person); err != nil {
			return err
		}
		keep, err := s.supersede(ctx, tx, o)
		if err != nil || keep != nil {
			if keep != nil {
				o = *keep
			}
			return err
		}
		created = true
		return s.insert(ctx, tx, &o, plan)
	})
	if err != nil || !created {
		return o, false, err
	}
	detail := fmt.Sprintf("order %d: %s %s", o.Number, o.Policy, o.Rule)
	return o, true, s.Guard.Record(ctx, req, "quarantine.order.issue", o.PersonID, detail)
}

func (s *Service) lockPerson(ctx context.Context, tx *db.DB, person string) error {
	if tx.Engine() != db.Postgres {
		return nil // SQLite's one writer already serialises
	}
	_, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", "quarantine:"+person)
	return err
}

// supersede settles a new order against the person's active ones: a case's
// isolation ends their quarantine; a later exposure restarts a quarantine;
// an earlier one changes nothing (keep is the order that stands).
func (s *Service) supersede(ctx context.Context, tx *db.DB, o Order) (keep *Order, err error) {
	active, err := s.orders(ctx, tx, "WHERE person_id = $1 AND status = $2 ORDER BY start_date DESC", o.PersonID, OrderActive)
	if err != nil {
		return nil, err
	}
	for _, a := range active {
		switch {
		case o.Kind == KindQuarantine && a.Kind == KindIsolation:
			return &a, ErrIsolating
		case o.Kind == KindQuarantine && !after(o.Start, a.Start):
			return &a, nil // the order in force already covers this exposure
		}
	}
	for _, a := range active {
		note := fmt.Sprintf("superseded:%s", o.Key)
		if err := s.close(ctx, tx, a.ID, OrderCancelled, note, "system"); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

func (s *Service) insert(ctx context.Context, tx *db.DB, o *Order, plan Plan) error {
	if err := tx.QueryRow(ctx, "UPDATE quarantine_counters SET value = value + 1 WHERE name = 'order' RETURNING value").Scan(&o.Number); err != nil {
		return fmt.Errorf("quarantine: order number: %w", err)
	}
	_, err := tx.Exec(ctx, `INSERT INTO quarantine_orders (id, number, dedup_key, person_id, kind, reason, ref, case_id, place, ward_code,
		policy_code, policy_rule, vaccinated, start_date, planned_end, monitor_until, status, issued_by, issued_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)`,
		o.ID, o.Number, o.Key, o.PersonID, string(o.Kind), string(o.Reason), o.Ref, o.CaseID, o.Place, o.Ward, o.Policy, o.Rule,
		o.Vaccinated, o.Start.String(), o.PlannedEnd.String(), o.MonitorUntil.String(), o.Status, o.IssuedBy, db.Millis(o.IssuedAt))
	if err != nil {
		return fmt.Errorf("quarantine: insert order: %w", err)
	}
	for _, t := range plan.Tests {
		if _, err := tx.Exec(ctx, "INSERT INTO quarantine_tests (order_id, day, due_date, test_type) VALUES ($1, $2, $3, $4)",
			o.ID, t.Day, t.Date.String(), t.Type); err != nil {
			return fmt.Errorf("quarantine: insert test appointment: %w", err)
		}
	}
	return s.Inbox.WithTx(tx).Send(ctx, o.PersonID, inbox.Message{Key: "quarantine/order/" + o.ID, Category: inbox.CategoryQuarantine,
		Title: orderTitle[o.Kind], BodyKey: "quarantine.msg.issued." + o.Place,
		Params: []string{displayDate(o.Start), displayDate(o.PlannedEnd)}, Link: "/quarantine"})
}

// close ends an order (released or cancelled).
func (s *Service) close(ctx context.Context, tx *db.DB, id, status, note, by string) error {
	now := db.Millis(s.Clock.Now())
	_, err := tx.Exec(ctx, `UPDATE quarantine_orders SET status = $2, status_note = $3, closed_by = $4, closed_at = $5, updated_at = $5
		WHERE id = $1 AND status = $6`, id, status, note, by, now, OrderActive)
	return err
}

func displayDate(d vn.Date) string { return fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year) }

// oneDoseProducts are vaccines given as a single dose (EU value set).
var oneDoseProducts = []string{"EU/1/20/1525"} // Janssen

// protected reports whether a person counted as fully vaccinated or
// recently recovered on a day, by the policy's definition.
func (s *Service) protected(ctx context.Context, person string, day vn.Date, v Vaccination) (bool, error) {
	doses, err := s.Health.DosesOf(ctx, person)
	if err != nil {
		return false, err
	}
	cutoff := AddDays(day, -v.MinDaysAfterLastDose)
	days := map[string]bool{}
	for _, d := range doses {
		if d.Date.Day == 0 || after(d.Date, cutoff) {
			continue
		}
		days[d.Date.String()] = true
		if slices.Contains(oneDoseProducts, d.Product) {
			return true, nil
		}
	}
	if len(days) >= 2 {
		return true, nil
	}
	cases, err := s.Cases.History(ctx, person)
	if err != nil {
		return false, err
	}
	since := AddDays(day, -v.RecoveredWithinDays)
	for _, c := range cases {
		sampled := DateOf(c.SampledAt)
		if !after(since, sampled) && after(day, sampled) {
			return true, nil
		}
	}
	return false, nil
}

// mayIssue says who issues orders: health officials and commune officers
// for the purpose of quarantine (or tracing, for a case's contacts), and
// the platform's jobs.
func mayIssue(req access.Request) error {
	a := req.Actor
	if a.Kind == access.KindSystem {
		return nil
	}
	if a.Kind != access.KindOfficial || (a.Role != access.RoleHealthOfficial && a.Role != access.RoleCommuneOfficer) {
		return fmt.Errorf("quarantine: only health officials and commune officers issue orders: %w", problem.ErrForbidden)
	}
	if req.Purpose != access.PurposeQuarantine && req.Purpose != access.PurposeTracing {
		return problem.Field("purpose", "Ra quyết định cách ly cần mục đích: quản lý cách ly", "issuing an order needs the purpose: quarantine")
	}
	return nil
}

// IsolateCase issues a case's isolation order, from their sampling day.
// Issuing it again returns the same order.
func (s *Service) IsolateCase(ctx context.Context, req access.Request, caseID int64) (Order, bool, error) {
	if err := mayIssue(req); err != nil {
		return Order{}, false, err
	}
	c, err := s.Cases.Case(ctx, caseID)
	if err != nil {
		return Order{}, false, err
	}
	if req.Actor.Kind != access.KindSystem && !req.Actor.Scope.Covers(c.Area) {
		return Order{}, false, fmt.Errorf("quarantine: %s lives outside %s: %w", c.Ref(), req.Actor.Scope, problem.ErrForbidden)
	}
	req.Ref = c.Ref()
	return s.issue(ctx, req, want{key: "f0/" + c.Ref(), person: c.PersonID, reason: ReasonF0, ref: c.Ref(), caseID: c.ID,
		start: DateOf(c.SampledAt), ward: c.Area})
}

// IssueReport says what issuing orders to a case's contacts did.
type IssueReport struct {
	Issued    []Order
	Existing  int // already had this order, or one covering it
	Elsewhere int // live outside the official's area: theirs issue them
	Over      int // their quarantine would already have ended
	Isolating int // cases themselves
}

// QuarantineContacts orders a case's F1s (those not dismissed; only the
// persons named, when any are) to quarantine from their last exposure.
// Contacts outside the official's area are left to theirs. Issuing again
// issues nothing new.
func (s *Service) QuarantineContacts(ctx context.Context, req access.Request, caseID int64, only []string) (IssueReport, error) {
	var rep IssueReport
	if err := mayIssue(req); err != nil {
		return rep, err
	}
	links, err := s.Cases.Links(ctx, req, caseID, 1)
	if err != nil {
		return rep, err
	}
	ref := fmt.Sprintf("case %d", caseID)
	req.Ref = ref
	for _, l := range links {
		if len(only) > 0 && !slices.Contains(only, l.PersonID) {
			continue
		}
		if req.Actor.Kind != access.KindSystem && !req.Actor.Scope.Covers(l.Area) {
			rep.Elsewhere++
			continue
		}
		o, created, err := s.issue(ctx, req, want{key: "f1/" + ref + "/" + l.PersonID, person: l.PersonID, reason: ReasonF1, ref: ref,
			caseID: caseID, start: DateOf(l.LastExposure), ward: l.Area})
		switch {
		case errors.Is(err, ErrOver):
			rep.Over++
		case errors.Is(err, ErrIsolating):
			rep.Isolating++
		case err != nil:
			return rep, err
		case created:
			rep.Issued = append(rep.Issued, o)
		default:
			rep.Existing++
		}
	}
	return rep, nil
}

// OnCase issues a new case's isolation order: tracing calls it (see
// tracing.Service.OnCase). A case whose isolation would already be over
// (an old result taken over) or that no policy covers gets none.
func (s *Service) OnCase(ctx context.Context, caseID int64) error {
	req := access.Request{Actor: access.System("quarantine-cases"), Purpose: access.PurposeQuarantine}
	_, _, err := s.IsolateCase(ctx, req, caseID)
	if errors.Is(err, problem.ErrInvalid) {
		return nil // over, or before any policy: nothing to order
	}
	return err
}

// SyncCases makes sure every case registered since the last sync has its
// isolation order, for cases whose hand-over to OnCase failed.
func (s *Service) SyncCases(ctx context.Context) (int, error) {
	cur, err := s.cursor(ctx, "cases")
	if err != nil {
		return 0, err
	}
	last, n := int64(0), 0
	fmt.Sscan(cur.ID, &last)
	for {
		cases, err := s.Cases.CasesAfter(ctx, last, 500)
		if err != nil || len(cases) == 0 {
			return n, err
		}
		for _, c := range cases {
			if err := s.OnCase(ctx, c.ID); err != nil {
				return n, err
			}
			last, n = c.ID, n+1
		}
		if err := s.saveCursor(ctx, "cases", cursorRow{ID: fmt.Sprint(last)}); err != nil {
			return n, err
		}
	}
}

// cursorRow is where a job left off.
type cursorRow struct {
	At time.Time
	ID string
}

func (s *Service) cursor(ctx context.Context, name string) (cursorRow, error) {
	var at int64
	var id string
	err := s.DB.QueryRow(ctx, "SELECT at, id FROM quarantine_cursors WHERE name = $1", name).Scan(&at, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return cursorRow{}, nil
	}
	if err != nil {
		return cursorRow{}, fmt.Errorf("quarantine: cursor %s: %w", name, err)
	}
	return cursorRow{At: db.TimeOf(at), ID: id}, nil
}

func (s *Service) saveCursor(ctx context.Context, name string, c cursorRow) error {
	_, err := s.DB.Exec(ctx, `INSERT INTO quarantine_cursors (name, at, id) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET at = excluded.at, id = excluded.id`, name, db.Millis(c.At), c.ID)
	return err
}

// Message titles. They are texts, not catalog keys: the inbox fills a
// message's parameters into its title as into its body, and a title has
// none. The bodies are catalog keys (web/messages_quarantine.go).
var (
	orderTitle = map[Kind]inbox.Text{
		KindIsolation:  {Vi: "Quyết định cách ly điều trị", En: "Isolation order"},
		KindQuarantine: {Vi: "Quyết định cách ly y tế", En: "Quarantine order"},
	}
	releasedTitle = inbox.Text{Vi: "Bạn đã kết thúc cách ly", En: "Your quarantine has ended"}
	missedTitle   = inbox.Text{Vi: "Bạn chưa khai báo sức khỏe", En: "You have not reported your health"}
)
