package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/facility"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
)

// FHIR R4 for electronic health records systems, at /fhir/R4: Patient read
// and search by CCCD, Immunization and Observation read, search and
// create. Clients are facilities (X-API-Key) or officials (a bearer
// session). Every read names its purpose in the X-Purpose header (and what
// it is about in X-Purpose-Ref); reads are checked and audited by the
// domain packages. Errors are OperationOutcome.

const fhirBase = "/fhir/R4"

func (s *Server) fhirRoutes() {
	m := s.mux
	m.HandleFunc("GET "+fhirBase+"/metadata", s.fhirServe(s.fhirMetadata))
	m.HandleFunc("GET "+fhirBase+"/Patient/{id}", s.fhirServe(s.fhirPatient))
	m.HandleFunc("GET "+fhirBase+"/Patient", s.fhirServe(s.fhirPatientSearch))
	m.HandleFunc("GET "+fhirBase+"/Immunization/{id}", s.fhirServe(s.fhirImmunization))
	m.HandleFunc("GET "+fhirBase+"/Immunization", s.fhirServe(s.fhirRecordSearch))
	m.HandleFunc("POST "+fhirBase+"/Immunization", s.fhirServe(s.fhirCreateImmunization))
	m.HandleFunc("GET "+fhirBase+"/Observation/{id}", s.fhirServe(s.fhirObservation))
	m.HandleFunc("GET "+fhirBase+"/Observation", s.fhirServe(s.fhirRecordSearch))
	m.HandleFunc("POST "+fhirBase+"/Observation", s.fhirServe(s.fhirCreateObservation))
	m.HandleFunc(fhirBase+"/", s.fhirServe(func(w http.ResponseWriter, r *http.Request) error {
		return errFHIRUnsupported
	}))
}

var errFHIRUnsupported = errors.New("fhir: interaction not supported")

// fhirServe runs a FHIR handler; its errors become OperationOutcomes.
func (s *Server) fhirServe(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fhirFail(w, r, err)
		}
	}
}

func (s *Server) fhirFail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errFHIRUnsupported) {
		writeFHIR(w, http.StatusNotFound, health.NewOutcome("error", "not-supported",
			"Máy chủ không hỗ trợ thao tác này", "this server does not support that interaction"))
		return
	}
	status, code, vi, en := classify(err)
	if status >= 500 {
		s.Log.ErrorContext(r.Context(), "fhir request failed", "err", err)
	}
	var fs problem.Fields
	var fe *problem.FieldError
	switch {
	case errors.As(err, &fs):
		writeFHIR(w, status, health.OutcomeOf(fs, ""))
		return
	case errors.As(err, &fe):
		writeFHIR(w, status, health.OutcomeOf(problem.Fields{fe}, ""))
		return
	}
	issue := map[string]string{"invalid": "invalid", "unauthorized": "login", "forbidden": "forbidden",
		"not_found": "not-found", "conflict": "conflict", "rate_limited": "throttled"}[code]
	if issue == "" {
		issue = "exception"
	}
	writeFHIR(w, status, health.NewOutcome("error", issue, vi, en))
}

func writeFHIR(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/fhir+json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// fhirClient is who calls: a facility by its key, or an official.
func (s *Server) fhirClient(r *http.Request) (access.Actor, *facility.Facility, error) {
	if r.Header.Get("X-API-Key") != "" {
		f, err := s.facilityOf(r)
		if err != nil {
			return access.Actor{}, nil, err
		}
		return f.Actor(), &f, nil
	}
	a, err := official(r)
	return a, nil, err
}

// fhirRequest is the access request of a FHIR read: its purpose is
// required.
func (s *Server) fhirRequest(r *http.Request) (access.Request, error) {
	a, _, err := s.fhirClient(r)
	if err != nil {
		return access.Request{}, err
	}
	p := r.Header.Get("X-Purpose")
	if p == "" {
		return access.Request{}, problem.Field("X-Purpose", "Cần nêu mục đích truy cập (tiêu đề X-Purpose)",
			"name the purpose of the read in the X-Purpose header (testing, vaccination, treatment, …)")
	}
	return officialRequest(r, a, p, r.Header.Get("X-Purpose-Ref"))
}

func fhirBaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + fhirBase
}

