package web

import (
	"net/http"
	"time"

	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/tracing"
)

// Tracing API bodies.
type (
	tCaseJSON struct {
		ID          int64       `json:"id" doc:"the case number (BN); the audit trail names it \"case N\""`
		PersonID    string      `json:"person_id"`
		Person      *tPersonRef `json:"person,omitempty" doc:"within your area only"`
		Area        string      `json:"area"`
		SampledAt   time.Time   `json:"sampled_at"`
		OnsetAt     *time.Time  `json:"onset_at,omitempty"`
		ConfirmedAt time.Time   `json:"confirmed_at"`
		WindowFrom  time.Time   `json:"window_from" doc:"infectious from"`
		WindowTo    time.Time   `json:"window_to" doc:"infectious until (the result)"`
		Rules       string      `json:"rules" doc:"version of the close-contact rules applied"`
		Source      string      `json:"source" doc:"takeover, lab or official"`
		Status      string      `json:"status" doc:"active or recovered"`
		Contacts    int         `json:"contacts,omitempty"`
	}
	tPersonRef struct {
		FullName string `json:"full_name"`
		Phone    string `json:"phone,omitempty"`
		CCCD     string `json:"cccd,omitempty"`
	}
	tEvidenceJSON struct {
		Rule         string    `json:"rule" doc:"venue, transport, household, bluetooth or declared"`
		SourcePerson string    `json:"source_person" doc:"the case, or the F1 for an F2"`
		Place        string    `json:"place,omitempty"`
		PlaceRef     string    `json:"place_ref,omitempty" doc:"venue id, transport number or Bluezone id"`
		SourceFrom   time.Time `json:"source_from"`
		SourceTo     time.Time `json:"source_to"`
		ContactFrom  time.Time `json:"contact_from"`
		ContactTo    time.Time `json:"contact_to"`
		OverlapMin   int       `json:"overlap_minutes"`
		Detail       string    `json:"detail,omitempty"`
	}
	tContactJSON struct {
		PersonID      string          `json:"person_id"`
		Person        *tPersonRef     `json:"person,omitempty" doc:"within your area only; otherwise only the area"`
		Area          string          `json:"area"`
		Degree        int             `json:"degree" doc:"1 (F1) or 2 (F2)"`
		Via           string          `json:"via"`
		FirstExposure time.Time       `json:"first_exposure"`
		LastExposure  time.Time       `json:"last_exposure"`
		Status        string          `json:"status" doc:"found, confirmed or dismissed"`
		Warned        bool            `json:"warned"`
		IsCase        int64           `json:"is_case,omitempty"`
		Rules         []tracing.Rule  `json:"rules"`
		Evidence      []tEvidenceJSON `json:"evidence,omitempty"`
	}
	tCaseDetailJSON struct {
		Case     tCaseJSON      `json:"case"`
		Contacts []tContactJSON `json:"contacts"`
	}
	tCaseEntryRequest struct {
		Number    string     `json:"number" doc:"the person's CCCD, CMND or phone"`
		TestType  string     `json:"test_type" doc:"PCR or RAT"`
		SampledAt time.Time  `json:"sampled_at"`
		ResultAt  *time.Time `json:"result_at,omitempty"`
		OnsetAt   *time.Time `json:"onset_at,omitempty"`
		Lab       string     `json:"lab,omitempty"`
	}
	tTraceRequest struct {
		Degree int `json:"degree" doc:"1 for F1s, 2 for F2s (from the F1s not dismissed)"`
	}
	tRunJSON struct {
		Degree   int    `json:"degree"`
		Rules    string `json:"rules"`
		Found    int    `json:"found"`
		New      int    `json:"new"`
		Evidence int    `json:"evidence"`
		Notified int    `json:"notified" doc:"warned now; nobody is warned twice"`
	}
	tDeclareRequest struct {
		Number string    `json:"number" doc:"the contact's CCCD, CMND or phone; it must name one person"`
		MetAt  time.Time `json:"met_at"`
		Place  string    `json:"place,omitempty"`
	}
	tDecisionRequest struct {
		Status string `json:"status" doc:"confirmed or dismissed"`
	}
	tGraphJSON struct {
		Root    int64          `json:"root"`
		Cluster []int64        `json:"cluster,omitempty"`
		Nodes   []tracing.Node `json:"nodes"`
		Edges   []tracing.Edge `json:"edges"`
	}
)

