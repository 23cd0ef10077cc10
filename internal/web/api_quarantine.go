package web

import (
	"net/http"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/quarantine"
)

// Quarantine API bodies.
type (
	qOrderJSON struct {
		ID            string            `json:"id"`
		Number        int64             `json:"number" doc:"the decision's number"`
		PersonID      string            `json:"person_id"`
		Person        *tPersonRef       `json:"person,omitempty" doc:"for officials"`
		Kind          string            `json:"kind" doc:"isolation (a case) or quarantine"`
		Reason        string            `json:"reason" doc:"f0, f1 or entry"`
		Ref           string            `json:"ref"`
		Place         string            `json:"place" doc:"home or facility"`
		Ward          string            `json:"ward" doc:"where the person stays; its officers follow the order"`
		Policy        string            `json:"policy" doc:"the policy applied, e.g. 762/BYT-DP"`
		Rule          string            `json:"rule" doc:"the policy's rule applied"`
		Vaccinated    bool              `json:"vaccinated" doc:"fully vaccinated or recently recovered when issued"`
		Start         string            `json:"start"`
		PlannedEnd    string            `json:"planned_end" doc:"the last day"`
		MonitorUntil  string            `json:"monitor_until" doc:"the last day of self-monitoring"`
		Status        string            `json:"status" doc:"active, released or cancelled"`
		Phase         string            `json:"phase,omitempty" doc:"upcoming, confined, awaiting, monitoring, ended or cancelled"`
		Note          string            `json:"note,omitempty"`
		Tests         []appointmentJSON `json:"tests,omitempty"`
		Reports       int               `json:"reports,omitempty"`
		ReportedToday bool              `json:"reported_today,omitempty"`
		Releasable    *bool             `json:"releasable,omitempty"`
	}
	appointmentJSON struct {
		Day    int    `json:"day"`
		Due    string `json:"due"`
		Type   string `json:"type" doc:"PCR or RAT"`
		Done   bool   `json:"done"`
		Result string `json:"result,omitempty" doc:"negative or positive"`
	}
	dailyReportRequest struct {
		Temperature string   `json:"temperature" doc:"°C, e.g. 36.8"`
		Symptoms    []string `json:"symptoms,omitempty" doc:"codes: fever, cough, breath, sore_throat, taste_loss"`
		Note        string   `json:"note,omitempty"`
	}
	wardBoardJSON struct {
		Area        string       `json:"area"`
		Today       string       `json:"today"`
		Orders      []qOrderJSON `json:"orders"`
		ReportsDue  []string     `json:"reports_due" doc:"ids of orders without today's report"`
		TestsDue    []string     `json:"tests_due"`
		EndingToday []string     `json:"ending_today"`
		Awaiting    []string     `json:"awaiting_release"`
		Alerts      int          `json:"alerts"`
	}
	orderReleaseRequest struct {
		Note string `json:"note,omitempty"`
	}
	appointmentRequest struct {
		Day       int       `json:"day"`
		Type      string    `json:"type" doc:"PCR or RAT"`
		Result    string    `json:"result" doc:"negative or positive"`
		SampledAt time.Time `json:"sampled_at"`
	}
	caseOrdersRequest struct {
		Isolate  bool     `json:"isolate" doc:"issue the case's isolation order"`
		Contacts bool     `json:"contacts" doc:"order the case's F1s (not dismissed) to quarantine"`
		Only     []string `json:"only,omitempty" doc:"only these F1s (person ids)"`
	}
	caseOrdersJSON struct {
		Issued    []qOrderJSON `json:"issued"`
		Existing  int          `json:"existing"`
		Elsewhere int          `json:"elsewhere" doc:"F1s living outside your area: their officials order them"`
		Over      int          `json:"over" doc:"F1s whose quarantine would already have ended"`
	}
	qArrivalJSON struct {
		DeclarationID string      `json:"declaration_id"`
		Name          string      `json:"name"`
		TransportNo   string      `json:"transport_no"`
		Seat          string      `json:"seat,omitempty"`
		Ward          string      `json:"ward,omitempty"`
		Order         *qOrderJSON `json:"order,omitempty"`
	}
	qPolicyJSON struct {
		Code          string            `json:"code"`
		EffectiveFrom string            `json:"effective_from"`
		TitleVi       string            `json:"title_vi"`
		TitleEn       string            `json:"title_en"`
		Rules         []quarantine.Rule `json:"rules"`
	}
)

