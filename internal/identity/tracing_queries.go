package identity

// Batch reads for tracing and quarantine, which show officials lists of
// people (a case's contacts, a ward's quarantine board): one access check
// and one audit transaction for the whole list instead of one per person.

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
)

// Areas returns the area (ward, else province) of each person, id → area;
// a person not found is left out. It reads no personal field: the area is
// what access rules decide on.
func (s *Store) Areas(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	q, arg := "SELECT id, ward_code, province_code FROM persons WHERE id = ANY($1::text[])", any(ids)
	if s.db.Engine() == db.SQLite {
		b, _ := json.Marshal(ids)
		q, arg = "SELECT id, ward_code, province_code FROM persons WHERE id IN (SELECT value FROM json_each($1))", string(b)
	}
	rows, err := s.db.Query(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("identity: areas: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, ward, prov string
		if err := rows.Scan(&id, &ward, &prov); err != nil {
			return nil, err
		}
		if ward == "" {
			ward = prov
		}
		out[id] = ward
	}
	return out, rows.Err()
}

// GetMany returns the persons for req, in the order of ids, after checking
// and recording the access to every one of them (all or none, like
// [access.Guard.Read]). subjects gives each person's area as the caller
// placed them (see access.Subject).
func (s *Store) GetMany(ctx context.Context, req access.Request, action string, subjects []access.Subject) ([]Person, error) {
	if err := s.guard.Read(ctx, req, action, subjects...); err != nil {
		return nil, err
	}
	out := make([]Person, 0, len(subjects))
	for _, sub := range subjects {
		p, err := s.load(ctx, sub.PersonID)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Households returns the registry households of the persons, each as the
// ids of its members (the person included): one query by
// persons_household for a whole list, for tracing's F2 expansion.
func (s *Store) Households(ctx context.Context, ids []string) (map[string][]string, error) {
	out := make(map[string][]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	q, arg := `SELECT me.id, p.id FROM persons me JOIN persons p ON p.household_idx = me.household_idx
		WHERE me.id = ANY($1::text[]) AND me.household_idx IS NOT NULL ORDER BY me.id, p.id`, any(ids)
	if s.db.Engine() == db.SQLite {
		b, _ := json.Marshal(ids)
		q, arg = `SELECT me.id, p.id FROM persons me JOIN persons p ON p.household_idx = me.household_idx
			WHERE me.id IN (SELECT value FROM json_each($1)) AND me.household_idx IS NOT NULL ORDER BY me.id, p.id`, string(b)
	}
	rows, err := s.db.Query(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("identity: households: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var me, member string
		if err := rows.Scan(&me, &member); err != nil {
			return nil, err
		}
		out[me] = append(out[me], member)
	}
	return out, rows.Err()
}
