package quarantine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Reason is why a person is ordered to isolate or quarantine.
type Reason string

// The reasons.
const (
	ReasonF0    Reason = "f0"    // a confirmed case: isolation
	ReasonF1    Reason = "f1"    // a close contact of a case: quarantine
	ReasonEntry Reason = "entry" // an arrival from abroad: quarantine
)

// Kind is isolation (of a case) or quarantine (of someone who may be
// infected).
type Kind string

// The kinds.
const (
	KindIsolation  Kind = "isolation"
	KindQuarantine Kind = "quarantine"
)

// Where the order is spent.
const (
	PlaceHome     = "home"
	PlaceFacility = "facility"
)

// Test types.
const (
	TestPCR = "PCR"
	TestRAT = "RAT"
)

// Appointment is a test a rule schedules, on a day of the order (day 1 is
// the first day).
type Appointment struct {
	Day  int    `json:"day"`
	Type string `json:"type"`
}

// Release says when an order ends. Without a test day it ends after its
// last day. With one, it ends once a negative test of that type (or a PCR)
// taken on or after that day is on record; when that test is positive
// instead, the order runs to OtherwiseDays and then ends without a test
// (762/BYT-DP: a home F0 positive on day 7 isolates to day 10).
type Release struct {
	TestDay       int    `json:"test_day,omitempty"`
	TestType      string `json:"test_type,omitempty"`
	OtherwiseDays int    `json:"otherwise_days,omitempty"`
}

// Rule is one branch of a policy: for whom (reasons, vaccinated or not),
// and what it orders.
type Rule struct {
	Name    string   `json:"name"`
	Reasons []Reason `json:"reasons"`
	// Vaccinated, when set, limits the rule to people who are (true) or
	// are not (false) fully vaccinated or recently recovered.
	Vaccinated  *bool         `json:"vaccinated,omitempty"`
	Kind        Kind          `json:"kind"`
	Place       string        `json:"place"`
	Days        int           `json:"days"`
	MonitorDays int           `json:"monitor_days"`
	Tests       []Appointment `json:"tests"`
	Release     Release       `json:"release"`
}

// Vaccination says who counts as protected: fully vaccinated at least
// MinDaysAfterLastDose days before, or recovered from a case sampled
// within RecoveredWithinDays.
type Vaccination struct {
	MinDaysAfterLastDose int `json:"min_days_after_last_dose"`
	RecoveredWithinDays  int `json:"recovered_within_days"`
}

// Policy is one version of the quarantine guidance.
type Policy struct {
	Code          string  `json:"-"`
	EffectiveFrom vn.Date `json:"-"`
	TitleVi       string  `json:"-"`
	TitleEn       string  `json:"-"`

	Vaccination Vaccination `json:"vaccination"`
	Rules       []Rule      `json:"rules"`
}

// Title returns the policy's title in lang.
func (p Policy) Title(lang string) string {
	if lang == "en" && p.TitleEn != "" {
		return p.TitleEn
	}
	return p.TitleVi
}

// ParsePolicy reads a policy's rules (JSON) and checks them.
func ParsePolicy(code string, from vn.Date, titleVi, titleEn string, data []byte) (Policy, error) {
	p := Policy{Code: code, EffectiveFrom: from, TitleVi: titleVi, TitleEn: titleEn}
	if err := json.Unmarshal(data, &p); err != nil {
		return p, problem.Field("rules", "Chính sách không đúng định dạng JSON: "+err.Error(), "the policy is not valid JSON: "+err.Error())
	}
	return p, p.check()
}

func (p Policy) check() error {
	var errs problem.Fields
	bad := func(field, vi, en string) { errs.Add(problem.Field(field, vi, en)) }
	if p.Code == "" || p.TitleVi == "" {
		bad("code", "Chính sách cần số hiệu văn bản và tên", "a policy needs its document number and a title")
	}
	if p.EffectiveFrom.Day == 0 {
		bad("effective_from", "Cần ngày hiệu lực đầy đủ", "a full effective date is needed")
	}
	if len(p.Rules) == 0 {
		bad("rules", "Chính sách cần ít nhất một quy tắc", "a policy needs at least one rule")
	}
	for i, r := range p.Rules {
		if err := r.check(); err != nil {
			bad(fmt.Sprintf("rules[%d]", i), "Quy tắc "+r.Name+": "+err.Error(), "rule "+r.Name+": "+err.Error())
		}
	}
	return errs.Err()
}

func (r Rule) check() error {
	switch {
	case r.Name == "":
		return fmt.Errorf("no name")
	case len(r.Reasons) == 0:
		return fmt.Errorf("no reasons")
	case r.Kind != KindIsolation && r.Kind != KindQuarantine:
		return fmt.Errorf("kind must be isolation or quarantine")
	case r.Place != PlaceHome && r.Place != PlaceFacility:
		return fmt.Errorf("place must be home or facility")
	case r.Days < 1 || r.Days > 60 || r.MonitorDays < 0 || r.MonitorDays > 60:
		return fmt.Errorf("days must be 1–60, monitoring days 0–60")
	case r.Release.TestDay < 0 || r.Release.TestDay > r.Days:
		return fmt.Errorf("the release test must fall within the days")
	case r.Release.OtherwiseDays != 0 && r.Release.OtherwiseDays < r.Days:
		return fmt.Errorf("otherwise_days must be at least days")
	}
	for _, a := range r.Tests {
		if a.Day < 1 || a.Day > r.Days || (a.Type != TestPCR && a.Type != TestRAT) {
			return fmt.Errorf("a test must be PCR or RAT on a day of the order")
		}
	}
	return nil
}

