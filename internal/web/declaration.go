package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// declarationRoutes mounts health declarations: the citizen's declaration
// pages (domestic journey, arrival from abroad, daily self-check) with
// their QR code, the console's verifier and arrivals list, and their JSON
// API (api_declaration.go).
func (s *Server) declarationRoutes() {
	if s.Declarations == nil {
		return
	}
	m := s.mux
	m.HandleFunc("GET /declarations", s.serve(s.declarationsPage))
	m.HandleFunc("GET /declare/{kind}", s.serve(s.declarationNewPage))
	m.HandleFunc("POST /declare/{kind}", s.serve(s.declarationSubmit))
	m.HandleFunc("GET /declarations/{id}", s.serve(s.declarationPage))
	m.HandleFunc("GET /declarations/{id}/qr.png", s.serve(s.declarationQR))
	m.HandleFunc("GET /console/declarations/check", s.serve(s.verifyPage))
	m.HandleFunc("POST /console/declarations/check", s.serve(s.verifySubmit))
	m.HandleFunc("GET /console/declarations/arrivals", s.serve(s.arrivalsPage))
	s.declarationAPIRoutes()
}

// kinds maps the kind in a page's path to the declaration kind.
var declarationKinds = map[string]string{"domestic": declaration.KindDomestic, "entry": declaration.KindEntry,
	"selfcheck": declaration.KindSelfCheck}

// declarationRow is a declaration as the pages show it, every code spelt
// out in the reader's language.
type declarationRow struct {
	ID, Kind, Source      string
	DeclaredAt            time.Time
	From, To, Gate        string
	Transport             string // a code; the page shows its label
	TransportNo, Seat     string
	Departure, Arrival    string
	Symptoms              []string
	Contact, EpidemicArea bool
	Document              string // masked
	Nationality           string
}

func describe(d declaration.Declaration, lang string) declarationRow {
	x := d.Details
	row := declarationRow{ID: d.ID, Kind: d.Kind, Source: d.Source, DeclaredAt: d.DeclaredAt, Transport: d.Transport,
		TransportNo: d.TransportNo, Seat: d.SeatNo, Departure: birthDate(d.DepartureDate), Arrival: birthDate(d.ArrivalDate),
		Symptoms: x.Symptoms, Contact: x.ContactWithCase, EpidemicArea: x.FromEpidemicArea, From: x.FromPlace, To: x.ToPlace}
	if x.FromArea != "" {
		row.From = declaration.PlaceName(x.FromArea)
	}
	if c, ok := declaration.CountryByCode(x.FromCountry); ok {
		row.From = c.Name(lang)
		if x.FromCity != "" {
			row.From += ", " + x.FromCity
		}
	}
	if d.Ward != "" && d.Kind != declaration.KindSelfCheck {
		row.To = declaration.PlaceName(d.Ward)
		if x.Address != "" {
			row.To = x.Address + ", " + row.To
		}
	}
	if g, ok := declaration.GateByCode(d.BorderGate); ok {
		row.Gate = g.Name(lang)
	}
	if x.IDNumber != "" {
		row.Document = x.IDType + " " + vn.MaskID(x.IDNumber)
	}
	if c, ok := declaration.CountryByCode(x.Nationality); ok {
		row.Nationality = c.Name(lang)
	}
	return row
}

type declarationsView struct {
	HasProfile bool // a citizen who has not said who they are cannot declare yet
	Rows       []declarationRow
}

func (s *Server) declarationsPage(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	var v declarationsView
	if id := profile(r); id != "" {
		ds, err := s.Declarations.Mine(r.Context(), a, id)
		if err != nil {
			return err
		}
		for _, d := range ds {
			v.Rows = append(v.Rows, describe(d, stateOf(r).lang))
		}
		v.HasProfile = true
	}
	return s.render(w, r, http.StatusOK, "citizen/declarations", "decl.title", v)
}

// gateSelect is the border gate select: the gates in optgroups by kind,
// and the one chosen.
type gateSelect struct {
	Lang   string
	Groups []gateGroup
	Chosen string
}

// gateGroup is the border gates of one kind.
type gateGroup struct {
	Kind  declaration.GateKind
	Gates []declaration.BorderGate
}

func newGateSelect(lang, chosen string) gateSelect {
	gs := gateSelect{Lang: lang, Chosen: chosen}
	for _, g := range declaration.BorderGates() {
		if len(gs.Groups) == 0 || gs.Groups[len(gs.Groups)-1].Kind != g.Kind {
			gs.Groups = append(gs.Groups, gateGroup{Kind: g.Kind})
		}
		last := &gs.Groups[len(gs.Groups)-1]
		last.Gates = append(last.Gates, g)
	}
	return gs
}

// declarationFormView is the data of the declaration form.
type declarationFormView struct {
	Kind       string // DOMESTIC, ENTRY, SELFCHECK
	Path       string // the form's kind in the URL
	Person     identity.Person
	WardName   string
	Form       declaration.Form
	From, Ward placePicker
	Countries  []declaration.Country
	Gates      gateSelect
	Transports []string
	Symptoms   []string
	Checked    map[string]bool // symptoms ticked
	Err        error
}

