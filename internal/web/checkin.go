package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// checkinRoutes mounts check-in: the citizen's check-in page (camera or
// code), the personal QR, the venue section of the app and of the console
// (register, poster, scanner), and their JSON API (api_checkin.go). A
// venue is registered by a citizen (a shop owner needs no official
// account) or by an official venue operator in the console; both own
// their venues the same way.
func (s *Server) checkinRoutes() {
	if s.Checkins == nil {
		return
	}
	m := s.mux
	m.HandleFunc("GET /checkin", s.serve(s.checkinPage))
	m.HandleFunc("POST /checkin", s.serve(s.checkinSubmit))
	m.HandleFunc("GET /c/{payload}", s.serve(s.checkinConfirm))
	m.HandleFunc("GET /checkin/qr", s.serve(s.personalQRPage))
	m.HandleFunc("GET /checkin/qr.png", s.serve(s.personalQRImage))
	m.HandleFunc("POST /checkin/qr", s.serve(s.personalQRSet))
	for _, base := range []string{"/venues", "/console/venues"} {
		m.HandleFunc("GET "+base, s.serve(s.venuesPage))
		m.HandleFunc("GET "+base+"/new", s.serve(s.venueNewPage))
		m.HandleFunc("POST "+base, s.serve(s.venueCreate))
		m.HandleFunc("GET "+base+"/{id}", s.serve(s.venuePage))
		m.HandleFunc("GET "+base+"/{id}/poster.png", s.serve(s.venuePoster))
		m.HandleFunc("GET "+base+"/{id}/poster.pdf", s.serve(s.venuePoster))
		m.HandleFunc("GET "+base+"/{id}/scan", s.serve(s.venueScanPage))
		m.HandleFunc("POST "+base+"/{id}/scan", s.serve(s.venueScanSubmit))
	}
	s.checkinAPIRoutes()
}

// checkinView is the data of the check-in pages.
type checkinView struct {
	Recent []checkin.Visit
	Result *checkinResult
	Code   string
	ID     string // idempotency id of the form, so a double submit is one
	Err    error
}

func (v checkinView) fieldErrors(lang string) map[string]string { return fieldMap(v.Err, lang) }

// checkinResult is a check-in as pages and the API show it.
type checkinResult struct {
	checkin.Result
	Local   time.Time
	Message string
	Area    checkin.Area
}

func (s *Server) newCheckinResult(lang string, res checkin.Result) *checkinResult {
	vi, en := resultMessages(res)
	return &checkinResult{Result: res, Local: checkin.LocalTime(res.CheckIn.At), Message: pick(lang, vi, en), Area: res.Venue.Area()}
}

// resultMessages says what a check-in did, in Vietnamese and English: to
// the citizen ("you checked in") or to the venue that scanned them.
func resultMessages(res checkin.Result) (vi, en string) {
	hm := checkin.LocalTime(res.CheckIn.At).Format("15:04")
	byVenue := res.CheckIn.Method == checkin.MethodPersonalQR || res.CheckIn.Method == checkin.MethodCard
	key, args := "checkin.result.new", []any{res.Venue.Name, hm}
	switch {
	case byVenue && res.Repeat == checkin.Double:
		key = "checkin.result.venue_double"
	case byVenue && res.Repeat == checkin.New:
		key = "checkin.result.venue"
	case res.Repeat == checkin.Double:
		key = "checkin.result.double"
	case res.Repeat == checkin.Resent:
		key, args = "checkin.result.resent", []any{formatTime(res.CheckIn.At), res.Venue.Name}
	}
	m := checkinMessages[key]
	return fmt.Sprintf(m[0], args...), fmt.Sprintf(m[1], args...)
}

func (s *Server) checkinPage(w http.ResponseWriter, r *http.Request) error {
	allowWasm(w)
	v, err := s.checkinData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "citizen/checkin", "checkin.title", v)
}

func (s *Server) checkinData(r *http.Request) (checkinView, error) {
	if _, err := citizen(r); err != nil {
		return checkinView{}, err
	}
	v := checkinView{ID: db.NewID()}
	if p := profile(r); p != "" {
		var err error
		if v.Recent, err = s.Checkins.Recent(r.Context(), p, 20); err != nil {
			return v, err
		}
	}
	return v, nil
}

// checkinSubmit checks in from the form: a typed code, or the text of a
// scanned QR that the page's script put in the hidden field.
func (s *Server) checkinSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	a, err := citizen(r)
	if err != nil {
		return err
	}
	allowWasm(w)
	sc := checkin.Scan{ID: r.PostFormValue("id"), QR: r.PostFormValue("qr"), Code: r.PostFormValue("code")}
	res, err := s.Checkins.CheckIn(r.Context(), a, profile(r), sc)
	if err != nil {
		if !errors.Is(err, problem.ErrInvalid) {
			return err
		}
		v, derr := s.checkinData(r)
		if derr != nil {
			return derr
		}
		v.Code, v.Err = sc.Code, err
		return s.render(w, r, http.StatusBadRequest, "citizen/checkin", "checkin.title", v)
	}
	return s.render(w, r, http.StatusOK, "citizen/checkin_done", "checkin.done_title",
		checkinView{Result: s.newCheckinResult(stateOf(r).lang, res)})
}

