package quarantine_test

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/quarantine"
)

// TestPolicyVersionsByDate: the policy in force on an order's first day
// applies, and the rule within it by reason and vaccination.
func TestPolicyVersionsByDate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, at(2022, 3, 5, 9, 0))
		for _, c := range []struct {
			day  string
			want string
		}{{"2021-07-14", "5599/BYT-MT"}, {"2021-12-15", "5599/BYT-MT"}, {"2021-12-16", "10696/BYT-MT"}, {"2022-02-20", "10696/BYT-MT"},
			{"2022-02-21", "762/BYT-DP"}, {"2026-01-01", "762/BYT-DP"}} {
			var dd = mustDate(t, c.day)
			p, err := f.q.Policies().For(f.ctx, dd)
			if err != nil || p.Code != c.want {
				t.Errorf("%s: %s %v, want %s", c.day, p.Code, err, c.want)
			}
		}
		if _, err := f.q.Policies().For(f.ctx, day(2021, 7, 13)); !errors.Is(err, problem.ErrInvalid) {
			t.Errorf("before the first policy: %v", err)
		}
		yes, no := true, false
		for _, c := range []struct {
			policy     string
			reason     quarantine.Reason
			vaccinated bool
			rule       string
			days, mon  int
			tests      []int
			vacc       *bool
		}{
			{"5599/BYT-MT", quarantine.ReasonF1, true, "f1_facility", 14, 14, []int{1, 7, 14}, nil},
			{"5599/BYT-MT", quarantine.ReasonEntry, false, "f1_facility", 14, 14, []int{1, 7, 14}, nil},
			{"10696/BYT-MT", quarantine.ReasonF1, true, "f1_vaccinated", 7, 7, []int{1, 7}, &yes},
			{"10696/BYT-MT", quarantine.ReasonF1, false, "f1_not_vaccinated", 14, 0, []int{1, 7, 14}, &no},
			{"762/BYT-DP", quarantine.ReasonF1, true, "f1_vaccinated", 5, 5, []int{5}, &yes},
			{"762/BYT-DP", quarantine.ReasonF1, false, "f1_not_vaccinated", 7, 3, []int{7}, &no},
			{"762/BYT-DP", quarantine.ReasonF0, false, "f0_home", 7, 3, []int{7}, nil},
		} {
			p, err := f.q.Policies().Get(f.ctx, c.policy)
			if err != nil {
				t.Fatal(err)
			}
			r, err := p.Apply(c.reason, c.vaccinated)
			if err != nil || r.Name != c.rule || r.Days != c.days || r.MonitorDays != c.mon {
				t.Errorf("%s %s: %+v %v", c.policy, c.reason, r, err)
				continue
			}
			plan := r.Plan(day(2022, 1, 30))
			if len(plan.Tests) != len(c.tests) || plan.PlannedEnd != quarantine.AddDays(day(2022, 1, 30), c.days-1) {
				t.Errorf("%s %s: plan %+v", c.policy, r.Name, plan)
			}
			for i, d := range c.tests {
				if plan.Tests[i].Day != d || plan.Tests[i].Date != quarantine.AddDays(day(2022, 1, 30), d-1) {
					t.Errorf("%s %s: test %d on %+v", c.policy, r.Name, i, plan.Tests[i])
				}
			}
		}
	})
}

// TestEntryOrdersFollowThePolicyInForce: arrivals get the order the
// policy of their arrival day requires, once however often the job runs.
func TestEntryOrdersFollowThePolicyInForce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, at(2021, 8, 2, 9, 0))
		entry := func(p person, arrival string) {
			t.Helper()
			a := mustDate(t, arrival)
			err := f.decls.Insert(f.ctx, f.d, []declaration.Declaration{{ID: "entry-" + p.ID, PersonID: p.ID, Source: "pccovid",
				Kind: declaration.KindEntry, DeclaredAt: f.clock.Now(), Ward: p.Ward, Transport: "FLIGHT", TransportNo: "VN54",
				DepartureDate: a, ArrivalDate: a, BorderGate: "HAN"}})
			if err != nil {
				t.Fatal(err)
			}
		}
		a, b, c := f.people[0], f.people[1], f.people[2]
		entry(a, "2021-08-01")
		f.clock.Set(at(2021, 12, 20, 9, 0))
		entry(b, "2021-12-19")
		f.clock.Set(at(2022, 3, 1, 9, 0))
		entry(c, "2022-03-01")
		f.clock.Set(at(2021, 8, 2, 10, 0)) // the job runs on the first arrival's day
		rep, err := f.q.SyncEntries(f.ctx)
		if err != nil || rep.Issued != 3 {
			t.Fatalf("first sync: %+v %v", rep, err)
		}
		if rep, err = f.q.SyncEntries(f.ctx); err != nil || rep.Read != 0 {
			t.Fatalf("second sync read again: %+v %v", rep, err)
		}
		for _, c := range []struct {
			p            person
			policy, rule string
			place        string
			end          string
		}{{a, "5599/BYT-MT", "f1_facility", quarantine.PlaceFacility, "2021-08-14"},
			{b, "10696/BYT-MT", "entry", quarantine.PlaceHome, "2021-12-25"},
			{c, "762/BYT-DP", "entry", quarantine.PlaceHome, "2022-03-03"}} {
			o := f.mine(c.p)[0]
			if o.Policy != c.policy || o.Rule != c.rule || o.Place != c.place || o.PlannedEnd.String() != c.end || o.Reason != quarantine.ReasonEntry {
				t.Errorf("%s: %s %s %s until %s", c.policy, o.Policy, o.Rule, o.Place, o.PlannedEnd)
			}
		}
	})
}

