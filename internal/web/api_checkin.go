package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/vn"
)

// Check-in API bodies.
type (
	checkinRequest struct {
		ID    string `json:"id,omitempty" doc:"idempotency id chosen by the client (8-64 of A-Z a-z 0-9 - _): sending it again changes nothing"`
		QR    string `json:"qr,omitempty" doc:"the scanned venue QR's text (or only its last part)"`
		Code  string `json:"code,omitempty" doc:"or the venue code as typed, e.g. ABCD-2345"`
		AgeMS int64  `json:"age_ms,omitempty" doc:"how many milliseconds ago the scan was made, for scans queued offline (at most 3 days)"`
	}
	venueScanRequest struct {
		ID    string `json:"id,omitempty" doc:"idempotency id chosen by the scanner"`
		QR    string `json:"qr" doc:"the text of a PC-Covid personal QR code or of a CCCD card's QR code"`
		AgeMS int64  `json:"age_ms,omitempty" doc:"how many milliseconds ago the scan was made, for scans queued offline"`
	}
	areaJSON struct {
		WardCode string `json:"ward_code"`
		Ward     string `json:"ward"`
		District string `json:"district"`
		Province string `json:"province"`
	}
	venueJSON struct {
		ID       string   `json:"id"`
		Code     string   `json:"code" doc:"short code, shown as ABCD-2345"`
		Name     string   `json:"name"`
		Kind     string   `json:"kind"`
		Address  string   `json:"address"`
		Area     areaJSON `json:"area"`
		Capacity int      `json:"capacity"`
		QR       string   `json:"qr,omitempty" doc:"the signed text of the venue's QR code"`
	}
	checkinJSON struct {
		ID        string    `json:"id"`
		At        time.Time `json:"at"`
		AtLocal   string    `json:"at_local" doc:"time in Vietnam, HH:MM DD/MM/YYYY"`
		Method    string    `json:"method" doc:"venue_qr, code, personal_qr or cccd_card"`
		Repeat    string    `json:"repeat" doc:"new; resent (this id was recorded before); double (same person and venue within a minute: counted once)"`
		Message   string    `json:"message"`
		MessageVi string    `json:"message_vi"`
		MessageEn string    `json:"message_en"`
		Venue     venueJSON `json:"venue"`
		Card      string    `json:"card,omitempty" doc:"for a CCCD card scan: the card's masked number"`
	}
	newVenueRequest struct {
		Name     string `json:"name"`
		Kind     string `json:"kind" doc:"restaurant, market, supermarket, shop, school, office, factory, hospital, transport_station, hotel, place_of_worship, event or other"`
		Province string `json:"province" doc:"province code, from /api/v1/admin-units"`
		District string `json:"district"`
		Ward     string `json:"ward"`
		Address  string `json:"address" doc:"house number and street within the ward"`
		Capacity int    `json:"capacity"`
	}
	personalQRJSON struct {
		Token     string     `json:"token,omitempty" doc:"the QR code's text; show it as a QR code"`
		ExpiresAt *time.Time `json:"expires_at,omitempty"`
		Hidden    bool       `json:"hidden"`
	}
	personalQRRequest struct {
		Hidden bool `json:"hidden" doc:"true hides the QR and voids codes already shown"`
	}
	unitJSON struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
)

var repeatNames = map[checkin.Repeat]string{checkin.New: "new", checkin.Resent: "resent", checkin.Double: "double"}

func (s *Server) checkinAPIRoutes() {
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/checkins", Tag: "checkin", Auth: "citizen",
		Summary: "Check the active profile in at a venue, by its scanned QR or typed code", Request: checkinRequest{}, Response: checkinJSON{}}, s.apiCheckin)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/checkins", Tag: "checkin", Auth: "citizen",
		Summary: "Your recent check-ins (the active profile's)", Response: []checkinJSON{}}, s.apiCheckins)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/me/personal-qr", Tag: "checkin", Auth: "citizen",
		Summary: "A fresh personal QR code (expires in 5 minutes)", Response: personalQRJSON{}}, s.apiPersonalQR)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/me/personal-qr", Tag: "checkin", Auth: "citizen",
		Summary: "Hide or show your personal QR code", Request: personalQRRequest{}, Response: personalQRJSON{}}, s.apiPersonalQRSet)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/admin-units", Tag: "checkin",
		Summary: "Provinces, or the districts or wards under a code, for address selects",
		Query:   []param{{Name: "parent", Description: "province or district code; empty for the provinces"}}, Response: []unitJSON{}}, s.apiAdminUnits)
	for _, base := range []string{"/api/v1/venues", "/api/v1/console/venues"} {
		auth := "citizen"
		if base != "/api/v1/venues" {
			auth = "official"
		}
		s.handleAPI(apiRoute{Method: "GET", Path: base, Tag: "venue", Auth: auth, Summary: "Your venues", Response: []venueJSON{}}, s.apiVenues)
		s.handleAPI(apiRoute{Method: "POST", Path: base, Tag: "venue", Auth: auth, Summary: "Register a venue",
			Request: newVenueRequest{}, Response: venueJSON{}, Status: http.StatusCreated}, s.apiVenueCreate)
		s.handleAPI(apiRoute{Method: "GET", Path: base + "/{id}", Tag: "venue", Auth: auth, Summary: "One of your venues, with its QR text", Response: venueJSON{}}, s.apiVenue)
		s.handleAPI(apiRoute{Method: "GET", Path: base + "/{id}/poster.png", Tag: "venue", Auth: auth, Summary: "The venue's poster as PNG"}, s.venuePoster)
		s.handleAPI(apiRoute{Method: "GET", Path: base + "/{id}/poster.pdf", Tag: "venue", Auth: auth, Summary: "The venue's poster as PDF"}, s.venuePoster)
		s.handleAPI(apiRoute{Method: "POST", Path: base + "/{id}/checkins", Tag: "venue", Auth: auth,
			Summary: "Check a person in at your venue by their personal QR or CCCD card QR", Request: venueScanRequest{}, Response: checkinJSON{}}, s.apiVenueScan)
	}
}