func (s *Server) quarantineAPIRoutes() {
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/me/quarantine", Tag: "quarantine", Auth: "citizen",
		Summary: "The active profile's isolation and quarantine orders, with tests and reports", Response: []qOrderJSON{}}, s.apiMyQuarantine)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/me/quarantine/{id}/reports", Tag: "quarantine", Auth: "citizen", Status: http.StatusCreated,
		Summary: "File today's health report for an order (again the same day replaces it)", Request: dailyReportRequest{}}, s.apiFileReport)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/console/quarantine/board", Tag: "quarantine", Auth: "official",
		Summary: "Orders in force in an area of yours: reports due, tests due, ending today, awaiting release (audited)",
		Query:   []param{{Name: "area", Description: "ward, district or province code; your area when empty"}}, Response: wardBoardJSON{}}, s.apiQuarantineBoard)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/console/quarantine/orders/{id}", Tag: "quarantine", Auth: "official",
		Summary: "One order with the person, tests and reports (audited)", Response: qOrderJSON{}}, s.apiQuarantineOrder)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/console/quarantine/orders/{id}/release", Tag: "quarantine", Auth: "official",
		Summary: "End an order whose criteria are met; refused with the reason otherwise", Request: orderReleaseRequest{}, Response: qOrderJSON{}}, s.apiQuarantineRelease)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/console/quarantine/orders/{id}/tests", Tag: "quarantine", Auth: "official",
		Summary: "Record a test appointment's result", Request: appointmentRequest{}, Response: qOrderJSON{}}, s.apiQuarantineTest)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/console/quarantine/cases/{id}/orders", Tag: "quarantine", Auth: "official",
		Summary: "Issue a case's isolation and its F1s' quarantine orders; issuing again issues nothing new",
		Request: caseOrdersRequest{}, Response: caseOrdersJSON{}}, s.apiCaseOrders)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/console/quarantine/arrivals", Tag: "quarantine", Auth: "official",
		Summary:  "Arrivals at a border gate on a day with their orders (audited, purpose entry control)",
		Query:    []param{{Name: "gate", Required: true}, {Name: "date", Required: true, Description: "YYYY-MM-DD"}, {Name: "ref"}},
		Response: []qArrivalJSON{}}, s.apiQuarantineArrivals)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/quarantine/policies", Tag: "quarantine",
		Summary: "The quarantine policies, newest first, with their rules", Response: []qPolicyJSON{}}, s.apiQuarantinePolicies)
}

func toQOrderJSON(o quarantine.Order) qOrderJSON {
	return qOrderJSON{ID: o.ID, Number: o.Number, PersonID: o.PersonID, Kind: string(o.Kind), Reason: string(o.Reason), Ref: o.Ref,
		Place: o.Place, Ward: o.Ward, Policy: o.Policy, Rule: o.Rule, Vaccinated: o.Vaccinated, Start: o.Start.String(),
		PlannedEnd: o.PlannedEnd.String(), MonitorUntil: o.MonitorUntil.String(), Status: o.Status, Note: o.Note}
}

func toQOrderViewJSON(v quarantine.View) qOrderJSON {
	j := toQOrderJSON(v.Order)
	j.Phase, j.Reports, j.ReportedToday, j.Person = v.Phase, len(v.Reports), v.ReportedToday, tPersonOf(v.Person)
	for _, t := range v.Tests {
		j.Tests = append(j.Tests, appointmentJSON{Day: t.Day, Due: t.Due.String(), Type: t.Type, Done: t.Done, Result: t.Result})
	}
	if v.Status == quarantine.OrderActive {
		ok := v.Releasable == nil
		j.Releasable = &ok
	}
	return j
}

