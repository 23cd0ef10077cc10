package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/logs"
	"github.com/pccovid/pccovid/internal/problem"
)

// state is what the middleware learns about a request.
type state struct {
	id    string
	lang  string
	csrf  string
	actor access.Actor
	// token and session are set when the request carries a live session.
	token   string
	session *access.Session
	bearer  bool
}

type stateKey struct{}

func stateOf(r *http.Request) *state {
	if st, ok := r.Context().Value(stateKey{}).(*state); ok {
		return st
	}
	return &state{lang: "vi"}
}

// Cookie names. Citizen and console sessions are separate cookies so that
// one browser can be both without mixing them.
const (
	cookieCitizen = "pccovid_session"
	cookieConsole = "pccovid_console"
	cookieCSRF    = "pccovid_csrf"
	cookieLang    = "pccovid_lang"
)

// withRequest gives each request an id (also on its log lines and the
// X-Request-ID response header), its language, a CSRF token, logs it, and
// turns a panic into a 500 page.
func (s *Server) withRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := &state{id: newRequestID(), lang: "vi"}
		if c, err := r.Cookie(cookieLang); err == nil && (c.Value == "en" || c.Value == "vi") {
			st.lang = c.Value
		}
		st.csrf = s.csrfToken(w, r)
		ctx := context.WithValue(r.Context(), stateKey{}, st)
		ctx = identity.WithRequestID(ctx, st.id)
		ctx = logs.With(ctx, slog.String("request_id", st.id))
		r = r.WithContext(ctx)
		w.Header().Set("X-Request-ID", st.id)
		rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				s.Log.ErrorContext(ctx, "panic", "panic", p, "stack", string(debug.Stack()))
				if !rw.wrote {
					s.fail(rw, r, errors.New("internal error"))
				}
			}
			// The path only, never the query: queries may hold personal data.
			s.Log.InfoContext(ctx, "http", "method", r.Method, "path", r.URL.Path, "status", rw.status,
				"duration_ms", time.Since(start).Milliseconds())
		}()
		next.ServeHTTP(rw, r)
	})
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// securityHeaders sets a strict Content-Security-Policy: scripts and styles
// only from this origin, no inline code, no framing. The camera is allowed
// for the QR scanner.
func securityHeaders(next http.Handler) http.Handler {
	const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
		"media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; base-uri 'self'; " +
		"form-action 'self'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses state-changing requests that a browser marks as coming
// from another site (Sec-Fetch-Site, Origin): the first line of CSRF
// defence; forms also carry a token (checkCSRF).
func crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	return cop.Handler(next)
}

// csrfToken returns the request's CSRF token, setting the cookie when the
// browser has none. Forms echo it in a hidden field (double submit).
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(cookieCSRF); err == nil && len(c.Value) == 32 {
		return c.Value
	}
	b := make([]byte, 16)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: cookieCSRF, Value: tok, Path: "/", HttpOnly: true,
		Secure: s.opts.SecureCookies, SameSite: http.SameSiteStrictMode})
	r.AddCookie(&http.Cookie{Name: cookieCSRF, Value: tok})
	return tok
}

// checkCSRF verifies the form's token for a cookie-authenticated request.
// Bearer-token API calls do not need it: a browser never adds the header.
func checkCSRF(r *http.Request) error {
	st := stateOf(r)
	if st.bearer {
		return nil
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	if got == "" || got != st.csrf {
		return problem.Field("csrf", "Phiên làm việc đã hết hạn, hãy tải lại trang", "the form has expired; reload the page and try again")
	}
	return nil
}

// withSession loads the session named by the request's cookie (or bearer
// token) and the actor it stands for.
func (s *Server) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateOf(r)
		token, bearer := sessionToken(r)
		if token != "" {
			if sess, err := s.Sessions.Lookup(r.Context(), token); err == nil {
				if actor, err := s.actorFor(r.Context(), sess); err == nil {
					st.token, st.session, st.actor, st.bearer = token, &sess, actor, bearer
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// sessionToken finds the session token: a bearer token for API clients, or
// the cookie for the part of the site the request is for.
func sessionToken(r *http.Request) (string, bool) {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimPrefix(h, "Bearer "), true
	}
	name := cookieCitizen
	if isConsolePath(r.URL.Path) {
		name = cookieConsole
	}
	if c, err := r.Cookie(name); err == nil {
		return c.Value, false
	}
	return "", false
}

func isConsolePath(p string) bool {
	return strings.HasPrefix(p, "/console") || strings.HasPrefix(p, "/api/v1/console")
}

func (s *Server) actorFor(ctx context.Context, sess access.Session) (access.Actor, error) {
	if sess.Kind == access.KindOfficial {
		off, err := s.Officials.Get(ctx, sess.SubjectID)
		if err != nil || off.Disabled {
			return access.Actor{}, errors.Join(err, problem.ErrUnauthorized)
		}
		return off.Actor(), nil
	}
	acct, err := s.Citizens.Account(ctx, sess.SubjectID)
	if err != nil {
		return access.Actor{}, err
	}
	return access.Actor{Kind: access.KindCitizen, ID: acct.ID, Name: "citizen", Role: access.RoleCitizen,
		Scope: access.Country, PersonID: acct.PersonID}, nil
}

// profile returns the profile a citizen is acting for: their own, or a
// family member's they manage and switched to. Reading it still goes
// through the guard, which checks that the account holder manages it.
func profile(r *http.Request) string {
	st := stateOf(r)
	if st.session != nil && st.session.PersonID != "" {
		return st.session.PersonID
	}
	return st.actor.PersonID
}

// clientAddr is the caller's IP address, for rate limits.
func (s *Server) clientAddr(r *http.Request) string {
	if s.opts.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			return strings.TrimSpace(parts[len(parts)-1])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// setSessionCookie stores a session token in the cookie for its part of
// the site.
func (s *Server) setSessionCookie(w http.ResponseWriter, name, token string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: token, Path: "/", HttpOnly: true, Secure: s.opts.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(maxAge.Seconds())})
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, Secure: s.opts.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}