func (s *Server) tracingAPIRoutes() {
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/console/cases", Tag: "tracing", Auth: "official",
		Summary: "Cases in your area, and elsewhere with contacts in it (audited, purpose tracing)", Response: []tCaseJSON{}}, s.apiTracingCases)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/console/cases", Tag: "tracing", Auth: "official", Status: http.StatusCreated,
		Summary: "Register a case from a positive result; the same episode twice is one case", Request: tCaseEntryRequest{}, Response: tCaseJSON{}}, s.apiTracingEnter)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/console/cases/{id}", Tag: "tracing", Auth: "official",
		Summary: "A case and its contacts with their evidence (audited)", Response: tCaseDetailJSON{}}, s.apiTracingCase)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/console/cases/{id}/trace", Tag: "tracing", Auth: "official",
		Summary: "Find, link and warn the case's F1s or F2s; running again changes nothing", Request: tTraceRequest{}, Response: tRunJSON{}}, s.apiTracingTrace)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/console/cases/{id}/contacts", Tag: "tracing", Auth: "official",
		Summary: "Add a contact from the interview; it is linked and warned", Request: tDeclareRequest{}, Response: tRunJSON{}}, s.apiTracingDeclare)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/console/cases/{id}/contacts/{person}", Tag: "tracing", Auth: "official",
		Summary: "Confirm or dismiss a contact (audited)", Request: tDecisionRequest{}, Status: http.StatusNoContent}, s.apiTracingDecide)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/console/cases/{id}/chain", Tag: "tracing", Auth: "official",
		Summary: "The case's transmission chain (or, with cluster=1, its cluster) as nodes and edges",
		Query:   []param{{Name: "cluster", Description: "1 for the cluster of linked cases"}}, Response: tGraphJSON{}}, s.apiTracingChain)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/me/case/contacts", Tag: "tracing", Auth: "citizen",
		Summary: "A case names a close contact; the contact is warned without learning who named them",
		Request: tDeclareRequest{}, Status: http.StatusNoContent}, s.apiTracingDeclareOwn)
}

func toTCaseJSON(c tracing.Case, p *tPersonRef) tCaseJSON {
	j := tCaseJSON{ID: c.ID, PersonID: c.PersonID, Person: p, Area: c.Area, SampledAt: c.SampledAt, ConfirmedAt: c.ConfirmedAt,
		WindowFrom: c.Window.From, WindowTo: c.Window.To, Rules: c.Rules, Source: c.Source, Status: c.Status}
	if !c.OnsetAt.IsZero() {
		t := c.OnsetAt
		j.OnsetAt = &t
	}
	return j
}

