package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/facility"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Console pages of incoming health records: facilities and their keys
// (administrators), batch uploads and the review of records that could not
// be tied to anyone (health officials).

func (s *Server) facilityConsoleRoutes() {
	m := s.mux
	m.HandleFunc("GET /console/facilities", s.serve(s.facilitiesPage))
	m.HandleFunc("POST /console/facilities", s.serve(s.facilityCreate))
	m.HandleFunc("GET /console/facilities/{id}", s.serve(s.facilityPage))
	m.HandleFunc("POST /console/facilities/{id}/keys", s.serve(s.facilityKeyIssue))
	m.HandleFunc("POST /console/facilities/{id}/keys/{key}/revoke", s.serve(s.facilityKeyRevoke))
}

func (s *Server) ingestConsoleRoutes() {
	m := s.mux
	m.HandleFunc("GET /console/health/upload", s.serve(s.uploadPage))
	m.HandleFunc("POST /console/health/upload", s.serve(s.uploadSubmit))
	m.HandleFunc("GET /console/health/reviews", s.serve(s.ingestReviews))
	m.HandleFunc("GET /console/health/reviews/{id}", s.serve(s.ingestReview))
	m.HandleFunc("POST /console/health/reviews/{id}", s.serve(s.ingestDecide))
}

type facilitiesData struct {
	Facilities []facility.Facility
	Form       facility.New
	Err        error
}

func (d facilitiesData) fieldErrors(lang string) map[string]string { return fieldMap(d.Err, lang) }

func (s *Server) facilitiesPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := officialFor(r, access.RoleAdmin); err != nil {
		return err
	}
	return s.renderFacilities(w, r, http.StatusOK, facilitiesData{Form: facility.New{Kind: string(facility.KindLab)}})
}

func (s *Server) renderFacilities(w http.ResponseWriter, r *http.Request, status int, d facilitiesData) error {
	var err error
	if d.Facilities, err = s.Facilities.List(r.Context()); err != nil {
		return err
	}
	return s.render(w, r, status, "console/facilities", "hl.facilities", d)
}

func (s *Server) facilityCreate(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	a, err := officialFor(r, access.RoleAdmin)
	if err != nil {
		return err
	}
	n := facility.New{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"),
		Province: r.PostFormValue("province")}
	f, err := s.Facilities.Create(r.Context(), a, n)
	if isInvalid(err) {
		return s.renderFacilities(w, r, http.StatusBadRequest, facilitiesData{Form: n, Err: err})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/facilities/"+f.ID, http.StatusSeeOther)
	return nil
}

type facilityData struct {
	Facility facility.Facility
	Keys     []facility.Key
	NewKey   string // shown once, right after it is made
	Err      error
}

func (d facilityData) fieldErrors(lang string) map[string]string { return fieldMap(d.Err, lang) }

func (s *Server) facilityPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := officialFor(r, access.RoleAdmin); err != nil {
		return err
	}
	return s.renderFacility(w, r, http.StatusOK, facilityData{})
}

func (s *Server) renderFacility(w http.ResponseWriter, r *http.Request, status int, d facilityData) error {
	var err error
	if d.Facility, err = s.Facilities.Get(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	if d.Keys, err = s.Facilities.Keys(r.Context(), d.Facility.ID); err != nil {
		return err
	}
	return s.render(w, r, status, "console/facility", "hl.facility", d)
}

func (s *Server) facilityKeyIssue(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	a, err := officialFor(r, access.RoleAdmin)
	if err != nil {
		return err
	}
	_, text, err := s.Facilities.IssueKey(r.Context(), a, r.PathValue("id"), r.PostFormValue("label"))
	if isInvalid(err) {
		return s.renderFacility(w, r, http.StatusBadRequest, facilityData{Err: err})
	}
	if err != nil {
		return err
	}
	return s.renderFacility(w, r, http.StatusOK, facilityData{NewKey: text})
}

func (s *Server) facilityKeyRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	a, err := officialFor(r, access.RoleAdmin)
	if err != nil {
		return err
	}
	if err := s.Facilities.RevokeKey(r.Context(), a, r.PathValue("id"), r.PathValue("key")); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/facilities/"+r.PathValue("id"), http.StatusSeeOther)
	return nil
}

type uploadData struct {
	Facilities []facility.Facility
	Facility   string
	Format     string
	Done       *health.Upload
	Err        error
	Problems   []string
}

func (d uploadData) fieldErrors(lang string) map[string]string { return fieldMap(d.Err, lang) }

func (s *Server) uploadPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := officialFor(r, access.RoleHealthOfficial, access.RoleAdmin); err != nil {
		return err
	}
	return s.renderUpload(w, r, http.StatusOK, uploadData{Format: string(health.FormatLabList)})
}

func (s *Server) renderUpload(w http.ResponseWriter, r *http.Request, status int, d uploadData) error {
	var err error
	if d.Facilities, err = s.Facilities.List(r.Context()); err != nil {
		return err
	}
	return s.render(w, r, status, "console/health_upload", "hl.upload", d)
}

