package web

import (
	"net/http"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/vn"
)

// API request and response bodies.
type (
	otpRequest struct {
		Phone string `json:"phone" doc:"phone number in any usual form; stored as E.164"`
	}
	verifyRequest struct {
		Phone string `json:"phone"`
		Code  string `json:"code" doc:"the 6-digit code sent by SMS"`
	}
	candidateJSON struct {
		PersonID  string `json:"person_id"`
		Initials  string `json:"initials"`
		BirthYear int    `json:"birth_year,omitempty"`
	}
	sessionResponse struct {
		Token     string          `json:"token" doc:"send as Authorization: Bearer TOKEN"`
		ExpiresAt time.Time       `json:"expires_at"`
		PersonID  string          `json:"person_id,omitempty" doc:"the person this account acts as; empty until chosen"`
		Choose    []candidateJSON `json:"choose,omitempty" doc:"when the phone is shared: say who you are with /api/v1/auth/claim"`
	}
	claimRequest struct {
		PersonID string `json:"person_id"`
		Proof    string `json:"proof" doc:"birth date (DD/MM/YYYY) or the last 4 digits of the CCCD"`
	}
	personJSON struct {
		ID          string `json:"id"`
		Verified    bool   `json:"verified"`
		CCCD        string `json:"cccd,omitempty"`
		FullName    string `json:"full_name"`
		BirthDate   string `json:"birth_date,omitempty"`
		Sex         string `json:"sex,omitempty"`
		WardCode    string `json:"ward_code,omitempty"`
		Address     string `json:"address,omitempty"`
		Phone       string `json:"phone,omitempty"`
		Nationality string `json:"nationality,omitempty"`
	}
	accessEntryJSON struct {
		At      time.Time `json:"at"`
		Actor   string    `json:"actor"`
		Role    string    `json:"role"`
		Scope   string    `json:"scope"`
		Purpose string    `json:"purpose"`
		Ref     string    `json:"ref,omitempty"`
		Action  string    `json:"action"`
	}
	officialLoginRequest struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	searchRequest struct {
		Purpose string `json:"purpose" doc:"one of the fixed purposes"`
		Ref     string `json:"ref,omitempty" doc:"what the purpose is about, e.g. case 42"`
		Query   string `json:"query" doc:"CCCD, CMND or phone number"`
	}
	identifierJSON struct {
		Kind      string    `json:"kind"`
		Value     string    `json:"value"`
		Source    string    `json:"source"`
		RecordKey string    `json:"record_key,omitempty"`
		SeenAt    time.Time `json:"seen_at"`
	}
	profileJSON struct {
		Person      personJSON       `json:"person"`
		Identifiers []identifierJSON `json:"identifiers"`
	}
)

func toPersonJSON(p identity.Person, maskCCCD bool) personJSON {
	cccd := p.CCCD
	if maskCCCD {
		cccd = vn.MaskID(cccd)
	}
	return personJSON{ID: p.ID, Verified: p.Verified, CCCD: cccd, FullName: p.FullName, BirthDate: p.BirthDate.String(),
		Sex: p.Sex.String(), WardCode: p.WardCode, Address: p.Address, Phone: string(p.Phone), Nationality: p.Nationality}
}

func (s *Server) apiRoutes() {
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/auth/otp", Tag: "auth", Summary: "Send a login code by SMS",
		Request: otpRequest{}, Status: http.StatusAccepted}, s.apiOTP)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/auth/verify", Tag: "auth", Summary: "Exchange the code for a session token",
		Request: verifyRequest{}, Response: sessionResponse{}}, s.apiVerify)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/auth/claim", Tag: "auth", Auth: "citizen",
		Summary: "Say which of the persons sharing the phone you are, with proof", Request: claimRequest{}, Response: personJSON{}}, s.apiClaim)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/auth/logout", Tag: "auth", Auth: "citizen", Summary: "End the session",
		Status: http.StatusNoContent}, s.apiLogout)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/me", Tag: "citizen", Auth: "citizen", Summary: "Your own profile",
		Response: personJSON{}}, s.apiMe)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/me/access-log", Tag: "citizen", Auth: "citizen",
		Summary: "Who accessed your data, when and why", Response: []accessEntryJSON{}}, s.apiAccessLog)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/console/login", Tag: "console", Summary: "Official login",
		Request: officialLoginRequest{}, Response: sessionResponse{}}, s.apiOfficialLogin)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/console/persons/search", Tag: "console", Auth: "official",
		Summary: "Find persons by CCCD, CMND or phone, for a purpose (audited)", Request: searchRequest{}, Response: []personJSON{}}, s.apiSearch)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/console/persons/{id}", Tag: "console", Auth: "official",
		Summary:  "A person's profile and identifiers, for a purpose (audited)",
		Query:    []param{{Name: "purpose", Required: true, Description: "why you read it"}, {Name: "ref", Description: "e.g. case 42"}},
		Response: profileJSON{}}, s.apiPerson)
}

