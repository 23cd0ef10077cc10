package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/risk"
)

// API bodies of the health wallet and the status card.
type (
	ruleSetJSON struct {
		ID                string    `json:"id"`
		Name              string    `json:"name"`
		Scope             string    `json:"scope" doc:"VN (the whole country) or a province code"`
		ScopeName         string    `json:"scope_name"`
		EffectiveFrom     time.Time `json:"effective_from" doc:"midnight, Vietnam time, of the first day in force"`
		DaysAfterDose     int       `json:"days_after_dose"`
		DosesNeeded       int       `json:"doses_needed"`
		OneDoseProducts   []string  `json:"one_dose_products" doc:"EU vaccine-medicinal-product codes"`
		RecoveryDays      int       `json:"recovery_days"`
		NegativeTestHours int       `json:"negative_test_hours"`
		TestTypes         []string  `json:"test_types"`
		PositiveTestDays  int       `json:"positive_test_days"`
		CreatedBy         string    `json:"created_by"`
		CreatedAt         time.Time `json:"created_at"`
	}
	statusJSON struct {
		Level         string      `json:"level" doc:"green, yellow, red, case (a current F0 case) or quarantine"`
		Reason        string      `json:"reason" doc:"full_course, recovered, one_dose, negative_test, positive_test, waiting, none, case or quarantine"`
		TitleVi       string      `json:"title_vi"`
		TitleEn       string      `json:"title_en"`
		ExplanationVi string      `json:"explanation_vi"`
		ExplanationEn string      `json:"explanation_en"`
		Doses         int         `json:"doses" doc:"distinct doses received"`
		Since         time.Time   `json:"since,omitzero" doc:"when the deciding fact happened"`
		Until         time.Time   `json:"until,omitzero" doc:"when this status lapses on its own"`
		Next          string      `json:"next,omitempty" doc:"the level a dose still in its waiting days will bring"`
		NextAt        time.Time   `json:"next_at,omitzero"`
		Rules         ruleSetJSON `json:"rules" doc:"the rules applied"`
	}
	doseJSON struct {
		Number      int      `json:"number"`
		Product     string   `json:"product" doc:"EU vaccine-medicinal-product code"`
		ProductName string   `json:"product_name"`
		Date        string   `json:"date" doc:"YYYY-MM-DD"`
		Lot         string   `json:"lot,omitempty"`
		Facility    string   `json:"facility,omitempty"`
		Province    string   `json:"province,omitempty"`
		Sources     []string `json:"sources" doc:"where it came from: healthbook, vaccination (old apps), console, a facility"`
	}
	testJSON struct {
		Type      string    `json:"type" doc:"PCR or RAT"`
		Result    string    `json:"result" doc:"positive or negative"`
		SampledAt time.Time `json:"sampled_at"`
		ResultAt  time.Time `json:"result_at,omitzero"`
		Lab       string    `json:"lab,omitempty"`
		Sources   []string  `json:"sources"`
	}
	walletJSON struct {
		PersonID string     `json:"person_id"`
		Status   statusJSON `json:"status"`
		Doses    []doseJSON `json:"doses"`
		Tests    []testJSON `json:"tests"`
	}
	recordDoseRequest struct {
		Ref      string `json:"ref,omitempty" doc:"what the vaccination is about, e.g. a campaign"`
		Number   int    `json:"number" doc:"1–4"`
		Product  string `json:"product" doc:"EU vaccine-medicinal-product code"`
		Date     string `json:"date" doc:"YYYY-MM-DD, from 2021-03-08 to today"`
		Lot      string `json:"lot,omitempty"`
		Facility string `json:"facility"`
		Province string `json:"province,omitempty"`
	}
	recordTestRequest struct {
		Ref       string `json:"ref,omitempty"`
		Type      string `json:"type" doc:"PCR or RAT"`
		Result    string `json:"result" doc:"positive or negative"`
		SampledAt string `json:"sampled_at" doc:"RFC 3339"`
		ResultAt  string `json:"result_at" doc:"RFC 3339"`
		Lab       string `json:"lab"`
		SampleID  string `json:"sample_id,omitempty"`
	}
)

