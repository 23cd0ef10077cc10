package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Declaration API bodies.
type (
	// declarationRequest has declaration.Form's fields in its order, so one
	// converts to the other.
	declarationRequest struct {
		Kind             string   `json:"kind" doc:"DOMESTIC, ENTRY or SELFCHECK"`
		From             string   `json:"from,omitempty" doc:"DOMESTIC: admin-unit code (province, district or ward) where the journey starts"`
		FromCountry      string   `json:"from_country,omitempty" doc:"ENTRY: ISO 3166-1 alpha-3 code of the country the journey starts in"`
		FromCity         string   `json:"from_city,omitempty"`
		BorderGate       string   `json:"border_gate,omitempty" doc:"ENTRY: border gate code (GET /api/v1/declarations/reference)"`
		Transport        string   `json:"transport,omitempty" doc:"FLIGHT, TRAIN, BUS, CAR, SHIP or OTHER"`
		TransportNo      string   `json:"transport_no,omitempty" doc:"flight number (VN244), train (SE3) or licence plate (29A-123.45)"`
		Seat             string   `json:"seat,omitempty" doc:"12A on a flight, car-seat (3-24) on a train, a number on a bus"`
		DepartureDate    string   `json:"departure_date,omitempty" doc:"YYYY-MM-DD or DD/MM/YYYY"`
		ArrivalDate      string   `json:"arrival_date,omitempty" doc:"required for ENTRY: the day of arrival in Vietnam"`
		Ward             string   `json:"ward,omitempty" doc:"ward code where the person goes (DOMESTIC) or stays (ENTRY)"`
		Address          string   `json:"address,omitempty"`
		IDType           string   `json:"id_type,omitempty" doc:"ENTRY: PASSPORT, CCCD or CMND"`
		IDNumber         string   `json:"id_number,omitempty" doc:"ENTRY: required"`
		Nationality      string   `json:"nationality,omitempty" doc:"ENTRY: ISO 3166-1 alpha-3"`
		Symptoms         []string `json:"symptoms,omitempty" doc:"any of fever, cough, breath, sore_throat, taste_loss"`
		ContactWithCase  bool     `json:"contact_with_case,omitempty"`
		FromEpidemicArea bool     `json:"from_epidemic_area,omitempty"`
	}
	declarationJSON struct {
		ID               string    `json:"id"`
		Kind             string    `json:"kind"`
		Source           string    `json:"source" doc:"pccovid, or the old app it was taken over from (ncovi, vhd)"`
		DeclaredAt       time.Time `json:"declared_at"`
		PersonID         string    `json:"person_id"`
		From             string    `json:"from,omitempty" doc:"admin-unit code, or the old app's free text"`
		FromCountry      string    `json:"from_country,omitempty"`
		BorderGate       string    `json:"border_gate,omitempty"`
		Transport        string    `json:"transport,omitempty"`
		TransportNo      string    `json:"transport_no,omitempty"`
		Seat             string    `json:"seat,omitempty"`
		DepartureDate    string    `json:"departure_date,omitempty"`
		ArrivalDate      string    `json:"arrival_date,omitempty"`
		Ward             string    `json:"ward,omitempty"`
		Symptoms         []string  `json:"symptoms"`
		ContactWithCase  bool      `json:"contact_with_case"`
		FromEpidemicArea bool      `json:"from_epidemic_area"`
		Nationality      string    `json:"nationality,omitempty"`
		IDType           string    `json:"id_type,omitempty"`
		IDNumber         string    `json:"id_number,omitempty" doc:"masked"`
		QR               string    `json:"qr" doc:"the signed QR text to show at a checkpoint; it holds no personal data"`
	}
	prefillJSON struct {
		Person personJSON         `json:"person" doc:"who the declaration is for, from the identity registry: not typed again"`
		Form   declarationRequest `json:"form" doc:"the form's starting values"`
	}
	gateJSON struct {
		Code      string `json:"code"`
		Kind      string `json:"kind" doc:"air, land, rail or sea"`
		Province  string `json:"province"`
		Name      string `json:"name"`
		Neighbour string `json:"neighbour,omitempty"`
	}
	countryJSON struct {
		Code string `json:"code" doc:"ISO 3166-1 alpha-3"`
		Name string `json:"name"`
	}
	referenceJSON struct {
		Transports  []string      `json:"transports"`
		Symptoms    []string      `json:"symptoms"`
		BorderGates []gateJSON    `json:"border_gates"`
		Countries   []countryJSON `json:"countries"`
	}
	checkRequest struct {
		QR      string `json:"qr" doc:"the text of the declaration's QR code"`
		Purpose string `json:"purpose" doc:"declaration_check or entry_control"`
		Ref     string `json:"ref,omitempty" doc:"e.g. the checkpoint"`
	}
	checkedJSON struct {
		Kind          string    `json:"kind"`
		DeclaredAt    time.Time `json:"declared_at"`
		Name          string    `json:"name" doc:"masked: N** V** A**"`
		Symptoms      bool      `json:"symptoms" doc:"whether any symptom was declared"`
		From          string    `json:"from,omitempty"`
		To            string    `json:"to,omitempty"`
		FromCountry   string    `json:"from_country,omitempty"`
		BorderGate    string    `json:"border_gate,omitempty"`
		Transport     string    `json:"transport,omitempty"`
		TransportNo   string    `json:"transport_no,omitempty"`
		DepartureDate string    `json:"departure_date,omitempty"`
	}
	arrivalJSON struct {
		declarationJSON
		FullName string `json:"full_name"`
	}
)

