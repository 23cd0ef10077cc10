package identity

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/linkage"
	"github.com/pccovid/pccovid/internal/vn"
)

// Unverified is a person the registry does not know, created by an import
// from the first record of theirs it saw.
type Unverified struct {
	ID          string
	FullName    string
	BirthDate   vn.Date
	Sex         vn.Sex
	Ward        string
	Province    string
	Phone       vn.Phone
	Nationality string
	Source      string // the first record's source and key
	SourceKey   string
	RunID       string
}

// InsertUnverified creates unverified persons; an id that exists is left as
// it is, so re-running an import changes nothing.
func (s *Store) InsertUnverified(ctx context.Context, d *db.DB, ps []Unverified) error {
	now := db.Millis(s.clock.Now())
	rows := make([][]any, len(ps))
	for i, p := range ps {
		birth := ""
		if !p.BirthDate.IsZero() {
			birth = p.BirthDate.String()
		}
		nameYear, fullName := s.nameKeyIndexes(p.FullName, birth)
		sealed := s.sealProfile(profile{FullName: p.FullName, BirthDate: birth, Phone: string(p.Phone)})
		rows[i] = []any{p.ID, false, sealed, p.Sex.String(), p.Ward, p.Province,
			s.sealer.Index(string(KindPhone), string(p.Phone)), p.Nationality, p.Source, p.SourceKey, p.RunID, now, now,
			nameYear, fullName}
	}
	err := d.InsertRows(ctx, "persons", []string{"id", "verified", "profile_sealed", "sex", "ward_code",
		"province_code", "phone_idx", "nationality", "source", "source_key", "run_id", "created_at", "updated_at",
		"name_year_idx", "full_name_idx"}, rows, "ON CONFLICT (id) DO NOTHING")
	if err != nil {
		return fmt.Errorf("identity: insert unverified persons: %w", err)
	}
	return nil
}

// PersonIdentifier is an identifier of a person, for bulk inserts.
type PersonIdentifier struct {
	PersonID string
	RunID    string
	Identifier
}

// InsertIdentifiers records identifiers; the same value of the same kind
// from the same source for the same person is stored once.
func (s *Store) InsertIdentifiers(ctx context.Context, d *db.DB, ids []PersonIdentifier) error {
	rows := make([][]any, 0, len(ids))
	seen := make(map[[4]string]bool, len(ids))
	for _, id := range ids {
		k := [4]string{id.PersonID, string(id.Kind), id.Value, id.Source}
		if id.Value == "" || seen[k] {
			continue
		}
		seen[k] = true
		rows = append(rows, []any{id.PersonID, string(id.Kind), s.sealer.Index(string(id.Kind), id.Value),
			s.sealer.SealString(fieldIdentifier, id.Value), id.Source, id.RecordKey, id.RunID, db.Millis(id.SeenAt)})
	}
	err := d.InsertRows(ctx, "person_identifiers",
		[]string{"person_id", "kind", "value_idx", "value_sealed", "source", "record_key", "run_id", "seen_at"}, rows,
		"ON CONFLICT (person_id, kind, value_idx, source) DO NOTHING")
	if err != nil {
		return fmt.Errorf("identity: insert identifiers: %w", err)
	}
	return nil
}

// Manager says that ManagerID manages PersonID's profile.
type Manager struct {
	PersonID, ManagerID, Source, RecordKey, RunID string
}

// InsertManagers records managed profiles, idempotently.
func (s *Store) InsertManagers(ctx context.Context, d *db.DB, ms []Manager) error {
	now := db.Millis(s.clock.Now())
	rows := make([][]any, 0, len(ms))
	seen := map[[2]string]bool{}
	for _, m := range ms {
		k := [2]string{m.PersonID, m.ManagerID}
		if m.PersonID == m.ManagerID || seen[k] {
			continue
		}
		seen[k] = true
		rows = append(rows, []any{m.PersonID, m.ManagerID, m.Source, m.RecordKey, m.RunID, now})
	}
	err := d.InsertRows(ctx, "person_managers", []string{"person_id", "manager_id", "source", "record_key", "run_id", "created_at"},
		rows, "ON CONFLICT (person_id, manager_id) DO NOTHING")
	if err != nil {
		return fmt.Errorf("identity: insert managers: %w", err)
	}
	return nil
}

