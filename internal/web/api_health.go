package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/facility"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/problem"
)

// The facility API: labs and vaccination sites send results and doses with
// their API key (X-API-Key), one at a time or in batches of up to
// health.MaxBatch.

type (
	testBatchRequest struct {
		Records []health.TestInput `json:"records" doc:"1–1000 test results; one record for one at a time"`
	}
	doseBatchRequest struct {
		Records []health.DoseInput `json:"records" doc:"1–1000 doses"`
	}
	outcomeJSON struct {
		Kind       string `json:"kind" doc:"test or dose"`
		ExternalID string `json:"external_id" doc:"your sample or dose id"`
		ID         string `json:"id" doc:"the record's id on PC-Covid (also its FHIR id)"`
		Status     string `json:"status" doc:"linked: tied to its person; review: kept for an official to decide who it is; duplicate: sent before, nothing changed"`
		PersonID   string `json:"person_id,omitempty"`
		Reason     string `json:"reason,omitempty" doc:"for review: no_candidate or uncertain"`
	}
	batchResponse struct {
		Batch     string        `json:"batch"`
		Linked    int           `json:"linked"`
		Review    int           `json:"review"`
		Duplicate int           `json:"duplicate"`
		Records   []outcomeJSON `json:"records"`
	}
)

func (s *Server) apiHealthRoutes() {
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/facility/tests", Tag: "facility", Auth: "apikey",
		Summary: "Send test results (a lab): tied to their person, or kept for review; a resend changes nothing",
		Request: testBatchRequest{}, Response: batchResponse{}}, s.apiFacilityTests)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/facility/doses", Tag: "facility", Auth: "apikey",
		Summary: "Send vaccine doses (a vaccination site); a resend changes nothing",
		Request: doseBatchRequest{}, Response: batchResponse{}}, s.apiFacilityDoses)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/facility/records/{id}", Tag: "facility", Auth: "apikey",
		Summary: "What became of a record you sent (linked, or still waiting for review)", Response: outcomeJSON{}}, s.apiFacilityRecord)
}

// keyFailures limits wrong API keys per client address.
var keyFailures = access.Limit{Max: 30, Per: 10 * time.Minute}

// facilityOf authenticates the request's facility API key. Wrong keys from
// one address are counted: past the limit the answer is 429.
func (s *Server) facilityOf(r *http.Request) (facility.Facility, error) {
	f, err := s.Facilities.Authenticate(r.Context(), r.Header.Get("X-API-Key"))
	if errors.Is(err, facility.ErrBadKey) {
		bucket := access.Bucket{Key: "facility-key:" + s.clientAddr(r), Limit: keyFailures}
		if lerr := s.Citizens.Limiter().Take(r.Context(), s.DB, bucket); lerr != nil {
			return f, lerr
		}
	}
	return f, err
}

func (s *Server) apiFacilityTests(w http.ResponseWriter, r *http.Request) error {
	f, err := s.facilityOf(r)
	if err != nil {
		return err
	}
	var req testBatchRequest
	if err := readJSONLimit(r, &req, 8<<20); err != nil {
		return err
	}
	res, err := s.Ingest.SubmitTests(r.Context(), f, health.ViaAPI, req.Records)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toBatchJSON(res))
	return nil
}

func (s *Server) apiFacilityDoses(w http.ResponseWriter, r *http.Request) error {
	f, err := s.facilityOf(r)
	if err != nil {
		return err
	}
	var req doseBatchRequest
	if err := readJSONLimit(r, &req, 8<<20); err != nil {
		return err
	}
	res, err := s.Ingest.SubmitDoses(r.Context(), f, health.ViaAPI, req.Records)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toBatchJSON(res))
	return nil
}

func (s *Server) apiFacilityRecord(w http.ResponseWriter, r *http.Request) error {
	f, err := s.facilityOf(r)
	if err != nil {
		return err
	}
	o, err := s.Ingest.Status(r.Context(), f, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toOutcomeJSON(o))
	return nil
}

func toBatchJSON(res health.Result) batchResponse {
	out := batchResponse{Batch: res.Batch, Linked: res.Linked, Review: res.Review, Duplicate: res.Duplicate,
		Records: make([]outcomeJSON, len(res.Outcomes))}
	for i, o := range res.Outcomes {
		out.Records[i] = toOutcomeJSON(o)
	}
	return out
}

func toOutcomeJSON(o health.Outcome) outcomeJSON {
	return outcomeJSON{Kind: string(o.Kind), ExternalID: o.ExternalID, ID: o.ID, Status: string(o.Status),
		PersonID: o.PersonID, Reason: o.Reason}
}

// readJSONLimit is readJSON for bodies larger than 1 MiB: batches.
func readJSONLimit(r *http.Request, v any, limit int64) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, limit))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &mb):
		return problem.Field("body", "Nội dung quá lớn: hãy gửi ít bản ghi hơn mỗi lần", "the body is too large: send fewer records at a time")
	case err != nil:
		return problem.Field("body", "Nội dung yêu cầu không phải JSON hợp lệ: "+err.Error(), "the request body is not valid JSON: "+err.Error())
	}
	return nil
}
