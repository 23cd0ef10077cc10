package risk_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/risk"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/vn"
)

type fixture struct {
	db      *db.DB
	clock   *clock.Fake
	trail   *access.Trail
	persons *identity.Store
	health  *health.Store
	risk    *risk.Service
	cases   *fakeCases
}

// fakeCases is a CaseSource and QuarantineSource the test sets.
type fakeCases struct {
	cases       map[string]*risk.CaseFact
	quarantines map[string]*risk.QuarantineFact
}

func (f *fakeCases) CurrentCase(_ context.Context, id string, _ time.Time) (*risk.CaseFact, error) {
	return f.cases[id], nil
}

func (f *fakeCases) CurrentQuarantine(_ context.Context, id string, _ time.Time) (*risk.QuarantineFact, error) {
	return f.quarantines[id], nil
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	kf, _ := seal.NewKeyFile(now)
	ring, _ := kf.Ring()
	s := seal.NewSealer(ring)
	c := clock.NewFake(now)
	tr := access.NewTrail(d, s, c)
	g := access.NewGuard(tr)
	f := &fixture{db: d, clock: c, trail: tr, persons: identity.NewStore(d, s, g, c), health: health.NewStore(d, s, g, c),
		cases: &fakeCases{cases: map[string]*risk.CaseFact{}, quarantines: map[string]*risk.QuarantineFact{}}}
	f.risk = risk.NewService(d, f.health, f.persons, tr, c, risk.Sources{Cases: f.cases, Quarantines: f.cases})
	return f
}

// person creates a person living in a ward of province and returns their id.
func (f *fixture) person(t *testing.T, id, province string) string {
	t.Helper()
	district := vn.AdminUnits().Children(province)[0]
	ward := vn.AdminUnits().Children(district.Code)[0]
	err := f.persons.InsertUnverified(context.Background(), f.db, []identity.Unverified{{ID: id, FullName: "Nguyễn Văn An",
		BirthDate: vn.Date{Year: 1960, Month: 5, Day: 1}, Ward: ward.Code, Province: province, Source: "test", SourceKey: id}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

var (
	hcmOfficial = access.Actor{Kind: access.KindOfficial, ID: "o-hcm", Name: "yte.hcm", Role: access.RoleHealthOfficial, Scope: "79"}
	nationalAdm = access.Actor{Kind: access.KindOfficial, ID: "o-vn", Name: "admin.vn", Role: access.RoleAdmin, Scope: access.Country}
	communeOff  = access.Actor{Kind: access.KindOfficial, ID: "o-px", Name: "phuong", Role: access.RoleCommuneOfficer, Scope: "79"}
)

func citizenOf(personID string) access.Request {
	return access.Request{Actor: access.Actor{Kind: access.KindCitizen, ID: "acct-" + personID, Role: access.RoleCitizen,
		Scope: access.Country, PersonID: personID}, Purpose: access.PurposeOwn}
}

func vaccinator() access.Request {
	yte := access.Actor{Kind: access.KindOfficial, ID: "o-yte", Name: "yte.vn", Role: access.RoleHealthOfficial, Scope: access.Country}
	return access.Request{Actor: yte, Purpose: access.PurposeVaccination}
}

// goodDraft is a valid new version for HCMC from tomorrow.
func goodDraft() risk.Draft {
	return risk.Draft{Name: "Quy định TP.HCM: 3 mũi", Scope: "79", EffectiveFrom: "2021-11-21", DaysAfterDose: "14",
		DosesNeeded: "3", RecoveryDays: "180", NegativeTestHours: "72", PositiveTestDays: "14",
		OneDoseProducts: []string{"EU/1/20/1525"}, TestTypes: []string{"PCR", "RAT"}}
}

func TestAddRulesValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		bad := risk.Draft{Name: "x", Scope: "99", EffectiveFrom: "2021-11-19", DaysAfterDose: "-1", DosesNeeded: "9",
			RecoveryDays: "999", NegativeTestHours: "24", PositiveTestDays: "abc", OneDoseProducts: []string{"Vodka"}}
		_, err := f.risk.AddRules(ctx, nationalAdm, bad)
		var fs problem.Fields
		if !errors.As(err, &fs) {
			t.Fatalf("bad draft: %v, want field errors", err)
		}
		got := map[string]bool{}
		for _, fe := range fs {
			got[fe.Field] = true
			if fe.Vi == "" || fe.En == "" {
				t.Errorf("%s: message missing in one language: %+v", fe.Field, fe)
			}
		}
		for _, want := range []string{"name", "scope", "effective_from", "days_after_dose", "doses_needed", "recovery_days",
			"positive_test_days", "one_dose_products", "test_types"} {
			if !got[want] {
				t.Errorf("no error for %s (got %v)", want, got)
			}
		}
		d2 := goodDraft()
		d2.EffectiveFrom = "2023-01-01"
		if _, err := f.risk.AddRules(ctx, nationalAdm, d2); !hasField(err, "effective_from") {
			t.Errorf("a version more than a year ahead: %v", err)
		}
		sets, _ := f.risk.RuleSets(ctx)
		if len(sets) != 1 || sets[0].ID != risk.Default().ID {
			t.Fatalf("after refusals the table has %d versions", len(sets))
		}
	})
}

