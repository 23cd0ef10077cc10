package app

import "context"

// checkinJobs is the check-in part of housekeeping: make the coming days'
// partitions (PostgreSQL).
func (a *App) checkinJobs(ctx context.Context) {
	if err := a.Checkins.EnsurePartitions(ctx); err != nil {
		a.Log.Error("check-in partitions", "err", err)
	}
}
