package quarantine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Alert kinds.
const (
	AlertMissedReport = "missed_report"
	AlertOverdueTest  = "overdue_test"
	AlertSymptoms     = "symptoms"
)

// Alert is something the ward's officers should act on.
type Alert struct {
	OrderID string
	Kind    string
	Day     vn.Date
	At      time.Time
}

// raise records an alert once.
func (s *Service) raise(ctx context.Context, tx *db.DB, o Order, kind string, day vn.Date) error {
	_, err := tx.Exec(ctx, `INSERT INTO quarantine_alerts (order_id, kind, day, ward_code, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (order_id, kind, day) DO NOTHING`, o.ID, kind, day.String(), o.Ward, db.Millis(s.Clock.Now()))
	return err
}

// Row is an order on a ward's board.
type Row struct {
	Order
	Person        *identity.Person
	DayOf         int
	Phase         string
	ReportedToday bool
	TestsDue      []Test // due today or overdue, not taken
	Alerts        []Alert
}

// Board is a ward's (or an area's) orders in force today, as the officers
// who follow them see them.
type Board struct {
	Area        string
	Today       vn.Date
	Rows        []Row // every order in force: isolating, quarantining, awaiting release
	Confined    []Row // isolating or quarantining today
	ReportsDue  []Row // of those, no report yet today
	TestsDue    []Row // a test due today or overdue
	EndingToday []Row // the last day is today
	Awaiting    []Row // past the last day, not released yet
	Alerts      int   // open alerts
}

const boardLimit = 1000

// Board returns the orders in force in an area within the official's
// scope (the scope itself when area is empty), with the people (recorded
// under the purpose quarantine).
func (s *Service) Board(ctx context.Context, req access.Request, area string) (Board, error) {
	if err := mayFollow(req); err != nil {
		return Board{}, err
	}
	if area == "" {
		area = string(req.Actor.Scope)
	}
	if _, ok := vn.AdminUnits().Lookup(area); !ok && area != string(access.Country) {
		return Board{}, problem.Field("area", "Địa bàn không có trong danh mục hành chính", "that area is not a known ward, district or province")
	}
	if !req.Actor.Scope.Covers(area) {
		return Board{}, fmt.Errorf("quarantine: %s is outside %s: %w", area, req.Actor.Scope, problem.ErrForbidden)
	}
	b := Board{Area: area, Today: s.Today()}
	where, args := access.Scope(area).Filter("ward_code", 2)
	os, err := s.orders(ctx, s.DB, fmt.Sprintf("WHERE status = $1 AND start_date <= $2 AND %s ORDER BY planned_end, number LIMIT %d",
		where, boardLimit), append([]any{OrderActive, b.Today.String()}, args...)...)
	if err != nil || len(os) == 0 {
		return b, err
	}
	if b.Rows, err = s.rows(ctx, req, area, os, b.Today); err != nil {
		return b, err
	}
	for _, r := range b.Rows {
		switch r.Phase {
		case PhaseConfined:
			b.Confined = append(b.Confined, r)
			if !r.ReportedToday {
				b.ReportsDue = append(b.ReportsDue, r)
			}
		case PhaseAwaiting:
			b.Awaiting = append(b.Awaiting, r)
		}
		if len(r.TestsDue) > 0 {
			b.TestsDue = append(b.TestsDue, r)
		}
		if r.PlannedEnd == b.Today {
			b.EndingToday = append(b.EndingToday, r)
		}
		b.Alerts += len(r.Alerts)
	}
	return b, nil
}

// rows fills in the people, today's reports, due tests and open alerts of
// the orders.
func (s *Service) rows(ctx context.Context, req access.Request, area string, os []Order, today vn.Date) ([]Row, error) {
	subjects := make([]access.Subject, len(os))
	ids := make([]string, len(os))
	for i, o := range os {
		subjects[i], ids[i] = access.Subject{PersonID: o.PersonID, Area: o.Ward}, o.ID
	}
	req.Ref = "board " + area
	people, err := s.Persons.GetMany(ctx, req, "quarantine.board", subjects)
	if err != nil {
		return nil, err
	}
	in, arg := idList(s.DB, ids, 2)
	reported := map[string]bool{}
	if err := s.each(ctx, "SELECT order_id FROM quarantine_reports WHERE day = $1 AND order_id "+in, []any{today.String(), arg},
		func(scan func(...any) error) error {
			var id string
			err := scan(&id)
			reported[id] = true
			return err
		}); err != nil {
		return nil, err
	}
	due := map[string][]Test{}
	in3, _ := idList(s.DB, ids, 3)
	if err := s.each(ctx, "SELECT order_id, day, due_date, test_type FROM quarantine_tests WHERE done = $1 AND due_date <= $2 AND order_id "+in3,
		[]any{false, today.String(), arg}, func(scan func(...any) error) error {
			var id, d string
			var t Test
			err := scan(&id, &t.Day, &d, &t.Type)
			t.Due, _ = vn.ParseDate(d)
			due[id] = append(due[id], t)
			return err
		}); err != nil {
		return nil, err
	}
	alerts := map[string][]Alert{}
	in1, _ := idList(s.DB, ids, 1)
	if err := s.each(ctx, "SELECT order_id, kind, day, created_at FROM quarantine_alerts WHERE resolved_at = 0 AND order_id "+in1,
		[]any{arg}, func(scan func(...any) error) error {
			var a Alert
			var d string
			var at int64
			err := scan(&a.OrderID, &a.Kind, &d, &at)
			a.Day, _ = vn.ParseDate(d)
			a.At = db.TimeOf(at)
			alerts[a.OrderID] = append(alerts[a.OrderID], a)
			return err
		}); err != nil {
		return nil, err
	}
	out := make([]Row, len(os))
	for i, o := range os {
		out[i] = Row{Order: o, Person: &people[i], DayOf: o.Day(today), Phase: o.Phase(today), ReportedToday: reported[o.ID],
			TestsDue: due[o.ID], Alerts: alerts[o.ID]}
	}
	return out, nil
}

