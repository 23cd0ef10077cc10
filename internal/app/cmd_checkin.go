package app

import (
	"context"
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

// checkinJobs is the check-in part of housekeeping: make the coming days'
// partitions (PostgreSQL), purge check-ins past retention.
func (a *App) checkinJobs(ctx context.Context) {
	if err := a.Checkins.EnsurePartitions(ctx); err != nil {
		a.Log.Error("check-in partitions", "err", err)
	}
	if rows, days, err := a.Checkins.Purge(ctx); err != nil {
		a.Log.Error("purge check-ins", "err", err)
	} else if rows > 0 || days > 0 {
		a.Log.Info("purged check-ins past retention", "rows", rows, "days_dropped", days)
	}
}

func cmdPurge(ctx context.Context, e *env, args []string) error {
	var cfg Config
	fs := newFlags(e, "purge")
	a, err := openApp(ctx, e, fs, args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	rows, days, err := a.Checkins.Purge(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "check-ins older than %d days: %d rows deleted, %d day partitions dropped\n",
		int(cfg.retention()/(24*time.Hour)), rows, days)
	return nil
}
