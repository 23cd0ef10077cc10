// Package risk decides the colour of a person's status card — green,
// yellow or red, or "current case" and "in quarantine", which show instead —
// and says why, and under which rules.
//
// The rules are data, not code ([RuleSet]): versions for the whole country
// or for one province, each in force from its effective date, kept in the
// risk_rule_sets table and seeded with PC-Covid's defaults. An authority
// adds a version in the console without a release ([Service.AddRules]).
//
// Evaluation is a pure function, [Evaluate], of the facts about a person
// ([Facts]: doses, tests, and whether they are a case, in quarantine or
// recovered), the rules, and the time. [Service.Assess] gathers the facts —
// doses and tests from package health, the rest from the optional
// [CaseSource], [QuarantineSource] and [RecoverySource] other packages
// provide — and computes the card on every call: nothing is cached, so a
// dose recorded a second ago shows at once.
package risk

import (
	"slices"
	"time"

	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/vn"
)

// Level is what the card shows.
type Level string

// The levels. Case and Quarantine replace the colour while they last.
const (
	Green      Level = "green"
	Yellow     Level = "yellow"
	Red        Level = "red"
	Case       Level = "case"       // a current case (F0)
	Quarantine Level = "quarantine" // under a quarantine or isolation order
)

// Reason says which fact decided the level.
type Reason string

// The reasons.
const (
	ReasonCase         Reason = "case"
	ReasonQuarantine   Reason = "quarantine"
	ReasonPositiveTest Reason = "positive_test"
	ReasonFullCourse   Reason = "full_course"   // vaccinated with a full course
	ReasonRecovered    Reason = "recovered"     // recovered from COVID-19
	ReasonOneDose      Reason = "one_dose"      // at least one dose
	ReasonNegativeTest Reason = "negative_test" // a recent negative test
	ReasonWaiting      Reason = "waiting"       // has doses, none counted yet
	ReasonNoProtection Reason = "none"          // no doses, test or recovery that count
)

// CaseFact says a person is a current case (F0).
type CaseFact struct {
	Since time.Time // when the case was confirmed
	Ref   string    // the case's reference, e.g. "BN12345"
}

// QuarantineFact says a person is under a quarantine or isolation order.
type QuarantineFact struct {
	Since, Until time.Time // Until is zero when the order has no end date yet
	Kind         string    // what kind of order, as the quarantine package names it
}

// Facts are what the status of one person is decided from.
type Facts struct {
	Doses []health.Dose
	Tests []health.Test
	// Case and Quarantine are nil when the person is not a current case or
	// under an order (or when no package answers).
	Case       *CaseFact
	Quarantine *QuarantineFact
	// RecoveredAt is when the person last recovered (was released from
	// treatment); zero when never, or unknown.
	RecoveredAt time.Time
}

// Status is the card: the level, why, since and until when, what it will
// become on its own, and under which rules.
type Status struct {
	Level  Level
	Reason Reason
	// Doses is how many distinct doses the person has had (two records of
	// one day, from two old apps, are one dose).
	Doses int
	// Since is when the deciding fact happened: the day of the dose that
	// counted, the sample time of the test, the recovery, the case or the
	// order. Zero for ReasonNoProtection.
	Since time.Time
	// Until is when the level lapses on its own (a test's window, the
	// recovery window, the end of an order); zero when it does not.
	Until time.Time
	// Next and NextAt say which better level the card reaches on its own,
	// and when: a dose that is still in its waiting days. Next is "" when
	// nothing is pending.
	Next   Level
	NextAt time.Time
	// Rules is the rule set applied.
	Rules RuleSet
}

// Evaluate decides the status from facts under rules at now. It is a pure
// function: same arguments, same status.
//
// In order: a current case, then an order, show instead of a colour; a
// positive test within the rules' window (not followed by a negative test
// or a recovery) is red; green is a full course at least DaysAfterDose
// days old, or a recovery within RecoveryDays; yellow is one dose at least
// DaysAfterDose days old, or a negative test of a counted type within
// NegativeTestHours; red otherwise. Dose days are Vietnam calendar days: a
// dose on 1 November counts from 15 November, 00:00 Vietnam time. Windows
// of tests and recovery include their last instant.
func Evaluate(facts Facts, rules RuleSet, now time.Time) Status {
	doses := distinctDoses(facts.Doses, rules)
	st := Status{Rules: rules, Doses: len(doses)}
	switch {
	case facts.Case != nil:
		st.Level, st.Reason, st.Since = Case, ReasonCase, facts.Case.Since
		return st
	case facts.Quarantine != nil:
		st.Level, st.Reason, st.Since, st.Until = Quarantine, ReasonQuarantine, facts.Quarantine.Since, facts.Quarantine.Until
		return st
	}
	if t, ok := recentPositive(facts, rules, now); ok {
		st.Level, st.Reason, st.Since, st.Until = Red, ReasonPositiveTest, t, t.AddDate(0, 0, rules.PositiveTestDays)
		return st
	}
	vaccine := vaccineCourse(doses, rules)
	switch {
	case vaccine.full && !now.Before(vaccine.fullFrom):
		st.Level, st.Reason, st.Since = Green, ReasonFullCourse, vaccine.fullDay
	case recovered(facts.RecoveredAt, rules, now):
		st.Level, st.Reason, st.Since, st.Until = Green, ReasonRecovered, facts.RecoveredAt, facts.RecoveredAt.AddDate(0, 0, rules.RecoveryDays)
	case len(doses) > 0 && !now.Before(vaccine.firstFrom):
		st.Level, st.Reason, st.Since = Yellow, ReasonOneDose, doses[0].day
	default:
		if t, ok := recentNegative(facts.Tests, rules, now); ok {
			st.Level, st.Reason, st.Since, st.Until = Yellow, ReasonNegativeTest, t, t.Add(time.Duration(rules.NegativeTestHours)*time.Hour)
		} else {
			st.Level, st.Reason = Red, ReasonNoProtection
			if len(doses) > 0 {
				st.Reason, st.Since = ReasonWaiting, doses[len(doses)-1].day
			}
		}
	}
	st.Next, st.NextAt = vaccine.next(st.Level, now)
	return st
}

