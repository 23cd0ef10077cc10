package identity

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
)

// Kind is a kind of identifier.
type Kind string

// Identifier kinds.
const (
	KindCCCD      Kind = "cccd"
	KindCMND      Kind = "cmnd"
	KindPassport  Kind = "passport"
	KindPhone     Kind = "phone"
	KindBHXH      Kind = "bhxh"     // social insurance number
	KindInsurance Kind = "bhyt"     // health-insurance card number
	KindBluezone  Kind = "bluezone" // Bluezone app id
)

// Identifier is one identifier seen for a person, with where it came from.
type Identifier struct {
	Kind      Kind
	Value     string // normalised: digits for ID numbers, E.164 for phones
	Source    string
	RecordKey string
	SeenAt    time.Time
}

// fieldIdentifier is the sealed field of every identifier value.
const fieldIdentifier = "person.identifier"

// AddIdentifiers records identifiers of a person. Seeing the same value from
// the same source again changes nothing.
func (s *Store) AddIdentifiers(ctx context.Context, personID string, ids ...Identifier) error {
	rows := make([]PersonIdentifier, len(ids))
	for i, id := range ids {
		rows[i] = PersonIdentifier{PersonID: personID, Identifier: id}
	}
	return s.InsertIdentifiers(ctx, s.db, rows)
}

// Profile returns a person and every identifier known for them, registry
// ones first, for req: one access, one audit entry.
func (s *Store) Profile(ctx context.Context, req access.Request, personID string) (Person, []Identifier, error) {
	p, err := s.Get(ctx, req, personID)
	if err != nil {
		return p, nil, err
	}
	ids, err := s.identifiers(ctx, p)
	return p, ids, err
}

func (s *Store) identifiers(ctx context.Context, p Person) ([]Identifier, error) {
	var out []Identifier
	for _, id := range []Identifier{{Kind: KindCCCD, Value: p.CCCD}, {Kind: KindCMND, Value: p.OldID}, {Kind: KindPhone, Value: string(p.Phone)}} {
		if id.Value != "" && p.Verified {
			id.Source, id.SeenAt = "registry", p.UpdatedAt
			out = append(out, id)
		}
	}
	rows, err := s.db.Query(ctx, `SELECT kind, value_sealed, source, record_key, seen_at FROM person_identifiers
		WHERE person_id = $1 ORDER BY kind, source, record_key`, p.ID)
	if err != nil {
		return nil, fmt.Errorf("identity: identifiers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id Identifier
		var kind string
		var sealed []byte
		var seen int64
		if err := rows.Scan(&kind, &sealed, &id.Source, &id.RecordKey, &seen); err != nil {
			return nil, err
		}
		id.Kind, id.SeenAt = Kind(kind), db.TimeOf(seen)
		if id.Value, err = s.sealer.OpenString(fieldIdentifier, sealed); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// FindByCCCD returns the id of the person with this CCCD, from the registry
// or from an identifier another source gave. It returns ids only; reading
// the person goes through Get.
func (s *Store) FindByCCCD(ctx context.Context, cccd string) ([]string, error) {
	found, err := s.FindMany(ctx, KindCCCD, []string{cccd})
	return found[cccd], err
}

// FindByCMND returns the ids of persons with this old 9-digit number.
func (s *Store) FindByCMND(ctx context.Context, cmnd string) ([]string, error) {
	return s.find(ctx, KindCMND, "cmnd_idx", cmnd)
}

// FindByPhone returns the ids of persons with this phone (E.164): often more
// than one, since families share phones.
func (s *Store) FindByPhone(ctx context.Context, phone string) ([]string, error) {
	return s.find(ctx, KindPhone, "phone_idx", phone)
}

func (s *Store) find(ctx context.Context, kind Kind, column, value string) ([]string, error) {
	if value == "" {
		return nil, nil
	}
	idx := s.sealer.Index(string(kind), value)
	ids, err := s.ids(ctx, `SELECT id FROM persons WHERE `+column+` = $1
		UNION SELECT person_id FROM person_identifiers WHERE kind = $2 AND value_idx = $1`, idx, string(kind))
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// SearchQuery is what an official may search persons by.
type SearchQuery struct {
	CCCD  string // 12-digit CCCD or 9-digit CMND
	Phone string // E.164
}

// Search finds persons by CCCD or phone for an official. The purpose is
// required, the search is recorded whether or not it finds anyone, and each
// person found is checked against the official's scope: persons outside it
// are not returned.
func (s *Store) Search(ctx context.Context, req access.Request, q SearchQuery) ([]Person, error) {
	if q.CCCD == "" && q.Phone == "" {
		return nil, problem.Field("query", "Nhập số CCCD/CMND hoặc số điện thoại", "enter a CCCD/CMND or a phone number")
	}
	var ids []string
	var err error
	by := "phone"
	switch {
	case len(q.CCCD) == 9:
		by = "cmnd"
		ids, err = s.FindByCMND(ctx, q.CCCD)
	case q.CCCD != "":
		by = "cccd"
		ids, err = s.FindByCCCD(ctx, q.CCCD)
	default:
		ids, err = s.FindByPhone(ctx, q.Phone)
	}
	if err != nil {
		return nil, err
	}
	if err := s.guard.Record(ctx, req, "person.search", "", fmt.Sprintf("by %s, %d found", by, len(ids))); err != nil {
		return nil, err
	}
	var out []Person
	for _, id := range ids {
		sub, err := s.Subject(ctx, id)
		if err != nil {
			return nil, err
		}
		if req.Check(sub) != nil {
			continue
		}
		p, err := s.Get(ctx, req, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