func toDeclarationJSON(d declaration.Declaration, qr string) declarationJSON {
	x := d.Details
	out := declarationJSON{ID: d.ID, Kind: d.Kind, Source: d.Source, DeclaredAt: d.DeclaredAt, PersonID: d.PersonID,
		From: x.FromArea, FromCountry: x.FromCountry, BorderGate: d.BorderGate, Transport: d.Transport, TransportNo: d.TransportNo,
		Seat: d.SeatNo, DepartureDate: d.DepartureDate.String(), ArrivalDate: d.ArrivalDate.String(), Ward: d.Ward,
		Symptoms: x.Symptoms, ContactWithCase: x.ContactWithCase, FromEpidemicArea: x.FromEpidemicArea,
		Nationality: x.Nationality, IDType: x.IDType, IDNumber: vn.MaskID(x.IDNumber), QR: qr}
	if out.From == "" {
		out.From = x.FromPlace
	}
	if out.Symptoms == nil {
		out.Symptoms = []string{}
	}
	return out
}

func (s *Server) declarationAPIRoutes() {
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/declarations/reference", Tag: "declaration",
		Summary:  "The lists a declaration's codes come from: transports, symptoms, border gates, countries",
		Query:    []param{{Name: "lang", Description: "vi (default) or en, for the names"}},
		Response: referenceJSON{}}, s.apiDeclarationReference)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/me/declarations/prefill", Tag: "declaration", Auth: "citizen",
		Summary: "What a new declaration of the active profile starts from: who it is for, and the form's starting values",
		Query:   []param{{Name: "kind", Required: true, Description: "DOMESTIC, ENTRY or SELFCHECK"}}, Response: prefillJSON{}}, s.apiDeclarationPrefill)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/me/declarations", Tag: "declaration", Auth: "citizen",
		Summary: "The active profile's declarations, newest first, with their QR text", Response: []declarationJSON{}}, s.apiDeclarations)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/me/declarations", Tag: "declaration", Auth: "citizen",
		Summary: "Declare for the active profile: a domestic journey, an arrival from abroad or a daily self-check",
		Request: declarationRequest{}, Response: declarationJSON{}, Status: http.StatusCreated}, s.apiDeclare)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/me/declarations/{id}", Tag: "declaration", Auth: "citizen",
		Summary: "One declaration of yours or your family's, with its QR text", Response: declarationJSON{}}, s.apiDeclaration)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/console/declarations/check", Tag: "declaration", Auth: "official",
		Summary: "Verify a declaration QR code at a checkpoint (audited); a forged code is refused",
		Request: checkRequest{}, Response: checkedJSON{}}, s.apiDeclarationCheck)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/console/declarations/arrivals", Tag: "declaration", Auth: "official",
		Summary: "Entry declarations of travellers arriving through a border gate on a day, for entry control (audited)",
		Query: []param{{Name: "gate", Required: true, Description: "border gate code"}, {Name: "date", Required: true, Description: "YYYY-MM-DD"},
			{Name: "ref", Description: "e.g. the flight"}}, Response: []arrivalJSON{}}, s.apiArrivals)
}