func (s *Server) toCheckinJSON(lang string, res checkin.Result) checkinJSON {
	vi, en := resultMessages(res)
	out := checkinJSON{ID: res.CheckIn.ID, At: res.CheckIn.At, AtLocal: formatTime(res.CheckIn.At), Method: string(res.CheckIn.Method),
		Repeat: repeatNames[res.Repeat], Message: pick(lang, vi, en), MessageVi: vi, MessageEn: en, Venue: toVenueJSON(res.Venue, "")}
	if res.Card != nil {
		out.Card = vn.MaskID(string(res.Card.CCCD))
	}
	return out
}

func toVenueJSON(v checkin.Venue, qr string) venueJSON {
	a := v.Area()
	return venueJSON{ID: v.ID, Code: checkin.FormatCode(v.Code), Name: v.Name, Kind: string(v.Kind), Address: v.Address,
		Area:     areaJSON{WardCode: v.WardCode, Ward: a.Ward.FullName, District: a.District.FullName, Province: a.Province.FullName},
		Capacity: v.Capacity, QR: qr}
}

// apiCheckin is the hot path: it also runs behind the lean middleware of
// checkin_fast.go.
func (s *Server) apiCheckin(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	var req checkinRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	res, err := s.Checkins.CheckIn(r.Context(), a, profile(r), checkin.Scan{ID: req.ID, QR: req.QR, Code: req.Code,
		Age: time.Duration(req.AgeMS) * time.Millisecond})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toCheckinJSON(stateOf(r).lang, res))
	return nil
}

func (s *Server) apiCheckins(w http.ResponseWriter, r *http.Request) error {
	if _, err := citizen(r); err != nil {
		return err
	}
	out := []checkinJSON{}
	if p := profile(r); p != "" {
		visits, err := s.Checkins.Recent(r.Context(), p, 100)
		if err != nil {
			return err
		}
		for _, v := range visits {
			out = append(out, s.toCheckinJSON(stateOf(r).lang, checkin.Result{CheckIn: v.CheckIn, Venue: v.Venue}))
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiPersonalQR(w http.ResponseWriter, r *http.Request) error {
	if _, err := citizen(r); err != nil {
		return err
	}
	qr, err := s.Checkins.PersonalQR(r.Context(), profile(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toPersonalQRJSON(qr))
	return nil
}

func toPersonalQRJSON(qr checkin.PersonalQR) personalQRJSON {
	out := personalQRJSON{Token: qr.Token, Hidden: qr.Hidden}
	if !qr.ExpiresAt.IsZero() {
		out.ExpiresAt = &qr.ExpiresAt
	}
	return out
}

func (s *Server) apiPersonalQRSet(w http.ResponseWriter, r *http.Request) error {
	if _, err := citizen(r); err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	var req personalQRRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if err := s.Checkins.SetPersonalQRHidden(r.Context(), profile(r), req.Hidden); err != nil {
		return err
	}
	return s.apiPersonalQR(w, r)
}

func (s *Server) apiAdminUnits(w http.ResponseWriter, r *http.Request) error {
	out := []unitJSON{}
	for _, u := range vn.AdminUnits().Children(r.URL.Query().Get("parent")) {
		out = append(out, unitJSON{Code: u.Code, Name: u.FullName})
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiVenues(w http.ResponseWriter, r *http.Request) error {
	a, _, err := venueOwner(r)
	if err != nil {
		return err
	}
	vs, err := s.Checkins.VenuesOf(r.Context(), a)
	if err != nil {
		return err
	}
	out := []venueJSON{}
	for _, v := range vs {
		out = append(out, toVenueJSON(v, ""))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiVenueCreate(w http.ResponseWriter, r *http.Request) error {
	a, _, err := venueOwner(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	var req newVenueRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	v, err := s.Checkins.RegisterVenue(r.Context(), a, checkin.NewVenue{Name: req.Name, Kind: req.Kind, Province: req.Province,
		District: req.District, Ward: req.Ward, Address: req.Address, Capacity: strconv.Itoa(req.Capacity)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toVenueJSON(v, s.Checkins.VenueQRContent(s.baseURL(r), v.Code)))
	return nil
}

func (s *Server) apiVenue(w http.ResponseWriter, r *http.Request) error {
	v, _, err := s.ownVenue(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toVenueJSON(v, s.Checkins.VenueQRContent(s.baseURL(r), v.Code)))
	return nil
}

func (s *Server) apiVenueScan(w http.ResponseWriter, r *http.Request) error {
	a, _, err := venueOwner(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	var req venueScanRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	res, err := s.Checkins.RecordAtVenue(r.Context(), a, r.PathValue("id"), checkin.Scan{ID: req.ID, QR: req.QR,
		Age: time.Duration(req.AgeMS) * time.Millisecond})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toCheckinJSON(stateOf(r).lang, res))
	return nil
}
