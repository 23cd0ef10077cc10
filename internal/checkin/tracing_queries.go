package checkin

// Queries for contact tracing (package tracing): who was at the same venue
// close in time to a person's check-ins, for many persons at once, and the
// bulk path that loads a synthetic check-in history for its benchmark.
// Tracing checks access before it calls; these return internal ids only.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/db"
)

// Window is one person's span of time to trace: their check-ins from From
// (inclusive) to To (exclusive).
type Window struct {
	PersonID string
	From, To time.Time
}

// CoVisit is a check-in of another person at the same venue within the
// tracing distance of one of a traced person's check-ins. A check-in is
// named by its person, venue and time (one person checks in at one venue
// once a minute at most), all of which the indexes hold, so the query
// reads no table row.
type CoVisit struct {
	PersonID string // the traced person
	VenueID  string
	At       time.Time // the traced person's check-in
	Other    string    // the person checked in nearby
	OtherAt  time.Time
}

// CoVisits finds, for every check-in of each window's person within the
// window, the check-ins of other people at the same venue no more than
// within before or after it. It is one statement: the person's check-ins
// come from a range of checkins_person (person_id, venue_id, at), and each
// one's neighbours from a range of checkins_venue_at (venue_id, at,
// person_id), both covering, so its cost grows with the number of
// check-ins found, not with the table.
func (s *Service) CoVisits(ctx context.Context, ws []Window, within time.Duration) ([]CoVisit, error) {
	if len(ws) == 0 {
		return nil, nil
	}
	w := within.Milliseconds()
	var rows interface {
		Next() bool
		Scan(...any) error
		Err() error
		Close() error
	}
	var err error
	if s.db.Engine() == db.Postgres {
		persons := make([]string, len(ws))
		from := make([]int64, len(ws))
		to := make([]int64, len(ws))
		for i, x := range ws {
			persons[i], from[i], to[i] = x.PersonID, db.Millis(x.From), db.Millis(x.To)
		}
		// LATERAL subqueries fenced with OFFSET 0 keep each an index range
		// scan (see lookupRecent), and let PostgreSQL prune the daily
		// partitions to those the window and the hour around it touch.
		rows, err = s.db.Query(ctx, `SELECT c.person_id, c.venue_id, c.at, o.person_id, o.at
			FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS w(p, f, t)
			CROSS JOIN LATERAL (SELECT person_id, venue_id, at FROM checkins
				WHERE person_id = w.p AND at >= w.f AND at < w.t OFFSET 0) c
			CROSS JOIN LATERAL (SELECT person_id, at FROM checkins
				WHERE venue_id = c.venue_id AND at >= c.at - $4 AND at <= c.at + $4 AND person_id <> c.person_id OFFSET 0) o`,
			persons, from, to, w)
	} else {
		list := make([][3]any, len(ws))
		for i, x := range ws {
			list[i] = [3]any{x.PersonID, db.Millis(x.From), db.Millis(x.To)}
		}
		b, _ := json.Marshal(list)
		// CROSS JOIN fixes SQLite's loop order: windows, then each
		// person's check-ins, then each check-in's neighbours.
		rows, err = s.db.Query(ctx, `SELECT c.person_id, c.venue_id, c.at, o.person_id, o.at
			FROM json_each($1) AS w
			CROSS JOIN checkins c ON c.person_id = json_extract(w.value, '$[0]')
				AND c.at >= json_extract(w.value, '$[1]') AND c.at < json_extract(w.value, '$[2]')
			CROSS JOIN checkins o ON o.venue_id = c.venue_id AND o.at >= c.at - $2 AND o.at <= c.at + $2
			WHERE o.person_id <> c.person_id`, string(b), w)
	}
	if err != nil {
		return nil, fmt.Errorf("checkin: co-visits: %w", err)
	}
	defer rows.Close()
	var out []CoVisit
	for rows.Next() {
		var v CoVisit
		var at, oat int64
		if err := rows.Scan(&v.PersonID, &v.VenueID, &at, &v.Other, &oat); err != nil {
			return nil, fmt.Errorf("checkin: co-visits: %w", err)
		}
		v.At, v.OtherAt = db.TimeOf(at), db.TimeOf(oat)
		out = append(out, v)
	}
	return out, rows.Err()
}

// VenueByID returns a venue by its id, for tracing's evidence.
func (s *Service) VenueByID(ctx context.Context, id string) (Venue, error) {
	return s.venueByID(ctx, id)
}

// LoadHistory writes check-ins as they are, in one transaction, without
// the writer's resend and double-scan checks: the bulk path for a
// synthetic history (pccovid bench trace) or a migration of old logs,
// whose rows are known to be unique. PostgreSQL takes them by COPY into
// the days' partitions, made first.
func (s *Service) LoadHistory(ctx context.Context, rows []CheckIn) error {
	if len(rows) == 0 {
		return nil
	}
	lo, hi := rows[0].At, rows[0].At
	for _, c := range rows {
		lo, hi = minTime(lo, c.At), maxTime(hi, c.At)
	}
	if err := s.parts.ensure(ctx, s.db, lo, hi); err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *db.DB) error { return bulkInsert(ctx, tx, rows) })
}

