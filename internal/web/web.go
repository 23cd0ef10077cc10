// Package web is PC-Covid's HTTP front end: the citizen app at /, the
// authority console at /console, the JSON API under /api/v1 with its OpenAPI
// document, health and metrics endpoints. It holds no rules: each handler
// parses the request, calls a domain function, and renders the result as a
// page or as JSON. Errors go to one adapter that picks the status code and a
// message in the reader's language.
package web

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/identity"
)

// Deps are the services the web layer calls.
type Deps struct {
	Log       *slog.Logger
	Clock     clock.Clock
	DB        *db.DB
	Guard     *access.Guard
	Officials *access.Officials
	Citizens  *access.Citizens
	Sessions  *access.Sessions
	Persons   *identity.Store
	// Outbox, when set (demo mode), is shown at /demo/sms so that a
	// newcomer can read login codes without an SMS gateway.
	Outbox *access.Outbox
}

// Options tune the server.
type Options struct {
	// Demo shows the demo banner and the SMS page.
	Demo bool
	// SecureCookies marks cookies Secure. Set it whenever the site is served
	// over HTTPS (directly or behind a proxy).
	SecureCookies bool
	// TrustProxy takes the client address from X-Forwarded-For.
	TrustProxy bool
}

// Server serves the whole HTTP surface.
type Server struct {
	Deps
	opts    Options
	views   *views
	assets  *assets
	metrics *metrics
	api     []apiRoute
	mux     *http.ServeMux
}

// New builds the server and its routes.
func New(d Deps, opts Options) (*Server, error) {
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	vs, err := loadViews(as)
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: d, opts: opts, views: vs, assets: as, metrics: newMetrics(), mux: http.NewServeMux()}
	s.routes()
	return s, nil
}

// Registry returns the Prometheus registry the server reports to, so that
// other parts of the program can add their metrics.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.reg }

// Handler returns the root handler with its middleware.
func (s *Server) Handler() http.Handler {
	var h http.Handler = s.mux
	h = s.withSession(h)
	h = crossOrigin(h)
	h = securityHeaders(h)
	h = s.metrics.instrument(h)
	h = s.withRequest(h)
	return h
}
