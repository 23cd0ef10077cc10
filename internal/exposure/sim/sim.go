// Package sim runs a population of simulated phones against a PC-Covid
// server and checks the whole exposure-notification system end to end:
// phones meet (exchanging Bluetooth identifiers at planted encounters), some
// owners test positive and share their keys through the verification
// protocol, every phone downloads the signed exports and matches them. The
// exposures the phones find must be exactly the encounters planted with a
// case — all of them and nothing else — while decoys (identifiers replayed
// hours later, strangers' identifiers, encounters with people who did not
// report) must find nothing.
package sim

import (
	"context"

	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/pccovid/pccovid/internal/exposure/client"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
)

// Config describes a simulation.
type Config struct {
	// Server is the server under test.
	Server *client.Server
	// Official and Password log in a health official, who issues the codes
	// and cuts the exports.
	Official, Password string
	// Phones, Days (1–14) and Cases size the simulation; ContactsPerDay is
	// how many others each phone meets a day.
	Phones, Days, Cases, ContactsPerDay int
	// Seed makes the encounters repeatable (keys are always random).
	Seed uint64
	// Now is the simulation's present; encounters happen on the Days
	// before today (UTC).
	Now time.Time
	// Settle, when set, runs before each export cut: an in-process server
	// moves its clock past its export delay. Without it, Run polls until
	// Wait has passed.
	Settle func()
	Wait   time.Duration
	// ServerNow, when set, is the server's present (an in-process server's
	// clock); default time.Now. A key is due for export once its validity
	// has ended by the server's clock, which may have passed midnight since
	// Now.
	ServerNow func() time.Time
	// Log, when set, receives progress lines.
	Log io.Writer
}

// Report is what a simulation found.
type Report struct {
	Phones, Days, Cases int
	// Sightings counts planted encounters, one per phone that heard the
	// other; Expected those whose broadcaster reported; Decoys the
	// identifiers planted that must not match.
	Sightings, Expected, Decoys int
	KeysShared                  int
	ExportFiles, ExportedKeys   int
	// Found counts distinct exposures the phones found; Missing and Extra
	// compare them with Expected.
	Found, Missing, Extra int
	Elapsed               time.Duration
}

// OK reports whether the phones found exactly the planted exposures.
func (r Report) OK() bool { return r.Missing == 0 && r.Extra == 0 }

func (r Report) String() string {
	verdict := "OK: every planted exposure found, nothing else"
	if !r.OK() {
		verdict = fmt.Sprintf("FAILED: %d missing, %d extra", r.Missing, r.Extra)
	}
	return fmt.Sprintf("%d phones, %d days, %d cases: %d sightings planted (%d with a case) and %d decoys; "+
		"%d keys shared; %d export files with %d keys; %d exposures found — %s (%s)",
		r.Phones, r.Days, r.Cases, r.Sightings, r.Expected, r.Decoys, r.KeysShared, r.ExportFiles, r.ExportedKeys,
		r.Found, verdict, r.Elapsed.Round(time.Millisecond))
}

// sighting is one phone hearing another in one interval.
type sighting struct {
	observer, broadcaster int
	interval              uint32
}

// world is the simulation's state.
type world struct {
	cfg       Config
	rng       *rand.Rand
	phones    []*client.Phone
	sightings map[sighting]bool
	decoys    int
}