// TestCaseAndContactsOrders: a case is isolated by 762/BYT-DP; its F1s
// quarantine 5 or 7 days by vaccination; reports, alerts, tests and
// release follow; the decisions print.
func TestCaseAndContactsOrders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, at(2022, 3, 4, 9, 0))
		a, b1, b2, b3 := f.people[0], f.people[1], f.people[2], f.people[3]
		f.visit(a.ID, at(2022, 3, 2, 12, 0))
		f.visit(b1.ID, at(2022, 3, 2, 12, 10))
		f.visit(b2.ID, at(2022, 3, 2, 12, 20))
		f.visit(b3.ID, at(2022, 3, 2, 12, 30))
		f.doses(b1.ID, day(2021, 9, 1), day(2021, 10, 1))  // fully vaccinated
		f.doses(b2.ID, day(2022, 2, 25), day(2022, 2, 28)) // second dose too recent
		f.positive(b3.ID, at(2021, 12, 1, 8, 0))           // recovered within 180 days
		c := f.positive(a.ID, at(2022, 3, 3, 9, 0))
		iso := f.orderOf(a) // issued when the case was registered
		if iso.Kind != quarantine.KindIsolation || iso.Policy != "762/BYT-DP" || iso.Rule != "f0_home" ||
			iso.Start != day(2022, 3, 3) || iso.PlannedEnd != day(2022, 3, 9) {
			t.Fatalf("isolation: %+v", iso.Order)
		}
		req := access.Request{Actor: yte, Purpose: access.PurposeTracing}
		if _, err := f.tracing.Trace(f.ctx, req, c.ID, 1); err != nil {
			t.Fatal(err)
		}
		rep, err := f.q.QuarantineContacts(f.ctx, req, c.ID, nil)
		if err != nil || len(rep.Issued) != 3 {
			t.Fatalf("contacts: %+v %v", rep, err)
		}
		again, err := f.q.QuarantineContacts(f.ctx, req, c.ID, nil)
		if err != nil || len(again.Issued) != 0 || again.Existing != 3 {
			t.Fatalf("issued again: %+v %v", again, err)
		}
		for _, w := range []struct {
			p    person
			rule string
			end  string
		}{{b1, "f1_vaccinated", "2022-03-06"}, {b2, "f1_not_vaccinated", "2022-03-08"}, {b3, "f1_vaccinated", "2022-03-06"}} {
			if o := f.orderOf(w.p); o.Rule != w.rule || o.PlannedEnd.String() != w.end || o.Start != day(2022, 3, 2) {
				t.Errorf("%s: %s until %s from %s", w.rule, o.Rule, o.PlannedEnd, o.Start)
			}
		}
		followUp(t, f, b2)
		isolationEnds(t, f, a, c.ID)
	})
}

// followUp: b2 reports, misses a day, is alerted, tests negative on day 7
// and is released only then.
func followUp(t *testing.T, f *fixture, b2 person) {
	t.Helper()
	o := f.orderOf(b2)
	if _, err := f.q.FileReport(f.ctx, citizen(b2), b2.ID, o.ID, quarantine.ReportForm{Temperature: "45"}); !errors.Is(err, problem.ErrInvalid) {
		t.Fatalf("45 °C accepted: %v", err)
	}
	if _, err := f.q.FileReport(f.ctx, citizen(b2), b2.ID, o.ID, quarantine.ReportForm{Temperature: "36,8"}); err != nil {
		t.Fatal(err) // 4 March
	}
	f.clock.Set(at(2022, 3, 6, 9, 0)) // nothing filed on the 5th
	w, err := f.q.Watch(f.ctx)
	if err != nil || w.MissedReport < 3 { // 2 and 3 March for b2 (before the order was issued), 5 March…
		t.Fatalf("watch: %+v %v", w, err)
	}
	if again, _ := f.q.Watch(f.ctx); again.MissedReport != 0 {
		t.Fatalf("alerts raised twice: %+v", again)
	}
	board, err := f.q.Board(f.ctx, f.officer(b2), "")
	if err != nil || len(board.Confined) == 0 || board.Alerts == 0 {
		t.Fatalf("board: %+v %v", board, err)
	}
	other := "00001"
	if b2.Ward == other {
		other = "00004"
	}
	if _, err := f.q.Board(f.ctx, f.officer(b2), other); !errors.Is(err, problem.ErrForbidden) {
		t.Fatalf("another ward's board: %v", err)
	}
	if _, err := f.q.Release(f.ctx, f.officer(b2), o.ID, ""); !errors.Is(err, problem.ErrInvalid) || !strings.Contains(err.Error(), "08/03/2022") {
		t.Fatalf("released early: %v", err)
	}
	f.clock.Set(at(2022, 3, 8, 9, 0))
	if _, err := f.q.Release(f.ctx, f.officer(b2), o.ID, ""); !errors.Is(err, problem.ErrInvalid) || !strings.Contains(err.Error(), "day 7") {
		t.Fatalf("released without the test: %v", err)
	}
	if _, err := f.q.RecordTest(f.ctx, f.officer(b2), o.ID, quarantine.TestForm{Day: 7, Type: quarantine.TestRAT,
		Result: quarantine.ResultNegative, SampledAt: at(2022, 3, 8, 8, 0)}); err != nil {
		t.Fatal(err)
	}
	done, err := f.q.Release(f.ctx, f.officer(b2), o.ID, "âm tính ngày 7")
	if err != nil || done.Status != quarantine.OrderReleased {
		t.Fatalf("release: %+v %v", done, err)
	}
	if v := f.mine(b2)[0]; v.Phase != quarantine.PhaseMonitoring {
		t.Fatalf("after release: %s", v.Phase)
	}
}

