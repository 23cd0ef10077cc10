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
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/logs"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/takeover"
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
	return build(cfg, log, c, d, sealer), nil
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
