package web

import (
	"net/http"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/problem"
)

// Console pages of COVID-19 treatment: the health station's alerts from
// cases treated at home, and a case's treatment (admission, discharge,
// recovery).

func (s *Server) treatmentConsoleRoutes() {
	m := s.mux
	m.HandleFunc("GET /console/health/alerts", s.serve(s.alertsPage))
	m.HandleFunc("POST /console/health/alerts/{id}", s.serve(s.alertAck))
	m.HandleFunc("GET /console/health/treatment/{person}", s.serve(s.treatmentPage))
	m.HandleFunc("POST /console/health/treatment/{person}", s.serve(s.treatmentAction))
}

func treatmentReq(r *http.Request) (access.Request, error) {
	a, err := officialFor(r, access.RoleHealthOfficial, access.RoleCommuneOfficer)
	if err != nil {
		return access.Request{}, err
	}
	return access.Request{Actor: a, Purpose: access.PurposeTreatment, Ref: "COVID-19 treatment"}, nil
}

// alertView is an alert with its person named.
type alertView struct {
	health.Alert
	Person string
}

func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request) error {
	req, err := treatmentReq(r)
	if err != nil {
		return err
	}
	alerts, err := s.Treatments.Alerts(r.Context(), req, 200)
	if err != nil {
		return err
	}
	out := make([]alertView, len(alerts))
	for i, a := range alerts {
		out[i] = alertView{Alert: a, Person: s.personLine(r, req, a.PersonID)}
	}
	return s.render(w, r, http.StatusOK, "console/health_alerts", "hl.alerts", out)
}

func (s *Server) alertAck(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	req, err := treatmentReq(r)
	if err != nil {
		return err
	}
	if err := s.Treatments.Acknowledge(r.Context(), req, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/health/alerts", http.StatusSeeOther)
	return nil
}

type treatmentData struct {
	PersonID  string
	Person    string
	Treatment *health.Treatment
	Reports   []health.DailyReport
	Now       string
	Saved     bool
	Err       error
}

func (d treatmentData) fieldErrors(lang string) map[string]string { return fieldMap(d.Err, lang) }

func (s *Server) treatmentPage(w http.ResponseWriter, r *http.Request) error {
	req, err := treatmentReq(r)
	if err != nil {
		return err
	}
	return s.renderTreatment(w, r, req, http.StatusOK, treatmentData{})
}

func (s *Server) renderTreatment(w http.ResponseWriter, r *http.Request, req access.Request, status int, d treatmentData) error {
	d.PersonID = r.PathValue("person")
	var err error
	if d.Treatment, d.Reports, err = s.Treatments.Current(r.Context(), req, d.PersonID); err != nil {
		return err
	}
	d.Person, d.Now = s.personLine(r, req, d.PersonID), dmyTime(s.Clock.Now())
	return s.render(w, r, status, "console/health_treatment", "hl.treatment_of", d)
}

// treatmentAction admits, discharges, or confirms a recovery.
func (s *Server) treatmentAction(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	req, err := treatmentReq(r)
	if err != nil {
		return err
	}
	person := r.PathValue("person")
	at, err := parseLocalTime("at", r.PostFormValue("at"))
	if err == nil {
		switch r.PostFormValue("action") {
		case "admit":
			err = s.Treatments.Admit(r.Context(), req, person, r.PostFormValue("hospital"), at)
		case "discharge":
			err = s.Treatments.Discharge(r.Context(), req, person, r.PostFormValue("outcome"), at)
		case "recover":
			err = s.Treatments.ConfirmRecovery(r.Context(), req, person, at)
		default:
			err = problem.Field("action", "Hãy chọn thao tác", "choose an action")
		}
	}
	if isInvalid(err) {
		return s.renderTreatment(w, r, req, http.StatusBadRequest, treatmentData{Err: err})
	}
	if err != nil {
		return err
	}
	return s.renderTreatment(w, r, req, http.StatusOK, treatmentData{Saved: true})
}