// confirmView is the page a phone's camera app opens from a poster.
type confirmView struct {
	QR    string
	ID    string
	Venue checkin.Venue
	Area  checkin.Area
}

func (s *Server) checkinConfirm(w http.ResponseWriter, r *http.Request) error {
	if _, err := citizen(r); err != nil {
		return err
	}
	qr := r.PathValue("payload")
	code, err := s.Checkins.ParseVenueQR(qr)
	if err != nil {
		return err
	}
	v, err := s.Checkins.VenueByCode(r.Context(), code)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "citizen/checkin_confirm", "checkin.confirm_title",
		confirmView{QR: qr, ID: db.NewID(), Venue: v, Area: v.Area()})
}

// personalQRView is the personal QR page.
type personalQRView struct {
	QR checkin.PersonalQR
}

func (s *Server) personalQRPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := citizen(r); err != nil {
		return err
	}
	qr, err := s.Checkins.PersonalQR(r.Context(), profile(r))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "citizen/checkin_qr", "pqr.title", personalQRView{QR: qr})
}

// personalQRImage draws a fresh personal QR code. The token never appears
// in a URL: the image is made on each request and not cached.
func (s *Server) personalQRImage(w http.ResponseWriter, r *http.Request) error {
	if _, err := citizen(r); err != nil {
		return err
	}
	qr, err := s.Checkins.PersonalQR(r.Context(), profile(r))
	if err != nil {
		return err
	}
	if qr.Hidden {
		return problem.ErrNotFound
	}
	png, err := qrcode.Encode(qr.Token, qrcode.Medium, 512)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(png)
	return err
}

func (s *Server) personalQRSet(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	if _, err := citizen(r); err != nil {
		return err
	}
	if err := s.Checkins.SetPersonalQRHidden(r.Context(), profile(r), r.PostFormValue("hide") == "1"); err != nil {
		return err
	}
	http.Redirect(w, r, "/checkin/qr", http.StatusSeeOther)
	return nil
}

// venueOwner returns the actor of a venue page and the part of the site it
// is in: a citizen in the app, an official in the console.
func venueOwner(r *http.Request) (access.Actor, string, error) {
	if isConsolePath(r.URL.Path) {
		a, err := official(r)
		return a, "console", err
	}
	a, err := citizen(r)
	return a, "citizen", err
}

// venueView is the data of the venue pages.
type venueView struct {
	Base   string // "/venues" or "/console/venues"
	Venues []checkin.Venue
	Venue  checkin.Venue
	Kinds  []checkin.Kind
	Form   checkin.NewVenue
	Units  unitChoices
	New    bool
	Err    error
}

func (v venueView) fieldErrors(lang string) map[string]string { return fieldMap(v.Err, lang) }

// unitChoices are the options of the province → district → ward selects,
// filled from the values chosen so far (the page's script fills them
// without a reload; without it, the Choose button reloads the form).
type unitChoices struct {
	Provinces, Districts, Wards []vn.Unit
}

func choicesFor(f checkin.NewVenue) unitChoices {
	u := vn.AdminUnits()
	c := unitChoices{Provinces: u.Children("")}
	if _, ok := u.Province(f.Province); ok {
		c.Districts = u.Children(f.Province)
	}
	if d, ok := u.District(f.District); ok && d.ParentCode == f.Province {
		c.Wards = u.Children(f.District)
	}
	return c
}

func venueBase(part string) string {
	if part == "console" {
		return "/console/venues"
	}
	return "/venues"
}

func (s *Server) venuesPage(w http.ResponseWriter, r *http.Request) error {
	a, part, err := venueOwner(r)
	if err != nil {
		return err
	}
	if !checkin.CanRegister(a) {
		return problem.ErrForbidden
	}
	vs, err := s.Checkins.VenuesOf(r.Context(), a)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, part+"/venues", "venues.title", venueView{Base: venueBase(part), Venues: vs})
}

func (s *Server) venueNewPage(w http.ResponseWriter, r *http.Request) error {
	a, part, err := venueOwner(r)
	if err != nil {
		return err
	}
	if !checkin.CanRegister(a) {
		return problem.ErrForbidden
	}
	return s.render(w, r, http.StatusOK, part+"/venue_new", "venues.new",
		venueView{Base: venueBase(part), Kinds: checkin.Kinds, Units: choicesFor(checkin.NewVenue{})})
}

