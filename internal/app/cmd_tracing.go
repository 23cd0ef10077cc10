package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/quarantine"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/tracing"
	"github.com/pccovid/pccovid/internal/vn"
)

// buildTracing builds tracing and quarantine and plugs them together: a
// new case gets its isolation order; the labs' positive results (health
// ingest) register cases.
func (a *App) buildTracing(d *db.DB, sealer *seal.Sealer, c clock.Clock, log *slog.Logger) {
	a.Tracing = tracing.New(tracing.Deps{DB: d, Sealer: sealer, Guard: a.Guard, Persons: a.Persons, Checkins: a.Checkins,
		Journeys: a.Decls, Bluezone: a.Bluezone, Results: a.Health, Inbox: a.Inbox, Clock: c, Log: log})
	a.Quarantine = quarantine.New(quarantine.Deps{DB: d, Sealer: sealer, Guard: a.Guard, Persons: a.Persons, Health: a.Health,
		Cases: a.Tracing, Entries: a.Decls, Arrivals: a.Declarations, Inbox: a.Inbox, Clock: c, Log: log})
	a.Tracing.OnCase(func(ctx context.Context, k tracing.Case) error { return a.Quarantine.OnCase(ctx, k.ID) })
	if a.Ingest != nil {
		a.Ingest.Cases = a.Tracing
	}
}

// tracingJobs is the tracing and quarantine part of housekeeping: register
// the cases of new positive results, make sure each has its isolation
// order, give arrivals their orders, and watch the orders in force
// (missed reports, overdue tests).
func (a *App) tracingJobs(ctx context.Context) {
	if rep, err := a.Tracing.SyncResults(ctx); err != nil {
		a.Log.Error("register cases from results", "err", err)
	} else if rep.Registered > 0 || rep.Refused > 0 {
		a.Log.Info("registered cases from results", "cases", rep.Registered, "refused", rep.Refused)
	}
	if n, err := a.Tracing.Purge(ctx, tracing.EvidenceRetention); err != nil {
		a.Log.Error("purge tracing evidence", "err", err)
	} else if n > 0 {
		a.Log.Info("purged tracing evidence past retention", "rows", n)
	}
	if n, err := a.Quarantine.SyncCases(ctx); err != nil {
		a.Log.Error("isolation orders of cases", "err", err)
	} else if n > 0 {
		a.Log.Debug("cases checked for isolation orders", "count", n)
	}
	if rep, err := a.Quarantine.SyncEntries(ctx); err != nil {
		a.Log.Error("orders of arrivals", "err", err)
	} else if rep.Issued > 0 {
		a.Log.Info("quarantine orders for arrivals", "issued", rep.Issued)
	}
	if rep, err := a.Quarantine.Watch(ctx); err != nil {
		a.Log.Error("watch orders", "err", err)
	} else if rep.MissedReport > 0 || rep.OverdueTest > 0 {
		a.Log.Info("quarantine alerts", "missed_reports", rep.MissedReport, "overdue_tests", rep.OverdueTest, "tests_matched", rep.TestsMatched)
	}
}

