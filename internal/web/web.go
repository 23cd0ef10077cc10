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
	"github.com/pccovid/pccovid/internal/certificate/issuance"
	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/exposure"
	"github.com/pccovid/pccovid/internal/facility"
	"github.com/pccovid/pccovid/internal/family"
	"github.com/pccovid/pccovid/internal/feedback"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/quarantine"
	"github.com/pccovid/pccovid/internal/risk"
	"github.com/pccovid/pccovid/internal/takeover"
	"github.com/pccovid/pccovid/internal/tracing"
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
	Exposure  *exposure.Service // exposure notifications (GAEN); nil leaves them unmounted
	Checkins  *checkin.Service  // venues and check-ins; nil leaves them unmounted
	// Outbox, when set (demo mode), is shown at /demo/sms so that a
	// newcomer can read login codes without an SMS gateway.
	Outbox *access.Outbox

	// Health declarations, citizens' messages and officials' notices,
	// citizens' reports (phản ánh); nil leaves each unmounted.
	Declarations *declaration.Service
	Inbox        *inbox.Store
	Feedback     *feedback.Store

	// Health records (wallet, doses recorded in the console), status cards
	// and their rules, family profiles; a nil Risk or Family leaves its
	// pages unmounted.
	Health *health.Store
	Risk   *risk.Service
	Family *family.Service

	// Takeover holds the links of taken-over records and their review queue.
	Takeover *takeover.Service

	// Labs and vaccination sites with their API keys, results and doses
	// coming in (API, FHIR, uploads), COVID-19 treatment, EU DCC
	// certificates and their verifier; nil leaves each unmounted.
	Facilities   *facility.Store
	Ingest       *health.Ingest
	Treatments   *health.Treatments
	Certificates *issuance.Service

	// Cases, close contacts and chains; isolation and quarantine orders;
	// nil leaves each unmounted.
	Tracing    *tracing.Service
	Quarantine *quarantine.Service
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
	h = s.checkinFastPath(h) // POST /api/v1/checkins skips the per-request session reads
	return h
}