// Apply picks the rule for a reason and vaccination status: the first that
// matches, in the policy's order.
func (p Policy) Apply(reason Reason, vaccinated bool) (Rule, error) {
	for _, r := range p.Rules {
		if slices.Contains(r.Reasons, reason) && (r.Vaccinated == nil || *r.Vaccinated == vaccinated) {
			return r, nil
		}
	}
	return Rule{}, problem.Field("reason", fmt.Sprintf("Chính sách %s không có quy định cho trường hợp này", p.Code),
		fmt.Sprintf("policy %s has no rule for this case", p.Code))
}

// Rule returns a rule of the policy by name.
func (p Policy) Rule(name string) (Rule, bool) {
	for _, r := range p.Rules {
		if r.Name == name {
			return r, true
		}
	}
	return Rule{}, false
}

// Plan is what a rule orders from a first day.
type Plan struct {
	Start        vn.Date
	PlannedEnd   vn.Date // the last day of isolation or quarantine
	MonitorUntil vn.Date // the last day of self-monitoring (= PlannedEnd when none)
	Tests        []Due
}

// Due is a test appointment on a date.
type Due struct {
	Day  int
	Date vn.Date
	Type string
}

// Plan computes the dates of a rule from a first day.
func (r Rule) Plan(start vn.Date) Plan {
	p := Plan{Start: start, PlannedEnd: AddDays(start, r.Days-1)}
	p.MonitorUntil = AddDays(p.PlannedEnd, r.MonitorDays)
	for _, a := range r.Tests {
		p.Tests = append(p.Tests, Due{Day: a.Day, Date: AddDays(start, a.Day-1), Type: a.Type})
	}
	return p
}

// AddDays returns the date n days after d (before, for negative n).
func AddDays(d vn.Date, n int) vn.Date {
	return DateOf(d.Time().AddDate(0, 0, n))
}

// DateOf is the date of t in Vietnam.
func DateOf(t time.Time) vn.Date {
	t = t.In(vn.Location())
	return vn.Date{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}
}

// DaysBetween counts the days from a to b (b − a).
func DaysBetween(a, b vn.Date) int {
	return int(b.Time().Sub(a.Time()).Round(time.Hour).Hours() / 24)
}

// Policies reads the versions of the guidance.
type Policies struct {
	db *db.DB
}

// For returns the policy in force on day: the latest effective on or
// before it. No policy before the first is an error that says so.
func (b Policies) For(ctx context.Context, day vn.Date) (Policy, error) {
	ps, err := b.query(ctx, "WHERE effective_from <= $1 ORDER BY effective_from DESC, code DESC LIMIT 1", day.String())
	if err != nil {
		return Policy{}, err
	}
	if len(ps) == 0 {
		return Policy{}, problem.Field("start", fmt.Sprintf("Chưa có chính sách cách ly nào có hiệu lực vào ngày %s", day),
			fmt.Sprintf("no quarantine policy was in force on %s", day))
	}
	return ps[0], nil
}

// Get returns a policy by its code.
func (b Policies) Get(ctx context.Context, code string) (Policy, error) {
	ps, err := b.query(ctx, "WHERE code = $1", code)
	if err != nil {
		return Policy{}, err
	}
	if len(ps) == 0 {
		return Policy{}, fmt.Errorf("quarantine: policy %s: %w", code, problem.ErrNotFound)
	}
	return ps[0], nil
}

// All returns every version, newest first.
func (b Policies) All(ctx context.Context) ([]Policy, error) {
	return b.query(ctx, "ORDER BY effective_from DESC, code DESC")
}

// Add stores a new policy. Policies are never edited: a change is a new
// version, so every order keeps the rule it was computed by.
func (b Policies) Add(ctx context.Context, p Policy, now time.Time) error {
	if err := p.check(); err != nil {
		return err
	}
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = b.db.Exec(ctx, `INSERT INTO quarantine_policies (code, effective_from, title_vi, title_en, rules, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, p.Code, p.EffectiveFrom.String(), p.TitleVi, p.TitleEn, string(data), db.Millis(now))
	if db.IsUniqueViolation(err) {
		return problem.Field("code", "Chính sách này đã có", "that policy exists")
	}
	return err
}

func (b Policies) query(ctx context.Context, where string, args ...any) ([]Policy, error) {
	rows, err := b.db.Query(ctx, "SELECT code, effective_from, title_vi, title_en, rules FROM quarantine_policies "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("quarantine: policies: %w", err)
	}
	defer rows.Close()
	var out []Policy
	for rows.Next() {
		var code, from, vi, en, data string
		if err := rows.Scan(&code, &from, &vi, &en, &data); err != nil {
			return nil, err
		}
		d, err := vn.ParseDate(from)
		if err != nil {
			return nil, fmt.Errorf("quarantine: policy %s: %w", code, err)
		}
		p, err := ParsePolicy(code, d, vi, en, []byte(data))
		if err != nil {
			return nil, fmt.Errorf("quarantine: stored policy %s: %w", code, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
