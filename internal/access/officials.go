package access

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
)

// Official is a staff account of the authority console.
type Official struct {
	ID           string
	Username     string
	Name         string
	Role         Role
	Scope        Scope
	Organization string
	Disabled     bool
	CreatedAt    time.Time
}

// Actor returns the official as an actor.
func (o Official) Actor() Actor {
	return Actor{Kind: KindOfficial, ID: o.ID, Name: o.Username, Role: o.Role, Scope: o.Scope}
}

// NewOfficial is what it takes to create an official account.
type NewOfficial struct {
	Username, Name, Password string
	Role                     Role
	Scope                    Scope
	Organization             string
}

// Officials stores official accounts.
type Officials struct {
	db     *db.DB
	sealer *seal.Sealer
	clock  clock.Clock
}

// NewOfficials returns the official-account store.
func NewOfficials(d *db.DB, s *seal.Sealer, c clock.Clock) *Officials {
	return &Officials{db: d, sealer: s, clock: c}
}

// After this many wrong passwords in a row the account is locked for
// lockoutFor, which slows guessing without locking an official out for long.
const (
	maxFailedLogins = 8
	lockoutFor      = 15 * time.Minute
	minPassword     = 10
)

// Create adds an official. The user name must be new.
func (o *Officials) Create(ctx context.Context, n NewOfficial) (Official, error) {
	var errs problem.Fields
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	if !validUsername(n.Username) {
		errs.Add(problem.Field("username", "Tên đăng nhập chỉ gồm chữ thường, số, dấu chấm, gạch ngang (3–40 ký tự)",
			"user name: 3–40 lower-case letters, digits, '.', '-' or '_'"))
	}
	if utf8.RuneCountInString(n.Password) < minPassword {
		errs.Add(problem.Field("password", fmt.Sprintf("Mật khẩu cần ít nhất %d ký tự", minPassword),
			fmt.Sprintf("password must have at least %d characters", minPassword)))
	}
	if _, err := ParseRole(string(n.Role)); err != nil {
		errs.Add(err)
	}
	if _, err := ParseScope(string(n.Scope)); err != nil {
		errs.Add(err)
	}
	if err := errs.Err(); err != nil {
		return Official{}, err
	}
	off := Official{ID: db.NewID(), Username: n.Username, Name: strings.TrimSpace(n.Name), Role: n.Role,
		Scope: n.Scope, Organization: strings.TrimSpace(n.Organization), CreatedAt: o.clock.Now().UTC()}
	_, err := o.db.Exec(ctx, `INSERT INTO officials (id, username, name_sealed, password_hash, role, scope, organization, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		off.ID, off.Username, o.sealer.SealString("official.name", off.Name), HashPassword(n.Password),
		string(off.Role), string(off.Scope), off.Organization, db.Millis(off.CreatedAt))
	if db.IsUniqueViolation(err) {
		return Official{}, problem.Field("username", "Tên đăng nhập đã có người dùng", "that user name is taken")
	}
	if err != nil {
		return Official{}, fmt.Errorf("access: create official: %w", err)
	}
	return off, nil
}

func validUsername(s string) bool {
	if len(s) < 3 || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// ErrBadLogin is the one answer to a wrong user name or password, so the
// login form does not reveal which user names exist.
var ErrBadLogin = fmt.Errorf("wrong user name or password: %w", problem.ErrUnauthorized)

// Authenticate checks a user name and password.
func (o *Officials) Authenticate(ctx context.Context, username, password string) (Official, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	var hash string
	var failed int
	var locked int64
	off, err := o.get(ctx, "username", username, &hash, &failed, &locked)
	if errors.Is(err, problem.ErrNotFound) {
		CheckPassword(dummyHash(), password) // same time as a real check
		return Official{}, ErrBadLogin
	}
	if err != nil {
		return Official{}, err
	}
	now := o.clock.Now()
	if locked > db.Millis(now) {
		return Official{}, fmt.Errorf("account locked after too many wrong passwords; try again later: %w", problem.ErrRateLimited)
	}
	if !CheckPassword(hash, password) || off.Disabled {
		failed++
		until := int64(0)
		if failed >= maxFailedLogins {
			until, failed = db.Millis(now.Add(lockoutFor)), 0
		}
		o.db.Exec(ctx, "UPDATE officials SET failed_logins = $1, locked_until = $2 WHERE id = $3", failed, until, off.ID)
		return Official{}, ErrBadLogin
	}
	if failed > 0 {
		o.db.Exec(ctx, "UPDATE officials SET failed_logins = 0 WHERE id = $1", off.ID)
	}
	return off, nil
}

// Get returns an official by id.
func (o *Officials) Get(ctx context.Context, id string) (Official, error) {
	var hash string
	var failed int
	var locked int64
	return o.get(ctx, "id", id, &hash, &failed, &locked)
}

func (o *Officials) get(ctx context.Context, col, v string, hash *string, failed *int, locked *int64) (Official, error) {
	var off Official
	var name []byte
	var role, scope string
	var created int64
	err := o.db.QueryRow(ctx, `SELECT id, username, name_sealed, password_hash, role, scope, organization, disabled,
		failed_logins, locked_until, created_at FROM officials WHERE `+col+` = $1`, v).
		Scan(&off.ID, &off.Username, &name, hash, &role, &scope, &off.Organization, &off.Disabled, failed, locked, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return off, fmt.Errorf("access: official %s: %w", v, problem.ErrNotFound)
	}
	if err != nil {
		return off, fmt.Errorf("access: official: %w", err)
	}
	off.Role, off.Scope, off.CreatedAt = Role(role), Scope(scope), db.TimeOf(created)
	if off.Name, err = o.sealer.OpenString("official.name", name); err != nil {
		return off, err
	}
	return off, nil
}

// List returns all officials, by user name.
func (o *Officials) List(ctx context.Context) ([]Official, error) {
	rows, err := o.db.Query(ctx, "SELECT id FROM officials ORDER BY username")
	if err != nil {
		return nil, fmt.Errorf("access: list officials: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]Official, 0, len(ids))
	for _, id := range ids {
		off, err := o.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, off)
	}
	return out, nil
}

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key))
}

// dummyHash lets a login for an unknown user name cost as much as a real one.
var dummyHash = sync.OnceValue(func() string { return HashPassword("a password nobody has") })

// CheckPassword reports whether password matches a hash from HashPassword.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v, m, t, p int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m <= 0 || t <= 0 || p <= 0 || p > 255 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, uint32(t), uint32(m), uint8(p), uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
