package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/exposure"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/quarantine"
	"github.com/pccovid/pccovid/internal/tracing"
	"github.com/pccovid/pccovid/internal/vn"
)

// tracingRoutes mounts contact tracing in the console: the cases of the
// official's area, registering a case from a positive result, a case's
// contacts with their evidence, runs of F1 and F2 tracing, decisions on
// links, a verification code for the case's phone, and the transmission
// chain as SVG; and its JSON API (api_tracing.go).
func (s *Server) tracingRoutes() {
	if s.Tracing == nil {
		return
	}
	m := s.mux
	m.HandleFunc("GET /console/tracing", s.serve(s.tracingCasesPage))
	m.HandleFunc("GET /console/tracing/new", s.serve(s.tracingNewPage))
	m.HandleFunc("POST /console/tracing/new", s.serve(s.tracingNewSubmit))
	m.HandleFunc("GET /console/tracing/find", s.serve(s.tracingFind))
	m.HandleFunc("GET /console/tracing/cases/{id}", s.serve(s.tracingCasePage))
	m.HandleFunc("POST /console/tracing/cases/{id}/trace", s.serve(s.tracingTrace))
	m.HandleFunc("POST /console/tracing/cases/{id}/contacts", s.serve(s.tracingDeclare))
	m.HandleFunc("POST /console/tracing/cases/{id}/contacts/{person}", s.serve(s.tracingDecide))
	m.HandleFunc("POST /console/tracing/cases/{id}/code", s.serve(s.tracingCode))
	m.HandleFunc("GET /console/tracing/cases/{id}/chain", s.serve(s.tracingChainPage))
	s.tracingAPIRoutes()
}

// tracingRequest is the request of the logged-in official for the purpose
// of tracing: the pages are tracing's, so the purpose is theirs; each
// domain call sets the case as the reference.
func tracingRequest(r *http.Request) (access.Request, error) {
	a, err := official(r)
	if err != nil {
		return access.Request{}, err
	}
	if !access.PurposeTracing.Allows(a.Role) {
		return access.Request{}, fmt.Errorf("web: tracing is for health officials: %w", problem.ErrForbidden)
	}
	return access.Request{Actor: a, Purpose: access.PurposeTracing}, nil
}

// tracingCase is the request of a health official tracing and the case the
// path names.
func tracingCase(r *http.Request) (access.Request, int64, error) {
	req, err := tracingRequest(r)
	if err != nil {
		return req, 0, err
	}
	id, err := caseID(r)
	return req, id, err
}

// tracingCaseForm is tracingCase for a form posted to a case's page: it
// also checks the form's CSRF token.
func tracingCaseForm(r *http.Request) (access.Request, int64, error) {
	req, err := tracingRequest(r)
	if err != nil {
		return req, 0, err
	}
	if err := checkCSRF(r); err != nil {
		return req, 0, err
	}
	id, err := caseID(r)
	return req, id, err
}

func caseID(r *http.Request) (int64, error) {
	id, ok := tracing.ParseCaseRef(r.PathValue("id"))
	if !ok {
		return 0, problem.ErrNotFound
	}
	return id, nil
}

type tracingCasesView struct {
	Cases []tracing.CaseRow
	Find  string
	Err   error
}

func (v tracingCasesView) fieldErrors(lang string) map[string]string { return fieldMap(v.Err, lang) }

func (s *Server) tracingCasesPage(w http.ResponseWriter, r *http.Request) error {
	req, err := tracingRequest(r)
	if err != nil {
		return err
	}
	cs, err := s.Tracing.Cases(r.Context(), req, tracing.CaseFilter{Active: r.URL.Query().Get("all") == ""})
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "console/tracing_cases", "tracing.title", tracingCasesView{Cases: cs})
}

// tracingFind opens a case by its number.
func (s *Server) tracingFind(w http.ResponseWriter, r *http.Request) error {
	req, err := tracingRequest(r)
	if err != nil {
		return err
	}
	id, ok := tracing.ParseCaseRef(r.URL.Query().Get("case"))
	if !ok {
		cs, err := s.Tracing.Cases(r.Context(), req, tracing.CaseFilter{Active: true})
		if err != nil {
			return err
		}
		v := tracingCasesView{Cases: cs, Find: r.URL.Query().Get("case"), Err: tracing.ErrNoCase}
		return s.render(w, r, http.StatusBadRequest, "console/tracing_cases", "tracing.title", v)
	}
	http.Redirect(w, r, fmt.Sprintf("/console/tracing/cases/%d", id), http.StatusSeeOther)
	return nil
}

// tracingNewForm registers a case from a positive result an official
// enters.
type tracingNewForm struct {
	Number, TestType, Sampled, Result, Onset, Lab string
	Err                                           error
}

func (f tracingNewForm) fieldErrors(lang string) map[string]string { return fieldMap(f.Err, lang) }