func (s *Server) apiOTP(w http.ResponseWriter, r *http.Request) error {
	var req otpRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	phone, err := vn.ParsePhone(req.Phone)
	if err != nil {
		return err
	}
	if err := s.Citizens.RequestCode(r.Context(), phone, s.clientAddr(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (s *Server) apiVerify(w http.ResponseWriter, r *http.Request) error {
	var req verifyRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	phone, err := vn.ParsePhone(req.Phone)
	if err != nil {
		return err
	}
	acct, err := s.Citizens.VerifyCode(r.Context(), phone, req.Code)
	if err != nil {
		return err
	}
	personID, needsChoice, err := s.settlePerson(r.Context(), acct)
	if err != nil {
		return err
	}
	token, sess, err := s.Sessions.Create(r.Context(), access.KindCitizen, acct.ID, personID)
	if err != nil {
		return err
	}
	resp := sessionResponse{Token: token, ExpiresAt: sess.ExpiresAt, PersonID: personID}
	if needsChoice {
		cands, err := s.Persons.Candidates(r.Context(), phone)
		if err != nil {
			return err
		}
		for _, c := range cands {
			resp.Choose = append(resp.Choose, candidateJSON{c.PersonID, c.Initials, c.BirthYear})
		}
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) apiClaim(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	var req claimRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	acct, err := s.Citizens.Account(r.Context(), a.ID)
	if err != nil {
		return err
	}
	if err := s.claim(r.Context(), acct, req.PersonID, req.Proof, stateOf(r).token); err != nil {
		return err
	}
	a.PersonID = req.PersonID
	p, err := s.Persons.Get(r.Context(), access.Request{Actor: a, Purpose: access.PurposeOwn}, req.PersonID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toPersonJSON(p, true))
	return nil
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) error {
	if _, err := citizen(r); err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	if err := s.Sessions.Delete(r.Context(), stateOf(r).token); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	if a.PersonID == "" {
		writeJSON(w, http.StatusOK, personJSON{})
		return nil
	}
	p, err := s.Persons.Get(r.Context(), access.Request{Actor: a, Purpose: access.PurposeOwn}, a.PersonID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toPersonJSON(p, true))
	return nil
}

func (s *Server) apiAccessLog(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	out := []accessEntryJSON{}
	subject, err := s.logSubject(r, a)
	if err != nil {
		return err
	}
	if subject != "" {
		entries, err := s.Guard.Trail().ForSubject(r.Context(), subject, 200)
		if err != nil {
			return err
		}
		for _, e := range entries {
			out = append(out, accessEntryJSON{At: e.At, Actor: e.Actor.Name, Role: string(e.Actor.Role),
				Scope: string(e.Actor.Scope), Purpose: string(e.Purpose), Ref: e.Ref, Action: e.Action})
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiOfficialLogin(w http.ResponseWriter, r *http.Request) error {
	var req officialLoginRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	off, err := s.Officials.Authenticate(r.Context(), req.Username, req.Password)
	if err != nil {
		return err
	}
	token, sess, err := s.Sessions.Create(r.Context(), access.KindOfficial, off.ID, "")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sessionResponse{Token: token, ExpiresAt: sess.ExpiresAt})
	return nil
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	var req searchRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	found, err := s.searchPersons(r, a, req.Purpose, req.Ref, req.Query)
	if err != nil {
		return err
	}
	out := make([]personJSON, len(found))
	for i, p := range found {
		out[i] = toPersonJSON(p, false)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiPerson(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	req, err := officialRequest(r, a, r.URL.Query().Get("purpose"), r.URL.Query().Get("ref"))
	if err != nil {
		return err
	}
	p, ids, err := s.Persons.Profile(r.Context(), req, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := profileJSON{Person: toPersonJSON(p, false), Identifiers: []identifierJSON{}}
	for _, id := range ids {
		out.Identifiers = append(out.Identifiers, identifierJSON{string(id.Kind), id.Value, id.Source, id.RecordKey, id.SeenAt})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