func (s *Server) apiDeclarationReference(w http.ResponseWriter, r *http.Request) error {
	lang := r.URL.Query().Get("lang")
	out := referenceJSON{Transports: declaration.Transports(), Symptoms: declaration.Symptoms()}
	for _, g := range declaration.BorderGates() {
		out.BorderGates = append(out.BorderGates, gateJSON{g.Code, string(g.Kind), g.Province, g.Name(lang), g.Neighbour})
	}
	for _, c := range declaration.Countries(lang) {
		out.Countries = append(out.Countries, countryJSON{c.Code, c.Name(lang)})
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	writeJSON(w, http.StatusOK, out)
	return nil
}

// activeProfile returns the citizen and the profile they act for.
func activeProfile(r *http.Request) (access.Actor, string, error) {
	a, err := citizen(r)
	if err != nil {
		return a, "", err
	}
	id := profile(r)
	if id == "" {
		return a, "", problem.Field("profile", "Hãy xác nhận bạn là ai trước (POST /api/v1/auth/claim)",
			"say who you are first (POST /api/v1/auth/claim)")
	}
	return a, id, nil
}

func (s *Server) apiDeclarationPrefill(w http.ResponseWriter, r *http.Request) error {
	a, id, err := activeProfile(r)
	if err != nil {
		return err
	}
	p, err := s.Declarations.Prefill(r.Context(), a, id, r.URL.Query().Get("kind"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, prefillJSON{Person: toPersonJSON(p.Person, true), Form: declarationRequest(p.Form)})
	return nil
}

func (s *Server) apiDeclarations(w http.ResponseWriter, r *http.Request) error {
	a, id, err := activeProfile(r)
	if err != nil {
		return err
	}
	ds, err := s.Declarations.Mine(r.Context(), a, id)
	if err != nil {
		return err
	}
	out := []declarationJSON{}
	for _, d := range ds {
		out = append(out, toDeclarationJSON(d, s.Declarations.QRText(d.ID)))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiDeclare(w http.ResponseWriter, r *http.Request) error {
	a, id, err := activeProfile(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	var req declarationRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	d, err := s.Declarations.Declare(r.Context(), a, id, declaration.Form(req))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toDeclarationJSON(d, s.Declarations.QRText(d.ID)))
	return nil
}

func (s *Server) apiDeclaration(w http.ResponseWriter, r *http.Request) error {
	d, err := s.ownDeclaration(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toDeclarationJSON(d, s.Declarations.QRText(d.ID)))
	return nil
}

func (s *Server) apiDeclarationCheck(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	var body checkRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	req, err := officialRequest(r, a, body.Purpose, body.Ref)
	if err != nil {
		return err
	}
	c, err := s.Declarations.Check(r.Context(), req, body.QR)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, checkedJSON{Kind: c.Kind, DeclaredAt: c.DeclaredAt, Name: c.Name, Symptoms: c.Symptoms,
		From: c.From, To: c.To, FromCountry: c.FromCountry, BorderGate: c.BorderGate, Transport: c.Transport,
		TransportNo: c.TransportNo, DepartureDate: c.DepartureDate.String()})
	return nil
}

func (s *Server) apiArrivals(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	day, err := declaration.ParseDay("date", q.Get("date"))
	if err != nil {
		return err
	}
	req := access.Request{Actor: a, Purpose: access.PurposeEntryControl, Ref: strings.TrimSpace(q.Get("ref"))}
	ds, err := s.Declarations.Arrivals(r.Context(), req, q.Get("gate"), day)
	if err != nil {
		return err
	}
	out := []arrivalJSON{}
	for _, d := range ds {
		out = append(out, arrivalJSON{declarationJSON: toDeclarationJSON(d, ""), FullName: d.Details.FullName})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
