package web

import (
	"errors"
	"net/http"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/takeover"
)

// The review queue of the takeover: pairs of a record and a citizen that no
// rule could decide, for an official to confirm or reject.
func (s *Server) reviewRoutes() {
	if s.Takeover == nil {
		return
	}
	m := s.mux
	m.HandleFunc("GET /console/reviews", s.serve(s.reviewList))
	m.HandleFunc("GET /console/reviews/{id}", s.serve(s.reviewPage))
	m.HandleFunc("POST /console/reviews/{id}", s.serve(s.reviewDecide))
}

func reviewRequest(r *http.Request) (access.Request, error) {
	a, err := official(r)
	if err != nil {
		return access.Request{}, err
	}
	return access.Request{Actor: a, Purpose: access.PurposeLinkageReview}, nil
}

type reviewListPage struct {
	Items []takeover.ReviewItem
}

func (s *Server) reviewList(w http.ResponseWriter, r *http.Request) error {
	req, err := reviewRequest(r)
	if err != nil {
		return err
	}
	items, err := s.Takeover.Reviews(r.Context(), req, takeover.ReviewOpen, 200)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "console/reviews", "review.title", reviewListPage{Items: items})
}

type reviewPage struct {
	View      takeover.ReviewView
	Place     string
	Candidate string // the candidate's ward, spelt out
	Err       error
}

func (p reviewPage) fieldErrors(lang string) map[string]string { return fieldMap(p.Err, lang) }

func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request) error {
	req, err := reviewRequest(r)
	if err != nil {
		return err
	}
	v, err := s.Takeover.Review(r.Context(), req, r.PathValue("id"))
	if err != nil {
		return err
	}
	page := reviewPage{View: v, Place: takeover.PlaceName(v.Record.Place), Candidate: wardName(v.Candidate.WardCode)}
	return s.render(w, r, http.StatusOK, "console/review", "review.pair_title", page)
}

func (s *Server) reviewDecide(w http.ResponseWriter, r *http.Request) error {
	req, err := reviewRequest(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	var confirm bool
	switch r.PostFormValue("decision") {
	case "confirm":
		confirm = true
	case "reject":
	default:
		return problem.Field("decision", "Hãy chọn xác nhận hoặc từ chối", "choose confirm or reject")
	}
	if err := s.Takeover.Decide(r.Context(), req, r.PathValue("id"), confirm); err != nil {
		if errors.Is(err, problem.ErrInvalid) {
			return err
		}
		return err
	}
	http.Redirect(w, r, "/console/reviews", http.StatusSeeOther)
	return nil
}
