package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/facility"
	"github.com/pccovid/pccovid/internal/problem"
)

// wireHealth plugs treatment into tracing: a confirmed recovery closes the
// person's current case, so that the status card shows them recovered.
// (The other way, positive results registering cases, buildTracing wires.)
func (a *App) wireHealth() {
	if a.Tracing == nil {
		return
	}
	a.Treatments.OnRecovered(func(ctx context.Context, personID string, at time.Time) error {
		c, ok, err := a.Tracing.CaseOf(ctx, personID)
		if err != nil || !ok {
			return err
		}
		req := access.Request{Actor: access.System("treatment"), Purpose: access.PurposeTreatment}
		return a.Tracing.Recover(ctx, req, c.ID)
	})
}

// healthJobs is health's share of housekeeping: hand tracing the confirmed
// cases it has not received yet.
func (a *App) healthJobs(ctx context.Context) {
	if n, err := a.Ingest.DeliverCases(ctx, 1000); err != nil {
		a.Log.Error("deliver confirmed cases", "err", err)
	} else if n > 0 {
		a.Log.Info("delivered confirmed cases", "count", n)
	}
}

// seedHealthDemo gives a demo the DCC signing keys, so certificates can be
// issued at once, and a demo lab with an API key printed for trying the
// facility API. It changes nothing when they exist.
func (a *App) seedHealthDemo(ctx context.Context, out io.Writer) error {
	if _, err := a.Certificates.Keys().Init(ctx); err != nil && !errors.Is(err, problem.ErrConflict) {
		return err
	}
	admin := access.System("demo")
	admin.Role = access.RoleAdmin
	f, err := a.Facilities.Create(ctx, admin, facility.New{Code: "DEMO_LAB", Name: "Phòng xét nghiệm chạy thử", Kind: "both"})
	if errors.Is(err, problem.ErrInvalid) {
		return nil // made by an earlier demo run
	}
	if err != nil {
		return err
	}
	_, key, err := a.Facilities.IssueKey(ctx, admin, f.ID, "demo")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Demo lab DEMO_LAB: send results to /api/v1/facility/tests or /fhir/R4 with the header X-API-Key: %s\n", key)
	return nil
}