func (s *Server) tracingNewPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := tracingRequest(r); err != nil {
		return err
	}
	now := s.Clock.Now().In(vn.Location()).Format("2006-01-02T15:04")
	return s.render(w, r, http.StatusOK, "console/tracing_new", "tracing.new", tracingNewForm{TestType: "PCR", Sampled: now, Result: now})
}

func (s *Server) tracingNewSubmit(w http.ResponseWriter, r *http.Request) error {
	req, err := tracingRequest(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	f := tracingNewForm{Number: r.PostFormValue("number"), TestType: r.PostFormValue("test_type"), Sampled: r.PostFormValue("sampled_at"),
		Result: r.PostFormValue("result_at"), Onset: r.PostFormValue("onset_at"), Lab: r.PostFormValue("lab")}
	e, err := f.entry()
	var c tracing.Case
	if err == nil {
		c, _, err = s.Tracing.EnterResult(r.Context(), req, e)
	}
	if errors.Is(err, problem.ErrInvalid) {
		f.Err = err
		return s.render(w, r, http.StatusBadRequest, "console/tracing_new", "tracing.new", f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/console/tracing/cases/%d", c.ID), http.StatusSeeOther)
	return nil
}

func (f tracingNewForm) entry() (tracing.Entry, error) {
	var errs problem.Fields
	e := tracing.Entry{Number: f.Number, TestType: f.TestType, Lab: f.Lab}
	var err error
	if e.SampledAt, err = localTime("sampled_at", f.Sampled, true); err != nil {
		errs.Add(err)
	}
	if e.ResultAt, err = localTime("result_at", f.Result, false); err != nil {
		errs.Add(err)
	}
	if e.OnsetAt, err = localTime("onset_at", f.Onset, false); err != nil {
		errs.Add(err)
	}
	return e, errs.Err()
}

// localTime reads a datetime-local (or date) field as Vietnam time.
func localTime(field, s string, required bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return time.Time{}, problem.Field(field, "Hãy nhập ngày giờ", "enter the date and time")
		}
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, vn.Location()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, problem.Field(field, "Ngày giờ không hợp lệ", "that is not a valid date and time")
}

// contactRow is a contact as the case page shows it.
type contactRow struct {
	tracing.ContactView
	AreaName string
	Evidence []evidenceRow
	Order    *quarantine.Order
}

type evidenceRow struct {
	tracing.Exposure
	Minutes int
}

type tracingCaseView struct {
	Case      tracing.CaseView
	WardName  string
	Contacts  []contactRow
	F1, F2    int
	Orders    []quarantine.Order
	Isolation *quarantine.Order
	Ran       *runFlash   // what the run just made did
	Ordered   *orderFlash // what issuing orders just did
	Declare   declareForm
	Code      *exposure.IssuedCode
	CodeErr   string
	Now       time.Time
}

type declareForm struct {
	Number, MetAt, Place string
	Err                  error
}

func (v tracingCaseView) fieldErrors(lang string) map[string]string {
	return fieldMap(v.Declare.Err, lang)
}

// runFlash and orderFlash report, after the redirect, what a run or an
// issue of orders did: the counts travel in the query.
type runFlash struct{ Degree, Found, New, Notified int }

type orderFlash struct{ Issued, Existing, Elsewhere, Over int }

func (s *Server) tracingCasePage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	n := func(k string) int { v, _ := strconv.Atoi(q.Get(k)); return v }
	v := tracingCaseView{}
	if q.Has("ran") {
		v.Ran = &runFlash{n("ran"), n("found"), n("new"), n("notified")}
	}
	if q.Has("ordered") {
		v.Ordered = &orderFlash{n("ordered"), n("existing"), n("elsewhere"), n("over")}
	}
	return s.renderCase(w, r, http.StatusOK, v)
}

// renderCase shows a case with its contacts (read afresh, audited).
func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, status int, v tracingCaseView) error {
	req, id, err := tracingCase(r)
	if err != nil {
		return err
	}
	if v.Case, err = s.Tracing.View(r.Context(), req, id); err != nil {
		return err
	}
	v.WardName, v.Now = wardName(v.Case.Area), s.Clock.Now()
	if s.Quarantine != nil {
		if v.Orders, err = s.Quarantine.ByCase(r.Context(), id); err != nil {
			return err
		}
	}
	byPerson := map[string]*quarantine.Order{}
	for i, o := range v.Orders {
		if o.Reason == quarantine.ReasonF0 {
			v.Isolation = &v.Orders[i]
		} else {
			byPerson[o.PersonID] = &v.Orders[i]
		}
	}
	for _, c := range v.Case.Contacts {
		row := contactRow{ContactView: c, AreaName: areaName(c.Area), Order: byPerson[c.PersonID]}
		for _, e := range c.Evidence {
			row.Evidence = append(row.Evidence, evidenceRow{Exposure: e, Minutes: int(e.Overlap.Minutes())})
		}
		if c.Degree == 1 {
			v.F1++
		} else {
			v.F2++
		}
		v.Contacts = append(v.Contacts, row)
	}
	return s.render(w, r, status, "console/tracing_case", "tracing.case", v)
}