func hasField(err error, field string) bool {
	var fe *problem.FieldError
	return errors.As(err, &fe) && fe.Field == field
}

func TestAddRulesScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		if _, err := f.risk.AddRules(ctx, communeOff, goodDraft()); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("a commune officer set rules: %v", err)
		}
		other := goodDraft()
		other.Scope = "01"
		_, err := f.risk.AddRules(ctx, hcmOfficial, other)
		if !errors.Is(err, problem.ErrForbidden) || !hasField(err, "scope") {
			t.Errorf("HCMC's official set Hà Nội's rules: %v", err)
		}
		country := goodDraft()
		country.Scope = "VN"
		if _, err := f.risk.AddRules(ctx, hcmOfficial, country); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("a province official set the country's rules: %v", err)
		}
		r, err := f.risk.AddRules(ctx, hcmOfficial, goodDraft())
		if err != nil {
			t.Fatal(err)
		}
		if r.Scope != "79" || r.DosesNeeded != 3 || r.CreatedBy != "yte.hcm" || !r.EffectiveFrom.Equal(vnTime(2021, 11, 21, 0, 0)) {
			t.Fatalf("added %+v", r)
		}
		if _, err := f.risk.AddRules(ctx, nationalAdm, country); err != nil {
			t.Fatalf("the national administrator sets the country's rules: %v", err)
		}
		// The trail has both additions, by whom.
		if n := countAudit(t, d, "risk.rules.add"); n != 2 {
			t.Fatalf("%d audit entries for added rules, want 2", n)
		}
		if rep, err := f.trail.Verify(ctx); err != nil || !rep.OK() {
			t.Fatalf("trail: %+v %v", rep, err)
		}
		if got := risk.Scopes(hcmOfficial); len(got) != 1 || got[0] != "79" {
			t.Errorf("Scopes(HCMC official) = %v", got)
		}
		if got := risk.Scopes(nationalAdm); len(got) != 64 || got[0] != "VN" {
			t.Errorf("Scopes(national admin) = %d scopes", len(got))
		}
	})
}

