package risk_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/risk"
	"github.com/pccovid/pccovid/internal/vn"
)

// vnTime is a time in Vietnam.
func vnTime(y, m, d, hh, mm int) time.Time {
	return time.Date(y, time.Month(m), d, hh, mm, 0, 0, vn.Location())
}

// now is the moment most cases are evaluated at: 20 November 2021, 10:00.
var now = vnTime(2021, 11, 20, 10, 0)

const (
	astra   = "EU/1/21/1529"
	pfizer  = "EU/1/20/1528"
	janssen = "EU/1/20/1525"
)

func dose(n int, product string, daysAgo int) health.Dose {
	t := now.AddDate(0, 0, -daysAgo)
	return health.Dose{Number: n, Product: product, Date: vn.Date{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}}
}

func test(kind string, positive bool, sampledAgo time.Duration) health.Test {
	return health.Test{Type: kind, Positive: positive, SampledAt: now.Add(-sampledAgo), ResultAt: now.Add(-sampledAgo + time.Hour)}
}

func day(d health.Dose) time.Time { return d.Date.Time() }

func withRules(f func(*risk.RuleSet)) risk.RuleSet {
	r := risk.Default()
	f(&r)
	return r
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	const h = time.Hour
	first, second := dose(1, astra, 60), dose(2, astra, 14)
	recentSecond := dose(2, astra, 13)
	cases := []struct {
		name   string
		facts  risk.Facts
		rules  risk.RuleSet
		at     time.Time
		level  risk.Level
		reason risk.Reason
		since  time.Time
		until  time.Time
		next   risk.Level
		nextAt time.Time
	}{
		{name: "nothing known is red", level: risk.Red, reason: risk.ReasonNoProtection},
		{name: "one dose 14 days ago is yellow", facts: risk.Facts{Doses: []health.Dose{dose(1, astra, 14)}},
			level: risk.Yellow, reason: risk.ReasonOneDose, since: day(dose(1, astra, 14))},
		{name: "one dose 13 days ago is red, yellow tomorrow", facts: risk.Facts{Doses: []health.Dose{dose(1, astra, 13)}},
			level: risk.Red, reason: risk.ReasonWaiting, since: day(dose(1, astra, 13)), next: risk.Yellow, nextAt: vnTime(2021, 11, 21, 0, 0)},
		{name: "a dose counts from midnight of its 14th day", facts: risk.Facts{Doses: []health.Dose{dose(1, astra, 14)}},
			at: vnTime(2021, 11, 20, 0, 0), level: risk.Yellow, reason: risk.ReasonOneDose, since: day(dose(1, astra, 14))},
		{name: "and not a millisecond before", facts: risk.Facts{Doses: []health.Dose{dose(1, astra, 14)}},
			at: vnTime(2021, 11, 20, 0, 0).Add(-time.Millisecond), level: risk.Red, reason: risk.ReasonWaiting,
			since: day(dose(1, astra, 14)), next: risk.Yellow, nextAt: vnTime(2021, 11, 20, 0, 0)},
		{name: "two doses, the second 14 days ago, is green", facts: risk.Facts{Doses: []health.Dose{first, second}},
			level: risk.Green, reason: risk.ReasonFullCourse, since: day(second)},
		{name: "second dose 13 days ago: yellow, green tomorrow", facts: risk.Facts{Doses: []health.Dose{first, recentSecond}},
			level: risk.Yellow, reason: risk.ReasonOneDose, since: day(first), next: risk.Green, nextAt: vnTime(2021, 11, 21, 0, 0)},
		{name: "the same dose from two old apps is one dose", facts: risk.Facts{Doses: []health.Dose{first, dose(2, astra, 60)}},
			level: risk.Yellow, reason: risk.ReasonOneDose, since: day(first)},
		{name: "one dose of Janssen 14 days ago is green", facts: risk.Facts{Doses: []health.Dose{dose(1, janssen, 14)}},
			level: risk.Green, reason: risk.ReasonFullCourse, since: day(dose(1, janssen, 14))},
		{name: "Janssen 13 days ago: red, green tomorrow", facts: risk.Facts{Doses: []health.Dose{dose(1, janssen, 13)}},
			level: risk.Red, reason: risk.ReasonWaiting, since: day(dose(1, janssen, 13)), next: risk.Green, nextAt: vnTime(2021, 11, 21, 0, 0)},
		{name: "mixed vaccines make a course", facts: risk.Facts{Doses: []health.Dose{first, dose(2, pfizer, 20)}},
			level: risk.Green, reason: risk.ReasonFullCourse, since: day(dose(2, pfizer, 20))},
		{name: "a dose known only to the month counts from the month's end", facts: risk.Facts{Doses: []health.Dose{
			{Number: 1, Product: astra, Date: vn.Date{Year: 2021, Month: 11}}}},
			level: risk.Red, reason: risk.ReasonWaiting, since: vnTime(2021, 11, 30, 0, 0), next: risk.Yellow, nextAt: vnTime(2021, 12, 14, 0, 0)},
		{name: "recovered 180 days ago is green to the last instant", facts: risk.Facts{RecoveredAt: now.AddDate(0, 0, -180)},
			level: risk.Green, reason: risk.ReasonRecovered, since: now.AddDate(0, 0, -180), until: now},
		{name: "recovered 180 days and a millisecond ago is red", facts: risk.Facts{RecoveredAt: now.AddDate(0, 0, -180).Add(-time.Millisecond)},
			level: risk.Red, reason: risk.ReasonNoProtection},
		{name: "a recovery does not count when the rules say 0 days", facts: risk.Facts{RecoveredAt: now.AddDate(0, 0, -1)},
			rules: withRules(func(r *risk.RuleSet) { r.RecoveryDays = 0 }), level: risk.Red, reason: risk.ReasonNoProtection},
		{name: "a negative PCR 72 hours ago is yellow to the last instant", facts: risk.Facts{Tests: []health.Test{test("PCR", false, 72*h)}},
			level: risk.Yellow, reason: risk.ReasonNegativeTest, since: now.Add(-72 * h), until: now},
		{name: "a negative PCR 72 hours and a millisecond ago is red", facts: risk.Facts{Tests: []health.Test{test("PCR", false, 72*h+time.Millisecond)}},
			level: risk.Red, reason: risk.ReasonNoProtection},
		{name: "a rapid test does not count by default", facts: risk.Facts{Tests: []health.Test{test("RAT", false, h)}},
			level: risk.Red, reason: risk.ReasonNoProtection},
		{name: "a rapid test counts when the rules say so", facts: risk.Facts{Tests: []health.Test{test("RAT", false, 2*h)}},
			rules: withRules(func(r *risk.RuleSet) { r.TestTypes = []string{"PCR", "RAT"}; r.NegativeTestHours = 24 }),
			level: risk.Yellow, reason: risk.ReasonNegativeTest, since: now.Add(-2 * h), until: now.Add(22 * h)},
		{name: "a result not out yet does not count", facts: risk.Facts{Tests: []health.Test{{Type: "PCR", SampledAt: now.Add(-h), ResultAt: now.Add(h)}}},
			level: risk.Red, reason: risk.ReasonNoProtection},
		{name: "the newest negative test sets the window", facts: risk.Facts{Tests: []health.Test{test("PCR", false, 70*h), test("PCR", false, 10*h)}},
			level: risk.Yellow, reason: risk.ReasonNegativeTest, since: now.Add(-10 * h), until: now.Add(62 * h)},
		{name: "a dose outranks a test: it does not lapse", facts: risk.Facts{Doses: []health.Dose{first}, Tests: []health.Test{test("PCR", false, h)}},
			level: risk.Yellow, reason: risk.ReasonOneDose, since: day(first)},
		{name: "a test during a dose's waiting days is yellow until the dose counts", facts: risk.Facts{
			Doses: []health.Dose{dose(1, astra, 2)}, Tests: []health.Test{test("PCR", false, h)}},
			level: risk.Yellow, reason: risk.ReasonNegativeTest, since: now.Add(-h), until: now.Add(71 * h), next: "", nextAt: time.Time{}},
		{name: "a positive test makes even the vaccinated red", facts: risk.Facts{Doses: []health.Dose{first, second}, Tests: []health.Test{test("PCR", true, 72*h)}},
			level: risk.Red, reason: risk.ReasonPositiveTest, since: now.Add(-72 * h), until: now.Add(-72*h).AddDate(0, 0, 14)},
		{name: "a positive rapid test counts too", facts: risk.Facts{Tests: []health.Test{test("RAT", true, h)}},
			level: risk.Red, reason: risk.ReasonPositiveTest, since: now.Add(-h), until: now.Add(-h).AddDate(0, 0, 14)},
		{name: "a negative PCR after the positive one ends it", facts: risk.Facts{Doses: []health.Dose{first, second},
			Tests: []health.Test{test("PCR", true, 100*h), test("PCR", false, 24*h)}},
			level: risk.Green, reason: risk.ReasonFullCourse, since: day(second)},
		{name: "a positive test older than the window no longer counts", facts: risk.Facts{Doses: []health.Dose{first, second},
			Tests: []health.Test{test("PCR", true, 15*24*h)}},
			level: risk.Green, reason: risk.ReasonFullCourse, since: day(second)},
		{name: "a recovery after the positive test ends it", facts: risk.Facts{RecoveredAt: now.Add(-h), Tests: []health.Test{test("PCR", true, 5*24*h)}},
			level: risk.Green, reason: risk.ReasonRecovered, since: now.Add(-h), until: now.Add(-h).AddDate(0, 0, 180)},
		{name: "a current case shows instead of green", facts: risk.Facts{Doses: []health.Dose{first, second},
			Case: &risk.CaseFact{Since: now.Add(-48 * h), Ref: "BN1"}},
			level: risk.Case, reason: risk.ReasonCase, since: now.Add(-48 * h)},
		{name: "quarantine shows instead of green", facts: risk.Facts{Doses: []health.Dose{first, second},
			Quarantine: &risk.QuarantineFact{Since: now.Add(-24 * h), Until: now.AddDate(0, 0, 6)}},
			level: risk.Quarantine, reason: risk.ReasonQuarantine, since: now.Add(-24 * h), until: now.AddDate(0, 0, 6)},
		{name: "a case outranks quarantine", facts: risk.Facts{Case: &risk.CaseFact{Since: now.Add(-h)},
			Quarantine: &risk.QuarantineFact{Since: now.Add(-24 * h)}},
			level: risk.Case, reason: risk.ReasonCase, since: now.Add(-h)},
		{name: "three doses needed: two are yellow", facts: risk.Facts{Doses: []health.Dose{first, second}},
			rules: withRules(func(r *risk.RuleSet) { r.DosesNeeded = 3 }), level: risk.Yellow, reason: risk.ReasonOneDose, since: day(first)},
		{name: "seven days after a dose under rules of 7", facts: risk.Facts{Doses: []health.Dose{dose(1, astra, 60), dose(2, astra, 7)}},
			rules: withRules(func(r *risk.RuleSet) { r.DaysAfterDose = 7 }), level: risk.Green, reason: risk.ReasonFullCourse, since: day(dose(2, astra, 7))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rules, at := c.rules, c.at
			if rules.ID == "" {
				rules = risk.Default()
			}
			if at.IsZero() {
				at = now
			}
			st := risk.Evaluate(c.facts, rules, at)
			if st.Level != c.level || st.Reason != c.reason {
				t.Fatalf("got %s (%s), want %s (%s)", st.Level, st.Reason, c.level, c.reason)
			}
			if !st.Since.Equal(c.since) || !st.Until.Equal(c.until) {
				t.Errorf("since %v until %v, want %v until %v", st.Since, st.Until, c.since, c.until)
			}
			if st.Next != c.next || !st.NextAt.Equal(c.nextAt) {
				t.Errorf("next %q at %v, want %q at %v", st.Next, st.NextAt, c.next, c.nextAt)
			}
			if st.Rules.ID != rules.ID {
				t.Errorf("rules %q applied, want %q", st.Rules.ID, rules.ID)
			}
		})
	}
}

func TestEvaluateCountsDistinctDoses(t *testing.T) {
	t.Parallel()
	f := risk.Facts{Doses: []health.Dose{dose(1, astra, 60), dose(1, astra, 60), dose(2, astra, 30), {Number: 3}}}
	if st := risk.Evaluate(f, risk.Default(), now); st.Doses != 2 {
		t.Fatalf("doses = %d, want 2 (a copy and an undated record do not count)", st.Doses)
	}
}

// ExampleEvaluate shows the card of a person whose second dose was given
// 20 days ago.
func ExampleEvaluate() {
	facts := risk.Facts{Doses: []health.Dose{
		{Number: 1, Product: "EU/1/21/1529", Date: vn.Date{Year: 2021, Month: 9, Day: 1}},
		{Number: 2, Product: "EU/1/21/1529", Date: vn.Date{Year: 2021, Month: 10, Day: 31}},
	}}
	st := risk.Evaluate(facts, risk.Default(), time.Date(2021, 11, 20, 10, 0, 0, 0, vn.Location()))
	fmt.Println(st.Level, st.Reason, st.Doses, st.Since.Format("02/01/2006"))
	// Output: green full_course 2 31/10/2021
}
