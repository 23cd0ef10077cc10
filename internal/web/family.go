package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/family"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
)

// familyRoutes are the family switcher and the form to add a relative.
func (s *Server) familyRoutes() {
	if s.Family == nil {
		return
	}
	m := s.mux
	m.HandleFunc("GET /family", s.serve(s.familyPage))
	m.HandleFunc("POST /family/switch", s.serve(s.familySwitch))
	m.HandleFunc("GET /family/add", s.serve(s.familyAddPage))
	m.HandleFunc("POST /family/add", s.serve(s.familyAdd))
	s.familyAPIRoutes()
}

// profileInUse is the profile in use, named at the top of every citizen
// page: acting for a child by mistake must be impossible to miss.
type profileInUse struct {
	Name string
	Self bool
}

// profileBanner is the active profile for the layout; nil when there is
// none. The layout is drawn on every page, so a failure is logged, not
// shown.
func (s *Server) profileBanner(r *http.Request) *profileInUse {
	a := stateOf(r).actor
	if s.Family == nil || a.Kind != access.KindCitizen || a.PersonID == "" {
		return nil
	}
	rel, err := s.Family.Active(r.Context(), a, profile(r))
	if err != nil {
		s.Log.WarnContext(r.Context(), "active profile", "err", err)
		return nil
	}
	return &profileInUse{Name: rel.FullName, Self: rel.Self}
}

// profileLine is one profile of the switcher.
type profileLine struct {
	identity.Relative
	Active bool
	From   string // where the link came from, in words
}

type familyView struct {
	Profiles []profileLine
	Added    string // the name of a relative just added
}

func (s *Server) familyPage(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	rels, err := s.Family.Profiles(r.Context(), a)
	if err != nil {
		return err
	}
	var v familyView
	active := profile(r)
	for _, rel := range rels {
		line := profileLine{Relative: rel, Active: rel.PersonID == active}
		if key := "family.src_" + rel.Source; rel.Source != "" {
			if _, ok := familyMessages[key]; ok {
				line.From = translate(familyMessages, stateOf(r).lang, key)
			}
		}
		v.Profiles = append(v.Profiles, line)
		if rel.PersonID == r.URL.Query().Get("added") {
			v.Added = rel.FullName
		}
	}
	return s.render(w, r, http.StatusOK, "citizen/family", "family.title", v)
}

// familySwitch makes the session act for the chosen profile. The domain
// refuses any profile the account does not manage, whatever the form says.
func (s *Server) familySwitch(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	a, err := citizen(r)
	if err != nil {
		return err
	}
	if _, err := s.Family.Switch(r.Context(), a, stateOf(r).token, r.PostFormValue("person_id")); err != nil {
		return err
	}
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}

// familyAddView is the form to add a relative, by number or as a child of
// the household.
type familyAddView struct {
	Children  []identity.Member
	Mode      string // "number" or "child": the form the errors belong to
	IDNumber  string
	BirthDate string
	MemberID  string
	Err       error
}

func (v familyAddView) fieldErrors(lang string) map[string]string { return fieldMap(v.Err, lang) }

func (s *Server) familyAddPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.newFamilyAddView(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "citizen/family_add", "family.add_title", v)
}

func (s *Server) newFamilyAddView(r *http.Request) (familyAddView, error) {
	a, err := citizen(r)
	if err != nil {
		return familyAddView{}, err
	}
	kids, err := s.Family.Children(r.Context(), a)
	return familyAddView{Children: kids}, err
}

func (s *Server) familyAdd(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	a, err := citizen(r)
	if err != nil {
		return err
	}
	proof := family.Proof{IDNumber: r.PostFormValue("id_number"), BirthDate: r.PostFormValue("birth_date")}
	mode := "number"
	if r.PostFormValue("mode") == "child" {
		mode, proof.IDNumber, proof.Child, proof.MemberID = "child", "", true, r.PostFormValue("member")
	}
	rel, err := s.Family.Add(r.Context(), a, proof)
	if err != nil {
		if !errors.Is(err, problem.ErrInvalid) {
			return err
		}
		v, verr := s.newFamilyAddView(r)
		if verr != nil {
			return verr
		}
		v.Mode, v.IDNumber, v.BirthDate, v.MemberID, v.Err = mode, proof.IDNumber, proof.BirthDate, proof.MemberID, err
		return s.render(w, r, http.StatusBadRequest, "citizen/family_add", "family.add_title", v)
	}
	http.Redirect(w, r, "/family?added="+url.QueryEscape(rel.PersonID), http.StatusSeeOther)
	return nil
}