// LinkageProfile is what record linkage needs to know of a person.
type LinkageProfile struct {
	ID        string
	Verified  bool
	CCCD      string
	CMND      string
	FullName  string
	BirthDate vn.Date
	Sex       vn.Sex
	Ward      string
	Province  string
	// Household is an opaque key equal for the members of one registry
	// household.
	Household string
	Phones    []string
	Cards     []string
	Passports []string
}

// Person is the profile in the linkage engine's form: the first insurance
// card and passport, the district from the ward.
func (lp LinkageProfile) Person() linkage.Person {
	p := linkage.Person{ID: lp.ID, Verified: lp.Verified}
	p.SetName(lp.FullName)
	p.Birth, p.Sex = lp.BirthDate, lp.Sex
	p.CCCD, p.CMND = lp.CCCD, lp.CMND
	if len(lp.Cards) > 0 {
		p.Card = lp.Cards[0]
	}
	if len(lp.Passports) > 0 {
		p.Passport = lp.Passports[0]
	}
	p.Phones = lp.Phones
	p.Ward, p.Province, p.Household = lp.Ward, lp.Province, lp.Household
	if u, ok := vn.AdminUnits().Parent(lp.Ward); ok {
		p.District = u.Code
	}
	return p
}

// EachForLinkage calls fn with every person's linkage profile — the
// registry's numbers, the phones and passports other sources taught, the
// insurance cards — except what the run excludeRun (an import being
// resumed) wrote itself. It is the one bulk read of personal data, made by
// the takeover job; it decrypts on all cores.
func (s *Store) EachForLinkage(ctx context.Context, excludeRun string, fn func(LinkageProfile) error) error {
	extra, err := s.linkageExtras(ctx, excludeRun)
	if err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, `SELECT `+linkageColumns+` FROM persons WHERE ($1 = '' OR run_id <> $1) ORDER BY id`, excludeRun)
	if err != nil {
		return fmt.Errorf("identity: persons for linkage: %w", err)
	}
	defer rows.Close()
	type raw struct {
		p         LinkageProfile
		sealed, h []byte
		sex       string
	}
	work := make(chan []raw, 4)
	done := make(chan []LinkageProfile, 4)
	var wg sync.WaitGroup
	var openErr error
	var mu sync.Mutex
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range work {
				out := make([]LinkageProfile, len(batch))
				for i, r := range batch {
					p, err := s.openLinkage(r.p, r.sealed, r.h, r.sex)
					if err != nil {
						mu.Lock()
						openErr = err
						mu.Unlock()
					}
					out[i] = p
				}
				done <- out
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	var scanErr error
	go func() {
		defer close(work)
		batch := make([]raw, 0, 1000)
		for rows.Next() {
			var r raw
			if scanErr = rows.Scan(&r.p.ID, &r.p.Verified, &r.sealed, &r.sex, &r.p.Ward, &r.p.Province, &r.h); scanErr != nil {
				return
			}
			batch = append(batch, r)
			if len(batch) == cap(batch) {
				work <- batch
				batch = make([]raw, 0, 1000)
			}
		}
		scanErr = rows.Err()
		if len(batch) > 0 {
			work <- batch
		}
	}()
	var fnErr error
	for batch := range done {
		for _, p := range batch {
			if fnErr != nil {
				continue
			}
			e := extra[p.ID]
			p.Phones = append(p.Phones, e.phones...)
			p.Cards, p.Passports = e.cards, e.passports
			fnErr = fn(p)
		}
	}
	if scanErr != nil {
		return fmt.Errorf("identity: persons for linkage: %w", scanErr)
	}
	if openErr != nil {
		return openErr
	}
	return fnErr
}

// linkageColumns are the persons columns openLinkage reads, in its order.
const linkageColumns = "id, verified, profile_sealed, sex, ward_code, province_code, household_idx"

func (s *Store) openLinkage(p LinkageProfile, sealed, household []byte, sex string) (LinkageProfile, error) {
	pr, err := s.openProfile(sealed)
	if err != nil {
		return p, fmt.Errorf("identity: person %s: %w", p.ID, err)
	}
	p.CCCD, p.CMND, p.FullName = pr.CCCD, pr.CMND, pr.FullName
	p.BirthDate, _ = pr.birthDate()
	if pr.Phone != "" {
		p.Phones = []string{pr.Phone}
	}
	p.Sex, _ = vn.ParseSex(sex)
	if len(household) > 0 {
		p.Household = string(household)
	}
	return p, nil
}

