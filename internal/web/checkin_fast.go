package web

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/logs"
)

// checkinFastPath serves POST /api/v1/checkins — the request that comes
// tens of thousands of times a second when a city goes to market — through
// a lean copy of the middleware: the same security headers, cross-origin
// check, CSRF check, request id, metrics and error adapter, but the
// session comes from a short-lived in-memory cache instead of two database
// reads, and only failures are logged (a line per check-in would be a
// write per check-in). Every other request goes the usual way.
//
// The cache holds a session's actor and profile for sessionCacheTTL. Any
// other state-changing request made with a session (log out, switch
// profile, claim) drops that session's entry once it is done, so a
// log-out is seen at once on this server; on other servers behind a load
// balancer it is seen within the TTL.
func (s *Server) checkinFastPath(next http.Handler) http.Handler {
	if s.Checkins == nil {
		return next
	}
	f := &fastCheckin{s: s, cop: http.NewCrossOriginProtection(), cache: map[string]cachedSession{}, boot: newRequestID()[:8],
		ok: s.metrics.requests.WithLabelValues(fastRoute, "200"), latency: s.metrics.latency.WithLabelValues(fastRoute)}
	f.handler = s.serve(s.apiCheckin)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/checkins" {
			f.serveHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if token, _ := sessionToken(r); token != "" {
				f.forget(token)
			}
		}
	})
}

const (
	sessionCacheTTL = 30 * time.Second
	fastRoute       = "POST /api/v1/checkins"
)

// Header values of the fast path, set without copying.
var fastHeaders = map[string][]string{
	"Content-Security-Policy": {"default-src 'none'; frame-ancestors 'none'"},
	"X-Content-Type-Options":  {"nosniff"},
	"X-Frame-Options":         {"DENY"},
	"Referrer-Policy":         {"same-origin"},
}

type fastCheckin struct {
	s       *Server
	cop     *http.CrossOriginProtection
	handler http.HandlerFunc

	mu    sync.RWMutex
	cache map[string]cachedSession
	// gen moves on at every forget, so a look-up that raced with a log-out
	// does not put the dead session back.
	gen  atomic.Uint64
	seq  atomic.Uint64
	boot string
	// The metrics of the usual answer, looked up once.
	ok      prometheus.Counter
	latency prometheus.Observer
}

type cachedSession struct {
	actor   access.Actor
	session access.Session
	expires time.Time
}

func (f *fastCheckin) forget(token string) {
	f.gen.Add(1)
	f.mu.Lock()
	delete(f.cache, token)
	f.mu.Unlock()
}

// session returns the cached session of token, loading it on a miss.
func (f *fastCheckin) session(ctx context.Context, token string) (cachedSession, bool) {
	now := time.Now()
	f.mu.RLock()
	c, ok := f.cache[token]
	f.mu.RUnlock()
	if ok && now.Before(c.expires) {
		return c, true
	}
	gen := f.gen.Load()
	sess, err := f.s.Sessions.Lookup(ctx, token)
	if err != nil {
		return cachedSession{}, false
	}
	actor, err := f.s.actorFor(ctx, sess)
	if err != nil {
		return cachedSession{}, false
	}
	c = cachedSession{actor: actor, session: sess, expires: now.Add(sessionCacheTTL)}
	f.mu.Lock()
	if f.gen.Load() == gen {
		if len(f.cache) > 1_000_000 {
			clear(f.cache)
		}
		f.cache[token] = c
	}
	f.mu.Unlock()
	return c, true
}

func (f *fastCheckin) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	h := w.Header()
	for k, v := range fastHeaders {
		h[k] = v
	}
	st := &state{id: f.requestID(), lang: "vi"}
	if c, err := r.Cookie(cookieLang); err == nil && c.Value == "en" {
		st.lang = "en"
	}
	if c, err := r.Cookie(cookieCSRF); err == nil {
		st.csrf = c.Value
	}
	ctx := context.WithValue(r.Context(), stateKey{}, st)
	r = r.WithContext(ctx)
	h.Set("X-Request-ID", st.id)
	rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	if err := f.cop.Check(r); err != nil {
		http.Error(rw, err.Error(), http.StatusForbidden)
	} else {
		if token, bearer := sessionToken(r); token != "" {
			if c, ok := f.session(ctx, token); ok {
				sess := c.session
				st.token, st.session, st.actor, st.bearer = token, &sess, c.actor, bearer
			}
		}
		f.handler(rw, r)
	}
	f.latency.Observe(time.Since(start).Seconds())
	if rw.status == http.StatusOK {
		f.ok.Inc()
	} else {
		f.s.metrics.requests.WithLabelValues(fastRoute, strconv.Itoa(rw.status)).Inc()
	}
	if rw.status >= 400 {
		f.s.Log.LogAttrs(logs.With(identity.WithRequestID(ctx, st.id), slog.String("request_id", st.id)), slog.LevelInfo, "http",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", rw.status),
			slog.Int64("duration_ms", time.Since(start).Milliseconds()))
	}
}

// requestID is a per-process prefix and a counter: unique, and cheaper
// than reading the random source for every check-in.
func (f *fastCheckin) requestID() string {
	return f.boot + strconv.FormatUint(f.seq.Add(1), 16)
}
