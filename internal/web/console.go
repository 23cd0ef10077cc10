package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/takeover"
	"github.com/pccovid/pccovid/internal/vn"
)

func (s *Server) consoleRoutes() {
	m := s.mux
	m.HandleFunc("GET /console", s.serve(s.consoleHome))
	m.HandleFunc("GET /console/login", s.serve(s.consoleLoginPage))
	m.HandleFunc("POST /console/login", s.serve(s.consoleLogin))
	m.HandleFunc("POST /console/logout", s.serve(s.consoleLogout))
	m.HandleFunc("GET /console/persons", s.serve(s.personSearchPage))
	m.HandleFunc("POST /console/persons", s.serve(s.personSearch))
	m.HandleFunc("GET /console/persons/{id}", s.serve(s.personView))
}

type consoleLoginForm struct {
	Username string
	Err      error
}

func (f consoleLoginForm) fieldErrors(lang string) map[string]string { return fieldMap(f.Err, lang) }

func (s *Server) consoleLoginPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "console/login", "console.login_title", consoleLoginForm{})
}

func (s *Server) consoleLogin(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	form := consoleLoginForm{Username: r.PostFormValue("username")}
	off, err := s.Officials.Authenticate(r.Context(), form.Username, r.PostFormValue("password"))
	if err != nil {
		_, code, vi, en := classify(err)
		if code == "internal" {
			return err
		}
		form.Err = problem.Field("password", vi, en)
		if errors.Is(err, access.ErrBadLogin) {
			form.Err = problem.Field("password", "Sai tên đăng nhập hoặc mật khẩu", "wrong user name or password")
		}
		return s.render(w, r, http.StatusUnauthorized, "console/login", "console.login_title", form)
	}
	token, _, err := s.Sessions.Create(r.Context(), access.KindOfficial, off.ID, "")
	if err != nil {
		return err
	}
	s.setSessionCookie(w, cookieConsole, token, access.OfficialSessionTTL)
	http.Redirect(w, r, "/console", http.StatusSeeOther)
	return nil
}

func (s *Server) consoleLogout(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	if st := stateOf(r); st.token != "" {
		if err := s.Sessions.Delete(r.Context(), st.token); err != nil {
			return err
		}
	}
	s.clearCookie(w, cookieConsole)
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
	return nil
}

func (s *Server) consoleHome(w http.ResponseWriter, r *http.Request) error {
	if _, err := official(r); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "console/home", "console.home_title", nil)
}

// searchForm is the person search: a purpose first, then a number.
type searchForm struct {
	Purposes []access.Purpose
	Purpose  string
	Ref      string
	Query    string
	Results  []identity.Person
	Searched bool
	Err      error
}

func (f searchForm) fieldErrors(lang string) map[string]string { return fieldMap(f.Err, lang) }

func (s *Server) personSearchPage(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "console/search", "console.search_title", searchForm{Purposes: access.PurposesFor(a.Role)})
}

// personSearch looks a person up by CCCD/CMND or phone. It is a POST so
// that the number never appears in a URL, a log or the browser history.
func (s *Server) personSearch(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	form := searchForm{Purposes: access.PurposesFor(a.Role), Purpose: r.PostFormValue("purpose"),
		Ref: r.PostFormValue("ref"), Query: r.PostFormValue("q")}
	form.Results, err = s.searchPersons(r, a, form.Purpose, form.Ref, form.Query)
	if err != nil {
		if !errors.Is(err, problem.ErrInvalid) {
			return err
		}
		form.Err = err
		return s.render(w, r, http.StatusBadRequest, "console/search", "console.search_title", form)
	}
	form.Searched = true
	return s.render(w, r, http.StatusOK, "console/search", "console.search_title", form)
}

// searchPersons parses the query (a CCCD, a CMND or a phone number) and runs
// the audited search.
func (s *Server) searchPersons(r *http.Request, a access.Actor, purpose, ref, q string) ([]identity.Person, error) {
	req, err := officialRequest(r, a, purpose, ref)
	if err != nil {
		return nil, err
	}
	query, err := parseSearchQuery(q)
	if err != nil {
		return nil, err
	}
	return s.Persons.Search(r.Context(), req, query)
}

func parseSearchQuery(q string) (identity.SearchQuery, error) {
	q = strings.TrimSpace(q)
	if _, v, err := vn.ParseIDNumber(q); err == nil {
		return identity.SearchQuery{CCCD: v}, nil
	}
	if p, err := vn.ParsePhone(q); err == nil {
		return identity.SearchQuery{Phone: string(p)}, nil
	}
	return identity.SearchQuery{}, problem.Field("q", "Nhập số CCCD (12 số), CMND (9 số) hoặc số điện thoại",
		"enter a CCCD (12 digits), a CMND (9 digits) or a phone number")
}

// personPage shows one person to an official, for a purpose.
type personPage struct {
	Purposes    []access.Purpose
	Person      *identity.Person
	WardName    string
	Identifiers []identity.Identifier
	// Records are the old apps' records tied to the person, with the
	// evidence of each link.
	Records []takeover.RecordProfile
	Purpose access.Purpose
	Ref     string
	Err     error
}

func (f personPage) fieldErrors(lang string) map[string]string { return fieldMap(f.Err, lang) }

// personView shows a person only when the official has said why: without a
// purpose it asks for one and shows nothing.
func (s *Server) personView(w http.ResponseWriter, r *http.Request) error {
	a, err := official(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	page := personPage{Purposes: access.PurposesFor(a.Role), Ref: r.URL.Query().Get("ref")}
	if r.URL.Query().Get("purpose") == "" {
		return s.render(w, r, http.StatusOK, "console/person", "console.person_title", page)
	}
	req, err := officialRequest(r, a, r.URL.Query().Get("purpose"), page.Ref)
	if err != nil {
		page.Err = err
		return s.render(w, r, http.StatusBadRequest, "console/person", "console.person_title", page)
	}
	p, ids, err := s.Persons.Profile(r.Context(), req, id)
	if err != nil {
		return err
	}
	page.Person, page.WardName, page.Purpose, page.Identifiers = &p, wardName(p.WardCode), req.Purpose, ids
	if s.Takeover != nil {
		if page.Records, err = s.Takeover.RecordsOf(r.Context(), req, id); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "console/person", "console.person_title", page)
}
