package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

func (s *Server) citizenRoutes() {
	m := s.mux
	m.HandleFunc("GET /{$}", s.serve(s.home))
	m.HandleFunc("GET /login", s.serve(s.loginPage))
	m.HandleFunc("POST /login", s.serve(s.loginPhone))
	m.HandleFunc("POST /login/code", s.serve(s.loginCode))
	m.HandleFunc("GET /login/who", s.serve(s.whoPage))
	m.HandleFunc("POST /login/who", s.serve(s.whoSubmit))
	m.HandleFunc("POST /logout", s.serve(s.logout))
	m.HandleFunc("GET /access-log", s.serve(s.accessLog))
	m.HandleFunc("GET /household", s.serve(s.household))
}

// loginForm is the data of the login pages.
type loginForm struct {
	Phone string
	Err   error
}

func (f loginForm) fieldErrors(lang string) map[string]string { return fieldMap(f.Err, lang) }

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "citizen/login", "login.title", loginForm{})
}

// loginPhone sends a code to the phone and shows the code form. The phone
// travels in the form body, never in a URL that would reach logs.
func (s *Server) loginPhone(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	form := loginForm{Phone: r.PostFormValue("phone")}
	phone, err := vn.ParsePhone(form.Phone)
	if err == nil {
		err = s.Citizens.RequestCode(r.Context(), phone, s.clientAddr(r))
	}
	if err != nil {
		form.Err = err
		if !errors.Is(err, problem.ErrInvalid) {
			if _, code, vi, en := classify(err); code != "internal" {
				form.Err = problem.Field("phone", vi, en)
			} else {
				return err
			}
		}
		return s.render(w, r, http.StatusBadRequest, "citizen/login", "login.title", form)
	}
	form.Phone = string(phone)
	return s.render(w, r, http.StatusOK, "citizen/code", "login.code_title", form)
}

