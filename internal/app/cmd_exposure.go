package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/exposure"
	"github.com/pccovid/pccovid/internal/exposure/client"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
	"github.com/pccovid/pccovid/internal/exposure/sim"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/web"
)

// exposureJobs is the exposure server's share of housekeeping: cut an
// export batch when one is due, and delete what is past retention. Both are
// safe on several servers at once.
func (a *App) exposureJobs(ctx context.Context) {
	if rep, err := a.Exposure.Export(ctx, false); err != nil {
		a.Log.Error("exposure export", "err", err)
	} else if rep.BatchID != "" {
		a.Log.Info("exposure export", "batch", rep.BatchID, "keys", rep.Keys, "padding", rep.Padding,
			"files", len(rep.Files), "took_over", rep.TookOver, "duration_ms", rep.Duration.Milliseconds())
	}
	if r, err := a.Exposure.Retain(ctx); err != nil {
		a.Log.Error("exposure retention", "err", err)
	} else if r.Keys+r.Files+r.Codes > 0 {
		a.Log.Info("exposure retention", "keys", r.Keys, "files", r.Files, "codes", r.Codes)
	}
}

func cmdExposureDerive(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "exposure derive")
	tek := fs.String("tek", "", "the Temporary Exposure Key, 32 hex digits (required)")
	interval := fs.Uint64("interval", 0, "the first ENIntervalNumber (10-minute windows since 1970; required)")
	count := fs.Uint64("count", gaen.MaxRollingPeriod, "how many intervals, 1–144")
	metadata := fs.String("metadata", "", "Bluetooth metadata, 8 hex digits; when given the AEM is printed too")
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !given["tek"] || !given["interval"] || fs.NArg() > 0 {
		return usageError{"usage: pccovid exposure derive --tek HEX --interval N [--count K] [--metadata HEX]"}
	}
	if *interval > math.MaxUint32 || *count > math.MaxUint32 {
		return problem.Field("interval", "Khoảng hoặc số khoảng quá lớn.", "The interval or the count is too large.")
	}
	return gaen.WriteDerivation(e.stdout, *tek, uint32(*interval), uint32(*count), *metadata)
}