// each runs a query and calls fn with each row's Scan.
func (s *Service) each(ctx context.Context, query string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := s.DB.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// idList is "IN (…)" over ids as one argument numbered n: a JSON array on
// SQLite, an array on PostgreSQL.
func idList(d *db.DB, ids []string, n int) (string, any) {
	if d.Engine() == db.Postgres {
		return fmt.Sprintf("= ANY($%d::text[])", n), ids
	}
	b, _ := json.Marshal(ids)
	return fmt.Sprintf("IN (SELECT value FROM json_each($%d))", n), string(b)
}

// ResolveAlert marks an open alert of an order handled.
func (s *Service) ResolveAlert(ctx context.Context, req access.Request, orderID, kind, day string) error {
	o, err := s.officialOrder(ctx, req, orderID, "quarantine.alert.resolve")
	if err != nil {
		return err
	}
	res, err := s.DB.Exec(ctx, "UPDATE quarantine_alerts SET resolved_at = $4, resolved_by = $5 WHERE order_id = $1 AND kind = $2 AND day = $3 AND resolved_at = 0",
		o.ID, kind, day, db.Millis(s.Clock.Now()), req.Actor.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("quarantine: no open alert %s %s on order %s: %w", kind, day, orderID, problem.ErrNotFound)
	}
	return nil
}

// WatchReport says what a watch did.
type WatchReport struct {
	Orders       int // orders in force looked at
	MissedReport int // alerts raised
	OverdueTest  int
	TestsMatched int // appointments kept, from results on record
}

// lookBack bounds how far back a watch looks for missed reports: a server
// down for a few days still catches up.
const lookBack = 7

// Watch looks at every order in force: a day without a report raises an
// alert for the ward (and a reminder to the person), a test past its day
// without a result raises one too, and a result on record — a lab's, the
// person's — keeps the appointment it falls on. Alerts are raised once; a
// watch run again, or on two servers, raises nothing twice.
func (s *Service) Watch(ctx context.Context) (WatchReport, error) {
	var rep WatchReport
	today := s.Today()
	os, err := s.orders(ctx, s.DB, "WHERE status = $1 AND start_date < $2 ORDER BY id", OrderActive, today.String())
	if err != nil || len(os) == 0 {
		return rep, err
	}
	rep.Orders = len(os)
	if rep.TestsMatched, err = s.matchTests(ctx, os, today); err != nil {
		return rep, err
	}
	filed, err := s.filed(ctx, AddDays(today, -lookBack))
	if err != nil {
		return rep, err
	}
	err = s.DB.Transact(ctx, func(tx *db.DB) error {
		for _, o := range os {
			if err := s.watchOrder(ctx, tx, o, today, filed, &rep); err != nil {
				return err
			}
		}
		return nil
	})
	return rep, err
}

// filed returns the reports filed since a day, as order → day → true.
func (s *Service) filed(ctx context.Context, since vn.Date) (map[string]map[string]bool, error) {
	out := map[string]map[string]bool{}
	err := s.each(ctx, `SELECT r.order_id, r.day FROM quarantine_reports r JOIN quarantine_orders o ON o.id = r.order_id
		WHERE o.status = $1 AND r.day >= $2`, []any{OrderActive, since.String()}, func(scan func(...any) error) error {
		var id, day string
		err := scan(&id, &day)
		if out[id] == nil {
			out[id] = map[string]bool{}
		}
		out[id][day] = true
		return err
	})
	return out, err
}

func (s *Service) watchOrder(ctx context.Context, tx *db.DB, o Order, today vn.Date, filed map[string]map[string]bool, rep *WatchReport) error {
	from := o.Start
	if lb := AddDays(today, -lookBack); after(lb, from) {
		from = lb
	}
	for d := from; after(today, d) && !after(d, o.PlannedEnd); d = AddDays(d, 1) {
		if filed[o.ID][d.String()] {
			continue
		}
		res, err := tx.Exec(ctx, `INSERT INTO quarantine_alerts (order_id, kind, day, ward_code, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (order_id, kind, day) DO NOTHING`, o.ID, AlertMissedReport, d.String(), o.Ward, db.Millis(s.Clock.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			rep.MissedReport++
			err := s.Inbox.WithTx(tx).Send(ctx, o.PersonID, inbox.Message{Key: "quarantine/missed/" + o.ID + "/" + d.String(),
				Category: inbox.CategoryQuarantine, Title: missedTitle, BodyKey: "quarantine.msg.missed_body",
				Params: []string{displayDate(d)}, Link: "/quarantine"})
			if err != nil {
				return err
			}
		}
	}
	tests, err := s.testsOf(ctx, tx, o.ID)
	if err != nil {
		return err
	}
	for _, t := range tests {
		if !t.Overdue(today) {
			continue
		}
		res, err := tx.Exec(ctx, `INSERT INTO quarantine_alerts (order_id, kind, day, ward_code, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (order_id, kind, day) DO NOTHING`, o.ID, AlertOverdueTest, t.Due.String(), o.Ward, db.Millis(s.Clock.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			rep.OverdueTest++
		}
	}
	return nil
}

// matchTests keeps appointments with results on record: a test of the
// person sampled on or after an appointment's day (and before the next
// one's) is that appointment's. Each match is recorded in the audit trail.
func (s *Service) matchTests(ctx context.Context, os []Order, today vn.Date) (int, error) {
	n := 0
	actor := access.Request{Actor: access.System("quarantine-watch"), Purpose: access.PurposeQuarantine}
	for _, o := range os {
		tests, err := s.testsOf(ctx, s.DB, o.ID)
		if err != nil {
			return n, err
		}
		open := false
		for _, t := range tests {
			open = open || (!t.Done && !after(t.Due, today))
		}
		if !open {
			continue
		}
		results, err := s.Health.TestsOf(ctx, o.PersonID, o.Start.Time())
		if err != nil {
			return n, err
		}
		m, err := s.match(ctx, actor, o, tests, results)
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

func (s *Service) match(ctx context.Context, req access.Request, o Order, tests []Test, results []health.Test) (int, error) {
	used := map[string]bool{}
	for _, t := range tests {
		used[t.TestID] = t.TestID != ""
	}
	n := 0
	for i, t := range tests {
		if t.Done {
			continue
		}
		var next vn.Date
		if i+1 < len(tests) {
			next = tests[i+1].Due
		}
		for _, r := range results {
			day := DateOf(r.SampledAt)
			if used[r.ID] || after(t.Due, day) || (next.Day != 0 && !after(next, day)) {
				continue
			}
			result := ResultNegative
			if r.Positive {
				result = ResultPositive
			}
			f := TestForm{Day: t.Day, Type: r.Type, Result: result, SampledAt: r.SampledAt}
			err := s.DB.Transact(ctx, func(tx *db.DB) error {
				_, err := tx.Exec(ctx, `UPDATE quarantine_tests SET done = $3, result_sealed = $4, sampled_at = $5, test_id = $6, recorded_by = $7
					WHERE order_id = $1 AND day = $2`, o.ID, t.Day, true, s.Sealer.SealString(fieldResult, result), db.Millis(r.SampledAt), r.ID, "match")
				return err
			})
			if err != nil {
				return n, err
			}
			req.Ref = fmt.Sprintf("order %d", o.Number)
			if err := s.Guard.Record(ctx, req, "quarantine.test.matched", o.PersonID, "test "+r.ID); err != nil {
				return n, err
			}
			used[r.ID] = true
			n++
			if result == ResultPositive && o.Kind == KindIsolation {
				if _, err := s.afterTest(ctx, o, f, r.ID); err != nil {
					return n, err
				}
			}
			break
		}
	}
	return n, nil
}

// OpenAlerts lists an order's unresolved alerts, oldest first, for the
// order's page (whose read the caller has checked and recorded).
func (s *Service) OpenAlerts(ctx context.Context, orderID string) ([]Alert, error) {
	var out []Alert
	err := s.each(ctx, "SELECT order_id, kind, day, created_at FROM quarantine_alerts WHERE order_id = $1 AND resolved_at = 0 ORDER BY day, kind",
		[]any{orderID}, func(scan func(...any) error) error {
			var a Alert
			var d string
			var at int64
			err := scan(&a.OrderID, &a.Kind, &d, &at)
			a.Day, _ = vn.ParseDate(d)
			a.At = db.TimeOf(at)
			out = append(out, a)
			return err
		})
	return out, err
}