func (v declarationFormView) fieldErrors(lang string) map[string]string { return fieldMap(v.Err, lang) }

func newDeclarationFormView(r *http.Request, path string, p declaration.Prefill) declarationFormView {
	lang := stateOf(r).lang
	v := declarationFormView{Kind: declarationKinds[path], Path: path, Person: p.Person, WardName: wardName(p.Person.WardCode),
		Form: p.Form, Countries: declaration.Countries(lang), Gates: newGateSelect(lang, p.Form.BorderGate), Transports: declaration.Transports(),
		Symptoms: declaration.Symptoms(), Checked: map[string]bool{}}
	v.From = newPlacePicker(lang, "from", "decl.from", p.Form.From)
	label := "decl.to"
	if v.Kind == declaration.KindEntry {
		label = "decl.stay"
	}
	v.Ward = newPlacePicker(lang, "ward", label, p.Form.Ward)
	for _, c := range p.Form.Symptoms {
		v.Checked[c] = true
	}
	return v
}

// prefill returns the form's starting point for the kind in the path.
func (s *Server) prefill(r *http.Request) (declaration.Prefill, string, error) {
	a, err := citizen(r)
	if err != nil {
		return declaration.Prefill{}, "", err
	}
	path := r.PathValue("kind")
	kind, ok := declarationKinds[path]
	if !ok {
		return declaration.Prefill{}, "", problem.ErrNotFound
	}
	id := profile(r)
	if id == "" {
		return declaration.Prefill{}, "", problem.Field("profile", "Hãy xác nhận bạn là ai trước khi khai báo",
			"confirm who you are before you declare")
	}
	p, err := s.Declarations.Prefill(r.Context(), a, id, kind)
	return p, path, err
}

func (s *Server) declarationNewPage(w http.ResponseWriter, r *http.Request) error {
	p, path, err := s.prefill(r)
	if err != nil {
		return err
	}
	v := newDeclarationFormView(r, path, p)
	return s.render(w, r, http.StatusOK, "citizen/declaration_new", "decl.new."+v.Kind, v)
}

// readDeclarationForm reads the declaration form's fields.
func readDeclarationForm(r *http.Request, kind string) declaration.Form {
	v := r.PostFormValue
	return declaration.Form{Kind: kind, From: placeFromForm(r, "from"), FromCountry: v("from_country"), FromCity: v("from_city"),
		BorderGate: v("border_gate"), Transport: v("transport"), TransportNo: v("transport_no"), Seat: v("seat"),
		DepartureDate: v("departure_date"), ArrivalDate: v("arrival_date"), Ward: placeFromForm(r, "ward"), Address: v("address"),
		IDType: v("id_type"), IDNumber: v("id_number"), Nationality: v("nationality"), Symptoms: r.PostForm["symptoms"],
		ContactWithCase: v("contact_with_case") != "", FromEpidemicArea: v("epidemic_area") != ""}
}

// declarationSubmit stores a declaration and shows its QR code. The
// "next" button (for browsers without scripts) only reloads the form with
// the district and ward lists of the places chosen.
func (s *Server) declarationSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	p, path, err := s.prefill(r)
	if err != nil {
		return err
	}
	p.Form = readDeclarationForm(r, declarationKinds[path])
	v := newDeclarationFormView(r, path, p)
	if r.PostFormValue("next") != "" {
		return s.render(w, r, http.StatusOK, "citizen/declaration_new", "decl.new."+v.Kind, v)
	}
	a, _ := citizen(r)
	d, err := s.Declarations.Declare(r.Context(), a, p.Person.ID, p.Form)
	if errors.Is(err, problem.ErrInvalid) {
		v.Err = err
		return s.render(w, r, http.StatusBadRequest, "citizen/declaration_new", "decl.new."+v.Kind, v)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/declarations/"+d.ID+"?sent=1", http.StatusSeeOther)
	return nil
}

type declarationView struct {
	Row    declarationRow
	QR     string
	Sent   bool
	Person string // whom it is for
}

// ownDeclaration reads a declaration of the citizen or their family.
func (s *Server) ownDeclaration(r *http.Request) (declaration.Declaration, error) {
	a, err := citizen(r)
	if err != nil {
		return declaration.Declaration{}, err
	}
	return s.Declarations.Get(r.Context(), access.Request{Actor: a, Purpose: access.PurposeOwn}, r.PathValue("id"))
}

func (s *Server) declarationPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.ownDeclaration(r)
	if err != nil {
		return err
	}
	v := declarationView{Row: describe(d, stateOf(r).lang), QR: s.Declarations.QRText(d.ID),
		Sent: r.URL.Query().Get("sent") != "", Person: d.Details.FullName}
	return s.render(w, r, http.StatusOK, "citizen/declaration", "decl.view", v)
}

