package risk

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Country is the scope of rules for the whole country.
const Country = "VN"

// RuleSet is one version of the rules, for the whole country or one
// province, in force from EffectiveFrom until a newer version of the same
// scope is.
type RuleSet struct {
	ID   string
	Name string
	// Scope is Country or a province's 2-digit code. A province's version in
	// force overrides the country's.
	Scope string
	// EffectiveFrom is midnight, Vietnam time, of the first day in force.
	EffectiveFrom time.Time
	// DaysAfterDose is how many days after a dose it counts: the dose that
	// completes a course for green, the first dose for yellow.
	DaysAfterDose int
	// DosesNeeded is how many doses make a full course, except for the
	// one-dose vaccines of OneDoseProducts (EU value-set codes).
	DosesNeeded     int
	OneDoseProducts []string
	// RecoveryDays is how long after recovery the card is green; 0: a
	// recovery does not count.
	RecoveryDays int
	// NegativeTestHours is how long after its sample a negative test of one
	// of TestTypes makes the card yellow; 0: tests do not count.
	NegativeTestHours int
	TestTypes         []string
	// PositiveTestDays is how long after its sample a positive test keeps
	// the card red, when no case has been opened (yet); 0: not used.
	PositiveTestDays int
	CreatedBy        string // the official's user name; "migration" for the seed
	CreatedAt        time.Time
}

// Default returns PC-Covid's rules as the migration seeds them: green 14
// days after two doses (or one of Janssen's EU/1/20/1525) or within 180 days
// of recovery; yellow 14 days after one dose or within 72 hours of a
// negative PCR; red otherwise, and for 14 days after a positive test.
func Default() RuleSet {
	from := health.FirstVaccinationDay.Time()
	return RuleSet{ID: "vn-default-2021", Name: "Quy định mặc định của PC-Covid", Scope: Country, EffectiveFrom: from,
		DaysAfterDose: 14, DosesNeeded: 2, OneDoseProducts: []string{"EU/1/20/1525"}, RecoveryDays: 180,
		NegativeTestHours: 72, TestTypes: []string{health.PCR}, PositiveTestDays: 14, CreatedBy: "migration", CreatedAt: from}
}

// Select returns the rules in force at now for a person who lives in
// province: the newest version in force of the province's, or else of the
// country's. Of two versions in force from the same day, the one added
// later wins. ok is false when no version is in force.
func Select(sets []RuleSet, province string, now time.Time) (RuleSet, bool) {
	var country, local RuleSet
	for _, s := range sets {
		if s.EffectiveFrom.After(now) {
			continue
		}
		switch {
		case s.Scope == Country && newer(s, country):
			country = s
		case s.Scope != Country && s.Scope == province && newer(s, local):
			local = s
		}
	}
	if local.ID != "" {
		return local, true
	}
	return country, country.ID != ""
}

func newer(a, b RuleSet) bool {
	if b.ID == "" {
		return true
	}
	if c := a.EffectiveFrom.Compare(b.EffectiveFrom); c != 0 {
		return c > 0
	}
	return a.CreatedAt.After(b.CreatedAt)
}

// OneDoseChoices are the vaccines of the value set that are a full course
// in one dose, offered as choices in the rules form.
var OneDoseChoices = []string{"EU/1/20/1525", "Sputnik-Light", "Convidecia"}

// Draft is a new version of the rules as typed in the console's form or
// sent to the API.
type Draft struct {
	Name, Scope   string
	EffectiveFrom string // DD/MM/YYYY or YYYY-MM-DD
	DaysAfterDose, DosesNeeded, RecoveryDays,
	NegativeTestHours, PositiveTestDays string
	OneDoseProducts, TestTypes []string
}

// DraftOf fills the form from a rule set: a new version starts from the
// one in force.
func DraftOf(r RuleSet) Draft {
	return Draft{Name: r.Name, Scope: r.Scope, DaysAfterDose: strconv.Itoa(r.DaysAfterDose),
		DosesNeeded: strconv.Itoa(r.DosesNeeded), RecoveryDays: strconv.Itoa(r.RecoveryDays),
		NegativeTestHours: strconv.Itoa(r.NegativeTestHours), PositiveTestDays: strconv.Itoa(r.PositiveTestDays),
		OneDoseProducts: slices.Clone(r.OneDoseProducts), TestTypes: slices.Clone(r.TestTypes)}
}