// Run runs the simulation.
func Run(ctx context.Context, cfg Config) (Report, error) {
	started := time.Now()
	if cfg.Days < 1 || cfg.Days > 14 || cfg.Phones < 2 || cfg.Cases < 1 || cfg.Cases > cfg.Phones {
		return Report{}, fmt.Errorf("sim: want 1–14 days, at least 2 phones and 1 to %d cases", cfg.Phones)
	}
	w := &world{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)), sightings: map[sighting]bool{}}
	if err := w.meet(); err != nil {
		return Report{}, err
	}
	rep := Report{Phones: cfg.Phones, Days: cfg.Days, Cases: cfg.Cases, Sightings: len(w.sightings), Decoys: w.decoys}
	console, err := cfg.Server.LoginOfficial(ctx, cfg.Official, cfg.Password)
	if err != nil {
		return rep, fmt.Errorf("sim: official login: %w", err)
	}
	cases := w.rng.Perm(cfg.Phones)[:cfg.Cases]
	shared, err := w.report(ctx, console, cases)
	if err != nil {
		return rep, err
	}
	for _, s := range shared {
		rep.KeysShared += len(s.Keys)
	}
	exports, err := w.awaitExports(ctx, console, shared)
	if err != nil {
		return rep, err
	}
	for _, e := range exports {
		rep.ExportFiles++
		rep.ExportedKeys += len(e.Batch.Keys)
	}
	w.logf("exports: %d files, %d keys; every phone downloads and matches them", rep.ExportFiles, rep.ExportedKeys)
	err = w.compare(ctx, cases, shared, &rep)
	rep.Elapsed = time.Since(started)
	return rep, err
}

func (w *world) logf(format string, args ...any) {
	if w.cfg.Log != nil {
		fmt.Fprintf(w.cfg.Log, "sim: "+format+"\n", args...)
	}
}

// meet plants the encounters and the decoys.
func (w *world) meet() error {
	for range w.cfg.Phones {
		p := client.NewPhone()
		if _, err := p.Broadcast(w.cfg.Now); err != nil { // today's key, which the server must hold back
			return err
		}
		w.phones = append(w.phones, p)
	}
	for d := w.cfg.Days; d >= 1; d-- {
		day := w.cfg.Now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -d)
		for i := range w.phones {
			for range w.cfg.ContactsPerDay {
				j := (i + 1 + w.rng.IntN(len(w.phones)-1)) % len(w.phones)
				at := day.Add(time.Duration(w.rng.IntN(144*10*60)) * time.Second)
				if err := w.encounter(i, j, at); err != nil {
					return err
				}
			}
			if err := w.plantDecoys(i, day); err != nil {
				return err
			}
		}
	}
	w.logf("%d phones met over %d days: %d sightings, %d decoys", len(w.phones), w.cfg.Days, len(w.sightings), w.decoys)
	return nil
}

// encounter makes phones i and j hear each other at t.
func (w *world) encounter(i, j int, t time.Time) error {
	for _, pair := range [][2]int{{i, j}, {j, i}} {
		id, err := w.phones[pair[1]].Broadcast(t)
		if err != nil {
			return err
		}
		w.phones[pair[0]].Observe(id, t, -60-w.rng.IntN(30))
		w.sightings[sighting{observer: pair[0], broadcaster: pair[1], interval: id.Interval}] = true
	}
	return nil
}

// plantDecoys gives phone i, on day, an identifier of another phone heard
// six hours after it was broadcast (a replay: beyond the 2-hour tolerance)
// and a stranger's identifier.
func (w *world) plantDecoys(i int, day time.Time) error {
	j := (i + 1 + w.rng.IntN(len(w.phones)-1)) % len(w.phones)
	at := day.Add(time.Duration(w.rng.IntN(12*3600)) * time.Second)
	id, err := w.phones[j].Broadcast(at)
	if err != nil {
		return err
	}
	if replayed := at.Add(6 * time.Hour); replayed.Before(w.cfg.Now) {
		w.phones[i].Observe(id, replayed, -70)
		w.decoys++
	}
	stranger, err := client.NewPhone().Broadcast(at)
	if err != nil {
		return err
	}
	w.phones[i].Observe(stranger, at, -65)
	w.decoys++
	return nil
}

