package checkin

// Queries for contact tracing (package tracing): who was at the same venue
// close in time to a person's check-ins, for many persons at once, and the
// bulk path that loads a synthetic check-in history for its benchmark.
// Tracing checks access before it calls; these return internal ids only.

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
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
// within before or after it.
//
// It takes two statements. The first reads the persons' check-ins, a
// range of checkins_person (person_id, venue_id, at) each. The ranges
// around them (within either side) are merged, venue by venue, so that a
// stretch of a venue's day several traced persons visited is read once;
// the second statement reads each merged range from checkins_venue_at
// (venue_id, at, person_id). Both indexes cover their statement: no table
// row is read, and the cost grows with the check-ins found, not with the
// table. The pairs are matched here.
func (s *Service) CoVisits(ctx context.Context, ws []Window, within time.Duration) ([]CoVisit, error) {
	var out []CoVisit
	err := s.EachCoVisit(ctx, ws, within, func(v CoVisit) { out = append(out, v) })
	return out, err
}

// EachCoVisit is CoVisits calling fn with each co-visit as it is found,
// for a caller that turns tens of thousands of them into something else
// (tracing's F2s) without holding them all twice.
func (s *Service) EachCoVisit(ctx context.Context, ws []Window, within time.Duration, fn func(CoVisit)) error {
	if len(ws) == 0 {
		return nil
	}
	visits, err := s.visitsOf(ctx, ws)
	if err != nil || len(visits) == 0 {
		return err
	}
	w := within.Milliseconds()
	ranges := mergeRanges(visits, w)
	return s.neighbours(ctx, ranges, func(r int, at int64, person string) {
		rg := &ranges[r]
		vs := visits[rg.first:rg.last]
		// The visits of a range are in time order: those within w of at
		// form one run.
		i, _ := slices.BinarySearchFunc(vs, at-w, func(v visit, t int64) int { return cmp.Compare(v.at, t) })
		for ; i < len(vs) && vs[i].at <= at+w; i++ {
			if vs[i].person != person {
				fn(CoVisit{PersonID: vs[i].person, VenueID: rg.venue, At: db.TimeOf(vs[i].at), Other: person, OtherAt: db.TimeOf(at)})
			}
		}
	})
}

// visit is a traced person's check-in.
type visit struct {
	person, venue string
	at            int64
}

// visitsOf reads the windows' check-ins, ordered by venue and time.
func (s *Service) visitsOf(ctx context.Context, ws []Window) ([]visit, error) {
	var rows *sql.Rows
	var err error
	if s.db.Engine() == db.Postgres {
		persons := make([]string, len(ws))
		from := make([]int64, len(ws))
		to := make([]int64, len(ws))
		for i, x := range ws {
			persons[i], from[i], to[i] = x.PersonID, db.Millis(x.From), db.Millis(x.To)
		}
		// A LATERAL subquery fenced with OFFSET 0 stays an index range scan
		// per window (see lookupRecent), on the partitions of its days.
		rows, err = s.db.Query(ctx, `SELECT c.person_id, c.venue_id, c.at FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS w(p, f, t)
			CROSS JOIN LATERAL (SELECT person_id, venue_id, at FROM checkins WHERE person_id = w.p AND at >= w.f AND at < w.t OFFSET 0) c
			ORDER BY c.venue_id, c.at`, persons, from, to)
	} else {
		list := make([][3]any, len(ws))
		for i, x := range ws {
			list[i] = [3]any{x.PersonID, db.Millis(x.From), db.Millis(x.To)}
		}
		b, _ := json.Marshal(list)
		rows, err = s.db.Query(ctx, `SELECT c.person_id, c.venue_id, c.at FROM json_each($1) AS w
			CROSS JOIN checkins c ON c.person_id = w.value ->> 0 AND c.at >= w.value ->> 1 AND c.at < w.value ->> 2
			ORDER BY c.venue_id, c.at`, string(b))
	}
	if err != nil {
		return nil, fmt.Errorf("checkin: traced check-ins: %w", err)
	}
	defer rows.Close()
	var out []visit
	for rows.Next() {
		var v visit
		if err := rows.Scan(&v.person, &v.venue, &v.at); err != nil {
			return nil, fmt.Errorf("checkin: traced check-ins: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// span is a stretch of one venue's day to read: [from, to], and the
// visits (visits[first:last]) it is around.
type span struct {
	venue       string
	from, to    int64
	first, last int
}

// mergeRanges makes the stretches to read around visits (sorted by venue
// and time): each visit's ±w, overlapping ones merged.
func mergeRanges(visits []visit, w int64) []span {
	var out []span
	for i, v := range visits {
		if n := len(out); n > 0 && out[n-1].venue == v.venue && v.at-w <= out[n-1].to {
			out[n-1].to, out[n-1].last = v.at+w, i+1
			continue
		}
		out = append(out, span{venue: v.venue, from: v.at - w, to: v.at + w, first: i, last: i + 1})
	}
	return out
}

// neighbours reads the check-ins of the stretches and calls fn with each:
// the stretch's index, the time and the person. Person ids repeat (the
// same person in several stretches), so each is made a string once.
func (s *Service) neighbours(ctx context.Context, ranges []span, fn func(r int, at int64, person string)) error {
	var rows *sql.Rows
	var err error
	if s.db.Engine() == db.Postgres {
		venues := make([]string, len(ranges))
		from := make([]int64, len(ranges))
		to := make([]int64, len(ranges))
		for i, r := range ranges {
			venues[i], from[i], to[i] = r.venue, r.from, r.to
		}
		rows, err = s.db.Query(ctx, `SELECT r.n - 1, o.at, o.person_id
			FROM unnest($1::text[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS r(v, f, t, n)
			CROSS JOIN LATERAL (SELECT at, person_id FROM checkins WHERE venue_id = r.v AND at >= r.f AND at <= r.t OFFSET 0) o`,
			venues, from, to)
	} else {
		list := make([][3]any, len(ranges))
		for i, r := range ranges {
			list[i] = [3]any{r.venue, r.from, r.to}
		}
		b, _ := json.Marshal(list)
		rows, err = s.db.Query(ctx, `SELECT r.key, o.at, o.person_id FROM json_each($1) AS r
			CROSS JOIN checkins o ON o.venue_id = r.value ->> 0 AND o.at >= r.value ->> 1 AND o.at <= r.value ->> 2`, string(b))
	}
	if err != nil {
		return fmt.Errorf("checkin: co-visits: %w", err)
	}
	defer rows.Close()
	names := map[string]string{}
	for rows.Next() {
		var r int
		var at int64
		var raw sql.RawBytes
		if err := rows.Scan(&r, &at, &raw); err != nil {
			return fmt.Errorf("checkin: co-visits: %w", err)
		}
		person, ok := names[string(raw)]
		if !ok {
			person = string(raw)
			names[person] = person
		}
		fn(r, at, person)
	}
	return rows.Err()
}

// VenueNames returns the names of venues, id → name, in one query: the
// places of tracing's evidence.
func (s *Service) VenueNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	q, arg := "SELECT id, name FROM venues WHERE id = ANY($1::text[])", any(ids)
	if s.db.Engine() == db.SQLite {
		b, _ := json.Marshal(ids)
		q, arg = "SELECT id, name FROM venues WHERE id IN (SELECT value FROM json_each($1))", string(b)
	}
	rows, err := s.db.Query(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("checkin: venue names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
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
