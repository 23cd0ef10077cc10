package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
)

// Session lifetimes: a citizen stays logged in on their phone for a month of
// use; an official's console session ends after a working day.
const (
	CitizenSessionTTL  = 30 * 24 * time.Hour
	OfficialSessionTTL = 10 * time.Hour
	touchEvery         = time.Minute
)

// Session is a logged-in browser or app. Only a hash of its token is stored,
// so a copy of the database cannot be used to log in.
type Session struct {
	Kind      ActorKind // KindCitizen or KindOfficial
	SubjectID string    // account id or official id
	// PersonID is, for a citizen, the profile in use: their own or a family
	// member's they manage.
	PersonID  string
	ExpiresAt time.Time
	tokenHash []byte
	lastSeen  time.Time
}

// Sessions stores sessions.
type Sessions struct {
	db    *db.DB
	clock clock.Clock
}

// NewSessions returns the session store.
func NewSessions(d *db.DB, c clock.Clock) *Sessions { return &Sessions{db: d, clock: c} }

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Create starts a session and returns its secret token.
func (s *Sessions) Create(ctx context.Context, kind ActorKind, subjectID, personID string) (string, Session, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Session{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	ttl := CitizenSessionTTL
	if kind == KindOfficial {
		ttl = OfficialSessionTTL
	}
	now := s.clock.Now()
	sess := Session{Kind: kind, SubjectID: subjectID, PersonID: personID, ExpiresAt: now.Add(ttl), tokenHash: hashToken(token), lastSeen: now}
	_, err := s.db.Exec(ctx, `INSERT INTO sessions (token_hash, kind, subject_id, person_id, created_at, expires_at, last_seen_at)
		VALUES ($1, $2, $3, $4, $5, $6, $5)`, sess.tokenHash, string(kind), subjectID, personID, db.Millis(now), db.Millis(sess.ExpiresAt))
	if err != nil {
		return "", Session{}, fmt.Errorf("access: create session: %w", err)
	}
	return token, sess, nil
}

// Lookup returns the live session for token. Citizen sessions slide: each
// use (at most once a minute) pushes the expiry forward.
func (s *Sessions) Lookup(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, problem.ErrUnauthorized
	}
	sess := Session{tokenHash: hashToken(token)}
	var kind string
	var exp, seen int64
	err := s.db.QueryRow(ctx, "SELECT kind, subject_id, person_id, expires_at, last_seen_at FROM sessions WHERE token_hash = $1",
		sess.tokenHash).Scan(&kind, &sess.SubjectID, &sess.PersonID, &exp, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("access: session: %w", problem.ErrUnauthorized)
	}
	if err != nil {
		return Session{}, fmt.Errorf("access: session: %w", err)
	}
	now := s.clock.Now()
	sess.Kind, sess.ExpiresAt, sess.lastSeen = ActorKind(kind), db.TimeOf(exp), db.TimeOf(seen)
	if !now.Before(sess.ExpiresAt) {
		return Session{}, fmt.Errorf("access: session expired: %w", problem.ErrUnauthorized)
	}
	if now.Sub(sess.lastSeen) > touchEvery {
		exp := sess.ExpiresAt
		if sess.Kind == KindCitizen {
			exp = now.Add(CitizenSessionTTL)
		}
		if _, err := s.db.Exec(ctx, "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3",
			db.Millis(now), db.Millis(exp), sess.tokenHash); err != nil {
			return Session{}, fmt.Errorf("access: touch session: %w", err)
		}
		sess.ExpiresAt = exp
	}
	return sess, nil
}

// SetPerson switches the profile a citizen session acts for.
func (s *Sessions) SetPerson(ctx context.Context, token, personID string) error {
	_, err := s.db.Exec(ctx, "UPDATE sessions SET person_id = $1 WHERE token_hash = $2", personID, hashToken(token))
	if err != nil {
		return fmt.Errorf("access: switch profile: %w", err)
	}
	return nil
}

// Delete ends a session (log out).
func (s *Sessions) Delete(ctx context.Context, token string) error {
	_, err := s.db.Exec(ctx, "DELETE FROM sessions WHERE token_hash = $1", hashToken(token))
	return err
}

// Purge deletes expired sessions.
func (s *Sessions) Purge(ctx context.Context) (int64, error) {
	res, err := s.db.Exec(ctx, "DELETE FROM sessions WHERE expires_at < $1", db.Millis(s.clock.Now()))
	if err != nil {
		return 0, fmt.Errorf("access: purge sessions: %w", err)
	}
	return res.RowsAffected()
}