// dose is one distinct vaccination day.
type dose struct {
	day     time.Time // midnight, Vietnam time
	oneDose bool      // a vaccine whose one dose is a full course
}

// distinctDoses returns the person's vaccination days, oldest first: the
// copies of a dose that several old apps sent are one day.
func distinctDoses(ds []health.Dose, rules RuleSet) []dose {
	var out []dose
	for _, d := range ds {
		if d.Date.IsZero() {
			continue
		}
		day, one := dayOf(d.Date), slices.Contains(rules.OneDoseProducts, d.Product)
		if i := slices.IndexFunc(out, func(x dose) bool { return x.day.Equal(day) }); i >= 0 {
			out[i].oneDose = out[i].oneDose || one
			continue
		}
		out = append(out, dose{day: day, oneDose: one})
	}
	slices.SortFunc(out, func(a, b dose) int { return a.day.Compare(b.day) })
	return out
}

// dayOf is the start of a dose's day in Vietnam. A date known only to the
// month or year (old records) is taken at its last day, so that it never
// counts too early.
func dayOf(d vn.Date) time.Time {
	switch {
	case d.Month == 0:
		return time.Date(d.Year, 12, 31, 0, 0, 0, 0, vn.Location())
	case d.Day == 0:
		return time.Date(d.Year, time.Month(d.Month)+1, 0, 0, 0, 0, 0, vn.Location())
	}
	return d.Time()
}

// course is what the doses give under the rules.
type course struct {
	full      bool
	fullDay   time.Time // the dose that completed the course
	fullFrom  time.Time // when that dose counts
	firstFrom time.Time // when the first dose counts
	any       bool
}

func vaccineCourse(doses []dose, rules RuleSet) course {
	var c course
	if len(doses) == 0 {
		return c
	}
	c.any, c.firstFrom = true, doses[0].day.AddDate(0, 0, rules.DaysAfterDose)
	for i, d := range doses {
		if d.oneDose || i+1 >= rules.DosesNeeded {
			c.full, c.fullDay, c.fullFrom = true, d.day, d.day.AddDate(0, 0, rules.DaysAfterDose)
			break
		}
	}
	return c
}

// next says which better level doses still in their waiting days will
// bring, and when: green when the full course counts, else yellow when the
// first dose does.
func (c course) next(level Level, now time.Time) (Level, time.Time) {
	switch {
	case c.full && level != Green && now.Before(c.fullFrom):
		if level == Red && now.Before(c.firstFrom) && c.firstFrom.Before(c.fullFrom) {
			return Yellow, c.firstFrom
		}
		return Green, c.fullFrom
	case c.any && level == Red && now.Before(c.firstFrom):
		return Yellow, c.firstFrom
	}
	return "", time.Time{}
}

func recovered(at time.Time, rules RuleSet, now time.Time) bool {
	return rules.RecoveryDays > 0 && !at.IsZero() && !at.After(now) && !now.After(at.AddDate(0, 0, rules.RecoveryDays))
}

// recentNegative returns the sample time of the newest negative test of a
// counted type whose window includes now.
func recentNegative(tests []health.Test, rules RuleSet, now time.Time) (time.Time, bool) {
	var best time.Time
	window := time.Duration(rules.NegativeTestHours) * time.Hour
	for _, t := range tests {
		if t.Positive || !counts(t, rules, now) || now.After(t.SampledAt.Add(window)) {
			continue
		}
		if t.SampledAt.After(best) {
			best = t.SampledAt
		}
	}
	return best, rules.NegativeTestHours > 0 && !best.IsZero()
}

// counts reports whether a test's result may be used at now: a type the
// rules count, sampled and resulted by now.
func counts(t health.Test, rules RuleSet, now time.Time) bool {
	return slices.Contains(rules.TestTypes, t.Type) && !t.SampledAt.After(now) && !t.ResultAt.After(now)
}

// recentPositive returns the sample time of a positive test (of any type:
// a positive rapid test matters too) within the rules' window, unless a
// counted negative test was sampled after it or the person recovered after
// it.
func recentPositive(f Facts, rules RuleSet, now time.Time) (time.Time, bool) {
	if rules.PositiveTestDays <= 0 {
		return time.Time{}, false
	}
	var pos time.Time
	for _, t := range f.Tests {
		if t.Positive && !t.SampledAt.After(now) && !t.ResultAt.After(now) && t.SampledAt.After(pos) {
			pos = t.SampledAt
		}
	}
	if pos.IsZero() || now.After(pos.AddDate(0, 0, rules.PositiveTestDays)) || f.RecoveredAt.After(pos) {
		return time.Time{}, false
	}
	for _, t := range f.Tests {
		if !t.Positive && counts(t, rules, now) && t.SampledAt.After(pos) {
			return time.Time{}, false
		}
	}
	return pos, true
}