// report has each case's phone share its keys with a fresh code, half with
// the short code and half with the long one.
func (w *world) report(ctx context.Context, console *client.Console, cases []int) ([]client.Shared, error) {
	var out []client.Shared
	for n, i := range cases {
		code, err := console.IssueCode(ctx, client.CodeRequest{Ref: fmt.Sprintf("sim case %d", n+1), TestType: gaen.TestTypeConfirmed,
			SymptomDate: w.cfg.Now.UTC().AddDate(0, 0, -2).Format("2006-01-02")})
		if err != nil {
			return nil, fmt.Errorf("sim: issue code: %w", err)
		}
		c := code.ShortCode
		if n%2 == 1 {
			c = code.LongCode
		}
		s, err := w.phones[i].Share(ctx, w.cfg.Server, c, w.cfg.Now)
		if err != nil {
			return nil, fmt.Errorf("sim: case %d: %w", n+1, err)
		}
		out = append(out, s)
	}
	w.logf("%d cases shared their keys", len(cases))
	return out, nil
}

// awaitExports cuts exports until every shared key whose validity has ended
// is in one, and checks that no key still valid is.
func (w *world) awaitExports(ctx context.Context, console *client.Console, shared []client.Shared) ([]client.Export, error) {
	deadline := time.Now().Add(w.cfg.Wait)
	lastLog, lastMissing := time.Time{}, -1
	for {
		if w.cfg.Settle != nil {
			w.cfg.Settle()
		}
		if _, err := console.CutExport(ctx); err != nil {
			return nil, fmt.Errorf("sim: cut export: %w", err)
		}
		names, err := w.cfg.Server.Index(ctx)
		if err != nil {
			return nil, err
		}
		exports, err := w.cfg.Server.Download(ctx, names)
		if err != nil {
			return nil, err
		}
		serverNow := time.Now
		if w.cfg.ServerNow != nil {
			serverNow = w.cfg.ServerNow
		}
		missing, early := pending(shared, exports, serverNow())
		if early > 0 {
			return nil, fmt.Errorf("sim: %d keys still valid on their phones were exported", early)
		}
		if missing == 0 {
			return exports, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("sim: after %s, %d shared keys are still not in an export", w.cfg.Wait, missing)
		}
		if missing != lastMissing || time.Since(lastLog) > 5*time.Minute {
			w.logf("%d shared keys not exported yet (a server holds uploads until their hour is over); waiting up to %s",
				missing, time.Until(deadline).Round(time.Second))
			lastLog, lastMissing = time.Now(), missing
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(15 * time.Second):
		}
	}
}

// pending counts the shared keys that should be exported and are not, and
// the keys exported while still valid (today's, unless it ends within ten
// minutes of now).
func pending(shared []client.Shared, exports []client.Export, now time.Time) (missing, early int) {
	exported := map[string]bool{}
	for _, e := range exports {
		for _, k := range e.Batch.Keys {
			exported[string(k.Data)] = true
		}
	}
	for _, s := range shared {
		for _, k := range s.Keys {
			switch due := !k.Expiry().After(now); {
			case due && !exported[string(k.Data)]:
				missing++
			case !due && k.Expiry().After(now.Add(10*time.Minute)) && exported[string(k.Data)]:
				early++
			}
		}
	}
	return missing, early
}

// compare has every phone download the exports and match them, and
// compares what they found with the planted encounters.
func (w *world) compare(ctx context.Context, cases []int, shared []client.Shared, rep *Report) error {
	owner := map[string]int{}
	for n, s := range shared {
		for _, k := range s.Keys {
			owner[string(k.Data)] = cases[n]
		}
	}
	reported := map[int]bool{}
	for _, i := range cases {
		reported[i] = true
	}
	found := map[sighting]bool{}
	for i, p := range w.phones {
		exposures, err := p.CheckExposures(ctx, w.cfg.Server)
		if err != nil {
			return fmt.Errorf("sim: phone %d: %w", i, err)
		}
		for _, e := range exposures {
			b, ok := owner[string(e.Key.Data)]
			if !ok {
				b = -1 // a key of no simulated phone: necessarily extra
			}
			found[sighting{observer: i, broadcaster: b, interval: e.Interval}] = true
		}
	}
	for s := range w.sightings {
		if reported[s.broadcaster] {
			rep.Expected++
			if !found[s] {
				rep.Missing++
			}
		}
	}
	for s := range found {
		if !w.sightings[s] || !reported[s.broadcaster] {
			rep.Extra++
		}
	}
	rep.Found = len(found)
	return nil
}