func (s *Server) loginCode(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	form := loginForm{Phone: r.PostFormValue("phone")}
	phone, err := vn.ParsePhone(form.Phone)
	if err != nil {
		return err
	}
	acct, err := s.Citizens.VerifyCode(r.Context(), phone, r.PostFormValue("code"))
	if err != nil {
		form.Err = err
		if !errors.Is(err, problem.ErrInvalid) {
			return err
		}
		return s.render(w, r, http.StatusBadRequest, "citizen/code", "login.code_title", form)
	}
	personID, needsChoice, err := s.settlePerson(r.Context(), acct)
	if err != nil {
		return err
	}
	token, _, err := s.Sessions.Create(r.Context(), access.KindCitizen, acct.ID, personID)
	if err != nil {
		return err
	}
	s.setSessionCookie(w, cookieCitizen, token, access.CitizenSessionTTL)
	next := "/"
	if needsChoice {
		next = "/login/who"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// settlePerson decides which person a fresh login acts as: the one the
// account proved before, or the only person known with the phone. When the
// phone is shared by several, the citizen must say who they are.
func (s *Server) settlePerson(ctx context.Context, acct access.Account) (personID string, needsChoice bool, err error) {
	if acct.PersonID != "" {
		return acct.PersonID, false, nil
	}
	cands, err := s.Persons.Candidates(ctx, acct.Phone)
	if err != nil {
		return "", false, err
	}
	switch len(cands) {
	case 0:
		return "", false, nil
	case 1:
		return cands[0].PersonID, false, s.Citizens.SetPerson(ctx, acct.ID, cands[0].PersonID)
	}
	return "", true, nil
}

type whoForm struct {
	Candidates []identity.Candidate
	Chosen     string
	Err        error
}

func (f whoForm) fieldErrors(lang string) map[string]string { return fieldMap(f.Err, lang) }

func (s *Server) whoPage(w http.ResponseWriter, r *http.Request) error {
	form, err := s.whoCandidates(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "citizen/who", "who.title", form)
}

func (s *Server) whoCandidates(r *http.Request) (whoForm, error) {
	a, err := citizen(r)
	if err != nil {
		return whoForm{}, err
	}
	acct, err := s.Citizens.Account(r.Context(), a.ID)
	if err != nil {
		return whoForm{}, err
	}
	cands, err := s.Persons.Candidates(r.Context(), acct.Phone)
	return whoForm{Candidates: cands}, err
}

func (s *Server) whoSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	form, err := s.whoCandidates(r)
	if err != nil {
		return err
	}
	a, _ := citizen(r)
	form.Chosen = r.PostFormValue("person")
	acct, err := s.Citizens.Account(r.Context(), a.ID)
	if err != nil {
		return err
	}
	if err := s.claim(r.Context(), acct, form.Chosen, r.PostFormValue("proof"), stateOf(r).token); err != nil {
		if !errors.Is(err, problem.ErrInvalid) && !errors.Is(err, problem.ErrForbidden) {
			return err
		}
		form.Err = err
		if errors.Is(err, problem.ErrForbidden) {
			form.Err = identity.ErrClaimMismatch
		}
		return s.render(w, r, http.StatusBadRequest, "citizen/who", "who.title", form)
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// claim verifies the citizen's proof and ties the account and session to
// the chosen person.
func (s *Server) claim(ctx context.Context, acct access.Account, personID, proof, token string) error {
	if err := s.Persons.VerifyClaim(ctx, acct.ID, acct.Phone, personID, proof); err != nil {
		return err
	}
	if err := s.Citizens.SetPerson(ctx, acct.ID, personID); err != nil {
		return err
	}
	return s.Sessions.SetPerson(ctx, token, personID)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	if st := stateOf(r); st.token != "" {
		if err := s.Sessions.Delete(r.Context(), st.token); err != nil {
			return err
		}
	}
	s.clearCookie(w, cookieCitizen)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// homePage is what a citizen sees first.
type homePage struct {
	Person        *identity.Person
	WardName      string
	HouseholdSize int
	Status        *statusView // the status card (wallet.go)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	var page homePage
	if id := profile(r); id != "" {
		req := access.Request{Actor: a, Purpose: access.PurposeOwn}
		p, err := s.Persons.Get(r.Context(), req, id)
		if err != nil {
			return err
		}
		page.Person, page.WardName = &p, wardName(p.WardCode)
		ids, err := s.Persons.Household(r.Context(), id)
		if err != nil {
			return err
		}
		page.HouseholdSize = len(ids)
		if page.Status, err = s.homeStatus(r, a, id); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "citizen/home", "home.title", page)
}

// household lists the citizen's registry household. It is a page of its own
// because each listing is recorded on the other members' access logs.
func (s *Server) household(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	var members []identity.Member
	if a.PersonID != "" {
		if members, err = s.Persons.HouseholdMembers(r.Context(), access.Request{Actor: a, Purpose: access.PurposeOwn}); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "citizen/household", "household.title", members)
}

// wardName spells a ward code as "Phường Phúc Xá, Quận Ba Đình, Thành phố Hà Nội".
func wardName(code string) string {
	p, d, wd, ok := vn.AdminUnits().WardPath(code)
	if !ok {
		return code
	}
	return wd.FullName + ", " + d.FullName + ", " + p.FullName
}

type accessLogPage struct {
	Entries []access.Entry
}

func (s *Server) accessLog(w http.ResponseWriter, r *http.Request) error {
	a, err := citizen(r)
	if err != nil {
		return err
	}
	var page accessLogPage
	subject, err := s.logSubject(r, a)
	if err != nil {
		return err
	}
	if subject != "" {
		if page.Entries, err = s.Guard.Trail().ForSubject(r.Context(), subject, 200); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "citizen/access", "access.title", page)
}

// logSubject is whose access log a citizen sees: the profile they act for
// — a child's log when acting for the child — checked again against the
// profiles they manage, since a relation can end while a session lasts.
func (s *Server) logSubject(r *http.Request, a access.Actor) (string, error) {
	id := profile(r)
	if s.Family == nil || id == "" || id == a.PersonID {
		return a.PersonID, nil
	}
	rel, err := s.Family.Active(r.Context(), a, id)
	if err != nil {
		return "", err
	}
	return rel.PersonID, nil
}

func (s *Server) demoSMS(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "citizen/demo_sms", "demo.sms_title", s.Outbox.Recent())
}