func (s *Server) declarationQR(w http.ResponseWriter, r *http.Request) error {
	d, err := s.ownDeclaration(r)
	if err != nil {
		return err
	}
	png, err := declaration.QRPNG(s.Declarations.QRText(d.ID), 360)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, no-store")
	_, err = w.Write(png)
	return err
}

// checkPurposes are the purposes a declaration can be checked for.
func checkPurposes(role access.Role) []access.Purpose {
	var out []access.Purpose
	for _, p := range []access.Purpose{access.PurposeDeclaration, access.PurposeEntryControl} {
		if p.Allows(role) {
			out = append(out, p)
		}
	}
	return out
}

// verifyView is the verifier page: the form, and the last check's result
// or refusal.
type verifyView struct {
	Purposes     []access.Purpose
	Purpose, Ref string
	Result       *checkedView
	Refused      string
	Err          error
}

func (v verifyView) fieldErrors(lang string) map[string]string { return fieldMap(v.Err, lang) }

// checkedView is a check's result with its codes spelt out.
type checkedView struct {
	declaration.Checked
	From, To string
}

func (s *Server) verifyPage(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	v := verifyView{Purposes: checkPurposes(a.Role)}
	if len(v.Purposes) > 0 {
		v.Purpose = string(v.Purposes[0])
	}
	allowWasm(w)
	return s.render(w, r, http.StatusOK, "console/declaration_check", "verify.title", v)
}

// verifySubmit checks a declaration QR code. A refusal — unreadable,
// forged, unknown, outside the officer's area — is shown on the page, in
// words, with the form ready for the next code.
func (s *Server) verifySubmit(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	v := verifyView{Purposes: checkPurposes(a.Role), Purpose: r.PostFormValue("purpose"), Ref: r.PostFormValue("ref")}
	allowWasm(w)
	req, err := officialRequest(r, a, v.Purpose, v.Ref)
	var c declaration.Checked
	if err == nil {
		c, err = s.Declarations.Check(r.Context(), req, r.PostFormValue("qr"))
	}
	lang := stateOf(r).lang
	switch {
	case err == nil:
		v.Result = &checkedView{Checked: c, From: c.From, To: c.To}
		if country, ok := declaration.CountryByCode(c.FromCountry); ok {
			v.Result.From = country.Name(lang)
		}
		if g, ok := declaration.GateByCode(c.BorderGate); ok {
			v.Result.To = g.Name(lang)
		}
		return s.render(w, r, http.StatusOK, "console/declaration_check", "verify.title", v)
	case errors.Is(err, problem.ErrInvalid):
		v.Err = err
		return s.render(w, r, http.StatusBadRequest, "console/declaration_check", "verify.title", v)
	case errors.Is(err, problem.ErrForbidden):
		v.Refused = translateKey(lang, "verify.out_of_area")
		return s.render(w, r, http.StatusForbidden, "console/declaration_check", "verify.title", v)
	}
	return err
}

// arrivalsView is the arrivals list of a gate and a day.
type arrivalsView struct {
	Gates           gateSelect
	Gate, Date, Ref string
	Allowed         bool
	Shown           bool
	Rows            []arrivalRow
	Err             error
}

func (v arrivalsView) fieldErrors(lang string) map[string]string { return fieldMap(v.Err, lang) }

type arrivalRow struct {
	declarationRow
	Name string
}

// arrivalsPage lists who arrives through a border gate on a day, for entry
// control; without a gate it shows the form.
func (s *Server) arrivalsPage(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := arrivalsView{Gates: newGateSelect(stateOf(r).lang, q.Get("gate")), Gate: q.Get("gate"), Date: q.Get("date"), Ref: q.Get("ref"),
		Allowed: access.PurposeEntryControl.Allows(a.Role)}
	if v.Date == "" {
		v.Date = s.Declarations.Today().String()
	}
	if v.Gate == "" || !v.Allowed {
		return s.render(w, r, http.StatusOK, "console/declaration_arrivals", "arrivals.title", v)
	}
	day, err := declaration.ParseDay("date", v.Date)
	var ds []declaration.Declaration
	if err == nil {
		req := access.Request{Actor: a, Purpose: access.PurposeEntryControl, Ref: strings.TrimSpace(v.Ref)}
		ds, err = s.Declarations.Arrivals(r.Context(), req, v.Gate, day)
	}
	if errors.Is(err, problem.ErrInvalid) {
		v.Err = err
		return s.render(w, r, http.StatusBadRequest, "console/declaration_arrivals", "arrivals.title", v)
	}
	if err != nil {
		return err
	}
	v.Shown = true
	for _, d := range ds {
		v.Rows = append(v.Rows, arrivalRow{declarationRow: describe(d, stateOf(r).lang), Name: d.Details.FullName})
	}
	return s.render(w, r, http.StatusOK, "console/declaration_arrivals", "arrivals.title", v)
}

// translateKey looks a message up in the catalogs, for words a handler
// puts together itself.
func translateKey(lang, key string, args ...any) string {
	for _, c := range catalogs {
		if _, ok := c[key]; ok {
			return translate(c, lang, key, args...)
		}
	}
	return key
}
