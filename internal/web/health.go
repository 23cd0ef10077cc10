package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/certificate/issuance"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// The citizen's health page (/health): certificates, the health-insurance
// card, COVID-19 treatment and its daily report. The doses and test results
// themselves are on the wallet (wallet.go).
func (s *Server) healthRoutes() {
	if s.Ingest == nil {
		return
	}
	m := s.mux
	m.HandleFunc("GET /health", s.serve(s.healthPage))
	m.HandleFunc("POST /health/report", s.serve(s.healthReport))
	s.facilityConsoleRoutes()
	s.ingestConsoleRoutes()
	s.treatmentConsoleRoutes()
	s.apiHealthRoutes()
	s.fhirRoutes()
}

// cardView is a health-insurance card as the page shows it.
type cardView struct {
	Masked, ValidTo string
	Valid           bool
}

type healthPageData struct {
	PersonID  string
	Cards     []cardView
	Options   []issuance.Option
	Treatment *health.Treatment
	Reports   []health.DailyReport
	Symptoms  []string
	Sent      *health.DailyReport
	Err       error
}

func (p healthPageData) fieldErrors(lang string) map[string]string { return fieldMap(p.Err, lang) }

func (s *Server) healthPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.healthData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "citizen/health", "hl.title", page)
}

// healthData reads what the page shows of the profile in use.
func (s *Server) healthData(r *http.Request) (healthPageData, error) {
	a, err := citizen(r)
	if err != nil {
		return healthPageData{}, err
	}
	page := healthPageData{PersonID: profile(r), Symptoms: health.Symptoms}
	if page.PersonID == "" {
		return page, nil
	}
	req := access.Request{Actor: a, Purpose: access.PurposeOwn}
	cards, err := s.Persons.InsuranceCards(r.Context(), req, page.PersonID)
	if err != nil {
		return page, err
	}
	today := todayVN(s.Clock.Now())
	for _, c := range cards {
		page.Cards = append(page.Cards, cardView{Masked: c.Masked(), ValidTo: birthDate(c.ValidTo), Valid: c.ValidOn(today)})
	}
	if s.Certificates != nil {
		if page.Options, err = s.Certificates.Options(r.Context(), req, page.PersonID); err != nil {
			return page, err
		}
	}
	page.Treatment, page.Reports, err = s.Treatments.Current(r.Context(), req, page.PersonID)
	return page, err
}

func todayVN(t time.Time) vn.Date {
	t = t.In(vn.Location())
	return vn.Date{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}
}

// healthReport takes a daily report of a case treated at home.
func (s *Server) healthReport(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	a, err := citizen(r)
	if err != nil {
		return err
	}
	in := health.ReportInput{ID: r.PostFormValue("id"), Temperature: r.PostFormValue("temperature"),
		SpO2: r.PostFormValue("spo2"), Symptoms: r.PostForm["symptoms"]}
	rep, rerr := s.Treatments.Report(r.Context(), access.Request{Actor: a, Purpose: access.PurposeOwn}, profile(r), in)
	if rerr != nil && !isInvalid(rerr) {
		return rerr
	}
	page, err := s.healthData(r)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if rerr != nil {
		page.Err, status = rerr, http.StatusBadRequest
	} else {
		page.Sent = &rep
	}
	return s.render(w, r, status, "citizen/health", "hl.title", page)
}

func isInvalid(err error) bool { return errors.Is(err, problem.ErrInvalid) }

// officialFor returns the official actor of a console request, refusing
// those whose role is not among roles.
func officialFor(r *http.Request, roles ...access.Role) (access.Actor, error) {
	a, err := official(r)
	if err != nil {
		return a, err
	}
	if !slices.Contains(roles, a.Role) {
		return a, problem.ErrForbidden
	}
	return a, nil
}

// personLine names a person for an official's list, after the access
// check, as "Name (birth year)".
func (s *Server) personLine(r *http.Request, req access.Request, id string) string {
	p, err := s.Persons.Get(r.Context(), req, id)
	if err != nil {
		return id
	}
	return strings.TrimSpace(p.FullName + " · " + birthDate(p.BirthDate))
}