// Bounds of the numbers of a rule set: wide enough for any policy Vietnam
// had, narrow enough to catch a slip of the finger.
var (
	boundDays     = bound{"days_after_dose", 0, 90, "Số ngày sau mũi tiêm", "days after a dose"}
	boundDoses    = bound{"doses_needed", 1, health.MaxDoses, "Số mũi cho đủ liều", "doses for a full course"}
	boundRecovery = bound{"recovery_days", 0, 365, "Số ngày sau khi khỏi bệnh", "days after recovery"}
	boundTest     = bound{"negative_test_hours", 0, 168, "Số giờ của xét nghiệm âm tính", "hours of a negative test"}
	boundPositive = bound{"positive_test_days", 0, 60, "Số ngày sau xét nghiệm dương tính", "days after a positive test"}
)

type bound struct {
	field  string
	lo, hi int
	vi, en string
}

func (b bound) parse(s string, errs *problem.Fields) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < b.lo || n > b.hi {
		errs.Add(problem.Field(b.field, fmt.Sprintf("%s phải là số từ %d đến %d", b.vi, b.lo, b.hi),
			fmt.Sprintf("%s must be a number from %d to %d", b.en, b.lo, b.hi)))
	}
	return n
}

const (
	minNameLen = 3
	maxNameLen = 120
	// maxAhead is how far ahead a version may be scheduled.
	maxAhead = 366
)

// validate checks every field at once; today is the current day in
// Vietnam, before which no version may take effect: the past is not
// rewritten.
func (d Draft) validate(today time.Time) (RuleSet, error) {
	var errs problem.Fields
	r := RuleSet{Name: strings.Join(strings.Fields(d.Name), " "), Scope: strings.ToUpper(strings.TrimSpace(d.Scope))}
	if l := utf8.RuneCountInString(r.Name); l < minNameLen || l > maxNameLen {
		errs.Add(problem.Field("name", fmt.Sprintf("Tên quy định cần từ %d đến %d ký tự", minNameLen, maxNameLen),
			fmt.Sprintf("the name needs %d to %d characters", minNameLen, maxNameLen)))
	}
	if _, ok := vn.AdminUnits().Province(r.Scope); r.Scope != Country && !ok {
		errs.Add(problem.Field("scope", "Hãy chọn toàn quốc hoặc một tỉnh/thành phố", "choose the whole country or a province"))
	}
	r.EffectiveFrom = effectiveFrom(d.EffectiveFrom, today, &errs)
	r.DaysAfterDose, r.DosesNeeded = boundDays.parse(d.DaysAfterDose, &errs), boundDoses.parse(d.DosesNeeded, &errs)
	r.RecoveryDays, r.NegativeTestHours = boundRecovery.parse(d.RecoveryDays, &errs), boundTest.parse(d.NegativeTestHours, &errs)
	r.PositiveTestDays = boundPositive.parse(d.PositiveTestDays, &errs)
	for _, p := range d.OneDoseProducts {
		if !health.IsVaccineProduct(p) {
			errs.Add(problem.Field("one_dose_products", "Vắc xin không có trong danh mục", fmt.Sprintf("%q is not a vaccine of the value set", p)))
		} else if !slices.Contains(r.OneDoseProducts, p) {
			r.OneDoseProducts = append(r.OneDoseProducts, p)
		}
	}
	for _, t := range d.TestTypes {
		if !slices.Contains(health.TestTypes, t) {
			errs.Add(problem.Field("test_types", "Loại xét nghiệm không hợp lệ", fmt.Sprintf("%q is not a test type: want PCR or RAT", t)))
		} else if !slices.Contains(r.TestTypes, t) {
			r.TestTypes = append(r.TestTypes, t)
		}
	}
	if r.NegativeTestHours > 0 && len(r.TestTypes) == 0 {
		errs.Add(problem.Field("test_types", "Hãy chọn ít nhất một loại xét nghiệm được tính", "choose at least one test type that counts"))
	}
	slices.Sort(r.OneDoseProducts)
	slices.Sort(r.TestTypes)
	return r, errs.Err()
}

// effectiveFrom reads the first day in force: today at the earliest, at
// most a year ahead.
func effectiveFrom(s string, today time.Time, errs *problem.Fields) time.Time {
	d, err := vn.ParseDate(strings.TrimSpace(s))
	if err != nil || d.Day == 0 {
		errs.Add(problem.Field("effective_from", "Ngày áp dụng phải có ngày, tháng, năm", "the start date needs a day, month and year"))
		return time.Time{}
	}
	t := d.Time()
	switch {
	case t.Before(today):
		errs.Add(problem.Field("effective_from", "Ngày áp dụng không thể trước hôm nay", "the start date cannot be before today"))
	case t.After(today.AddDate(0, 0, maxAhead)):
		errs.Add(problem.Field("effective_from", "Ngày áp dụng chỉ được trong vòng một năm tới", "the start date must be within a year"))
	}
	return t
}

// startOfDay is midnight, Vietnam time, of t's day.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.In(vn.Location()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, vn.Location())
}
