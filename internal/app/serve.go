package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/pccovid/pccovid/internal/web"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	var cfg Config
	fs := newFlags(e, "serve")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	demo := fs.Bool("demo", false, "fill an empty database with a synthetic population and demo accounts")
	secure := fs.Bool("secure-cookies", false, "mark cookies Secure (set when served over HTTPS)")
	trustProxy := fs.Bool("trust-proxy", false, "take the client address from X-Forwarded-For (behind a load balancer)")
	a, err := openApp(ctx, e, fs, args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if *demo {
		if err := a.seedDemo(ctx, e.stdout); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		if err := a.seedHealthDemo(ctx, e.stdout); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	srv, err := a.WebServer(web.Options{Demo: *demo, SecureCookies: *secure, TrustProxy: *trustProxy})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	a.Log.Info("serving", "addr", "http://"+ln.Addr().String(), "engine", a.DB.Engine(), "demo", *demo)
	fmt.Fprintf(e.stdout, "PC-Covid is running at http://%s (citizen app), http://%s/console (console)\n", ln.Addr(), ln.Addr())
	go a.runJobs(ctx)
	return serveUntilDone(ctx, ln, srv.Handler())
}

// serveUntilDone serves until ctx is cancelled (SIGINT, SIGTERM), then stops
// taking connections and lets requests in flight finish.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// WebServer builds the HTTP server over the app's services.
func (a *App) WebServer(opts web.Options) (*web.Server, error) {
	d := web.Deps{Log: a.Log, Clock: a.Clock, DB: a.DB, Guard: a.Guard, Officials: a.Officials,
		Citizens: a.Citizens, Sessions: a.Sessions, Persons: a.Persons}
	d.Exposure = a.Exposure
	d.Checkins = a.Checkins
	d.Declarations, d.Inbox, d.Feedback = a.Declarations, a.Inbox, a.Feedback
	d.Health, d.Risk, d.Family = a.Health, a.Risk, a.Family
	d.Takeover = a.Takeover
	d.Facilities, d.Ingest, d.Treatments, d.Certificates = a.Facilities, a.Ingest, a.Treatments, a.Certificates
	d.Tracing, d.Quarantine = a.Tracing, a.Quarantine
	if opts.Demo {
		d.Outbox = a.Outbox
	}
	return web.New(d, opts)
}

// runJobs runs the periodic housekeeping until ctx ends. Every job is safe
// to run on several servers at once.
func (a *App) runJobs(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		a.housekeeping(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *App) housekeeping(ctx context.Context) {
	if n, err := a.Sessions.Purge(ctx); err != nil {
		a.Log.Error("purge sessions", "err", err)
	} else if n > 0 {
		a.Log.Info("purged expired sessions", "count", n)
	}
	if _, err := a.Citizens.Limiter().Purge(ctx); err != nil {
		a.Log.Error("purge rate events", "err", err)
	}
	a.exposureJobs(ctx)
	a.checkinJobs(ctx)
	a.retentionJobs(ctx)
	a.healthJobs(ctx)
	a.tracingJobs(ctx)
}
