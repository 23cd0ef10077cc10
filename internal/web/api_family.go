package web

import (
	"fmt"
	"net/http"

	"github.com/pccovid/pccovid/internal/family"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
)

// API bodies of family profiles.
type (
	profileLineJSON struct {
		PersonID  string `json:"person_id"`
		FullName  string `json:"full_name"`
		BirthYear int    `json:"birth_year,omitempty"`
		Self      bool   `json:"self" doc:"the account holder's own profile"`
		Source    string `json:"source,omitempty" doc:"healthbook (taken over) or family (added by the holder)"`
		Active    bool   `json:"active" doc:"the profile the session acts for"`
	}
	switchRequest struct {
		PersonID string `json:"person_id" doc:"your own profile or one you manage"`
	}
	addRelativeRequest struct {
		IDNumber  string `json:"id_number,omitempty" doc:"CCCD (12 digits) or CMND (9 digits); or else member_id"`
		MemberID  string `json:"member_id,omitempty" doc:"a child under 14 of your household, from /api/v1/me/family/children"`
		BirthDate string `json:"birth_date" doc:"the relative's birth date, YYYY-MM-DD or DD/MM/YYYY"`
	}
	memberJSON struct {
		PersonID  string `json:"person_id"`
		FullName  string `json:"full_name"`
		BirthYear int    `json:"birth_year,omitempty"`
	}
)

// errNoProfile answers a request about "my" data from an account not yet
// tied to a person.
var errNoProfile = fmt.Errorf("web: no profile is tied to this account yet: %w", problem.ErrNotFound)

func (s *Server) familyAPIRoutes() {
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/me/profiles", Tag: "family", Auth: "citizen",
		Summary: "Your profile and those you manage; which one is in use", Response: []profileLineJSON{}}, s.apiProfiles)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/me/profiles/switch", Tag: "family", Auth: "citizen",
		Summary: "Act for another profile you manage (or your own again)", Request: switchRequest{}, Response: profileLineJSON{}}, s.apiSwitch)
	s.handleAPI(apiRoute{Method: "GET", Path: "/api/v1/me/family/children", Tag: "family", Auth: "citizen",
		Summary: "Children under 14 of your household you may add (the listing is on their access logs)", Response: []memberJSON{}}, s.apiChildren)
	s.handleAPI(apiRoute{Method: "POST", Path: "/api/v1/me/family", Tag: "family", Auth: "citizen",
		Summary: "Add a relative, proved by CCCD/CMND and birth date, or a child of your household by birth date",
		Request: addRelativeRequest{}, Response: profileLineJSON{}, Status: http.StatusCreated}, s.apiAddRelative)
}

func toProfileLineJSON(r identity.Relative, active string) profileLineJSON {
	return profileLineJSON{PersonID: r.PersonID, FullName: r.FullName, BirthYear: r.BirthYear, Self: r.Self, Source: r.Source,
		Active: r.PersonID == active}
}

func (s *Server) apiProfiles(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	rels, err := s.Family.Profiles(r.Context(), a)
	if err != nil {
		return err
	}
	out := []profileLineJSON{}
	for _, rel := range rels {
		out = append(out, toProfileLineJSON(rel, profile(r)))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiSwitch(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	var body switchRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	rel, err := s.Family.Switch(r.Context(), a, stateOf(r).token, body.PersonID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toProfileLineJSON(rel, rel.PersonID))
	return nil
}

func (s *Server) apiChildren(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	kids, err := s.Family.Children(r.Context(), a)
	if err != nil {
		return err
	}
	out := []memberJSON{}
	for _, k := range kids {
		out = append(out, memberJSON{PersonID: k.PersonID, FullName: k.FullName, BirthYear: k.BirthYear})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiAddRelative(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	var body addRelativeRequest
	if err := readJSON(r, &body); err != nil {
		return err
	}
	rel, err := s.Family.Add(r.Context(), a, family.Proof{IDNumber: body.IDNumber, Child: body.MemberID != "",
		MemberID: body.MemberID, BirthDate: body.BirthDate})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toProfileLineJSON(rel, profile(r)))
	return nil
}