// bulkInsert writes rows known to be new: COPY on PostgreSQL; on SQLite one
// statement over a JSON array (one parse and one bind for the lot), with no
// conflict clause, so it also runs while the indexes are dropped.
func bulkInsert(ctx context.Context, tx *db.DB, rows []CheckIn) error {
	if tx.Engine() == db.Postgres {
		vals := make([][]any, len(rows))
		for i, c := range rows {
			vals[i] = []any{c.ID, c.VenueID, c.PersonID, db.Millis(c.At), string(c.Method), c.RecordedBy, db.Millis(c.CreatedAt)}
		}
		return tx.InsertRows(ctx, "checkins", checkinColumns, vals, "")
	}
	vals := make([][7]any, len(rows))
	for i, c := range rows {
		vals[i] = [7]any{c.ID, c.VenueID, c.PersonID, db.Millis(c.At), string(c.Method), c.RecordedBy, db.Millis(c.CreatedAt)}
	}
	b, err := json.Marshal(vals)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO checkins (id, venue_id, person_id, at, method, recorded_by, created_at)
		SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6 FROM json_each($1)`, string(b))
	if err != nil {
		return fmt.Errorf("checkin: bulk insert: %w", err)
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// LoadVenues stores venues as they are, without the owner checks of
// RegisterVenue: the bulk path for a synthetic history's venues (pccovid
// bench trace). Each must carry its id, code, ward and owner; a venue
// whose id exists is left as it is.
func (s *Service) LoadVenues(ctx context.Context, vs []Venue) error {
	rows := make([][]any, len(vs))
	for i, v := range vs {
		at := db.Millis(v.CreatedAt)
		rows[i] = []any{v.ID, v.Code, v.Name, string(v.Kind), v.WardCode, v.Address, v.Capacity, string(v.OwnerKind), v.OwnerID, at, at}
	}
	err := s.db.InsertRows(ctx, "venues", []string{"id", "code", "name", "kind", "ward_code", "address", "capacity", "owner_kind",
		"owner_id", "created_at", "updated_at"}, rows, "ON CONFLICT (id) DO NOTHING")
	if err != nil {
		return fmt.Errorf("checkin: load venues: %w", err)
	}
	return nil
}

// NewVenueCode returns a fresh venue code (with its check character), for
// venues loaded in bulk.
func NewVenueCode() string { return newCode() }

// DropIndexesForLoad drops the indexes of checkins before a bulk load of
// many millions of rows and returns the function that builds them again:
// one sort per index instead of a random B-tree insert per row per index,
// many times faster. Each index is rebuilt from its own definition in the
// database's catalogue, so the schema ends as it began. Only for a
// database no server is using (pccovid bench trace): while the indexes
// are gone, check-ins are neither deduplicated nor found quickly.
func (s *Service) DropIndexesForLoad(ctx context.Context) (rebuild func(context.Context) error, err error) {
	q := "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'checkins' AND sql IS NOT NULL ORDER BY name"
	if s.db.Engine() == db.Postgres {
		q = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'checkins' AND schemaname = current_schema() ORDER BY indexname"
	}
	rows, err := s.db.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("checkin: list indexes: %w", err)
	}
	var names, defs []string
	for rows.Next() {
		var n, d string
		if err := rows.Scan(&n, &d); err != nil {
			rows.Close()
			return nil, err
		}
		// A partitioned table's own index is defined "ON ONLY" the parent;
		// made again without ONLY, it is built on every partition too.
		names, defs = append(names, n), append(defs, strings.Replace(d, " ON ONLY ", " ON ", 1))
	}
	rows.Close()
	for _, n := range names {
		if _, err := s.db.Exec(ctx, "DROP INDEX "+n); err != nil {
			return nil, fmt.Errorf("checkin: drop index %s: %w", n, err)
		}
	}
	return func(ctx context.Context) error {
		for i, d := range defs {
			err := s.db.Transact(ctx, func(tx *db.DB) error {
				if tx.Engine() == db.Postgres { // building an index sorts the table: give the sort memory
					if _, err := tx.Exec(ctx, "SET LOCAL maintenance_work_mem = '1GB'"); err != nil {
						return err
					}
				}
				_, err := tx.Exec(ctx, d)
				return err
			})
			if err != nil {
				return fmt.Errorf("checkin: build index %s: %w", names[i], err)
			}
		}
		// PostgreSQL answers from an index alone only for pages its
		// visibility map marks all-visible: vacuum the loaded rows once, as
		// autovacuum would in time. Both engines get fresh statistics.
		stmt := "ANALYZE checkins"
		if s.db.Engine() == db.Postgres {
			stmt = "VACUUM (ANALYZE) checkins"
		}
		_, err := s.db.Exec(ctx, stmt)
		return err
	}, nil
}
