package tracing

import (
	"context"
	"log/slog"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/bluezone"
	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/vn"
)

// Persons is what tracing needs of the identity registry: areas for access
// decisions, households, finding a person by number, and reading the
// people shown to an official (audited). *identity.Store is one.
type Persons interface {
	Subject(ctx context.Context, id string) (access.Subject, error)
	Areas(ctx context.Context, ids []string) (map[string]string, error)
	GetMany(ctx context.Context, req access.Request, action string, subjects []access.Subject) ([]identity.Person, error)
	Households(ctx context.Context, ids []string) (map[string][]string, error)
	FindByCCCD(ctx context.Context, cccd string) ([]string, error)
	FindByCMND(ctx context.Context, cmnd string) ([]string, error)
	FindByPhone(ctx context.Context, phone string) ([]string, error)
}

// VenueLog is the check-in history: *checkin.Service is one.
type VenueLog interface {
	EachCoVisit(ctx context.Context, ws []checkin.Window, within time.Duration, fn func(checkin.CoVisit)) error
	VenueNames(ctx context.Context, ids []string) (map[string]string, error)
}

// Journeys are the trips people declared: *declaration.Store is one.
type Journeys interface {
	Journeys(ctx context.Context, personIDs []string, from, to vn.Date) ([]declaration.Journey, error)
	Travellers(ctx context.Context, transportNo string, day vn.Date) ([]declaration.Journey, error)
}

// ContactLogs are the Bluetooth contact logs: *bluezone.Store is one.
type ContactLogs interface {
	AppsOf(ctx context.Context, personIDs []string) (map[string]string, error)
	PersonsOf(ctx context.Context, ids []string) (map[string]string, error)
	Sightings(ctx context.Context, ids []string, from, to time.Time) ([]bluezone.Sighting, error)
}

// Results are the test results cases are registered from: *health.Store
// is one.
type Results interface {
	PositivesSince(ctx context.Context, after health.Cursor, limit int) ([]health.Test, health.Cursor, error)
	InsertTests(ctx context.Context, d *db.DB, tests []health.Test) error
}

// Deps are what the service is built from.
type Deps struct {
	DB       *db.DB
	Sealer   *seal.Sealer
	Guard    *access.Guard
	Persons  Persons
	Checkins VenueLog
	Journeys Journeys
	Bluezone ContactLogs
	Results  Results
	Inbox    *inbox.Store
	Clock    clock.Clock
	Log      *slog.Logger
}

// Service registers cases, finds their contacts, warns them, and shows
// officials the cases, contacts and chains within their scope.
type Service struct {
	Deps
	rules  RuleBook
	find   *Finder
	onCase []func(ctx context.Context, c Case) error
	// interrupt, set by tests, stops a run at a named stage.
	interrupt func(stage string) error
}

// New returns the tracing service.
func New(d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{Deps: d, rules: RuleBook{db: d.DB}}
	s.find = &Finder{venues: d.Checkins, journeys: d.Journeys, persons: d.Persons, logs: d.Bluezone, declared: s.declaredExposures}
	return s
}

// OnCase adds a function called with every case newly registered (the
// quarantine service issues its isolation order). Call it while wiring,
// before the service is used. An error is logged: the caller's own sweep
// catches up.
func (s *Service) OnCase(fn func(ctx context.Context, c Case) error) { s.onCase = append(s.onCase, fn) }

// Rules returns the book of rule versions.
func (s *Service) Rules() RuleBook { return s.rules }

// Finder returns the contact finder, for the benchmark.
func (s *Service) Finder() *Finder { return s.find }

func (s *Service) stage(name string) error {
	if s.interrupt != nil {
		return s.interrupt(name)
	}
	return nil
}

// SealedColumns lists the columns this package seals, for key rotation.
func SealedColumns() []seal.Column {
	return []seal.Column{{Table: "tracing_declared", Key: []string{"case_id", "person_id", "met_at"}, Column: "place_sealed", Field: fieldPlace}}
}

const fieldPlace = "tracing.declared_place"