func cmdTracingSync(ctx context.Context, e *env, args []string) error {
	var cfg Config
	a, err := openApp(ctx, e, newFlags(e, "tracing sync"), args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.Tracing.SyncResults(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d positive results read: %d new cases, %d refused (contradictory dates; see the log)\n",
		rep.Positive, rep.Registered, rep.Refused)
	return nil
}

func cmdTracingRules(ctx context.Context, e *env, args []string) error {
	var cfg Config
	fs := newFlags(e, "tracing rules")
	add := fs.String("add", "", "a JSON file of rules to add as a new version (the form `pccovid tracing rules --json` prints)")
	version := fs.String("version", "", "the new version's name")
	from := fs.String("from", "", "the day it takes effect, YYYY-MM-DD")
	title := fs.String("title", "", "what the version is")
	asJSON := fs.Bool("json", false, "print each version's rules as JSON")
	a, err := openApp(ctx, e, fs, args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if *add != "" {
		data, day, err := readRuleVersion(*add, *from)
		if err != nil {
			return err
		}
		r, err := tracing.ParseRules(*version, day, data)
		if err != nil {
			return err
		}
		r.Title = *title
		if err := a.Tracing.Rules().Add(ctx, r, data, a.Clock.Now()); err != nil {
			return err
		}
	}
	all, err := a.Tracing.Rules().All(ctx)
	if err != nil {
		return err
	}
	for _, r := range all {
		fmt.Fprintf(e.stdout, "%s\tfrom %s\t%s\n", r.Version, r.EffectiveFrom, r.Title)
		if *asJSON {
			printIndented(e.stdout, r)
		}
	}
	return nil
}

func cmdQuarantinePolicies(ctx context.Context, e *env, args []string) error {
	var cfg Config
	fs := newFlags(e, "quarantine policies")
	add := fs.String("add", "", "a JSON file of a policy's rules to add (the form `pccovid quarantine policies --json` prints)")
	code := fs.String("code", "", "the new policy's document number, e.g. 1234/BYT-DP")
	from := fs.String("from", "", "the day it takes effect, YYYY-MM-DD")
	title := fs.String("title", "", "the policy's title in Vietnamese")
	titleEn := fs.String("title-en", "", "the policy's title in English")
	asJSON := fs.Bool("json", false, "print each policy's rules as JSON")
	a, err := openApp(ctx, e, fs, args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if *add != "" {
		data, day, err := readRuleVersion(*add, *from)
		if err != nil {
			return err
		}
		p, err := quarantine.ParsePolicy(*code, day, *title, *titleEn, data)
		if err != nil {
			return err
		}
		if err := a.Quarantine.Policies().Add(ctx, p, a.Clock.Now()); err != nil {
			return err
		}
	}
	all, err := a.Quarantine.Policies().All(ctx)
	if err != nil {
		return err
	}
	for _, p := range all {
		fmt.Fprintf(e.stdout, "%s\tfrom %s\t%s\n", p.Code, p.EffectiveFrom, p.TitleVi)
		for _, r := range p.Rules {
			fmt.Fprintf(e.stdout, "  %-18s %v %s %s: %d days + %d monitoring, tests %v\n", r.Name, r.Reasons, r.Kind, r.Place, r.Days, r.MonitorDays, r.Tests)
		}
		if *asJSON {
			printIndented(e.stdout, p)
		}
	}
	return nil
}

func cmdQuarantineSync(ctx context.Context, e *env, args []string) error {
	var cfg Config
	a, err := openApp(ctx, e, newFlags(e, "quarantine sync"), args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.Quarantine.SyncCases(ctx)
	if err != nil {
		return err
	}
	ent, err := a.Quarantine.SyncEntries(ctx)
	if err != nil {
		return err
	}
	w, err := a.Quarantine.Watch(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "cases checked %d; entry declarations read %d, orders issued %d; orders watched %d: %d missed reports, %d overdue tests, %d tests matched\n",
		n, ent.Read, ent.Issued, w.Orders, w.MissedReport, w.OverdueTest, w.TestsMatched)
	return nil
}

// readRuleVersion reads a new version of rules for `tracing rules --add` and
// `quarantine policies --add`: the JSON file and the day it takes effect.
func readRuleVersion(path, from string) ([]byte, vn.Date, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, vn.Date{}, err
	}
	day, err := vn.ParseDate(from)
	if err != nil {
		return nil, vn.Date{}, fmt.Errorf("--from %q: %w", from, err)
	}
	return data, day, nil
}

// printIndented prints v as indented JSON under the line before it.
func printIndented(w io.Writer, v any) {
	b, _ := json.MarshalIndent(v, "  ", "  ")
	fmt.Fprintf(w, "  %s\n", b)
}
