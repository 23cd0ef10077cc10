package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
)

// walletConsoleRoutes are the console's health page of a person, where a
// health official sees the status card and records doses and test results.
func (s *Server) walletConsoleRoutes() {
	m := s.mux
	m.HandleFunc("GET /console/persons/{id}/health", s.serve(s.personHealth))
	m.HandleFunc("POST /console/persons/{id}/doses", s.serve(s.recordDose))
	m.HandleFunc("POST /console/persons/{id}/tests", s.serve(s.recordTest))
}

// personHealthPage is a person's health records for an official, with the
// forms to record more.
type personHealthPage struct {
	PersonID string
	Purposes []access.Purpose
	Purpose  access.Purpose
	Ref      string
	Person   *identity.Person
	Wallet   *walletView
	Products []health.VaccineProduct
	TestKind []string
	CanDose  bool
	CanTest  bool
	Dose     health.NewDose // as typed, when a form comes back with errors
	Test     health.NewTest
	Recorded bool
	Err      error
}

func (p personHealthPage) fieldErrors(lang string) map[string]string { return fieldMap(p.Err, lang) }

func (s *Server) newPersonHealthPage(r *http.Request, a access.Actor) personHealthPage {
	return personHealthPage{PersonID: r.PathValue("id"), Purposes: access.PurposesFor(a.Role), Products: health.VaccineProducts(),
		TestKind: health.TestTypes, CanDose: access.PurposeVaccination.Allows(a.Role), CanTest: access.PurposeTesting.Allows(a.Role)}
}

// personHealth shows a person's card, doses and tests, for a purpose the
// official names first: without one it asks and shows nothing.
func (s *Server) personHealth(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	page := s.newPersonHealthPage(r, a)
	q := r.URL.Query()
	page.Ref, page.Recorded = q.Get("ref"), q.Get("recorded") != ""
	if q.Get("purpose") == "" {
		return s.render(w, r, http.StatusOK, "console/person_health", "chealth.title", page)
	}
	req, err := officialRequest(r, a, q.Get("purpose"), page.Ref)
	if err != nil {
		page.Err = err
		return s.render(w, r, http.StatusBadRequest, "console/person_health", "chealth.title", page)
	}
	if err := s.loadPersonHealth(r, req, &page); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "console/person_health", "chealth.title", page)
}

// loadPersonHealth reads the person and their card for req: both reads are
// checked and on the person's access log.
func (s *Server) loadPersonHealth(r *http.Request, req access.Request, page *personHealthPage) error {
	p, err := s.Persons.Get(r.Context(), req, page.PersonID)
	if err != nil {
		return err
	}
	as, err := s.Risk.Assess(r.Context(), req, page.PersonID)
	if err != nil {
		return err
	}
	v := newWalletView(stateOf(r).lang, as)
	page.Person, page.Wallet, page.Purpose = &p, &v, req.Purpose
	return nil
}

func (s *Server) recordDose(w http.ResponseWriter, r *http.Request) error {
	in := health.NewDose{Number: r.PostFormValue("number"), Product: r.PostFormValue("product"), Date: r.PostFormValue("date"),
		Lot: r.PostFormValue("lot"), Facility: r.PostFormValue("facility"), Province: r.PostFormValue("province")}
	return s.recordHealth(w, r, access.PurposeVaccination, func(page *personHealthPage, req access.Request, sub access.Subject) error {
		page.Dose = in
		_, err := s.Health.RecordDose(r.Context(), req, sub, in)
		return err
	})
}

func (s *Server) recordTest(w http.ResponseWriter, r *http.Request) error {
	in := health.NewTest{Type: r.PostFormValue("type"), Result: r.PostFormValue("result"), SampledAt: r.PostFormValue("sampled_at"),
		ResultAt: r.PostFormValue("result_at"), Lab: r.PostFormValue("lab"), SampleID: r.PostFormValue("sample_id")}
	return s.recordHealth(w, r, access.PurposeTesting, func(page *personHealthPage, req access.Request, sub access.Subject) error {
		page.Test = in
		_, err := s.Health.RecordTest(r.Context(), req, sub, in)
		return err
	})
}

// recordHealth runs a recording form: on bad input the page comes back with
// the fields marked; on success it reloads, showing the new card.
func (s *Server) recordHealth(w http.ResponseWriter, r *http.Request, purpose access.Purpose,
	record func(*personHealthPage, access.Request, access.Subject) error) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	a, err := official(r)
	if err != nil {
		return err
	}
	page := s.newPersonHealthPage(r, a)
	page.Ref = r.PostFormValue("ref")
	req, err := officialRequest(r, a, string(purpose), page.Ref)
	if err != nil {
		return err
	}
	sub, err := s.Persons.Subject(r.Context(), page.PersonID)
	if err != nil {
		return err
	}
	if err := record(&page, req, sub); err != nil {
		if !errors.Is(err, problem.ErrInvalid) {
			return err
		}
		page.Err = err
		if err := s.loadPersonHealth(r, req, &page); err != nil {
			return err
		}
		return s.render(w, r, http.StatusBadRequest, "console/person_health", "chealth.title", page)
	}
	q := url.Values{"purpose": {string(purpose)}, "ref": {page.Ref}, "recorded": {"1"}}
	http.Redirect(w, r, "/console/persons/"+url.PathEscape(page.PersonID)+"/health?"+q.Encode(), http.StatusSeeOther)
	return nil
}
