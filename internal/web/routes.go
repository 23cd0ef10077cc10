package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/problem"
)

func (s *Server) routes() {
	m := s.mux
	m.Handle("GET /static/", s.assets)
	m.HandleFunc("GET /healthz", s.healthz)
	m.Handle("GET /metrics", s.metrics.handler())
	m.HandleFunc("GET /lang/{code}", s.setLang)

	s.citizenRoutes()
	s.consoleRoutes()
	s.reviewRoutes()
	s.apiRoutes()
	s.exposureRoutes()
	s.checkinRoutes()
	s.declarationRoutes()
	s.inboxRoutes()
	s.feedbackRoutes()
	s.walletRoutes() // health wallet, status cards and rules, "More"
	s.familyRoutes()
	s.healthRoutes()      // facilities, uploads, review, treatment, FHIR; the citizen's /health
	s.certificateRoutes() // certificates, the verifier page and signer list
	s.tracingRoutes()     // cases, contacts, chains (console)
	s.quarantineRoutes()  // orders: the person's page, the ward's board, decisions, arrivals
	if s.opts.Demo && s.Outbox != nil {
		m.HandleFunc("GET /demo/sms", s.serve(s.demoSMS))
	}
	m.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.openAPI())
	})
	m.HandleFunc("/", s.serve(func(w http.ResponseWriter, r *http.Request) error {
		return problem.ErrNotFound
	}))
}

// healthz answers 200 once the database answers.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("ok\n"))
}

func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if code != "en" {
		code = "vi"
	}
	http.SetCookie(w, &http.Cookie{Name: cookieLang, Value: code, Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: s.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
}

// safeNext keeps redirects on this site: only a local absolute path.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	return u.RequestURI()
}

// citizen returns the logged-in citizen actor or ErrUnauthorized.
func citizen(r *http.Request) (access.Actor, error) {
	a := stateOf(r).actor
	if a.Kind != access.KindCitizen {
		return a, problem.ErrUnauthorized
	}
	return a, nil
}

// official returns the logged-in official actor or ErrUnauthorized.
func official(r *http.Request) (access.Actor, error) {
	a := stateOf(r).actor
	if a.Kind != access.KindOfficial {
		return a, problem.ErrUnauthorized
	}
	return a, nil
}

// officialRequest builds an access request from the purpose and reference an
// official chose in the form or query.
func officialRequest(r *http.Request, actor access.Actor, purpose, ref string) (access.Request, error) {
	p, err := access.ParsePurpose(purpose)
	if err != nil {
		return access.Request{}, err
	}
	if !p.Allows(actor.Role) {
		return access.Request{}, problem.Field("purpose", "Vai trò của bạn không dùng được mục đích này", "your role cannot use that purpose")
	}
	return access.Request{Actor: actor, Purpose: p, Ref: strings.TrimSpace(ref)}, nil
}