func (s *Server) fhirMetadata(w http.ResponseWriter, r *http.Request) error {
	writeFHIR(w, http.StatusOK, fhirCapabilities(fhirBaseURL(r)))
	return nil
}

func (s *Server) fhirPatient(w http.ResponseWriter, r *http.Request) error {
	req, err := s.fhirRequest(r)
	if err != nil {
		return err
	}
	p, err := s.Persons.Get(r.Context(), req, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeFHIR(w, http.StatusOK, health.PatientOf(p))
	return nil
}

// fhirPatientSearch finds a Patient by CCCD or CMND:
// identifier=[system|]value.
func (s *Server) fhirPatientSearch(w http.ResponseWriter, r *http.Request) error {
	req, err := s.fhirRequest(r)
	if err != nil {
		return err
	}
	id := r.URL.Query().Get("identifier")
	if i := strings.LastIndexByte(id, '|'); i >= 0 {
		id = id[i+1:]
	}
	if len(id) != 12 && len(id) != 9 || strings.Trim(id, "0123456789") != "" {
		return problem.Field("identifier", "Tìm theo số CCCD (12 số) hoặc CMND (9 số)", "search by identifier: a 12-digit CCCD or 9-digit CMND")
	}
	found, err := s.Persons.Search(r.Context(), req, identity.SearchQuery{CCCD: id})
	if err != nil {
		return err
	}
	var res []any
	for _, p := range found {
		res = append(res, health.PatientOf(p))
	}
	writeFHIR(w, http.StatusOK, health.SearchBundle(fhirBaseURL(r), fhirBaseURL(r)+"/Patient?"+r.URL.RawQuery, s.Clock.Now(), res...))
	return nil
}

func (s *Server) fhirImmunization(w http.ResponseWriter, r *http.Request) error {
	req, err := s.fhirRequest(r)
	if err != nil {
		return err
	}
	id, ok := health.ParseFHIRID(r.PathValue("id"))
	if !ok {
		return problem.ErrNotFound
	}
	d, err := s.Health.Dose(r.Context(), req, s.Persons, id)
	if err != nil {
		return err
	}
	writeFHIR(w, http.StatusOK, health.ImmunizationOf(d))
	return nil
}

func (s *Server) fhirObservation(w http.ResponseWriter, r *http.Request) error {
	req, err := s.fhirRequest(r)
	if err != nil {
		return err
	}
	id, ok := health.ParseFHIRID(r.PathValue("id"))
	if !ok {
		return problem.ErrNotFound
	}
	t, err := s.Health.Test(r.Context(), req, s.Persons, id)
	if err != nil {
		return err
	}
	writeFHIR(w, http.StatusOK, health.ObservationOf(t))
	return nil
}

// fhirRecordSearch lists a patient's Immunizations or Observations:
// patient=<id> (or subject=Patient/<id>).
func (s *Server) fhirRecordSearch(w http.ResponseWriter, r *http.Request) error {
	req, err := s.fhirRequest(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	person := strings.TrimPrefix(q.Get("patient"), "Patient/")
	if person == "" {
		person = strings.TrimPrefix(q.Get("subject"), "Patient/")
	}
	if person == "" {
		return problem.Field("patient", "Tìm theo người bệnh: patient=<id>", "search by patient: patient=<id>")
	}
	sub, err := s.Persons.Subject(r.Context(), person)
	if err != nil {
		return err
	}
	recs, err := s.Health.ForPerson(r.Context(), req, sub)
	if err != nil {
		return err
	}
	var res []any
	kind := "Observation"
	if strings.HasSuffix(r.URL.Path, "/Immunization") {
		kind = "Immunization"
		for _, d := range recs.Doses {
			res = append(res, health.ImmunizationOf(d))
		}
	} else {
		for _, t := range recs.Tests {
			res = append(res, health.ObservationOf(t))
		}
	}
	writeFHIR(w, http.StatusOK, health.SearchBundle(fhirBaseURL(r), fhirBaseURL(r)+"/"+kind+"?"+r.URL.RawQuery, s.Clock.Now(), res...))
	return nil
}

// fhirBody reads a create's body (at most 1 MiB).
func fhirBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err != nil {
		return nil, problem.Field("body", "Nội dung quá lớn", "the body is larger than 1 MiB")
	}
	return b, nil
}

func (s *Server) fhirCreator(r *http.Request) (facility.Facility, []byte, error) {
	_, f, err := s.fhirClient(r)
	if err != nil {
		return facility.Facility{}, nil, err
	}
	if f == nil {
		return facility.Facility{}, nil, problem.Field("X-API-Key", "Chỉ cơ sở y tế gửi kết quả, bằng khóa API của mình",
			"only a health facility creates records, with its API key")
	}
	b, err := fhirBody(r)
	return *f, b, err
}

func (s *Server) fhirCreateObservation(w http.ResponseWriter, r *http.Request) error {
	f, b, err := s.fhirCreator(r)
	if err != nil {
		return err
	}
	in, ref, err := health.TestOfObservation(b)
	if err != nil {
		return err
	}
	o, err := s.Ingest.SubmitFHIRTest(r.Context(), f, in, ref)
	if err != nil {
		return err
	}
	return s.fhirCreated(w, r, f, o, access.PurposeTesting)
}

func (s *Server) fhirCreateImmunization(w http.ResponseWriter, r *http.Request) error {
	f, b, err := s.fhirCreator(r)
	if err != nil {
		return err
	}
	in, ref, err := health.DoseOfImmunization(b)
	if err != nil {
		return err
	}
	o, err := s.Ingest.SubmitFHIRDose(r.Context(), f, in, ref)
	if err != nil {
		return err
	}
	return s.fhirCreated(w, r, f, o, access.PurposeVaccination)
}

// fhirCreated answers a create: the stored resource (201, or 200 when it
// was sent before), or, when the record waits for review, 202 with an
// informational OperationOutcome.
func (s *Server) fhirCreated(w http.ResponseWriter, r *http.Request, f facility.Facility, o health.Outcome, p access.Purpose) error {
	if o.Status == health.StatusReview || o.PersonID == "" {
		writeFHIR(w, http.StatusAccepted, health.NewOutcome("information", "informational",
			"Đã nhận; chưa xác định chắc chắn người được xét nghiệm/tiêm, bản ghi chờ cán bộ đối soát ("+o.Reason+")",
			"received; the person could not be identified with certainty, so the record waits for an official's review ("+o.Reason+"); id "+o.ID))
		return nil
	}
	req := access.Request{Actor: f.Actor(), Purpose: p, Ref: "FHIR create " + o.ExternalID}
	var res any
	kind := "Observation"
	if o.Kind == health.KindDose {
		kind = "Immunization"
		d, err := s.Health.Dose(r.Context(), req, s.Persons, o.ID)
		if err != nil {
			return err
		}
		res = health.ImmunizationOf(d)
	} else {
		t, err := s.Health.Test(r.Context(), req, s.Persons, o.ID)
		if err != nil {
			return err
		}
		res = health.ObservationOf(t)
	}
	status := http.StatusCreated
	if o.Status == health.StatusDuplicate {
		status = http.StatusOK
	}
	w.Header().Set("Location", fhirBaseURL(r)+"/"+kind+"/"+health.FHIRID(o.ID))
	writeFHIR(w, status, res)
	return nil
}

// fhirCapabilities is the server's CapabilityStatement.
func fhirCapabilities(base string) map[string]any {
	search := func(names ...string) []any {
		var out []any
		for _, n := range names {
			out = append(out, map[string]any{"name": n, "type": "token"})
		}
		return out
	}
	resource := func(typ string, create bool, params ...string) map[string]any {
		ia := []any{map[string]any{"code": "read"}, map[string]any{"code": "search-type"}}
		if create {
			ia = append(ia, map[string]any{"code": "create"})
		}
		return map[string]any{"type": typ, "interaction": ia, "searchParam": search(params...)}
	}
	return map[string]any{
		"resourceType": "CapabilityStatement", "status": "active", "date": "2022-01-01", "kind": "instance",
		"fhirVersion": "4.0.0", "format": []any{"json"},
		"publisher":      "PC-Covid",
		"implementation": map[string]any{"description": "PC-Covid FHIR R4", "url": base},
		"rest": []any{map[string]any{"mode": "server",
			"documentation": "Send X-API-Key (a facility) or Authorization: Bearer (an official); every read names its purpose in X-Purpose.",
			"resource": []any{resource("Patient", false, "identifier"), resource("Immunization", true, "patient"),
				resource("Observation", true, "patient", "subject")}}},
	}
}
