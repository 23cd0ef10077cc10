package risk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// People is what risk needs to know of a person from package identity: the
// area they live in and who manages their profile, for the access check.
type People interface {
	Subject(ctx context.Context, personID string) (access.Subject, error)
}

// Service computes status cards and keeps the rule sets.
type Service struct {
	db      *db.DB
	health  *health.Store
	people  People
	trail   *access.Trail
	clock   clock.Clock
	sources Sources
}

// NewService returns the risk service. src may be empty: see [Sources].
func NewService(d *db.DB, h *health.Store, people People, trail *access.Trail, c clock.Clock, src Sources) *Service {
	return &Service{db: d, health: h, people: people, trail: trail, clock: c, sources: src}
}

// Assessment is a person's card with the records it was decided from, so a
// wallet page reads the records once.
type Assessment struct {
	Status  Status
	Records health.Records
	// Province is the code of the province whose rules apply (the
	// person's residence); "" when unknown.
	Province string
}

// Assess decides a person's status now, for req. The person's health
// records are read through the access check (and audited when req is not
// the person themselves); nothing is cached.
func (s *Service) Assess(ctx context.Context, req access.Request, personID string) (Assessment, error) {
	sub, err := s.people.Subject(ctx, personID)
	if err != nil {
		return Assessment{}, err
	}
	recs, err := s.health.ForPerson(ctx, req, sub)
	if err != nil {
		return Assessment{}, err
	}
	now := s.clock.Now()
	facts := Facts{Doses: recs.Doses, Tests: recs.Tests}
	if err := s.sources.gather(ctx, personID, now, &facts); err != nil {
		return Assessment{}, fmt.Errorf("risk: facts of %s: %w", personID, err)
	}
	prov := ProvinceOf(sub.Area)
	rules, err := s.RulesFor(ctx, prov)
	if err != nil {
		return Assessment{}, err
	}
	return Assessment{Status: Evaluate(facts, rules, now), Records: recs, Province: prov}, nil
}

// ProvinceOf returns the province code of an area (ward, district or
// province code); "" when the area is unknown.
func ProvinceOf(area string) string {
	u, ok := vn.AdminUnits().Lookup(area)
	for ok && u.ParentCode != "" {
		u, ok = vn.AdminUnits().Lookup(u.ParentCode)
	}
	if !ok {
		return ""
	}
	return u.Code
}

// RulesFor returns the rules in force now for a person living in province
// ("" when unknown: the country's). When the table has no version in force
// (a database without the seed), Default applies.
func (s *Service) RulesFor(ctx context.Context, province string) (RuleSet, error) {
	now := s.clock.Now()
	sets, err := s.query(ctx, "WHERE scope IN ($1, $2) AND effective_from <= $3", Country, province, db.Millis(now))
	if err != nil {
		return RuleSet{}, err
	}
	if r, ok := Select(sets, province, now); ok {
		return r, nil
	}
	return Default(), nil
}

// RuleSets returns every version, for the console: by scope (the country
// first), newest first.
func (s *Service) RuleSets(ctx context.Context) ([]RuleSet, error) {
	sets, err := s.query(ctx, "")
	if err != nil {
		return nil, err
	}
	// The country's scope sorts as "", before every province code.
	rank := func(r RuleSet) string { return strings.TrimPrefix(r.Scope, Country) }
	slices.SortStableFunc(sets, func(a, b RuleSet) int {
		if c := strings.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		if newer(a, b) {
			return -1
		}
		return 1
	})
	return sets, nil
}

const ruleColumns = `id, name, scope, effective_from, days_after_dose, doses_needed, one_dose_products, recovery_days,
	negative_test_hours, test_types, positive_test_days, created_by, created_at`

func (s *Service) query(ctx context.Context, where string, args ...any) ([]RuleSet, error) {
	rows, err := s.db.Query(ctx, "SELECT "+ruleColumns+" FROM risk_rule_sets "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("risk: rules: %w", err)
	}
	defer rows.Close()
	var out []RuleSet
	for rows.Next() {
		var r RuleSet
		var from, created int64
		var products, types string
		if err := rows.Scan(&r.ID, &r.Name, &r.Scope, &from, &r.DaysAfterDose, &r.DosesNeeded, &products, &r.RecoveryDays,
			&r.NegativeTestHours, &types, &r.PositiveTestDays, &r.CreatedBy, &created); err != nil {
			return nil, fmt.Errorf("risk: rules: %w", err)
		}
		r.EffectiveFrom, r.CreatedAt = db.TimeOf(from), db.TimeOf(created)
		r.OneDoseProducts, r.TestTypes = splitList(products), splitList(types)
		out = append(out, r)
	}
	return out, rows.Err()
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// Scopes returns the scopes for which actor may add rules, the country
// first: an administrator or health official of the whole country sets the
// country's rules and any province's; one of a province, that province's.
// Others set none.
func Scopes(actor access.Actor) []string {
	if actor.Kind != access.KindOfficial || (actor.Role != access.RoleAdmin && actor.Role != access.RoleHealthOfficial) {
		return nil
	}
	if actor.Scope == access.Country {
		out := []string{Country}
		for _, p := range vn.AdminUnits().Children(Country) {
			out = append(out, p.Code)
		}
		return out
	}
	if _, ok := vn.AdminUnits().Province(string(actor.Scope)); ok {
		return []string{string(actor.Scope)}
	}
	return nil
}

// ErrNoAuthority is the answer to an official whose role does not set rules.
var ErrNoAuthority = fmt.Errorf("risk: only an administrator or a health official sets status rules: %w", problem.ErrForbidden)

// AddRules adds a version of the rules from a draft, for actor, who must be
// an authority for its scope ([Scopes]). It takes effect from its date
// without a release, and is written to the audit trail.
func (s *Service) AddRules(ctx context.Context, actor access.Actor, d Draft) (RuleSet, error) {
	scopes := Scopes(actor)
	if len(scopes) == 0 {
		return RuleSet{}, ErrNoAuthority
	}
	now := s.clock.Now()
	r, err := d.validate(startOfDay(now))
	if err != nil {
		return RuleSet{}, err
	}
	if !slices.Contains(scopes, r.Scope) {
		fe := problem.Field("scope", "Bạn chỉ đặt được quy định cho địa bàn của mình", "you may set rules only for your own area")
		return RuleSet{}, errors.Join(fe, fmt.Errorf("risk: scope %s is outside %s's area %s: %w", r.Scope, actor.Name, actor.Scope, problem.ErrForbidden))
	}
	r.ID, r.CreatedBy, r.CreatedAt = db.NewID(), actor.Name, now.UTC().Truncate(time.Millisecond)
	_, err = s.db.Exec(ctx, `INSERT INTO risk_rule_sets (`+ruleColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		r.ID, r.Name, r.Scope, db.Millis(r.EffectiveFrom), r.DaysAfterDose, r.DosesNeeded, strings.Join(r.OneDoseProducts, ","),
		r.RecoveryDays, r.NegativeTestHours, strings.Join(r.TestTypes, ","), r.PositiveTestDays, r.CreatedBy, db.Millis(r.CreatedAt))
	if err != nil {
		return RuleSet{}, fmt.Errorf("risk: add rules: %w", err)
	}
	detail := fmt.Sprintf("rules %s, scope %s, from %s", r.ID, r.Scope, r.EffectiveFrom.In(vn.Location()).Format("2006-01-02"))
	if _, err := s.trail.Append(ctx, access.Entry{Actor: actor, Action: "risk.rules.add", Detail: detail}); err != nil {
		return RuleSet{}, err
	}
	return r, nil
}