func toRuleSetJSON(r risk.RuleSet) ruleSetJSON {
	return ruleSetJSON{ID: r.ID, Name: r.Name, Scope: r.Scope, ScopeName: scopeName("vi", r.Scope), EffectiveFrom: r.EffectiveFrom,
		DaysAfterDose: r.DaysAfterDose, DosesNeeded: r.DosesNeeded, OneDoseProducts: nonNil(r.OneDoseProducts),
		RecoveryDays: r.RecoveryDays, NegativeTestHours: r.NegativeTestHours, TestTypes: nonNil(r.TestTypes),
		PositiveTestDays: r.PositiveTestDays, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func toStatusJSON(st risk.Status) statusJSON {
	vi, en := newStatusView("vi", st), newStatusView("en", st)
	return statusJSON{Level: string(st.Level), Reason: string(st.Reason), TitleVi: vi.Title, TitleEn: en.Title,
		ExplanationVi: vi.Reason, ExplanationEn: en.Reason, Doses: st.Doses, Since: st.Since, Until: st.Until,
		Next: string(st.Next), NextAt: st.NextAt, Rules: toRuleSetJSON(st.Rules)}
}

func toDoseJSON(d health.Dose, sources []string) doseJSON {
	return doseJSON{Number: d.Number, Product: d.Product, ProductName: productName(d), Date: d.Date.String(), Lot: d.Lot,
		Facility: d.Facility, Province: d.Province, Sources: sources}
}

func toTestJSON(t health.Test, sources []string) testJSON {
	result := "negative"
	if t.Positive {
		result = "positive"
	}
	return testJSON{Type: t.Type, Result: result, SampledAt: t.SampledAt, ResultAt: t.ResultAt, Lab: t.Lab, Sources: sources}
}

func toWalletJSON(personID string, a risk.Assessment) walletJSON {
	out := walletJSON{PersonID: personID, Status: toStatusJSON(a.Status), Doses: []doseJSON{}, Tests: []testJSON{}}
	doses, tests := health.Distinct(a.Records)
	for _, d := range doses {
		out.Doses = append(out.Doses, toDoseJSON(d.Dose, d.Sources))
	}
	for _, t := range tests {
		out.Tests = append(out.Tests, toTestJSON(t.Test, t.Sources))
	}
	return out
}

func (s *Server) walletAPIRoutes() {
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/me/wallet", Tag: "wallet", Auth: "citizen",
		Summary: "The health wallet of the profile in use: status card, doses and tests", Response: walletJSON{}}, s.apiWallet)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/me/status", Tag: "wallet", Auth: "citizen",
		Summary: "The status card (colour, reason, rules applied) of the profile in use", Response: statusJSON{}}, s.apiStatus)
	purpose := []param{{Name: "purpose", Required: true, Description: "why you read it"}, {Name: "ref", Description: "e.g. case 42"}}
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/console/persons/{id}/health", Tag: "console", Auth: "official",
		Summary: "A person's status card, doses and tests, for a purpose (audited)", Query: purpose, Response: walletJSON{}}, s.apiPersonHealth)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/console/persons/{id}/doses", Tag: "console", Auth: "official",
		Summary: "Record a vaccine dose (vaccination management, audited)", Request: recordDoseRequest{}, Response: doseJSON{},
		Status: http.StatusCreated}, s.apiRecordDose)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/console/persons/{id}/tests", Tag: "console", Auth: "official",
		Summary: "Record a test result (test management, audited)", Request: recordTestRequest{}, Response: testJSON{},
		Status: http.StatusCreated}, s.apiRecordTest)
}

// assessProfile is the card of the profile in use, for its citizen.
func (s *Server) assessProfile(r *http.Request) (string, risk.Assessment, error) {
	a, err := citizen(r)
	if err != nil {
		return "", risk.Assessment{}, err
	}
	id := profile(r)
	if id == "" {
		return "", risk.Assessment{}, errNoProfile
	}
	as, err := s.Risk.Assess(r.Context(), access.Request{Actor: a, Purpose: access.PurposeOwn}, id)
	return id, as, err
}

func (s *Server) apiWallet(w http.ResponseWriter, r *http.Request) error {
	id, as, err := s.assessProfile(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWalletJSON(id, as))
	return nil
}

func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request) error {
	_, as, err := s.assessProfile(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toStatusJSON(as.Status))
	return nil
}

func (s *Server) apiPersonHealth(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	req, err := officialRequest(r, a, r.URL.Query().Get("purpose"), r.URL.Query().Get("ref"))
	if err != nil {
		return err
	}
	as, err := s.Risk.Assess(r.Context(), req, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWalletJSON(r.PathValue("id"), as))
	return nil
}

// officialSubject is the request and subject of an official's recording.
func (s *Server) officialSubject(r *http.Request, purpose access.Purpose, ref string) (access.Request, access.Subject, error) {
	a, err := official(r)
	if err != nil {
		return access.Request{}, access.Subject{}, err
	}
	if err := checkCSRF(r); err != nil {
		return access.Request{}, access.Subject{}, err
	}
	req, err := officialRequest(r, a, string(purpose), ref)
	if err != nil {
		return req, access.Subject{}, err
	}
	sub, err := s.Persons.Subject(r.Context(), r.PathValue("id"))
	return req, sub, err
}

func (s *Server) apiRecordDose(w http.ResponseWriter, r *http.Request) error {
	var body recordDoseRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	req, sub, err := s.officialSubject(r, access.PurposeVaccination, body.Ref)
	if err != nil {
		return err
	}
	d, err := s.Health.RecordDose(r.Context(), req, sub, health.NewDose{Number: strconv.Itoa(body.Number), Product: body.Product,
		Date: body.Date, Lot: body.Lot, Facility: body.Facility, Province: body.Province})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toDoseJSON(d, []string{d.Source}))
	return nil
}

func (s *Server) apiRecordTest(w http.ResponseWriter, r *http.Request) error {
	var body recordTestRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	req, sub, err := s.officialSubject(r, access.PurposeTesting, body.Ref)
	if err != nil {
		return err
	}
	t, err := s.Health.RecordTest(r.Context(), req, sub, health.NewTest{Type: body.Type, Result: body.Result,
		SampledAt: body.SampledAt, ResultAt: body.ResultAt, Lab: body.Lab, SampleID: body.SampleID})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toTestJSON(t, []string{t.Source}))
	return nil
}
