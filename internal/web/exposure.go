package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/exposure"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
	"github.com/pccovid/pccovid/internal/problem"
)

// exposureRoutes mounts the exposure-notification server: the console page
// where health officials issue verification codes, the JSON API (see
// api_exposure.go), and the export files phones download.
//
// Export files live at /exposure/<prefix>/…: index.txt lists the files by
// their path under /exposure/, the layout the reference key server gives
// its CDN bucket, so an app configured with the base URL /exposure/ finds
// them unchanged.
func (s *Server) exposureRoutes() {
	if s.Exposure == nil {
		return
	}
	m := s.mux
	m.HandleFunc("GET /console/exposure/codes", s.serve(s.exposureCodesPage))
	m.HandleFunc("POST /console/exposure/codes", s.serve(s.exposureIssue))
	m.HandleFunc("GET /exposure/{dir}/{file}", s.serve(s.exposureFile))
	s.exposureAPIRoutes()
}

// exposureCodesPage is the console's verification-code page.
type exposureCodesPage struct {
	TestTypes                            []string
	Ref, TestType, SymptomDate, TestDate string
	Issued                               *exposure.IssuedCode
	Recent                               []exposure.CodeStatus
	Now                                  time.Time
	Err                                  error
}

func (p exposureCodesPage) fieldErrors(lang string) map[string]string { return fieldMap(p.Err, lang) }

// exposureOfficial returns the logged-in official who may issue codes.
func exposureOfficial(r *http.Request) (access.Actor, error) {
	a, err := official(r)
	if err != nil {
		return a, err
	}
	if !exposure.CanIssue(a) {
		return a, problem.ErrForbidden
	}
	return a, nil
}

func (s *Server) exposureCodesPage(w http.ResponseWriter, r *http.Request) error {
	a, err := exposureOfficial(r)
	if err != nil {
		return err
	}
	return s.renderExposureCodes(w, r, http.StatusOK, a, exposureCodesPage{TestType: gaen.TestTypeConfirmed})
}

// exposureIssue issues a code from the console form and shows it once.
func (s *Server) exposureIssue(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	page := exposureCodesPage{Ref: r.PostFormValue("ref"), TestType: r.PostFormValue("test_type"),
		SymptomDate: r.PostFormValue("symptom_date"), TestDate: r.PostFormValue("test_date")}
	req := access.Request{Actor: a, Purpose: access.PurposeTracing, Ref: page.Ref}
	issued, err := s.Exposure.IssueCode(r.Context(), req, exposure.CodeRequest{TestType: page.TestType,
		SymptomDate: page.SymptomDate, TestDate: page.TestDate, Phone: r.PostFormValue("phone")})
	if errors.Is(err, problem.ErrInvalid) {
		page.Err = err
		return s.renderExposureCodes(w, r, http.StatusBadRequest, a, page)
	}
	if err != nil {
		return err
	}
	page = exposureCodesPage{TestType: issued.TestType, Issued: &issued}
	return s.renderExposureCodes(w, r, http.StatusOK, a, page)
}

func (s *Server) renderExposureCodes(w http.ResponseWriter, r *http.Request, status int, a access.Actor, page exposureCodesPage) error {
	recent, err := s.Exposure.RecentCodes(r.Context(), a, 20)
	if err != nil {
		return err
	}
	page.TestTypes = []string{gaen.TestTypeConfirmed, gaen.TestTypeLikely}
	page.Recent, page.Now = recent, s.Clock.Now()
	return s.render(w, r, status, "console/exposure_codes", "exposure.codes_title", page)
}

// exposureFile serves index.txt and the export files. They are public and
// the same for every phone, so caches and CDNs may keep them: a file never
// changes once published, the index changes with each batch.
func (s *Server) exposureFile(w http.ResponseWriter, r *http.Request) error {
	if r.PathValue("dir") != s.Exposure.Config().ExportPrefix {
		return problem.ErrNotFound
	}
	if r.PathValue("file") == "index.txt" {
		index, err := s.Exposure.Index(r.Context())
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, err = w.Write(index)
		return err
	}
	data, published, err := s.Exposure.ExportData(r.Context(), r.PathValue("dir")+"/"+r.PathValue("file"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "public, max-age=86400, immutable")
	w.Header().Set("Last-Modified", published.UTC().Format(http.TimeFormat))
	_, err = w.Write(data)
	return err
}
