// Package identity holds the unified person: one row per real person, tied
// to the national population database when the registry knows them
// (verified), with every identifier the platform has seen for them — CCCD,
// old CMND, passport, phones, health-insurance numbers, Bluezone ids — each
// with its provenance, and the links of households and managed family
// profiles.
//
// Personal fields are sealed at rest (package seal) and found by blind index.
// Reading a person's data for someone else goes through access.Guard here,
// where the data is read.
package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/vn"
)

// Person is a person as the platform knows them.
type Person struct {
	ID string
	// Verified is true when the population registry knows the person; CCCD is
	// then the registry's number.
	Verified    bool
	CCCD        string
	OldID       string // the 9-digit CMND the person held before
	FullName    string
	BirthDate   vn.Date
	Sex         vn.Sex
	WardCode    string
	Province    string
	Address     string
	Phone       vn.Phone
	Nationality string // ISO 3166-1 alpha-3
	Source      string // where the person row came from: "registry", "bluezone"…
	SourceKey   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Area is the most precise admin-unit code known for the person's residence.
func (p Person) Area() string {
	if p.WardCode != "" {
		return p.WardCode
	}
	return p.Province
}

// Store holds persons.
type Store struct {
	db     *db.DB
	sealer *seal.Sealer
	guard  *access.Guard
	clock  clock.Clock
}

// NewStore returns the person store.
func NewStore(d *db.DB, s *seal.Sealer, g *access.Guard, c clock.Clock) *Store {
	return &Store{db: d, sealer: s, guard: g, clock: c}
}

// RegistryID returns the person id of the registry person with this CCCD.
// It is derived with a keyed MAC, so it is stable across loads and machines
// sharing the key file, and reveals nothing about the number.
func (s *Store) RegistryID(cccd string) string {
	return "p" + db.EncodeID(s.sealer.MAC("person-id", []byte("cccd"), []byte(cccd))[:10])
}

// RecordID returns the id of an unverified person first seen in a source
// record: stable, so re-running an import creates the same person.
func (s *Store) RecordID(source, recordKey string) string {
	return "u" + db.EncodeID(s.sealer.MAC("person-id", []byte(source), []byte(recordKey))[:10])
}

const personColumns = `id, verified, profile_sealed, sex, ward_code, province_code, nationality, source, source_key,
	created_at, updated_at`

func (s *Store) scanPerson(row interface{ Scan(...any) error }) (Person, error) {
	var p Person
	var sealed []byte
	var sex string
	var created, updated int64
	if err := row.Scan(&p.ID, &p.Verified, &sealed, &sex, &p.WardCode, &p.Province, &p.Nationality, &p.Source,
		&p.SourceKey, &created, &updated); err != nil {
		return p, err
	}
	p.Sex, _ = vn.ParseSex(sex)
	p.CreatedAt, p.UpdatedAt = db.TimeOf(created), db.TimeOf(updated)
	pr, err := s.openProfile(sealed)
	if err != nil {
		return p, err
	}
	p.CCCD, p.OldID, p.FullName, p.Address, p.Phone = pr.CCCD, pr.CMND, pr.FullName, pr.Address, vn.Phone(pr.Phone)
	p.BirthDate, err = pr.birthDate()
	return p, err
}

// load reads a person without access checks; callers check first.
func (s *Store) load(ctx context.Context, id string) (Person, error) {
	p, err := s.scanPerson(s.db.QueryRow(ctx, "SELECT "+personColumns+" FROM persons WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("identity: person %s: %w", id, problem.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("identity: person %s: %w", id, err)
	}
	return p, nil
}

// Subject returns what access rules need to know about a person: their area
// and who manages their profile.
func (s *Store) Subject(ctx context.Context, id string) (access.Subject, error) {
	sub := access.Subject{PersonID: id}
	var ward, prov string
	err := s.db.QueryRow(ctx, "SELECT ward_code, province_code FROM persons WHERE id = $1", id).Scan(&ward, &prov)
	if errors.Is(err, sql.ErrNoRows) {
		return sub, fmt.Errorf("identity: person %s: %w", id, problem.ErrNotFound)
	}
	if err != nil {
		return sub, fmt.Errorf("identity: person %s: %w", id, err)
	}
	sub.Area = ward
	if sub.Area == "" {
		sub.Area = prov
	}
	sub.Managers, err = s.Managers(ctx, id)
	return sub, err
}

// Get returns a person for req, after checking and recording the access.
func (s *Store) Get(ctx context.Context, req access.Request, id string) (Person, error) {
	sub, err := s.Subject(ctx, id)
	if err != nil {
		return Person{}, err
	}
	if err := s.guard.Read(ctx, req, "person.view", sub); err != nil {
		return Person{}, err
	}
	return s.load(ctx, id)
}

// Managers returns the ids of the persons who manage id's profile.
func (s *Store) Managers(ctx context.Context, id string) ([]string, error) {
	return s.ids(ctx, "SELECT manager_id FROM person_managers WHERE person_id = $1 ORDER BY manager_id", id)
}

// Managed returns the ids of the profiles id manages (their family).
func (s *Store) Managed(ctx context.Context, id string) ([]string, error) {
	return s.ids(ctx, "SELECT person_id FROM person_managers WHERE manager_id = $1 ORDER BY person_id", id)
}

// AddManager records that manager manages person's profile.
func (s *Store) AddManager(ctx context.Context, personID, managerID, source, recordKey string) error {
	if personID == managerID {
		return problem.Invalidf("identity: a person cannot manage their own profile")
	}
	_, err := s.db.Exec(ctx, `INSERT INTO person_managers (person_id, manager_id, source, record_key, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id, manager_id) DO NOTHING`,
		personID, managerID, source, recordKey, db.Millis(s.clock.Now()))
	if err != nil {
		return fmt.Errorf("identity: add manager: %w", err)
	}
	return nil
}

// Household returns the ids of the persons in id's registry household,
// including id.
func (s *Store) Household(ctx context.Context, id string) ([]string, error) {
	return s.ids(ctx, `SELECT p.id FROM persons p JOIN persons me ON me.household_idx = p.household_idx
		WHERE me.id = $1 AND me.household_idx IS NOT NULL ORDER BY p.id`, id)
}

func (s *Store) ids(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// SealedColumns lists the columns this package seals, for key rotation.
func SealedColumns() []seal.Column {
	p := []string{"id"}
	return []seal.Column{
		{Table: "persons", Key: p, Column: "profile_sealed", Field: fieldProfile},
		{Table: "person_identifiers", Key: []string{"person_id", "kind", "value_idx", "source"}, Column: "value_sealed", Field: fieldIdentifier},
		{Table: "insurance_cards", Key: []string{"person_id", "card_idx"}, Column: "card_sealed", Field: fieldCard},
		{Table: "insurance_cards", Key: []string{"person_id", "card_idx"}, Column: "bhxh_sealed", Field: fieldBHXH},
	}
}

// Member is one person of a household as the household book shows them.
type Member struct {
	PersonID  string
	FullName  string
	BirthYear int
	Self      bool
}

// HouseholdMembers lists the registry household of the citizen making the
// request: names and birth years, as their household book shows. Each other
// member finds the listing on their own access log.
func (s *Store) HouseholdMembers(ctx context.Context, req access.Request) ([]Member, error) {
	me := req.Actor.PersonID
	if req.Actor.Kind != access.KindCitizen || me == "" {
		return nil, fmt.Errorf("identity: household list is for the citizen themselves: %w", problem.ErrForbidden)
	}
	ids, err := s.Household(ctx, me)
	if err != nil {
		return nil, err
	}
	out := make([]Member, 0, len(ids))
	for _, id := range ids {
		p, err := s.load(ctx, id)
		if err != nil {
			return nil, err
		}
		if id != me {
			fam := access.Request{Actor: req.Actor, Purpose: access.PurposeFamily}
			if err := s.guard.Record(ctx, fam, "household.list", id, ""); err != nil {
				return nil, err
			}
		}
		out = append(out, Member{PersonID: id, FullName: p.FullName, BirthYear: p.BirthDate.Year, Self: id == me})
	}
	return out, nil
}

// SamplePhones returns the phones of the first n registry persons that have
// one: the demo prints them so a newcomer can log in. Never for real data.
func (s *Store) SamplePhones(ctx context.Context, n int) ([]vn.Phone, error) {
	rows, err := s.db.Query(ctx, "SELECT profile_sealed FROM persons WHERE phone_idx IS NOT NULL ORDER BY id LIMIT $1", n)
	if err != nil {
		return nil, fmt.Errorf("identity: sample phones: %w", err)
	}
	defer rows.Close()
	var out []vn.Phone
	for rows.Next() {
		var sealed []byte
		if err := rows.Scan(&sealed); err != nil {
			return nil, err
		}
		p, err := s.openProfile(sealed)
		if err != nil {
			return nil, err
		}
		out = append(out, vn.Phone(p.Phone))
	}
	return out, rows.Err()
}