func (s *Server) apiTracingCases(w http.ResponseWriter, r *http.Request) error {
	req, err := tracingRequest(r)
	if err != nil {
		return err
	}
	rows, err := s.Tracing.Cases(r.Context(), req, tracing.CaseFilter{})
	if err != nil {
		return err
	}
	out := make([]tCaseJSON, len(rows))
	for i, c := range rows {
		out[i] = toTCaseJSON(c.Case, tPersonOf(c.Person))
		out[i].Contacts = c.Contacts
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiTracingEnter(w http.ResponseWriter, r *http.Request) error {
	req, err := tracingRequest(r)
	if err != nil {
		return err
	}
	var body tCaseEntryRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	e := tracing.Entry{Number: body.Number, TestType: body.TestType, SampledAt: body.SampledAt, Lab: body.Lab}
	if body.ResultAt != nil {
		e.ResultAt = *body.ResultAt
	}
	if body.OnsetAt != nil {
		e.OnsetAt = *body.OnsetAt
	}
	c, created, err := s.Tracing.EnterResult(r.Context(), req, e)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	writeJSON(w, status, toTCaseJSON(c, nil))
	return nil
}

func (s *Server) apiTracingCase(w http.ResponseWriter, r *http.Request) error {
	req, id, err := tracingCase(r)
	if err != nil {
		return err
	}
	v, err := s.Tracing.View(r.Context(), req, id)
	if err != nil {
		return err
	}
	out := tCaseDetailJSON{Case: toTCaseJSON(v.Case, tPersonOf(v.Person)), Contacts: []tContactJSON{}}
	for _, c := range v.Contacts {
		cj := tContactJSON{PersonID: c.PersonID, Person: tPersonOf(c.Person), Area: c.Area, Degree: c.Degree, Via: c.Via,
			FirstExposure: c.FirstExposure, LastExposure: c.LastExposure, Status: c.Status, Warned: !c.NotifiedAt.IsZero(),
			IsCase: c.IsCase, Rules: c.Rules}
		for _, e := range c.Evidence {
			cj.Evidence = append(cj.Evidence, tEvidenceJSON{Rule: string(e.Rule), SourcePerson: e.SourcePerson, Place: e.Place,
				PlaceRef: e.PlaceRef, SourceFrom: e.SourceFrom, SourceTo: e.SourceTo, ContactFrom: e.ContactFrom, ContactTo: e.ContactTo,
				OverlapMin: int(e.Overlap.Minutes()), Detail: e.Detail})
		}
		out.Contacts = append(out.Contacts, cj)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// tPersonOf is the little of a person the tracing API shows: nil when the
// person lies outside the official's area.
func tPersonOf(p *identity.Person) *tPersonRef {
	if p == nil {
		return nil
	}
	return &tPersonRef{FullName: p.FullName, Phone: string(p.Phone), CCCD: p.CCCD}
}

func (s *Server) apiTracingTrace(w http.ResponseWriter, r *http.Request) error {
	req, id, err := tracingCase(r)
	if err != nil {
		return err
	}
	var body tTraceRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	rep, err := s.Tracing.Trace(r.Context(), req, id, body.Degree)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toTRunJSON(rep))
	return nil
}

func toTRunJSON(r tracing.RunReport) tRunJSON {
	return tRunJSON{Degree: r.Degree, Rules: r.Rules, Found: r.Found, New: r.New, Evidence: r.Evidence, Notified: r.Notified}
}

func (s *Server) apiTracingDeclare(w http.ResponseWriter, r *http.Request) error {
	req, id, err := tracingCase(r)
	if err != nil {
		return err
	}
	var body tDeclareRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	rep, err := s.Tracing.DeclareContact(r.Context(), req, id, tracing.DeclaredContact{Number: body.Number, MetAt: body.MetAt, Place: body.Place})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toTRunJSON(rep))
	return nil
}

func (s *Server) apiTracingDecide(w http.ResponseWriter, r *http.Request) error {
	req, id, err := tracingCase(r)
	if err != nil {
		return err
	}
	var body tDecisionRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	if err := s.Tracing.Decide(r.Context(), req, id, r.PathValue("person"), body.Status); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiTracingChain(w http.ResponseWriter, r *http.Request) error {
	req, id, err := tracingCase(r)
	if err != nil {
		return err
	}
	var g tracing.Graph
	if r.URL.Query().Get("cluster") != "" {
		g, err = s.Tracing.Cluster(r.Context(), req, id)
	} else {
		g, err = s.Tracing.Chain(r.Context(), req, id)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tGraphJSON{Root: g.Root, Cluster: g.Cluster, Nodes: g.Nodes, Edges: g.Edges})
	return nil
}

func (s *Server) apiTracingDeclareOwn(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	var body tDeclareRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	if err := s.Tracing.DeclareOwnContact(r.Context(), a, profile(r),
		tracing.DeclaredContact{Number: body.Number, MetAt: body.MetAt, Place: body.Place}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
