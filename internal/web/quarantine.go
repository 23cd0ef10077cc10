package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/quarantine"
	"github.com/pccovid/pccovid/internal/tracing"
	"github.com/pccovid/pccovid/internal/vn"
)

// quarantineRoutes mounts isolation and quarantine: the person's orders,
// daily reports and test appointments in the app (and, for a case, the
// form to name their contacts); the ward's board, each order's page with
// tests and release, the printed decisions, orders for a case and its
// contacts, and arrivals with their orders in the console; and the JSON
// API (api_quarantine.go).
func (s *Server) quarantineRoutes() {
	if s.Quarantine == nil {
		return
	}
	m := s.mux
	m.HandleFunc("GET /quarantine", s.serve(s.quarantinePage))
	m.HandleFunc("POST /quarantine/{id}/report", s.serve(s.quarantineReport))
	m.HandleFunc("POST /quarantine/contacts", s.serve(s.quarantineDeclare))
	m.HandleFunc("GET /console/quarantine", s.serve(s.quarantineBoardPage))
	m.HandleFunc("GET /console/quarantine/orders/{id}", s.serve(s.quarantineOrderPage))
	m.HandleFunc("POST /console/quarantine/orders/{id}/release", s.serve(s.quarantineRelease))
	m.HandleFunc("POST /console/quarantine/orders/{id}/cancel", s.serve(s.quarantineCancel))
	m.HandleFunc("POST /console/quarantine/orders/{id}/tests", s.serve(s.quarantineTest))
	m.HandleFunc("POST /console/quarantine/orders/{id}/alerts", s.serve(s.quarantineAlert))
	m.HandleFunc("GET /console/quarantine/orders/{id}/decision.pdf", s.serve(s.quarantineDecision))
	m.HandleFunc("POST /console/quarantine/decisions", s.serve(s.quarantineDecisions))
	m.HandleFunc("POST /console/quarantine/cases/{id}/orders", s.serve(s.quarantineCaseOrders))
	m.HandleFunc("GET /console/quarantine/arrivals", s.serve(s.quarantineArrivals))
	s.quarantineAPIRoutes()
}

// quarantineRequest is the logged-in official's request for the purpose of
// quarantine management.
func quarantineRequest(r *http.Request) (access.Request, error) {
	a, err := official(r)
	if err != nil {
		return access.Request{}, err
	}
	if a.Role != access.RoleHealthOfficial && a.Role != access.RoleCommuneOfficer {
		return access.Request{}, fmt.Errorf("web: quarantine is for health officials and commune officers: %w", problem.ErrForbidden)
	}
	return access.Request{Actor: a, Purpose: access.PurposeQuarantine}, nil
}

// quarantineView is the person's page.
type quarantineView struct {
	Orders   []quarantine.View
	Case     *tracing.Case
	Symptoms []string
	Reported bool
	Declared bool
	Report   reportForm
	Declare  declareForm
}

type reportForm struct {
	Order       string
	Temperature string
	Symptoms    []string
	Note        string
	Err         error
}

func (v quarantineView) fieldErrors(lang string) map[string]string {
	if v.Report.Err != nil {
		return fieldMap(v.Report.Err, lang)
	}
	return fieldMap(v.Declare.Err, lang)
}

func (s *Server) quarantinePage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	return s.renderQuarantine(w, r, http.StatusOK, quarantineView{Reported: q.Has("reported"), Declared: q.Has("declared")})
}

func (s *Server) renderQuarantine(w http.ResponseWriter, r *http.Request, status int, v quarantineView) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	id := profile(r)
	if id == "" {
		return s.render(w, r, status, "citizen/quarantine", "quarantine.mine", v)
	}
	if v.Orders, err = s.Quarantine.Mine(r.Context(), a, id); err != nil {
		return err
	}
	if s.Tracing != nil {
		if c, ok, err := s.Tracing.CaseOf(r.Context(), id); err != nil {
			return err
		} else if ok {
			v.Case = &c
		}
	}
	v.Symptoms = declaration.Symptoms()
	return s.render(w, r, status, "citizen/quarantine", "quarantine.mine", v)
}

