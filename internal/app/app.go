// Package app wires PC-Covid together: it opens the database and the key
// ring, builds every domain service, and runs the subcommands of the
// pccovid binary.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/bluezone"
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
	"github.com/pccovid/pccovid/internal/logs"
	"github.com/pccovid/pccovid/internal/quarantine"
	"github.com/pccovid/pccovid/internal/risk"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/takeover"
	"github.com/pccovid/pccovid/internal/tracing"
)

// App is the opened platform: database, keys and domain services.
type App struct {
	Config Config
	Log    *slog.Logger
	Clock  clock.Clock
	DB     *db.DB
	Sealer *seal.Sealer

	Trail     *access.Trail
	Guard     *access.Guard
	Officials *access.Officials
	Citizens  *access.Citizens
	Sessions  *access.Sessions
	Outbox    *access.Outbox
	Persons   *identity.Store
	Health    *health.Store
	Decls     *declaration.Store
	Bluezone  *bluezone.Store
	Takeover  *takeover.Service
	Exposure  *exposure.Service
	Checkins  *checkin.Service

	Declarations *declaration.Service // declaring, QR codes, checks, arrivals
	Inbox        *inbox.Store         // citizens' messages; other services send through it
	Feedback     *feedback.Store      // citizens' reports (phản ánh)

	Risk   *risk.Service   // status cards and their rules
	Family *family.Service // managed family profiles

	Facilities   *facility.Store    // labs and vaccination sites, their API keys
	Ingest       *health.Ingest     // results and doses from facilities, tied to persons
	Treatments   *health.Treatments // COVID-19 treatment, daily reports, health-station alerts
	Certificates *issuance.Service  // EU DCC certificates and Vietnam's signing keys

	Tracing    *tracing.Service    // cases (F0), close contacts (F1, F2), warnings, chains
	Quarantine *quarantine.Service // isolation and quarantine orders, reports, release
}

// Open opens the database named by cfg, applies migrations, loads and checks
// the key ring, and builds the services.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, cfg.Database, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	c := clock.System{}
	sealer, err := seal.Open(ctx, d, seal.Source{Inline: []byte(cfg.Keys), File: cfg.KeysFile}, c.Now())
	if err != nil {
		d.Close()
		return nil, err
	}
	a := build(cfg, log, c, d, sealer)
	// Data upgrades a migration recorded run once the keys are open.
	n, err := a.Persons.UpgradeProfiles(ctx)
	if err != nil {
		d.Close()
		return nil, err
	}
	if n > 0 {
		log.Info("sealed person profiles as one value", "persons", n)
	}
	return a, nil
}

func build(cfg Config, log *slog.Logger, c clock.Clock, d *db.DB, sealer *seal.Sealer) *App {
	a := &App{Config: cfg, Log: log, Clock: c, DB: d, Sealer: sealer}
	a.Trail = access.NewTrail(d, sealer, c)
	a.Guard = access.NewGuard(a.Trail)
	a.Officials = access.NewOfficials(d, sealer, c)
	a.Outbox = &access.Outbox{Next: access.LogSender{Log: log}}
	a.Citizens = access.NewCitizens(d, sealer, c, a.Outbox)
	a.Sessions = access.NewSessions(d, c)
	a.Persons = identity.NewStore(d, sealer, a.Guard, c)
	a.Health = health.NewStore(d, sealer, a.Guard, c)
	a.Decls = declaration.NewStore(d, sealer, a.Guard, c)
	a.Bluezone = bluezone.NewStore(d)
	a.Takeover = takeover.NewService(d, sealer, a.Persons, a.Health, a.Decls, a.Bluezone, a.Guard, c, log)
	a.Exposure = exposure.New(d, sealer, a.Guard, c, exposure.SMSDelivery{SMS: a.Outbox}, exposure.DefaultConfig())
	a.Checkins = checkin.NewService(d, sealer, a.Persons, c, checkin.Config{Retention: cfg.retention()})
	a.Declarations = declaration.NewService(a.Decls, a.Persons)
	a.Inbox = inbox.NewStore(d, sealer, a.Guard, a.Persons, c)
	a.Feedback = feedback.NewStore(d, sealer, a.Guard, access.NewLimiter(d, c), a.Inbox, c)
	a.Facilities = facility.NewStore(d, a.Guard, c)
	a.Treatments = health.NewTreatments(d, sealer, a.Guard, a.Persons, c)
	a.Ingest = health.NewIngest(d, sealer, a.Guard, c, health.IngestDeps{Store: a.Health, Persons: a.Persons,
		Facilities: a.Facilities, Treatments: a.Treatments, Inbox: a.Inbox, Log: log})
	a.Certificates = issuance.NewService(d, sealer, a.Guard, a.Persons, a.Health, a.Treatments,
		issuance.NewKeys(d, sealer, mustValidator(), c), c)
	a.buildTracing(d, sealer, c, log)
	a.wireHealth()
	// The card asks tracing (a current case), quarantine (an order) and
	// treatment (a recovery); see risk.Sources.
	a.Risk = risk.NewService(d, a.Health, a.Persons, a.Trail, c, risk.Sources{Cases: a.Tracing, Quarantines: a.Quarantine, Recoveries: a.Treatments})
	a.Family = family.NewService(d, a.Persons, a.Persons.Registry(), a.Sessions, a.Guard, c)
	return a
}

// Close closes the database.
func (a *App) Close() error { return a.DB.Close() }

// newLogger returns the structured logger the config asks for.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	return logs.New(w, level, cfg.LogJSON)
}

// errorf is fmt.Errorf for command errors.
func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
