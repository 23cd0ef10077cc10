// Package facility holds the health facilities connected to PC-Covid —
// laboratories and vaccination sites — and their API keys. A facility
// sends test results and doses through the JSON API and FHIR with a key of
// its own: the key is scoped to the facility (whatever it sends is
// recorded as from that facility), stored hashed (the database cannot give
// it back), and revocable. Administrators register facilities and manage
// their keys in the console.
package facility

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Kind says what a facility sends.
type Kind string

// Facility kinds.
const (
	KindLab         Kind = "lab"         // test results
	KindVaccination Kind = "vaccination" // vaccine doses
	KindBoth        Kind = "both"        // a hospital doing both
)

// ParseKind checks a kind named in a form.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(strings.TrimSpace(s)); k {
	case KindLab, KindVaccination, KindBoth:
		return k, nil
	}
	return "", problem.Field("kind", "Hãy chọn loại cơ sở: xét nghiệm, tiêm chủng hoặc cả hai",
		"choose the kind of facility: lab, vaccination or both")
}

// SendsTests reports whether the facility may send test results.
func (k Kind) SendsTests() bool { return k == KindLab || k == KindBoth }

// SendsDoses reports whether the facility may send vaccine doses.
func (k Kind) SendsDoses() bool { return k == KindVaccination || k == KindBoth }

// Facility is a lab or vaccination site.
type Facility struct {
	ID string
	// Code is the facility's short code, the one its lab line lists are
	// named with (labtests/<code>.csv), e.g. "HCDC".
	Code      string
	Name      string
	Kind      Kind
	Province  string // GSO province code, "" when national
	Disabled  bool
	CreatedBy string
	CreatedAt time.Time
}

// Actor is the facility acting through its integration: the role that
// may send and read test and vaccination data, nationwide, since people
// are tested and vaccinated away from home.
func (f Facility) Actor() access.Actor {
	return access.Actor{Kind: access.KindIntegrator, ID: f.ID, Name: f.Code + " · " + f.Name,
		Role: access.RoleIntegrator, Scope: access.Country}
}

// Store holds facilities and their keys.
type Store struct {
	db    *db.DB
	guard *access.Guard
	clock clock.Clock
}

// NewStore returns the facility store.
func NewStore(d *db.DB, g *access.Guard, c clock.Clock) *Store {
	return &Store{db: d, guard: g, clock: c}
}

// New is what an administrator types to register a facility.
type New struct {
	Code, Name, Kind, Province string
}

var codeRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{1,31}$`)

// validate normalises n and checks every field, reporting them all.
func (n *New) validate() (Kind, error) {
	var errs problem.Fields
	n.Code = strings.ToUpper(strings.TrimSpace(n.Code))
	n.Name = strings.Join(strings.Fields(n.Name), " ")
	n.Province = strings.TrimSpace(n.Province)
	if !codeRE.MatchString(n.Code) {
		errs.Add(problem.Field("code", "Mã cơ sở gồm 2–32 chữ in hoa, số, - hoặc _, ví dụ HCDC",
			"the facility code is 2–32 capital letters, digits, - or _, e.g. HCDC"))
	}
	if n.Name == "" || len(n.Name) > 200 {
		errs.Add(problem.Field("name", "Nhập tên cơ sở (tối đa 200 ký tự)", "enter the facility's name (at most 200 characters)"))
	}
	k, err := ParseKind(n.Kind)
	errs.Add(err)
	if n.Province != "" {
		if _, ok := vn.AdminUnits().Province(n.Province); !ok {
			errs.Add(problem.Field("province", "Mã tỉnh không tồn tại", "no province has that code"))
		}
	}
	return k, errs.Err()
}

// Create registers a facility. Only an administrator may; the code must be
// new.
func (s *Store) Create(ctx context.Context, by access.Actor, n New) (Facility, error) {
	if by.Role != access.RoleAdmin {
		return Facility{}, fmt.Errorf("facility: only an administrator registers facilities: %w", problem.ErrForbidden)
	}
	kind, err := n.validate()
	if err != nil {
		return Facility{}, err
	}
	now := s.clock.Now()
	f := Facility{ID: db.NewID(), Code: n.Code, Name: n.Name, Kind: kind, Province: n.Province, CreatedBy: by.ID, CreatedAt: now}
	_, err = s.db.Exec(ctx, `INSERT INTO facilities (id, code, name, kind, province, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, f.ID, f.Code, f.Name, string(f.Kind), f.Province, by.ID, db.Millis(now))
	if db.IsUniqueViolation(err) {
		return Facility{}, problem.Field("code", "Mã cơ sở này đã được dùng", "a facility with this code exists already")
	}
	if err != nil {
		return Facility{}, fmt.Errorf("facility: create: %w", err)
	}
	return f, nil
}

const facilityColumns = "id, code, name, kind, province, disabled, created_by, created_at"

func scanFacility(row interface{ Scan(...any) error }) (Facility, error) {
	var f Facility
	var kind string
	var created int64
	err := row.Scan(&f.ID, &f.Code, &f.Name, &kind, &f.Province, &f.Disabled, &f.CreatedBy, &created)
	f.Kind, f.CreatedAt = Kind(kind), db.TimeOf(created)
	return f, err
}

// Get returns a facility by id.
func (s *Store) Get(ctx context.Context, id string) (Facility, error) {
	return s.one(ctx, "id", id)
}

// ByCode returns a facility by its code (any case).
func (s *Store) ByCode(ctx context.Context, code string) (Facility, error) {
	return s.one(ctx, "code", strings.ToUpper(strings.TrimSpace(code)))
}

func (s *Store) one(ctx context.Context, col, v string) (Facility, error) {
	f, err := scanFacility(s.db.QueryRow(ctx, "SELECT "+facilityColumns+" FROM facilities WHERE "+col+" = $1", v))
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("facility %s: %w", v, problem.ErrNotFound)
	}
	if err != nil {
		return f, fmt.Errorf("facility: %w", err)
	}
	return f, nil
}

// List returns every facility, by code.
func (s *Store) List(ctx context.Context) ([]Facility, error) {
	rows, err := s.db.Query(ctx, "SELECT "+facilityColumns+" FROM facilities ORDER BY code")
	if err != nil {
		return nil, fmt.Errorf("facility: list: %w", err)
	}
	defer rows.Close()
	var out []Facility
	for rows.Next() {
		f, err := scanFacility(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// SetDisabled disables a facility (its keys stop working at once) or
// enables it again. Only an administrator may.
func (s *Store) SetDisabled(ctx context.Context, by access.Actor, id string, disabled bool) error {
	if by.Role != access.RoleAdmin {
		return fmt.Errorf("facility: only an administrator disables facilities: %w", problem.ErrForbidden)
	}
	res, err := s.db.Exec(ctx, "UPDATE facilities SET disabled = $1, updated_at = $2 WHERE id = $3",
		disabled, db.Millis(s.clock.Now()), id)
	if err != nil {
		return fmt.Errorf("facility: disable: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("facility %s: %w", id, problem.ErrNotFound)
	}
	return nil
}