// isolationEnds: the case's rapid test on day 7 is positive: the isolation
// runs to day 10 and ends then without a test; the case recovers.
func isolationEnds(t *testing.T, f *fixture, a person, caseID int64) {
	t.Helper()
	f.clock.Set(at(2022, 3, 9, 10, 0))
	o := f.orderOf(a)
	hq := access.Request{Actor: yte, Purpose: access.PurposeQuarantine}
	v, err := f.q.RecordTest(f.ctx, hq, o.ID, quarantine.TestForm{Day: 7, Type: quarantine.TestRAT, Result: quarantine.ResultPositive,
		SampledAt: at(2022, 3, 9, 8, 0)})
	if err != nil || v.PlannedEnd != day(2022, 3, 12) {
		t.Fatalf("positive on day 7: until %s, %v", v.PlannedEnd, err)
	}
	f.clock.Set(at(2022, 3, 12, 10, 0))
	if _, err := f.q.Release(f.ctx, hq, o.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := f.tracing.CaseOf(f.ctx, a.ID); ok {
		t.Fatal("the case is still current after release")
	}
	pdf, err := f.q.Decisions(f.ctx, hq, []string{o.ID})
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) || pages(pdf) != 1 {
		t.Fatalf("decision: %d pages, %v", pages(pdf), err)
	}
	all, err := f.q.AreaDecisions(f.ctx, access.Request{Actor: yte, Purpose: access.PurposeQuarantine}, "")
	board, _ := f.q.Board(f.ctx, access.Request{Actor: yte, Purpose: access.PurposeQuarantine}, "")
	if err != nil || pages(all) != len(board.Rows) || len(board.Rows) == 0 {
		t.Fatalf("every decision in force: %d pages for %d orders, %v", pages(all), len(board.Rows), err)
	}
}

// TestContactBecomesCase: a positive test in quarantine registers the
// case, whose isolation supersedes the quarantine.
func TestContactBecomesCase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, at(2022, 3, 4, 9, 0))
		a, b := f.people[0], f.people[1]
		f.visit(a.ID, at(2022, 3, 2, 12, 0))
		f.visit(b.ID, at(2022, 3, 2, 12, 10))
		c := f.positive(a.ID, at(2022, 3, 3, 9, 0))
		req := access.Request{Actor: yte, Purpose: access.PurposeTracing}
		if _, err := f.tracing.Trace(f.ctx, req, c.ID, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.q.QuarantineContacts(f.ctx, req, c.ID, nil); err != nil {
			t.Fatal(err)
		}
		q := f.orderOf(b)
		f.clock.Set(at(2022, 3, 8, 9, 0))
		if _, err := f.q.RecordTest(f.ctx, f.officer(b), q.ID, quarantine.TestForm{Day: 7, Type: quarantine.TestRAT,
			Result: quarantine.ResultPositive, SampledAt: at(2022, 3, 8, 8, 0)}); err != nil {
			t.Fatal(err)
		}
		now := f.orderOf(b)
		if now.Kind != quarantine.KindIsolation || now.Start != day(2022, 3, 8) {
			t.Fatalf("after a positive test: %+v", now.Order)
		}
		if old := f.mine(b)[1]; old.ID != q.ID || old.Status != quarantine.OrderCancelled {
			t.Fatalf("the quarantine: %+v", old.Order)
		}
	})
}

// pages counts the pages of a PDF.
func pages(pdf []byte) int {
	return len(regexp.MustCompile(`/Type /Page[^s]`).FindAll(pdf, -1))
}
