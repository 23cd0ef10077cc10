package bluezone

// Queries for contact tracing (package tracing): whose phones a person's
// phone was near, from the contact logs. Tracing checks access first.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/db"
)

// Sighting is a contact-log line seen from one of the traced ids: Other is
// the Bluezone id of the other phone, whichever of the two uploaded it.
type Sighting struct {
	BluezoneID          string // the traced person's Bluezone id
	Other               string
	FirstSeen, LastSeen time.Time
	RSSIMax             int
}

// AppsOf returns the Bluezone ids registered to the persons, id → person.
func (s *Store) AppsOf(ctx context.Context, personIDs []string) (map[string]string, error) {
	return s.pairs(ctx, "SELECT bluezone_id, person_id FROM bluezone_apps WHERE person_id IN (SELECT value FROM json_each($1))",
		"SELECT bluezone_id, person_id FROM bluezone_apps WHERE person_id = ANY($1::text[])", personIDs)
}

// PersonsOf returns the persons the Bluezone ids are registered to, id →
// person; an id nobody registered is left out.
func (s *Store) PersonsOf(ctx context.Context, ids []string) (map[string]string, error) {
	return s.pairs(ctx, "SELECT bluezone_id, person_id FROM bluezone_apps WHERE bluezone_id IN (SELECT value FROM json_each($1))",
		"SELECT bluezone_id, person_id FROM bluezone_apps WHERE bluezone_id = ANY($1::text[])", ids)
}

func (s *Store) pairs(ctx context.Context, sqlite, postgres string, keys []string) (map[string]string, error) {
	out := map[string]string{}
	if len(keys) == 0 {
		return out, nil
	}
	q, arg := postgres, any(keys)
	if s.db.Engine() == db.SQLite {
		b, _ := json.Marshal(keys)
		q, arg = sqlite, string(b)
	}
	rows, err := s.db.Query(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("bluezone: registrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// Sightings lists the contact-log lines of the ids — uploaded by their
// phones, or by other phones that saw them — first seen from from
// (inclusive) to to (exclusive). Each id is two index ranges: the primary
// key (bluezone_id, …) and bluezone_contacts_contact (contact_id,
// first_seen).
func (s *Store) Sightings(ctx context.Context, ids []string, from, to time.Time) ([]Sighting, error) {
	var out []Sighting
	for _, id := range ids {
		rows, err := s.db.Query(ctx, `SELECT bluezone_id, contact_id, first_seen, last_seen, rssi_max FROM bluezone_contacts
			WHERE bluezone_id = $1 AND first_seen >= $2 AND first_seen < $3
			UNION ALL SELECT contact_id, bluezone_id, first_seen, last_seen, rssi_max FROM bluezone_contacts
			WHERE contact_id = $1 AND first_seen >= $2 AND first_seen < $3`, id, db.Millis(from), db.Millis(to))
		if err != nil {
			return nil, fmt.Errorf("bluezone: sightings: %w", err)
		}
		for rows.Next() {
			var x Sighting
			var first, last int64
			if err := rows.Scan(&x.BluezoneID, &x.Other, &first, &last, &x.RSSIMax); err != nil {
				rows.Close()
				return nil, err
			}
			x.FirstSeen, x.LastSeen = db.TimeOf(first), db.TimeOf(last)
			out = append(out, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
