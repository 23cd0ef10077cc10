// Package bluezone holds what PC-Covid took over from Bluezone, the
// Bluetooth tracing app it replaces: registrations (a Bluezone id on a
// person) and the contact logs that phones of confirmed cases uploaded. The
// logs are tracing history: they are used to find close contacts, never to
// decide who someone is, and they are deleted after the retention window.
package bluezone

import (
	"context"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/db"
)

// App is one Bluezone registration.
type App struct {
	BluezoneID   string
	PersonID     string
	Platform     string
	RegisteredAt time.Time
}

// Contact is one contact-log line: two Bluezone ids seen near each other.
type Contact struct {
	BluezoneID, ContactID string
	FirstSeen, LastSeen   time.Time
	RSSIMax               int
}

// Store holds registrations and contact logs.
type Store struct {
	db *db.DB
}

// NewStore returns the Bluezone store.
func NewStore(d *db.DB) *Store { return &Store{db: d} }

// InsertApps stores registrations; a known Bluezone id is left as it is.
func (s *Store) InsertApps(ctx context.Context, d *db.DB, apps []App) error {
	rows := make([][]any, len(apps))
	for i, a := range apps {
		rows[i] = []any{a.BluezoneID, a.PersonID, a.Platform, db.Millis(a.RegisteredAt)}
	}
	err := d.InsertRows(ctx, "bluezone_apps", []string{"bluezone_id", "person_id", "platform", "registered_at"}, rows,
		"ON CONFLICT (bluezone_id) DO NOTHING")
	if err != nil {
		return fmt.Errorf("bluezone: insert registrations: %w", err)
	}
	return nil
}

// InsertContacts stores contact-log lines; the same line twice (the logs
// repeat pairs) is stored once.
func (s *Store) InsertContacts(ctx context.Context, d *db.DB, cs []Contact) error {
	seen := make(map[[3]any]bool, len(cs))
	rows := make([][]any, 0, len(cs))
	for _, c := range cs {
		k := [3]any{c.BluezoneID, c.ContactID, db.Millis(c.FirstSeen)}
		if seen[k] {
			continue
		}
		seen[k] = true
		rows = append(rows, []any{c.BluezoneID, c.ContactID, db.Millis(c.FirstSeen), db.Millis(c.LastSeen), c.RSSIMax})
	}
	err := d.InsertRows(ctx, "bluezone_contacts", []string{"bluezone_id", "contact_id", "first_seen", "last_seen", "rssi_max"},
		rows, "ON CONFLICT (bluezone_id, contact_id, first_seen) DO NOTHING")
	if err != nil {
		return fmt.Errorf("bluezone: insert contacts: %w", err)
	}
	return nil
}

// Purge deletes contact-log lines last seen before the retention cut-off.
func (s *Store) Purge(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.Exec(ctx, "DELETE FROM bluezone_contacts WHERE last_seen < $1", db.Millis(before))
	if err != nil {
		return 0, fmt.Errorf("bluezone: purge contacts: %w", err)
	}
	return res.RowsAffected()
}

// Reassign moves a Bluezone registration to another person: an official
// decided, on review, whose it is.
func (s *Store) Reassign(ctx context.Context, tx *db.DB, bluezoneID, toPerson string) error {
	if _, err := tx.Exec(ctx, "UPDATE bluezone_apps SET person_id = $1 WHERE bluezone_id = $2", toPerson, bluezoneID); err != nil {
		return fmt.Errorf("bluezone: reassign: %w", err)
	}
	return nil
}
