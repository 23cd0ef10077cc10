package web

import (
	"net/http"
	"time"

	"github.com/pccovid/pccovid/internal/feedback"
)

// Feedback API bodies.
type (
	reportRequest struct {
		Category string `json:"category" doc:"crowding, no_mask, quarantine_breach, venue_not_checking or other"`
		Ward     string `json:"ward" doc:"code of the ward the report is about"`
		Text     string `json:"text" doc:"10–2000 characters"`
	}
	reportJSON struct {
		ID         string     `json:"id"`
		Category   string     `json:"category"`
		Ward       string     `json:"ward"`
		Text       string     `json:"text"`
		Status     string     `json:"status" doc:"open, answered or closed"`
		Answer     string     `json:"answer,omitempty"`
		AnsweredAt *time.Time `json:"answered_at,omitempty"`
		CreatedAt  time.Time  `json:"created_at"`
	}
	answerRequest struct {
		Answer string `json:"answer"`
		Close  bool   `json:"close,omitempty" doc:"the report is handled: close it"`
	}
)

func toReportJSON(r feedback.Report) reportJSON {
	out := reportJSON{ID: r.ID, Category: string(r.Category), Ward: r.Ward, Text: r.Text, Status: string(r.Status),
		Answer: r.Answer, CreatedAt: r.CreatedAt}
	if !r.AnsweredAt.IsZero() {
		out.AnsweredAt = &r.AnsweredAt
	}
	return out
}

func toReportsJSON(rs []feedback.Report) []reportJSON {
	out := []reportJSON{}
	for _, r := range rs {
		out = append(out, toReportJSON(r))
	}
	return out
}

func (s *Server) feedbackAPIRoutes() {
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/me/feedback", Tag: "feedback", Auth: "citizen",
		Summary: "Your reports, with their status and answer", Response: []reportJSON{}}, s.apiMyReports)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/me/feedback", Tag: "feedback", Auth: "citizen",
		Summary: "Report something to the authorities of a ward (limited per account)", Request: reportRequest{},
		Response: reportJSON{}, Status: http.StatusCreated}, s.apiReport)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/console/feedback", Tag: "feedback", Auth: "official",
		Summary: "Reports about the wards of your area (commune officers)",
		Query:   []param{{Name: "filter", Description: "open (default), closed or all"}}, Response: []reportJSON{}}, s.apiAreaReports)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/console/feedback/{id}", Tag: "feedback", Auth: "official",
		Summary: "One report of your area", Response: reportJSON{}}, s.apiAreaReport)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/console/feedback/{id}/answer", Tag: "feedback", Auth: "official",
		Summary: "Answer a report of your area, and close it if handled; the answer reaches the citizen's inbox",
		Request: answerRequest{}, Response: reportJSON{}}, s.apiAnswerReport)
}

func (s *Server) apiMyReports(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	rs, err := s.Feedback.Mine(r.Context(), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toReportsJSON(rs))
	return nil
}

func (s *Server) apiReport(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	var body reportRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	rep, err := s.Feedback.Submit(r.Context(), a, feedback.Form(body))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toReportJSON(rep))
	return nil
}

func (s *Server) apiAreaReports(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	rs, err := s.Feedback.ForOfficer(r.Context(), a, feedback.Filter(r.URL.Query().Get("filter")))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toReportsJSON(rs))
	return nil
}

func (s *Server) apiAreaReport(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	rep, err := s.Feedback.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toReportJSON(rep))
	return nil
}

func (s *Server) apiAnswerReport(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	var body answerRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	rep, err := s.Feedback.Answer(r.Context(), a, r.PathValue("id"), body.Answer, body.Close)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toReportJSON(rep))
	return nil
}
