package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/risk"
)

// riskRoutes are the console's page of status rules: every version, and the
// form with which an authority adds one.
func (s *Server) riskRoutes() {
	m := s.mux
	m.HandleFunc("GET /console/risk/rules", s.serve(s.rulesPage))
	m.HandleFunc("POST /console/risk/rules", s.serve(s.rulesAdd))
	s.riskAPIRoutes()
}

// ruleLine is one version of the rules as the console lists it.
type ruleLine struct {
	risk.RuleSet
	ScopeName string
	From      string
	InForce   bool
	// Green, Yellow and Red say the rules of each colour in words.
	Green, Yellow, Red string
}

// scopeChoice is a scope the official may set rules for.
type scopeChoice struct{ Code, Name string }

type rulesView struct {
	Lines    []ruleLine
	Scopes   []scopeChoice
	Form     risk.Draft
	OneDose  []health.VaccineProduct
	Tests    []string
	Added    bool
	MinDate  string
	Err      error
	Selected map[string]bool // the form's ticked boxes
}

func (v rulesView) fieldErrors(lang string) map[string]string { return fieldMap(v.Err, lang) }

func (s *Server) rulesPage(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	v, err := s.newRulesView(r, a)
	if err != nil {
		return err
	}
	if len(v.Scopes) > 0 {
		in, err := s.Risk.RulesFor(r.Context(), strings.TrimPrefix(v.Scopes[0].Code, risk.Country))
		if err != nil {
			return err
		}
		v.Form = risk.DraftOf(in)
		v.Form.Scope, v.Form.EffectiveFrom = v.Scopes[0].Code, dayOfTime(s.Clock.Now().AddDate(0, 0, 1))
	}
	v.Added = r.URL.Query().Get("added") != ""
	v.Selected = ticked(v.Form)
	return s.render(w, r, http.StatusOK, "console/risk_rules", "rules.title", v)
}

func (s *Server) rulesAdd(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	a, err := official(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return problem.Field("body", "Biểu mẫu không hợp lệ", "the form is not valid")
	}
	f := r.PostForm
	d := risk.Draft{Name: f.Get("name"), Scope: f.Get("scope"), EffectiveFrom: f.Get("effective_from"),
		DaysAfterDose: f.Get("days_after_dose"), DosesNeeded: f.Get("doses_needed"), RecoveryDays: f.Get("recovery_days"),
		NegativeTestHours: f.Get("negative_test_hours"), PositiveTestDays: f.Get("positive_test_days"),
		OneDoseProducts: f["one_dose_products"], TestTypes: f["test_types"]}
	if _, err := s.Risk.AddRules(r.Context(), a, d); err != nil {
		if !errors.Is(err, problem.ErrInvalid) {
			return err
		}
		v, lerr := s.newRulesView(r, a)
		if lerr != nil {
			return lerr
		}
		v.Form, v.Err, v.Selected = d, err, ticked(d)
		return s.render(w, r, http.StatusBadRequest, "console/risk_rules", "rules.title", v)
	}
	http.Redirect(w, r, "/console/risk/rules?added=1", http.StatusSeeOther)
	return nil
}

// newRulesView lists every version and the scopes the official may set.
func (s *Server) newRulesView(r *http.Request, a access.Actor) (rulesView, error) {
	sets, err := s.Risk.RuleSets(r.Context())
	if err != nil {
		return rulesView{}, err
	}
	lang, now := stateOf(r).lang, s.Clock.Now()
	inForce := map[string]bool{}
	for _, set := range sets {
		if cur, ok := risk.Select(sets, strings.TrimPrefix(set.Scope, risk.Country), now); ok {
			inForce[cur.ID] = true
		}
	}
	v := rulesView{OneDose: oneDoseProducts(), Tests: health.TestTypes, MinDate: dayOfTime(now)}
	for _, set := range sets {
		v.Lines = append(v.Lines, ruleLine{RuleSet: set, ScopeName: scopeName(lang, set.Scope), From: vnDay(set.EffectiveFrom),
			InForce: inForce[set.ID], Green: ruleText(lang, "green", set), Yellow: ruleText(lang, "yellow", set), Red: ruleText(lang, "red", set)})
	}
	for _, code := range risk.Scopes(a) {
		v.Scopes = append(v.Scopes, scopeChoice{Code: code, Name: scopeName(lang, code)})
	}
	return v, nil
}

// ruleText says in words what makes a colour under a rule set.
func ruleText(lang, colour string, r risk.RuleSet) string {
	key := "rules.summary_" + colour
	switch colour {
	case "green":
		names := make([]string, len(r.OneDoseProducts))
		for i, p := range r.OneDoseProducts {
			names[i] = health.VaccineProductName(p)
		}
		return translate(riskMessages, lang, key, r.DosesNeeded, strings.Join(names, ", "), r.DaysAfterDose, r.RecoveryDays)
	case "yellow":
		return translate(riskMessages, lang, key, r.DaysAfterDose, strings.Join(r.TestTypes, ", "), r.NegativeTestHours)
	}
	return translate(riskMessages, lang, key, r.PositiveTestDays)
}

func oneDoseProducts() []health.VaccineProduct {
	out := make([]health.VaccineProduct, len(risk.OneDoseChoices))
	for i, c := range risk.OneDoseChoices {
		out[i] = health.VaccineProduct{Code: c, Name: health.VaccineProductName(c)}
	}
	return out
}

func ticked(d risk.Draft) map[string]bool {
	out := map[string]bool{}
	for _, v := range append(append([]string{}, d.OneDoseProducts...), d.TestTypes...) {
		out[v] = true
	}
	return out
}