type linkageExtra struct {
	phones, cards, passports []string
}

// linkageExtras reads the phones and passports other sources taught, and
// the insurance cards, per person.
func (s *Store) linkageExtras(ctx context.Context, excludeRun string) (map[string]linkageExtra, error) {
	out := map[string]linkageExtra{}
	rows, err := s.db.Query(ctx, `SELECT person_id, kind, value_sealed FROM person_identifiers
		WHERE kind IN ('phone', 'passport') AND ($1 = '' OR run_id <> $1)`, excludeRun)
	if err != nil {
		return nil, fmt.Errorf("identity: identifiers for linkage: %w", err)
	}
	for rows.Next() {
		var id, kind string
		var sealed []byte
		if err := rows.Scan(&id, &kind, &sealed); err != nil {
			rows.Close()
			return nil, err
		}
		v, err := s.sealer.OpenString(fieldIdentifier, sealed)
		if err != nil {
			rows.Close()
			return nil, err
		}
		e := out[id]
		if kind == string(KindPhone) {
			e.phones = append(e.phones, v)
		} else {
			e.passports = append(e.passports, v)
		}
		out[id] = e
	}
	rows.Close()
	rows, err = s.db.Query(ctx, "SELECT person_id, card_sealed FROM insurance_cards")
	if err != nil {
		return nil, fmt.Errorf("identity: cards for linkage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var sealed []byte
		if err := rows.Scan(&id, &sealed); err != nil {
			return nil, err
		}
		v, err := s.sealer.OpenString(fieldCard, sealed)
		if err != nil {
			return nil, err
		}
		e := out[id]
		e.cards = append(e.cards, v)
		out[id] = e
	}
	return out, rows.Err()
}

// RegistryCCCDs maps every registry person's id to their CCCD, for the
// linkage export. It decrypts every CCCD; callers record why.
func (s *Store) RegistryCCCDs(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.Query(ctx, "SELECT id, profile_sealed FROM persons WHERE verified")
	if err != nil {
		return nil, fmt.Errorf("identity: registry numbers: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id string
		var sealed []byte
		if err := rows.Scan(&id, &sealed); err != nil {
			return nil, err
		}
		p, err := s.openProfile(sealed)
		if err != nil {
			return nil, err
		}
		if p.CCCD != "" {
			out[id] = p.CCCD
		}
	}
	return out, rows.Err()
}

// ReassignRecord moves what one source record taught — its identifiers and
// the managed-profile links it made — to another person.
func (s *Store) ReassignRecord(ctx context.Context, tx *db.DB, source, recordKey, fromPerson, toPerson string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO person_identifiers (person_id, kind, value_idx, value_sealed, source, record_key, run_id, seen_at)
		SELECT $1, kind, value_idx, value_sealed, source, record_key, run_id, seen_at FROM person_identifiers
		WHERE person_id = $2 AND source = $3 AND record_key = $4
		ON CONFLICT (person_id, kind, value_idx, source) DO NOTHING`, toPerson, fromPerson, source, recordKey); err != nil {
		return fmt.Errorf("identity: reassign identifiers: %w", err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM person_identifiers WHERE person_id = $1 AND source = $2 AND record_key = $3",
		fromPerson, source, recordKey); err != nil {
		return fmt.Errorf("identity: reassign identifiers: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE person_managers SET person_id = $1 WHERE person_id = $2 AND source = $3 AND record_key = $4
		AND manager_id <> $1 AND NOT EXISTS (SELECT 1 FROM person_managers m WHERE m.person_id = $1 AND m.manager_id = person_managers.manager_id)`,
		toPerson, fromPerson, source, recordKey); err != nil {
		return fmt.Errorf("identity: reassign managers: %w", err)
	}
	return nil
}

// Name-key kinds for FindMany: the blind indexes of linkage.NameKeys.
const (
	KindNameYear Kind = "name_year"
	KindFullName Kind = "full_name"
)

// nameKeyIndexes returns the blind indexes of a name's two keys; birth is
// a date as stored ("1985-02-01", or "1985").
func (s *Store) nameKeyIndexes(fullName, birth string) (nameYear, name []byte) {
	d, _ := vn.ParseDate(birth)
	ny, n := linkage.NameKeys(fullName, d.Year)
	return s.sealer.Index(string(KindNameYear), ny), s.sealer.Index(string(KindFullName), n)
}
