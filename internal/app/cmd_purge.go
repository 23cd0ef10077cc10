package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/checkin"
)

// retention is the retention window of contact data the config asks for;
// 0 days (a Config built in code) means the default, 21.
func (c Config) retention() time.Duration {
	if c.RetentionDays <= 0 {
		return checkin.DefaultRetention
	}
	return time.Duration(c.RetentionDays) * 24 * time.Hour
}

// retentionJobs is housekeeping's purge of contact data past retention.
func (a *App) retentionJobs(ctx context.Context) {
	p, err := a.purgeContactData(ctx)
	if err != nil {
		a.Log.Error("purge contact data", "err", err)
	}
	if p != (purged{}) {
		a.Log.Info("purged contact data past retention", "checkins", p.checkins, "days_dropped", p.days,
			"bluetooth_contacts", p.bluetooth, "declarations", p.declarations)
	}
}

// purged counts what one retention run deleted.
type purged struct {
	checkins, bluetooth, declarations int64
	days                              int
}

// purgeContactData deletes the contact data DESIGN.md names — check-ins,
// Bluetooth contact logs, travel declarations — older than the retention
// window. Each part stands alone: one failing does not keep the others.
func (a *App) purgeContactData(ctx context.Context) (purged, error) {
	var p purged
	before := a.Clock.Now().Add(-a.Config.retention())
	var errs []error
	var err error
	if p.checkins, p.days, err = a.Checkins.Purge(ctx); err != nil {
		errs = append(errs, err)
	}
	if p.bluetooth, err = a.Bluezone.Purge(ctx, before); err != nil {
		errs = append(errs, err)
	}
	if p.declarations, err = a.Decls.Purge(ctx, before); err != nil {
		errs = append(errs, err)
	}
	return p, errors.Join(errs...)
}

func cmdPurge(ctx context.Context, e *env, args []string) error {
	var cfg Config
	fs := newFlags(e, "purge")
	a, err := openApp(ctx, e, fs, args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	p, err := a.purgeContactData(ctx)
	fmt.Fprintf(e.stdout, "contact data older than %d days: %d check-ins deleted (%d day partitions dropped), %d Bluetooth contacts, %d travel declarations\n",
		int(cfg.retention()/(24*time.Hour)), p.checkins, p.days, p.bluetooth, p.declarations)
	return err
}
