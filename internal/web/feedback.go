package web

import (
	"errors"
	"net/http"

	"github.com/pccovid/pccovid/internal/feedback"
	"github.com/pccovid/pccovid/internal/problem"
)

// feedbackRoutes mounts citizens' reports (phản ánh): sending one and
// following its answer in the app, handling them in the console, and their
// JSON API (api_feedback.go).
func (s *Server) feedbackRoutes() {
	if s.Feedback == nil {
		return
	}
	m := s.mux
	m.HandleFunc("GET /feedback", s.serve(s.feedbackPage))
	m.HandleFunc("GET /feedback/new", s.serve(s.feedbackNewPage))
	m.HandleFunc("POST /feedback/new", s.serve(s.feedbackSubmit))
	m.HandleFunc("GET /console/feedback", s.serve(s.consoleFeedbackPage))
	m.HandleFunc("GET /console/feedback/{id}", s.serve(s.consoleReportPage))
	m.HandleFunc("POST /console/feedback/{id}/answer", s.serve(s.consoleReportAnswer))
	s.feedbackAPIRoutes()
}

type feedbackView struct {
	Reports []reportRow
	Sent    bool
}

// reportRow is a report with its ward spelt out.
type reportRow struct {
	feedback.Report
	Place string
}

func reportRows(rs []feedback.Report) []reportRow {
	out := make([]reportRow, len(rs))
	for i, r := range rs {
		out[i] = reportRow{Report: r, Place: wardName(r.Ward)}
	}
	return out
}

func (s *Server) feedbackPage(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	rs, err := s.Feedback.Mine(r.Context(), a)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "citizen/feedback", "feedback.title",
		feedbackView{Reports: reportRows(rs), Sent: r.URL.Query().Get("sent") != ""})
}

// feedbackForm is the report form.
type feedbackForm struct {
	Categories []feedback.Category
	Category   string
	Place      placePicker
	Text       string
	Err        error
}

func (f feedbackForm) fieldErrors(lang string) map[string]string { return fieldMap(f.Err, lang) }

func (s *Server) feedbackNewPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := citizen(r); err != nil {
		return err
	}
	f := feedbackForm{Categories: feedback.Categories(), Place: newPlacePicker(stateOf(r).lang, "ward", "feedback.place", "")}
	return s.render(w, r, http.StatusOK, "citizen/feedback_new", "feedback.new", f)
}

func (s *Server) feedbackSubmit(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	ward := placeFromForm(r, "ward")
	f := feedbackForm{Categories: feedback.Categories(), Category: r.PostFormValue("category"), Text: r.PostFormValue("text"),
		Place: newPlacePicker(stateOf(r).lang, "ward", "feedback.place", ward)}
	if r.PostFormValue("next") != "" {
		return s.render(w, r, http.StatusOK, "citizen/feedback_new", "feedback.new", f)
	}
	_, err = s.Feedback.Submit(r.Context(), a, feedback.Form{Category: f.Category, Ward: ward, Text: f.Text})
	if err != nil {
		status, code, vi, en := classify(err)
		if code == "internal" {
			return err
		}
		f.Err = err
		if !errors.Is(err, problem.ErrInvalid) {
			f.Err = problem.Field("text", vi, en) // too many reports: say so beside the text
		}
		return s.render(w, r, status, "citizen/feedback_new", "feedback.new", f)
	}
	http.Redirect(w, r, "/feedback?sent=1", http.StatusSeeOther)
	return nil
}

// consoleFeedbackView lists the reports of an officer's area.
type consoleFeedbackView struct {
	Allowed bool
	Filter  string
	Filters []feedback.Filter
	Reports []reportRow
}

func (s *Server) consoleFeedbackPage(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	v := consoleFeedbackView{Filter: r.URL.Query().Get("filter"),
		Filters: []feedback.Filter{feedback.FilterOpen, feedback.FilterClosed, feedback.FilterAll}}
	if v.Filter == "" {
		v.Filter = string(feedback.FilterOpen)
	}
	rs, err := s.Feedback.ForOfficer(r.Context(), a, feedback.Filter(v.Filter))
	v.Allowed = !errors.Is(err, problem.ErrForbidden)
	if err != nil && v.Allowed {
		return err
	}
	v.Reports = reportRows(rs)
	return s.render(w, r, http.StatusOK, "console/feedback", "cfeedback.title", v)
}

// reportView is one report and the answer form.
type reportView struct {
	Report reportRow
	Answer string
	Err    error
}

func (v reportView) fieldErrors(lang string) map[string]string { return fieldMap(v.Err, lang) }

func (s *Server) consoleReportPage(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	rep, err := s.Feedback.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "console/feedback_report", "cfeedback.report", reportView{Report: reportRows([]feedback.Report{rep})[0]})
}

func (s *Server) consoleReportAnswer(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	rep, err := s.Feedback.Answer(r.Context(), a, id, r.PostFormValue("answer"), r.PostFormValue("close") != "")
	if errors.Is(err, problem.ErrInvalid) {
		v := reportView{Answer: r.PostFormValue("answer"), Err: err}
		rep, err := s.Feedback.Get(r.Context(), a, id)
		if err != nil {
			return err
		}
		v.Report = reportRows([]feedback.Report{rep})[0]
		return s.render(w, r, http.StatusBadRequest, "console/feedback_report", "cfeedback.report", v)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/feedback/"+rep.ID, http.StatusSeeOther)
	return nil
}