func (s *Server) venueCreate(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	a, part, err := venueOwner(r)
	if err != nil {
		return err
	}
	f := checkin.NewVenue{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), Province: r.PostFormValue("province"),
		District: r.PostFormValue("district"), Ward: r.PostFormValue("ward"), Address: r.PostFormValue("address"),
		Capacity: r.PostFormValue("capacity")}
	view := venueView{Base: venueBase(part), Kinds: checkin.Kinds, Form: f, Units: choicesFor(f)}
	if r.PostFormValue("next") != "" { // the Choose button: fill the next select
		return s.render(w, r, http.StatusOK, part+"/venue_new", "venues.new", view)
	}
	v, err := s.Checkins.RegisterVenue(r.Context(), a, f)
	if err != nil {
		if !errors.Is(err, problem.ErrInvalid) {
			return err
		}
		view.Err = err
		return s.render(w, r, http.StatusBadRequest, part+"/venue_new", "venues.new", view)
	}
	http.Redirect(w, r, venueBase(part)+"/"+v.ID+"?new=1", http.StatusSeeOther)
	return nil
}

func (s *Server) ownVenue(r *http.Request) (checkin.Venue, string, error) {
	a, part, err := venueOwner(r)
	if err != nil {
		return checkin.Venue{}, part, err
	}
	v, err := s.Checkins.VenueFor(r.Context(), a, r.PathValue("id"))
	return v, part, err
}

func (s *Server) venuePage(w http.ResponseWriter, r *http.Request) error {
	v, part, err := s.ownVenue(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, part+"/venue", "venue.poster",
		venueView{Base: venueBase(part), Venue: v, New: r.URL.Query().Get("new") == "1"})
}

// venuePoster sends the poster as PNG or PDF.
func (s *Server) venuePoster(w http.ResponseWriter, r *http.Request) error {
	v, _, err := s.ownVenue(r)
	if err != nil {
		return err
	}
	return s.writePoster(w, r, v)
}

func (s *Server) writePoster(w http.ResponseWriter, r *http.Request, v checkin.Venue) error {
	content := s.Checkins.VenueQRContent(s.baseURL(r), v.Code)
	var body []byte
	var err error
	if strings.HasSuffix(r.URL.Path, ".pdf") {
		body, err = checkin.PosterPDF(v, content, s.Clock.Now())
		w.Header().Set("Content-Type", "application/pdf")
	} else {
		body, err = checkin.PosterPNG(v, content)
		w.Header().Set("Content-Type", "image/png")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", `inline; filename="pccovid-`+v.Code+r.URL.Path[strings.LastIndex(r.URL.Path, "."):]+`"`)
	w.Header().Set("Cache-Control", "private, max-age=300")
	_, err = w.Write(body)
	return err
}

// baseURL is the site's address as the request reached it, for the link
// in a venue QR.
func (s *Server) baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || (s.opts.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https") || s.opts.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// scanView is the venue's scanner page.
type scanView struct {
	venueView
	API    string // where the page's script posts scans
	ID     string
	Result *checkinResult
}

func (s *Server) venueScanPage(w http.ResponseWriter, r *http.Request) error {
	v, part, err := s.ownVenue(r)
	if err != nil {
		return err
	}
	allowWasm(w)
	return s.render(w, r, http.StatusOK, part+"/venue_scan", "scanner.title", s.scanData(part, v))
}

func (s *Server) scanData(part string, v checkin.Venue) scanView {
	api := "/api/v1/venues/" + v.ID + "/checkins"
	if part == "console" {
		api = "/api/v1/console/venues/" + v.ID + "/checkins"
	}
	return scanView{venueView: venueView{Base: venueBase(part), Venue: v}, API: api, ID: db.NewID()}
}

// venueScanSubmit records a scan sent by the form (a barcode reader types
// the QR's text into the field), for scanners without a camera.
func (s *Server) venueScanSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	a, part, err := venueOwner(r)
	if err != nil {
		return err
	}
	allowWasm(w)
	res, err := s.Checkins.RecordAtVenue(r.Context(), a, r.PathValue("id"), checkin.Scan{ID: r.PostFormValue("id"), QR: r.PostFormValue("qr")})
	if err != nil && !errors.Is(err, problem.ErrInvalid) {
		return err
	}
	v, verr := s.Checkins.VenueFor(r.Context(), a, r.PathValue("id"))
	if verr != nil {
		return verr
	}
	view := s.scanData(part, v)
	status := http.StatusOK
	if err != nil {
		view.Err, status = err, http.StatusBadRequest
	} else {
		view.Result = s.newCheckinResult(stateOf(r).lang, res)
	}
	return s.render(w, r, status, part+"/venue_scan", "scanner.title", view)
}

// allowWasm lets the page compile WebAssembly (the QR decoder): it adds
// 'wasm-unsafe-eval' to the site's script-src, on the scanner pages only.
// Inline script and eval stay forbidden.
func allowWasm(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", strings.Replace(h.Get("Content-Security-Policy"), "script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", 1))
}