func (s *Server) apiMyQuarantine(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	vs, err := s.Quarantine.Mine(r.Context(), a, profile(r))
	if err != nil {
		return err
	}
	out := make([]qOrderJSON, len(vs))
	for i, v := range vs {
		out[i] = toQOrderViewJSON(v)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiFileReport(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	var body dailyReportRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	_, err = s.Quarantine.FileReport(r.Context(), a, profile(r), r.PathValue("id"),
		quarantine.ReportForm{Temperature: body.Temperature, Symptoms: body.Symptoms, Note: body.Note})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusCreated)
	return nil
}

func (s *Server) apiQuarantineBoard(w http.ResponseWriter, r *http.Request) error {
	req, err := quarantineRequest(r)
	if err != nil {
		return err
	}
	b, err := s.Quarantine.Board(r.Context(), req, r.URL.Query().Get("area"))
	if err != nil {
		return err
	}
	out := wardBoardJSON{Area: b.Area, Today: b.Today.String(), Orders: []qOrderJSON{}, Alerts: b.Alerts}
	ids := func(rows []quarantine.Row) []string {
		l := []string{}
		for _, r := range rows {
			l = append(l, r.ID)
		}
		return l
	}
	for _, row := range b.Rows {
		j := toQOrderJSON(row.Order)
		j.Phase, j.ReportedToday, j.Person = row.Phase, row.ReportedToday, tPersonOf(row.Person)
		out.Orders = append(out.Orders, j)
	}
	out.ReportsDue, out.TestsDue, out.EndingToday, out.Awaiting = ids(b.ReportsDue), ids(b.TestsDue), ids(b.EndingToday), ids(b.Awaiting)
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiQuarantineOrder(w http.ResponseWriter, r *http.Request) error {
	req, err := quarantineRequest(r)
	if err != nil {
		return err
	}
	v, err := s.Quarantine.Get(r.Context(), req, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toQOrderViewJSON(v))
	return nil
}

func (s *Server) apiQuarantineRelease(w http.ResponseWriter, r *http.Request) error {
	req, err := quarantineRequest(r)
	if err != nil {
		return err
	}
	var body orderReleaseRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	o, err := s.Quarantine.Release(r.Context(), req, r.PathValue("id"), body.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toQOrderJSON(o))
	return nil
}

func (s *Server) apiQuarantineTest(w http.ResponseWriter, r *http.Request) error {
	req, err := quarantineRequest(r)
	if err != nil {
		return err
	}
	var body appointmentRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	o, err := s.Quarantine.RecordTest(r.Context(), req, r.PathValue("id"),
		quarantine.TestForm{Day: body.Day, Type: body.Type, Result: body.Result, SampledAt: body.SampledAt})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toQOrderJSON(o))
	return nil
}

func (s *Server) apiCaseOrders(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	id, err := caseID(r)
	if err != nil {
		return err
	}
	var body caseOrdersRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	if !body.Isolate && !body.Contacts {
		return problem.Field("isolate", "Hãy chọn ra quyết định cho ca bệnh, cho các F1, hoặc cả hai", "choose the case's order, the F1s', or both")
	}
	req := access.Request{Actor: a, Purpose: access.PurposeTracing}
	out := caseOrdersJSON{Issued: []qOrderJSON{}}
	if body.Isolate {
		o, created, err := s.Quarantine.IsolateCase(r.Context(), req, id)
		switch {
		case err != nil:
			return err
		case created:
			out.Issued = append(out.Issued, toQOrderJSON(o))
		default:
			out.Existing++
		}
	}
	if body.Contacts {
		rep, err := s.Quarantine.QuarantineContacts(r.Context(), req, id, body.Only)
		if err != nil {
			return err
		}
		for _, o := range rep.Issued {
			out.Issued = append(out.Issued, toQOrderJSON(o))
		}
		out.Existing, out.Elsewhere, out.Over = out.Existing+rep.Existing+rep.Isolating, rep.Elsewhere, rep.Over
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiQuarantineArrivals(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	day, err := declaration.ParseDay("date", q.Get("date"))
	if err != nil {
		return err
	}
	rows, err := s.Quarantine.Arrivals(r.Context(), access.Request{Actor: a, Purpose: access.PurposeEntryControl, Ref: q.Get("ref")}, q.Get("gate"), day)
	if err != nil {
		return err
	}
	out := make([]qArrivalJSON, len(rows))
	for i, x := range rows {
		d := x.Declaration
		out[i] = qArrivalJSON{DeclarationID: d.ID, Name: d.Details.FullName, TransportNo: d.TransportNo, Seat: d.SeatNo, Ward: d.Ward}
		if x.Order != nil {
			o := toQOrderJSON(*x.Order)
			out[i].Order = &o
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiQuarantinePolicies(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.Quarantine.Policies().All(r.Context())
	if err != nil {
		return err
	}
	out := make([]qPolicyJSON, len(ps))
	for i, p := range ps {
		out[i] = qPolicyJSON{Code: p.Code, EffectiveFrom: p.EffectiveFrom.String(), TitleVi: p.TitleVi, TitleEn: p.TitleEn, Rules: p.Rules}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