func (s *Server) tracingTrace(w http.ResponseWriter, r *http.Request) error {
	req, id, err := tracingCaseForm(r)
	if err != nil {
		return err
	}
	degree, _ := strconv.Atoi(r.PostFormValue("degree"))
	rep, err := s.Tracing.Trace(r.Context(), req, id, degree)
	if err != nil {
		return err
	}
	q := url.Values{"ran": {strconv.Itoa(rep.Degree)}, "found": {strconv.Itoa(rep.Found)}, "new": {strconv.Itoa(rep.New)},
		"notified": {strconv.Itoa(rep.Notified)}}
	http.Redirect(w, r, fmt.Sprintf("/console/tracing/cases/%d?%s", id, q.Encode()), http.StatusSeeOther)
	return nil
}

func (s *Server) tracingDeclare(w http.ResponseWriter, r *http.Request) error {
	req, id, err := tracingCaseForm(r)
	if err != nil {
		return err
	}
	f := declareForm{Number: r.PostFormValue("number"), MetAt: r.PostFormValue("met_at"), Place: r.PostFormValue("place")}
	met, err := localTime("met_at", f.MetAt, true)
	var rep tracing.RunReport
	if err == nil {
		rep, err = s.Tracing.DeclareContact(r.Context(), req, id, tracing.DeclaredContact{Number: f.Number, MetAt: met, Place: f.Place})
	}
	if errors.Is(err, problem.ErrInvalid) {
		f.Err = err
		return s.renderCase(w, r, http.StatusBadRequest, tracingCaseView{Declare: f})
	}
	if err != nil {
		return err
	}
	q := url.Values{"ran": {"1"}, "found": {strconv.Itoa(rep.Found)}, "new": {strconv.Itoa(rep.New)}, "notified": {strconv.Itoa(rep.Notified)}}
	http.Redirect(w, r, fmt.Sprintf("/console/tracing/cases/%d?%s#contacts", id, q.Encode()), http.StatusSeeOther)
	return nil
}

func (s *Server) tracingDecide(w http.ResponseWriter, r *http.Request) error {
	req, id, err := tracingCaseForm(r)
	if err != nil {
		return err
	}
	if err := s.Tracing.Decide(r.Context(), req, id, r.PathValue("person"), r.PostFormValue("status")); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/console/tracing/cases/%d#contacts", id), http.StatusSeeOther)
	return nil
}

// tracingCode issues a verification code for the case's phone, so that
// their phone can publish its exposure keys: dated by the case's onset and
// sampling, referenced by the case, sent to the case's phone.
func (s *Server) tracingCode(w http.ResponseWriter, r *http.Request) error {
	req, err := tracingRequest(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	if s.Exposure == nil {
		return problem.ErrNotFound
	}
	id, err := caseID(r)
	if err != nil {
		return err
	}
	v, err := s.Tracing.View(r.Context(), req, id)
	if err != nil {
		return err
	}
	if v.Person == nil {
		return problem.ErrForbidden
	}
	cr := exposure.CodeRequest{TestType: gaen.TestTypeConfirmed, TestDate: dayString(v.SampledAt), Phone: string(v.Person.Phone)}
	if !v.OnsetAt.IsZero() {
		cr.SymptomDate = dayString(v.OnsetAt)
	}
	req.Ref = v.Ref()
	issued, err := s.Exposure.IssueCode(r.Context(), req, cr)
	var page tracingCaseView
	switch {
	case errors.Is(err, problem.ErrInvalid), errors.Is(err, problem.ErrRateLimited):
		_, _, vi, en := classify(err)
		page.CodeErr = pick(stateOf(r).lang, vi, en)
	case err != nil:
		return err
	default:
		page.Code = &issued
	}
	return s.renderCase(w, r, http.StatusOK, page)
}

func dayString(t time.Time) string { return t.In(vn.Location()).Format("2006-01-02") }

type tracingChainView struct {
	Case    int64
	Cluster bool
	Graph   tracing.Graph
	SVG     template.HTML
	Cases   int
}

func (s *Server) tracingChainPage(w http.ResponseWriter, r *http.Request) error {
	req, id, err := tracingCase(r)
	if err != nil {
		return err
	}
	v := tracingChainView{Case: id, Cluster: r.URL.Query().Get("cluster") != ""}
	if v.Cluster {
		v.Graph, err = s.Tracing.Cluster(r.Context(), req, id)
	} else {
		v.Graph, err = s.Tracing.Chain(r.Context(), req, id)
	}
	if err != nil {
		return err
	}
	v.SVG, v.Cases = chainSVG(v.Graph, stateOf(r).lang), len(v.Graph.Cluster)
	return s.render(w, r, http.StatusOK, "console/tracing_chain", "tracing.chain", v)
}
