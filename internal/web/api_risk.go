package web

import (
	"net/http"
	"strconv"

	"github.com/pccovid/pccovid/internal/risk"
)

// ruleDraftJSON is a new version of the status rules.
type ruleDraftJSON struct {
	Name              string   `json:"name"`
	Scope             string   `json:"scope" doc:"VN or a province code within your area"`
	EffectiveFrom     string   `json:"effective_from" doc:"YYYY-MM-DD, today or later, within a year"`
	DaysAfterDose     int      `json:"days_after_dose" doc:"0–90"`
	DosesNeeded       int      `json:"doses_needed" doc:"1–4"`
	OneDoseProducts   []string `json:"one_dose_products" doc:"EU codes of vaccines whose one dose is a full course"`
	RecoveryDays      int      `json:"recovery_days" doc:"0–365; 0: a recovery does not count"`
	NegativeTestHours int      `json:"negative_test_hours" doc:"0–168; 0: tests do not count"`
	TestTypes         []string `json:"test_types" doc:"PCR, RAT"`
	PositiveTestDays  int      `json:"positive_test_days" doc:"0–60; 0: not used"`
}

func (s *Server) riskAPIRoutes() {
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/console/risk/rules", Tag: "console", Auth: "official",
		Summary: "Every version of the status rules, the country's first, newest first", Response: []ruleSetJSON{}}, s.apiRules)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/console/risk/rules", Tag: "console", Auth: "official",
		Summary: "Add a version of the status rules for your area (administrators, health officials; audited)",
		Request: ruleDraftJSON{}, Response: ruleSetJSON{}, Status: http.StatusCreated}, s.apiAddRules)
}

func (s *Server) apiRules(w http.ResponseWriter, r *http.Request) error {
	if _, err := official(r); err != nil {
		return err
	}
	sets, err := s.Risk.RuleSets(r.Context())
	if err != nil {
		return err
	}
	out := make([]ruleSetJSON, len(sets))
	for i, set := range sets {
		out[i] = toRuleSetJSON(set)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiAddRules(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	var b ruleDraftJSON
	if err := readJSON(r, &b); err != nil {
		return err
	}
	itoa := strconv.Itoa
	set, err := s.Risk.AddRules(r.Context(), a, risk.Draft{Name: b.Name, Scope: b.Scope, EffectiveFrom: b.EffectiveFrom,
		DaysAfterDose: itoa(b.DaysAfterDose), DosesNeeded: itoa(b.DosesNeeded), RecoveryDays: itoa(b.RecoveryDays),
		NegativeTestHours: itoa(b.NegativeTestHours), PositiveTestDays: itoa(b.PositiveTestDays),
		OneDoseProducts: b.OneDoseProducts, TestTypes: b.TestTypes})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toRuleSetJSON(set))
	return nil
}