// uploadSubmit takes a line list or portal export. A refused file shows
// every problem with its line; nothing of it is stored.
func (s *Server) uploadSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, health.MaxUploadBytes+1<<20)
	if err := checkCSRF(r); err != nil {
		return err
	}
	a, err := officialFor(r, access.RoleHealthOfficial, access.RoleAdmin)
	if err != nil {
		return err
	}
	d := uploadData{Facility: r.PostFormValue("facility"), Format: r.PostFormValue("format")}
	up, err := s.upload(r, a, d)
	if isInvalid(err) || errors.Is(err, problem.ErrNotFound) {
		d.Err, d.Problems = err, problemLines(err, stateOf(r).lang)
		return s.renderUpload(w, r, http.StatusBadRequest, d)
	}
	if err != nil {
		return err
	}
	d.Done = &up
	return s.renderUpload(w, r, http.StatusOK, d)
}

func (s *Server) upload(r *http.Request, a access.Actor, d uploadData) (health.Upload, error) {
	f, err := s.Facilities.Get(r.Context(), d.Facility)
	if err != nil {
		return health.Upload{}, problem.Field("facility", "Hãy chọn cơ sở", "choose the facility")
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		return health.Upload{}, problem.Field("file", "Hãy chọn tệp", "choose a file")
	}
	defer file.Close()
	return s.Ingest.UploadFile(r.Context(), a, f, health.FileFormat(d.Format), file)
}

// problemLines lists an error's field errors as "where: why" lines.
func problemLines(err error, lang string) []string {
	var out []string
	var fs problem.Fields
	var fe *problem.FieldError
	switch {
	case errors.As(err, &fs):
		for _, f := range fs {
			out = append(out, f.Field+": "+f.Message(lang))
		}
	case errors.As(err, &fe):
		out = append(out, fe.Field+": "+fe.Message(lang))
	}
	return out
}

func reviewReq(r *http.Request) (access.Request, error) {
	a, err := officialFor(r, access.RoleHealthOfficial, access.RoleAdmin)
	if err != nil {
		return access.Request{}, err
	}
	return access.Request{Actor: a, Purpose: access.PurposeLinkageReview, Ref: "incoming health records"}, nil
}

func (s *Server) ingestReviews(w http.ResponseWriter, r *http.Request) error {
	req, err := reviewReq(r)
	if err != nil {
		return err
	}
	items, err := s.Ingest.Reviews(r.Context(), req, 200)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "console/health_reviews", "hl.reviews", items)
}

type ingestReviewData struct {
	Item      health.ReviewItem
	Candidate string // name and birth of the candidate
	Place     string
	Done      bool
	Err       error
}

func (d ingestReviewData) fieldErrors(lang string) map[string]string { return fieldMap(d.Err, lang) }

func (s *Server) ingestReview(w http.ResponseWriter, r *http.Request) error {
	req, err := reviewReq(r)
	if err != nil {
		return err
	}
	return s.renderIngestReview(w, r, req, http.StatusOK, ingestReviewData{})
}

func (s *Server) renderIngestReview(w http.ResponseWriter, r *http.Request, req access.Request, status int, d ingestReviewData) error {
	var err error
	if d.Item, err = s.Ingest.Review(r.Context(), req, r.PathValue("id")); err != nil {
		return err
	}
	if d.Item.Candidate != "" {
		d.Candidate = s.personLine(r, req, d.Item.Candidate)
	}
	d.Place = areaName(d.Item.Area)
	return s.render(w, r, status, "console/health_review", "hl.reviews", d)
}

// ingestDecide settles a record: the candidate, a person found by CCCD or
// CMND, or a new person of their own.
func (s *Server) ingestDecide(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	req, err := reviewReq(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	switch r.PostFormValue("decision") {
	case "candidate":
		err = s.Ingest.Decide(r.Context(), req, id, r.PostFormValue("person"))
	case "cccd":
		err = s.decideByNumber(r, req, id)
	case "new":
		_, err = s.Ingest.NewPerson(r.Context(), req, id)
	default:
		err = problem.Field("decision", "Hãy chọn cách xử lý", "choose a decision")
	}
	if isInvalid(err) {
		return s.renderIngestReview(w, r, req, http.StatusBadRequest, ingestReviewData{Err: err})
	}
	if err != nil {
		return err
	}
	return s.renderIngestReview(w, r, req, http.StatusOK, ingestReviewData{Done: true})
}

func (s *Server) decideByNumber(r *http.Request, req access.Request, id string) error {
	kind, number, err := vn.ParseIDNumber(r.PostFormValue("number"))
	if err != nil {
		return problem.Field("number", "Số CCCD (12 số) hoặc CMND (9 số) không hợp lệ", "not a CCCD (12 digits) or CMND (9 digits)")
	}
	var ids []string
	if kind == vn.IDCCCD {
		ids, err = s.Persons.FindByCCCD(r.Context(), number)
	} else {
		ids, err = s.Persons.FindByCMND(r.Context(), number)
	}
	if err != nil {
		return err
	}
	if len(ids) != 1 {
		return problem.Field("number", "Không tìm thấy đúng một người có số này", "not exactly one person has this number")
	}
	return s.Ingest.Decide(r.Context(), req, id, ids[0])
}

// dmyTime is a time as a form's datetime-local value, in Vietnam time.
func dmyTime(t time.Time) string { return t.In(vn.Location()).Format("2006-01-02T15:04") }

// parseLocalTime reads a datetime-local value typed in Vietnam time.
func parseLocalTime(field, s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(s), vn.Location())
	if err != nil {
		return t, problem.Field(field, "Thời điểm phải có ngày và giờ", "the time needs a date and an hour")
	}
	return t, nil
}