func (s *Server) quarantineReport(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	r.ParseForm()
	f := reportForm{Order: r.PathValue("id"), Temperature: r.PostFormValue("temperature"), Symptoms: r.PostForm["symptoms"],
		Note: r.PostFormValue("note")}
	_, err = s.Quarantine.FileReport(r.Context(), a, profile(r), f.Order, quarantine.ReportForm{Temperature: f.Temperature,
		Symptoms: f.Symptoms, Note: f.Note})
	if errors.Is(err, problem.ErrInvalid) {
		f.Err = err
		return s.renderQuarantine(w, r, http.StatusBadRequest, quarantineView{Report: f})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/quarantine?reported=1", http.StatusSeeOther)
	return nil
}

// quarantineDeclare lets a case name a close contact from the app.
func (s *Server) quarantineDeclare(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	if s.Tracing == nil {
		return problem.ErrNotFound
	}
	f := declareForm{Number: r.PostFormValue("number"), MetAt: r.PostFormValue("met_at"), Place: r.PostFormValue("place")}
	met, err := localTime("met_at", f.MetAt, true)
	if err == nil {
		err = s.Tracing.DeclareOwnContact(r.Context(), a, profile(r), tracing.DeclaredContact{Number: f.Number, MetAt: met, Place: f.Place})
	}
	if errors.Is(err, problem.ErrInvalid) {
		f.Err = err
		return s.renderQuarantine(w, r, http.StatusBadRequest, quarantineView{Declare: f})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/quarantine?declared=1", http.StatusSeeOther)
	return nil
}

// boardView is a ward's board.
type boardView struct {
	Board   quarantine.Board
	Area    string
	Name    string
	Section string
	Rows    []quarantine.Row
	Err     error
}

func (v boardView) fieldErrors(lang string) map[string]string { return fieldMap(v.Err, lang) }

// boardSections are the board's tabs, in order.
var boardSections = []string{"confined", "reports", "tests", "ending", "awaiting", "all"}

func (s *Server) quarantineBoardPage(w http.ResponseWriter, r *http.Request) error {
	req, err := quarantineRequest(r)
	if err != nil {
		return err
	}
	v := boardView{Area: strings.TrimSpace(r.URL.Query().Get("area")), Section: r.URL.Query().Get("show")}
	if v.Section == "" {
		v.Section = "confined"
	}
	v.Board, err = s.Quarantine.Board(r.Context(), req, v.Area)
	if errors.Is(err, problem.ErrInvalid) {
		v.Err = err
		return s.render(w, r, http.StatusBadRequest, "console/quarantine_board", "quarantine.board", v)
	}
	if err != nil {
		return err
	}
	v.Name = areaName(v.Board.Area)
	b := v.Board
	v.Rows = map[string][]quarantine.Row{"confined": b.Confined, "reports": b.ReportsDue, "tests": b.TestsDue,
		"ending": b.EndingToday, "awaiting": b.Awaiting, "all": b.Rows}[v.Section]
	return s.render(w, r, http.StatusOK, "console/quarantine_board", "quarantine.board", v)
}

// orderView is one order's page.
type orderView struct {
	Order    quarantine.View
	WardName string
	Alerts   []quarantine.Alert
	Why      string // why the order cannot be released today
	Test     testForm
	Note     string
	Err      error
}

type testForm struct {
	Day, Type, Result, Sampled string
}

func (v orderView) fieldErrors(lang string) map[string]string { return fieldMap(v.Err, lang) }

func (s *Server) quarantineOrderPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderOrder(w, r, http.StatusOK, orderView{})
}

func (s *Server) renderOrder(w http.ResponseWriter, r *http.Request, status int, v orderView) error {
	req, err := quarantineRequest(r)
	if err != nil {
		return err
	}
	if v.Order, err = s.Quarantine.Get(r.Context(), req, r.PathValue("id")); err != nil {
		return err
	}
	v.WardName = wardName(v.Order.Ward)
	if v.Order.Releasable != nil {
		_, _, vi, en := classify(v.Order.Releasable)
		v.Why = pick(stateOf(r).lang, vi, en)
	}
	if v.Alerts, err = s.Quarantine.OpenAlerts(r.Context(), v.Order.ID); err != nil {
		return err
	}
	if v.Test.Sampled == "" {
		v.Test.Sampled = s.Clock.Now().In(vn.Location()).Format("2006-01-02T15:04")
	}
	return s.render(w, r, status, "console/quarantine_order", "quarantine.order", v)
}

// orderAction runs one action on an order from its page and shows the page
// again: with the field errors when the action was refused.
func (s *Server) orderAction(w http.ResponseWriter, r *http.Request, v orderView, act func(req access.Request, id string) error) error {
	req, err := quarantineRequest(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	err = act(req, id)
	if errors.Is(err, problem.ErrInvalid) {
		v.Err = err
		return s.renderOrder(w, r, http.StatusBadRequest, v)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/quarantine/orders/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

func (s *Server) quarantineRelease(w http.ResponseWriter, r *http.Request) error {
	note := r.PostFormValue("note")
	return s.orderAction(w, r, orderView{Note: note}, func(req access.Request, id string) error {
		_, err := s.Quarantine.Release(r.Context(), req, id, note)
		return err
	})
}

func (s *Server) quarantineCancel(w http.ResponseWriter, r *http.Request) error {
	note := r.PostFormValue("note")
	return s.orderAction(w, r, orderView{Note: note}, func(req access.Request, id string) error {
		_, err := s.Quarantine.Cancel(r.Context(), req, id, note)
		return err
	})
}

func (s *Server) quarantineTest(w http.ResponseWriter, r *http.Request) error {
	f := testForm{Day: r.PostFormValue("day"), Type: r.PostFormValue("type"), Result: r.PostFormValue("result"), Sampled: r.PostFormValue("sampled_at")}
	return s.orderAction(w, r, orderView{Test: f}, func(req access.Request, id string) error {
		day, _ := strconv.Atoi(f.Day)
		sampled, err := localTime("sampled_at", f.Sampled, true)
		if err != nil {
			return err
		}
		_, err = s.Quarantine.RecordTest(r.Context(), req, id, quarantine.TestForm{Day: day, Type: f.Type, Result: f.Result, SampledAt: sampled})
		return err
	})
}

func (s *Server) quarantineAlert(w http.ResponseWriter, r *http.Request) error {
	return s.orderAction(w, r, orderView{}, func(req access.Request, id string) error {
		return s.Quarantine.ResolveAlert(r.Context(), req, id, r.PostFormValue("kind"), r.PostFormValue("day"))
	})
}

func (s *Server) quarantineDecision(w http.ResponseWriter, r *http.Request) error {
	req, err := quarantineRequest(r)
	if err != nil {
		return err
	}
	pdf, err := s.Quarantine.Decisions(r.Context(), req, []string{r.PathValue("id")})
	if err != nil {
		return err
	}
	return writePDF(w, "quyet-dinh-cach-ly.pdf", pdf)
}

// quarantineDecisions prints the decisions ticked on the board, or all of
// the area's when none is.
func (s *Server) quarantineDecisions(w http.ResponseWriter, r *http.Request) error {
	req, err := quarantineRequest(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	r.ParseForm()
	var pdf []byte
	if ids := r.PostForm["order"]; len(ids) > 0 {
		pdf, err = s.Quarantine.Decisions(r.Context(), req, ids)
	} else {
		pdf, err = s.Quarantine.AreaDecisions(r.Context(), req, r.PostFormValue("area"))
	}
	if err != nil {
		return err
	}
	return writePDF(w, "quyet-dinh-cach-ly.pdf", pdf)
}

func writePDF(w http.ResponseWriter, name string, pdf []byte) error {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(pdf)
	return err
}

// quarantineCaseOrders issues, from the case page, the case's isolation or
// its F1s' quarantine orders.
func (s *Server) quarantineCaseOrders(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	id, err := caseID(r)
	if err != nil {
		return err
	}
	req := access.Request{Actor: a, Purpose: access.PurposeTracing}
	q := url.Values{}
	if r.PostFormValue("what") == "isolate" {
		_, created, err := s.Quarantine.IsolateCase(r.Context(), req, id)
		if err != nil {
			return err
		}
		q.Set("ordered", strconv.Itoa(btoi(created)))
		q.Set("existing", strconv.Itoa(1-btoi(created)))
	} else {
		rep, err := s.Quarantine.QuarantineContacts(r.Context(), req, id, nil)
		if err != nil {
			return err
		}
		q.Set("ordered", strconv.Itoa(len(rep.Issued)))
		q.Set("existing", strconv.Itoa(rep.Existing+rep.Isolating))
		q.Set("elsewhere", strconv.Itoa(rep.Elsewhere))
		q.Set("over", strconv.Itoa(rep.Over))
	}
	http.Redirect(w, r, fmt.Sprintf("/console/tracing/cases/%d?%s", id, q.Encode()), http.StatusSeeOther)
	return nil
}

// entryView is the arrivals of a gate and a day with their orders.
type entryView struct {
	Gates           gateSelect
	Gate, Date, Ref string
	Shown           bool
	Rows            []entryRow
	Err             error
}

type entryRow struct {
	declarationRow
	Name  string
	Order *quarantine.Order
}

func (v entryView) fieldErrors(lang string) map[string]string { return fieldMap(v.Err, lang) }

func (s *Server) quarantineArrivals(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	if !access.PurposeEntryControl.Allows(a.Role) {
		return problem.ErrForbidden
	}
	q := r.URL.Query()
	lang := stateOf(r).lang
	v := entryView{Gates: newGateSelect(lang, q.Get("gate")), Gate: q.Get("gate"), Date: q.Get("date"), Ref: q.Get("ref")}
	if v.Date == "" {
		v.Date = s.Quarantine.Today().String()
	}
	if v.Gate == "" {
		return s.render(w, r, http.StatusOK, "console/quarantine_arrivals", "quarantine.arrivals", v)
	}
	day, err := declaration.ParseDay("date", v.Date)
	var rows []quarantine.Arrival
	if err == nil {
		req := access.Request{Actor: a, Purpose: access.PurposeEntryControl, Ref: strings.TrimSpace(v.Ref)}
		rows, err = s.Quarantine.Arrivals(r.Context(), req, v.Gate, day)
	}
	if errors.Is(err, problem.ErrInvalid) {
		v.Err = err
		return s.render(w, r, http.StatusBadRequest, "console/quarantine_arrivals", "quarantine.arrivals", v)
	}
	if err != nil {
		return err
	}
	v.Shown = true
	for _, x := range rows {
		v.Rows = append(v.Rows, entryRow{declarationRow: describe(x.Declaration, lang), Name: x.Declaration.Details.FullName, Order: x.Order})
	}
	return s.render(w, r, http.StatusOK, "console/quarantine_arrivals", "quarantine.arrivals", v)
}
