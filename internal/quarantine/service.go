package quarantine

import (
	"context"
	"log/slog"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/tracing"
	"github.com/pccovid/pccovid/internal/vn"
)

// Persons is what quarantine needs of the identity registry.
// *identity.Store is one.
type Persons interface {
	Subject(ctx context.Context, id string) (access.Subject, error)
	Areas(ctx context.Context, ids []string) (map[string]string, error)
	GetMany(ctx context.Context, req access.Request, action string, subjects []access.Subject) ([]identity.Person, error)
}

// Health is what the rules need of the health records: doses (vaccinated
// or not) and tests (an appointment kept). *health.Store is one.
type Health interface {
	DosesOf(ctx context.Context, personID string) ([]health.Dose, error)
	TestsOf(ctx context.Context, personID string, since time.Time) ([]health.Test, error)
	InsertTests(ctx context.Context, d *db.DB, tests []health.Test) error
}

// Cases is what quarantine needs of tracing. *tracing.Service is one.
type Cases interface {
	Case(ctx context.Context, id int64) (tracing.Case, error)
	History(ctx context.Context, personID string) ([]tracing.Case, error)
	Links(ctx context.Context, req access.Request, caseID int64, degree int) ([]tracing.Link, error)
	CasesAfter(ctx context.Context, id int64, limit int) ([]tracing.Case, error)
	Register(ctx context.Context, actor access.Actor, r tracing.Result) (tracing.Case, bool, error)
	Recover(ctx context.Context, req access.Request, id int64) error
}

// Entries are the entry declarations: *declaration.Store is one.
type Entries interface {
	EntriesSince(ctx context.Context, after declaration.Cursor, limit int) ([]declaration.Declaration, declaration.Cursor, error)
}

// Arrivals lists arrivals at a border gate: *declaration.Service is one.
type Arrivals interface {
	Arrivals(ctx context.Context, req access.Request, gate string, day vn.Date) ([]declaration.Declaration, error)
}

// Deps are what the service is built from.
type Deps struct {
	DB       *db.DB
	Sealer   *seal.Sealer
	Guard    *access.Guard
	Persons  Persons
	Health   Health
	Cases    Cases
	Entries  Entries
	Arrivals Arrivals
	Inbox    *inbox.Store
	Clock    clock.Clock
	Log      *slog.Logger
}

// Service issues, follows and releases orders.
type Service struct {
	Deps
	policies Policies
}

// New returns the quarantine service.
func New(d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{Deps: d, policies: Policies{db: d.DB}}
}

// Policies returns the book of policy versions.
func (s *Service) Policies() Policies { return s.policies }

// Today is the current date in Vietnam.
func (s *Service) Today() vn.Date { return DateOf(s.Clock.Now()) }

// Sealed fields.
const (
	fieldReport = "quarantine.report"
	fieldResult = "quarantine.test_result"
)

// SealedColumns lists the columns this package seals, for key rotation.
func SealedColumns() []seal.Column {
	return []seal.Column{
		{Table: "quarantine_reports", Key: []string{"order_id", "day"}, Column: "report_sealed", Field: fieldReport},
		{Table: "quarantine_tests", Key: []string{"order_id", "day"}, Column: "result_sealed", Field: fieldResult},
	}
}