func cmdExposureExport(ctx context.Context, e *env, args []string) error {
	var cfg Config
	a, err := openApp(ctx, e, newFlags(e, "exposure export"), args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.Exposure.Export(ctx, true)
	if err != nil {
		return err
	}
	if rep.BatchID == "" {
		fmt.Fprintln(e.stdout, "no keys waiting for export")
		return nil
	}
	fmt.Fprintf(e.stdout, "batch %s: %d keys (+%d padding) in %d files, %s\n", rep.BatchID, rep.Keys, rep.Padding, len(rep.Files),
		rep.Duration.Round(time.Millisecond))
	for _, f := range rep.Files {
		fmt.Fprintln(e.stdout, "  /exposure/"+f)
	}
	return nil
}

func cmdExposureRetain(ctx context.Context, e *env, args []string) error {
	var cfg Config
	a, err := openApp(ctx, e, newFlags(e, "exposure retain"), args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	r, err := a.Exposure.Retain(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "deleted %d keys, %d export files, %d batches, %d codes, %d tokens, %d used certificates\n",
		r.Keys, r.Files, r.Batches, r.Codes, r.Tokens, r.Certificates)
	return nil
}

func cmdExposureKeysList(ctx context.Context, e *env, args []string) error {
	var cfg Config
	fs := newFlags(e, "exposure keys list")
	showPEM := fs.Bool("pem", false, "print each public key in PEM")
	a, err := openApp(ctx, e, fs, args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	for _, use := range []exposure.KeyUse{exposure.UseVerification, exposure.UseExport} {
		keys, err := a.Exposure.SigningKeys(ctx, use)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := printExposureKey(e, k, *showPEM); err != nil {
				return err
			}
		}
	}
	return nil
}

func printExposureKey(e *env, k *exposure.SigningKey, showPEM bool) error {
	der, err := x509.MarshalPKIXPublicKey(k.Public)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(der)
	state := "signing"
	if !k.RetiredAt.IsZero() {
		state = "retired " + k.RetiredAt.Format(time.RFC3339)
	}
	fmt.Fprintf(e.stdout, "%-16s %-12s %-4s created %s  %s  sha256 %s\n", k.KID, k.Use, k.KeyVersion(),
		k.CreatedAt.Format(time.RFC3339), state, hex.EncodeToString(sum[:8]))
	if showPEM {
		return pem.Encode(e.stdout, &pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	return nil
}

func cmdExposureKeysRotate(ctx context.Context, e *env, args []string) error {
	var cfg Config
	fs := newFlags(e, "exposure keys rotate")
	useName := fs.String("use", "", "which key: verification (tokens and certificates) or export (export files)")
	a, err := openApp(ctx, e, fs, args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	use, err := exposure.ParseKeyUse(*useName)
	if err != nil {
		return usageError{err.Error()}
	}
	k, err := a.Exposure.RotateKey(ctx, use)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s now signs (%s %s); the previous key stays listed for verifiers. Servers pick it up within a minute.\n",
		k.KID, k.Use, k.KeyVersion())
	return printExposureKey(e, k, true)
}

// exposureSimFlags are the simulator's flags.
type exposureSimFlags struct {
	phones, days, cases, contacts int
	seed                          uint64
	server, official, pwFile      string
	database                      string
	wait                          time.Duration
}

func cmdExposureSimulate(ctx context.Context, e *env, args []string) error {
	var f exposureSimFlags
	fs := newFlags(e, "exposure simulate")
	fs.IntVar(&f.phones, "phones", 50, "how many phones")
	fs.IntVar(&f.days, "days", 7, "how many past days the phones meet on (1–14)")
	fs.IntVar(&f.cases, "cases", 5, "how many phone owners test positive and share their keys")
	fs.IntVar(&f.contacts, "contacts", 3, "how many other phones each phone meets a day")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the encounters")
	fs.StringVar(&f.server, "server", "", "URL of a running server (default: start one in-process on a fresh database)")
	fs.StringVar(&f.official, "official", "", "with --server: a health official's user name (password from PCCOVID_PASSWORD, --password-file or the terminal)")
	fs.StringVar(&f.pwFile, "password-file", "", "with --server: file holding the official's password")
	fs.StringVar(&f.database, "database", "", "without --server: the in-process server's database (default: a temporary SQLite file)")
	fs.DurationVar(&f.wait, "wait", 75*time.Minute, "with --server: how long to wait for the server to export the shared keys (it holds uploads until the end of their hour, then a minute)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f.days < 1 || f.days > 14 || f.phones < 2 || f.cases < 1 || f.cases > f.phones {
		return usageError{"exposure simulate: --days must be 1–14, --phones at least 2, --cases 1 to --phones"}
	}
	cfg := sim.Config{Phones: f.phones, Days: f.days, Cases: f.cases, ContactsPerDay: f.contacts, Seed: f.seed,
		Now: time.Now(), Wait: f.wait, Log: e.stderr}
	if f.server == "" {
		stop, err := startExposureSimServer(ctx, e, f, &cfg)
		if err != nil {
			return err
		}
		defer stop()
	} else {
		if f.official == "" {
			return usageError{"--server needs --official, a health official's user name"}
		}
		pw, err := readPassword(e, f.pwFile)
		if err != nil {
			return err
		}
		cfg.Server, cfg.Official, cfg.Password = client.NewServer(f.server, nil), f.official, pw
	}
	rep, err := sim.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, rep)
	if !rep.OK() {
		return errors.New("exposure simulation: the phones did not find exactly the planted exposures")
	}
	return nil
}

// startExposureSimServer runs a server in-process on a fresh database, with a
// health official for the simulator. Its exposure service runs on a clock
// the simulator moves past the upload window and the export delay before
// each cut, so that the run takes seconds rather than an hour; and since every simulated phone
// speaks from 127.0.0.1, the per-address and per-official limits are raised
// to the simulation's size.
func startExposureSimServer(ctx context.Context, e *env, f exposureSimFlags, cfg *sim.Config) (func(), error) {
	dir, err := os.MkdirTemp("", "pccovid-sim-")
	if err != nil {
		return nil, err
	}
	a, err := Open(ctx, Config{DataDir: dir, Database: f.database, LogLevel: "warn"},
		slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	stop := func() { a.Close(); os.RemoveAll(dir) }
	fake := clock.NewFake(time.Now())
	xc := exposure.DefaultConfig()
	xc.IssueLimit = access.Limit{Max: f.cases + 10, Per: time.Hour}
	xc.VerifyLimit = access.Limit{Max: 2*f.cases + 10, Per: time.Hour}
	a.Exposure = exposure.New(a.DB, a.Sealer, a.Guard, fake, exposure.SMSDelivery{SMS: a.Outbox}, xc)
	cfg.Official, cfg.Password = "sim.yte."+exposureSimHex(4), exposureSimHex(16)
	if _, err := a.Officials.Create(ctx, access.NewOfficial{Username: cfg.Official, Name: "Simulator", Password: cfg.Password,
		Role: access.RoleHealthOfficial, Scope: access.Country}); err != nil {
		stop()
		return nil, err
	}
	srv, err := a.WebServer(web.Options{})
	if err != nil {
		stop()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		stop()
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- serveUntilDone(sctx, ln, srv.Handler()) }()
	cfg.Server, cfg.Now = client.NewServer("http://"+ln.Addr().String(), nil), fake.Now()
	cfg.Settle = func() { fake.Set(xc.Exportable(fake.Now()).Add(time.Second)) }
	cfg.ServerNow = fake.Now
	fmt.Fprintf(e.stderr, "sim: in-process server at http://%s (%s)\n", ln.Addr(), a.DB.Engine())
	return func() { cancel(); <-done; stop() }, nil
}

func exposureSimHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
