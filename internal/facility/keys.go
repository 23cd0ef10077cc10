package facility

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
)

// keyPrefix starts every facility API key, so that a key pasted in the
// wrong place (a log, a ticket) is recognisable and can be revoked.
const keyPrefix = "pcf_"

var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Key is one API key of a facility, without its secret.
type Key struct {
	ID         string
	FacilityID string
	Label      string
	CreatedBy  string
	CreatedAt  time.Time
	LastUsedAt time.Time // updated at most once a minute
	RevokedAt  time.Time // zero while the key works
	RevokedBy  string
}

// Active reports whether the key still works.
func (k Key) Active() bool { return k.RevokedAt.IsZero() }

// ErrBadKey is the answer to a missing, unknown, wrong or revoked key, or
// a key of a disabled facility: the caller is not told which.
var ErrBadKey = fmt.Errorf("facility: the API key is not valid: %w", problem.ErrUnauthorized)

// IssueKey makes a new API key for a facility and returns it with its
// secret text, which is shown once and never stored.
func (s *Store) IssueKey(ctx context.Context, by access.Actor, facilityID, label string) (Key, string, error) {
	if by.Role != access.RoleAdmin {
		return Key{}, "", fmt.Errorf("facility: only an administrator issues keys: %w", problem.ErrForbidden)
	}
	label = strings.Join(strings.Fields(label), " ")
	if len(label) > 100 {
		return Key{}, "", problem.Field("label", "Tên khóa tối đa 100 ký tự", "the key's label is at most 100 characters")
	}
	if _, err := s.Get(ctx, facilityID); err != nil {
		return Key{}, "", err
	}
	idBytes, secret := make([]byte, 10), make([]byte, 32)
	rand.Read(idBytes)
	rand.Read(secret)
	k := Key{ID: keyEncoding.EncodeToString(idBytes), FacilityID: facilityID, Label: label, CreatedBy: by.ID, CreatedAt: s.clock.Now()}
	text := keyPrefix + k.ID + "_" + keyEncoding.EncodeToString(secret)
	sum := sha256.Sum256(secret)
	_, err := s.db.Exec(ctx, `INSERT INTO facility_keys (id, facility_id, label, secret_hash, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, k.ID, facilityID, label, sum[:], by.ID, db.Millis(k.CreatedAt))
	if err != nil {
		return Key{}, "", fmt.Errorf("facility: issue key: %w", err)
	}
	return k, text, nil
}

// parseKey splits a key's text into its id and secret.
func parseKey(text string) (id string, secret []byte, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimSpace(text), keyPrefix)
	if !found {
		return "", nil, false
	}
	id, enc, found := strings.Cut(rest, "_")
	if !found || len(id) != 16 {
		return "", nil, false
	}
	secret, err := keyEncoding.DecodeString(enc)
	if err != nil || len(secret) != 32 {
		return "", nil, false
	}
	return id, secret, true
}

// Authenticate returns the facility a key belongs to. The key must exist,
// not be revoked, and belong to a facility that is not disabled; the
// secret is compared in constant time. A key's last use is recorded at
// most once a minute, so that a busy lab does not write on every request.
func (s *Store) Authenticate(ctx context.Context, text string) (Facility, error) {
	id, secret, ok := parseKey(text)
	if !ok {
		return Facility{}, ErrBadKey
	}
	var hash []byte
	var revoked, lastUsed int64
	var f Facility
	var kind string
	var created int64
	err := s.db.QueryRow(ctx, `SELECT k.secret_hash, k.revoked_at, k.last_used_at, f.id, f.code, f.name, f.kind,
		f.province, f.disabled, f.created_by, f.created_at
		FROM facility_keys k JOIN facilities f ON f.id = k.facility_id WHERE k.id = $1`, id).
		Scan(&hash, &revoked, &lastUsed, &f.ID, &f.Code, &f.Name, &kind, &f.Province, &f.Disabled, &f.CreatedBy, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Facility{}, ErrBadKey
	}
	if err != nil {
		return Facility{}, fmt.Errorf("facility: authenticate: %w", err)
	}
	f.Kind, f.CreatedAt = Kind(kind), db.TimeOf(created)
	sum := sha256.Sum256(secret)
	if subtle.ConstantTimeCompare(sum[:], hash) != 1 || revoked != 0 || f.Disabled {
		return Facility{}, ErrBadKey
	}
	now := s.clock.Now()
	if now.Sub(db.TimeOf(lastUsed)) > time.Minute {
		if _, err := s.db.Exec(ctx, "UPDATE facility_keys SET last_used_at = $1 WHERE id = $2", db.Millis(now), id); err != nil {
			return Facility{}, fmt.Errorf("facility: authenticate: %w", err)
		}
	}
	return f, nil
}

// RevokeKey stops a key working, at once and for good. Revoking a revoked
// key changes nothing.
func (s *Store) RevokeKey(ctx context.Context, by access.Actor, facilityID, keyID string) error {
	if by.Role != access.RoleAdmin {
		return fmt.Errorf("facility: only an administrator revokes keys: %w", problem.ErrForbidden)
	}
	res, err := s.db.Exec(ctx, `UPDATE facility_keys SET revoked_at = $1, revoked_by = $2
		WHERE id = $3 AND facility_id = $4 AND revoked_at = 0`, db.Millis(s.clock.Now()), by.ID, keyID, facilityID)
	if err != nil {
		return fmt.Errorf("facility: revoke key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var exists int
		s.db.QueryRow(ctx, "SELECT count(*) FROM facility_keys WHERE id = $1 AND facility_id = $2", keyID, facilityID).Scan(&exists)
		if exists == 0 {
			return fmt.Errorf("facility: key %s: %w", keyID, problem.ErrNotFound)
		}
	}
	return nil
}

// Keys lists a facility's keys, newest first, revoked ones included.
func (s *Store) Keys(ctx context.Context, facilityID string) ([]Key, error) {
	rows, err := s.db.Query(ctx, `SELECT id, facility_id, label, created_by, created_at, last_used_at, revoked_at, revoked_by
		FROM facility_keys WHERE facility_id = $1 ORDER BY created_at DESC, id`, facilityID)
	if err != nil {
		return nil, fmt.Errorf("facility: keys: %w", err)
	}
	defer rows.Close()
	var out []Key
	for rows.Next() {
		var k Key
		var created, used, revoked int64
		if err := rows.Scan(&k.ID, &k.FacilityID, &k.Label, &k.CreatedBy, &created, &used, &revoked, &k.RevokedBy); err != nil {
			return nil, err
		}
		k.CreatedAt, k.LastUsedAt, k.RevokedAt = db.TimeOf(created), db.TimeOf(used), db.TimeOf(revoked)
		out = append(out, k)
	}
	return out, rows.Err()
}