func countAudit(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), "SELECT count(*) FROM audit_log WHERE action = $1", action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestProvinceRulesTakeEffect: HCMC asks three doses from tomorrow; a
// resident with two doses turns from green to yellow at midnight, while a
// Hà Nội resident stays green.
func TestProvinceRulesTakeEffect(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		saigon, hanoi := f.person(t, "u-hcm", "79"), f.person(t, "u-hn", "01")
		for _, id := range []string{saigon, hanoi} {
			f.recordDoses(t, id, "2021-09-01", "2021-10-01")
		}
		if _, err := f.risk.AddRules(ctx, hcmOfficial, goodDraft()); err != nil {
			t.Fatal(err)
		}
		assess := func(id string) risk.Status {
			t.Helper()
			a, err := f.risk.Assess(ctx, citizenOf(id), id)
			if err != nil {
				t.Fatal(err)
			}
			return a.Status
		}
		if st := assess(saigon); st.Level != risk.Green || st.Rules.Scope != "VN" {
			t.Fatalf("before the new rules: %s under %s", st.Level, st.Rules.Scope)
		}
		f.clock.Set(vnTime(2021, 11, 21, 0, 0))
		if st := assess(saigon); st.Level != risk.Yellow || st.Rules.Scope != "79" || st.Rules.Name != "Quy định TP.HCM: 3 mũi" {
			t.Fatalf("under HCMC's rules: %s under %s %q", st.Level, st.Rules.Scope, st.Rules.Name)
		}
		if st := assess(hanoi); st.Level != risk.Green || st.Rules.Scope != "VN" {
			t.Fatalf("Hà Nội: %s under %s", st.Level, st.Rules.Scope)
		}
	})
}

func (f *fixture) recordDoses(t *testing.T, personID string, dates ...string) {
	t.Helper()
	sub, err := f.persons.Subject(context.Background(), personID)
	if err != nil {
		t.Fatal(err)
	}
	for i, date := range dates {
		_, err := f.health.RecordDose(context.Background(), vaccinator(), sub, health.NewDose{Number: string(rune('1' + i)),
			Product: astra, Date: date, Facility: "Trạm y tế phường"})
		if err != nil {
			t.Fatalf("dose %d: %v", i+1, err)
		}
	}
}

// TestAssessIsNeverStale: the card changes as soon as a dose is recorded,
// and a case or an order shows instead of the colour.
func TestAssessIsNeverStale(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		id := f.person(t, "u-1", "79")
		level := func() risk.Level {
			t.Helper()
			a, err := f.risk.Assess(ctx, citizenOf(id), id)
			if err != nil {
				t.Fatal(err)
			}
			return a.Status.Level
		}
		steps := []struct {
			do   func()
			want risk.Level
		}{
			{func() {}, risk.Red},
			{func() { f.recordDoses(t, id, "2021-10-01") }, risk.Yellow},
			{func() {
				sub, _ := f.persons.Subject(ctx, id)
				f.health.RecordDose(ctx, vaccinator(), sub, health.NewDose{Number: "2", Product: astra, Date: "2021-11-01", Facility: "Trạm y tế"})
			}, risk.Green},
			{func() { f.cases.quarantines[id] = &risk.QuarantineFact{Since: now.Add(-time.Hour)} }, risk.Quarantine},
			{func() { f.cases.cases[id] = &risk.CaseFact{Since: now.Add(-time.Hour)} }, risk.Case},
		}
		for i, s := range steps {
			s.do()
			if got := level(); got != s.want {
				t.Fatalf("step %d: %s, want %s", i, got, s.want)
			}
		}
	})
}

// TestAssessChecksAccess: another citizen cannot see a person's card; an
// official's read is on the person's access log.
func TestAssessChecksAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		id, other := f.person(t, "u-1", "79"), f.person(t, "u-2", "79")
		if _, err := f.risk.Assess(ctx, citizenOf(other), id); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("a stranger read the card: %v", err)
		}
		hn := access.Actor{Kind: access.KindOfficial, ID: "o-hn", Name: "yte.hn", Role: access.RoleHealthOfficial, Scope: "01"}
		if _, err := f.risk.Assess(ctx, access.Request{Actor: hn, Purpose: access.PurposeVaccination}, id); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("an official outside the area read the card: %v", err)
		}
		if _, err := f.risk.Assess(ctx, access.Request{Actor: hcmOfficial, Purpose: access.PurposeVaccination}, id); err != nil {
			t.Fatal(err)
		}
		entries, _ := f.trail.ForSubject(ctx, id, 10)
		if len(entries) != 3 || entries[0].Actor.Name != "yte.hcm" || entries[0].Action != "health.records" {
			t.Fatalf("access log %+v", entries)
		}
	})
}
