package checkin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pccovid/pccovid/internal/db"
)

var checkinColumns = []string{"id", "venue_id", "person_id", "at", "method", "recorded_by", "created_at"}

const checkinSelect = "SELECT id, venue_id, person_id, at, method, recorded_by, created_at FROM checkins "

// resendWindow bounds, on PostgreSQL, how far apart in time a resend may
// be from its first sending and still be found by id: the bound lets the
// planner look in one or two daily partitions instead of all of them. A
// resend carries the scan's age, so its time differs from the first only
// by network delay and clock drift.
const resendWindow = 24 * time.Hour

// insertRows writes check-ins whose ids are new; an id already stored is
// left as it is.
func insertRows(ctx context.Context, tx *db.DB, rows []CheckIn) error {
	_, err := insertNew(ctx, tx, rows)
	return err
}

// insertNew writes the new check-ins of a batch. On SQLite they go as one
// JSON array bound to one short statement: one parse, one bind, instead of
// a statement with thousands of placeholders (measured: a fifth less CPU
// per row); the unique index on id turns a resent id into a conflict, and
// insertNew returns those ids (the writer then reads what they name).
// PostgreSQL takes the rows by COPY; its resends were found beforehand.
func insertNew(ctx context.Context, tx *db.DB, rows []CheckIn) (conflicts []string, err error) {
	if len(rows) == 0 {
		return nil, nil
	}
	if tx.Engine() == db.Postgres {
		vals := make([][]any, len(rows))
		for i, c := range rows {
			vals[i] = []any{c.ID, c.VenueID, c.PersonID, db.Millis(c.At), string(c.Method), c.RecordedBy, db.Millis(c.CreatedAt)}
		}
		return nil, tx.InsertRows(ctx, "checkins", checkinColumns, vals, "")
	}
	type row struct {
		ID, Venue, Person string
		At                int64
		Method, By        string
		Created           int64
	}
	vals := make([]row, len(rows))
	for i, c := range rows {
		vals[i] = row{c.ID, c.VenueID, c.PersonID, db.Millis(c.At), string(c.Method), c.RecordedBy, db.Millis(c.CreatedAt)}
	}
	b, err := json.Marshal(vals)
	if err != nil {
		return nil, err
	}
	res, err := tx.Query(ctx, `INSERT INTO checkins (id, venue_id, person_id, at, method, recorded_by, created_at)
		SELECT json_extract(value, '$.ID'), json_extract(value, '$.Venue'), json_extract(value, '$.Person'), json_extract(value, '$.At'),
			json_extract(value, '$.Method'), json_extract(value, '$.By'), json_extract(value, '$.Created') FROM json_each($1) WHERE true
		ON CONFLICT (id) DO NOTHING RETURNING id`, string(b))
	if err != nil {
		return nil, fmt.Errorf("checkin: insert: %w", err)
	}
	defer res.Close()
	inserted := make(map[string]bool, len(rows))
	for res.Next() {
		var id string
		if err := res.Scan(&id); err != nil {
			return nil, fmt.Errorf("checkin: insert: %w", err)
		}
		inserted[id] = true
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("checkin: insert: %w", err)
	}
	for _, r := range rows {
		if !inserted[r.ID] {
			conflicts = append(conflicts, r.ID)
		}
	}
	return conflicts, nil
}

// byIDs reads the check-ins with these ids (SQLite: after a conflict).
func byIDs(ctx context.Context, tx *db.DB, ids []string) ([]CheckIn, error) {
	b, _ := json.Marshal(ids)
	return queryCheckIns(ctx, tx, checkinSelect+"WHERE id IN (SELECT value FROM json_each($1))", string(b))
}

// lookupRecent finds, for a batch, the stored check-ins with the same ids
// and those of the same person at the same venue within the double-scan
// window: one query, an index probe per check-in on checkins_id and
// checkins_person (person_id, venue_id, at).
func lookupRecent(ctx context.Context, tx *db.DB, batch []*pending) ([]CheckIn, error) {
	ids := make([]string, len(batch))
	persons := make([]string, len(batch))
	venues := make([]string, len(batch))
	for i, p := range batch {
		ids[i], persons[i], venues[i] = p.ci.ID, p.ci.PersonID, p.ci.VenueID
	}
	lo, hi := batchSpan(batch)
	near := []any{db.Millis(lo.Add(-DoubleWindow)), db.Millis(hi.Add(DoubleWindow))}
	if tx.Engine() == db.Postgres {
		// LATERAL joins fenced with OFFSET 0 keep the plan an index probe
		// per check-in even when PostgreSQL plans the prepared statement
		// generically: unfenced, the generic plan hash-joins against a
		// scan of the whole time window (every row, under load).
		return queryCheckIns(ctx, tx, `SELECT c.* FROM unnest($1::text[]) AS b(id)
			CROSS JOIN LATERAL (SELECT id, venue_id, person_id, at, method, recorded_by, created_at FROM checkins
				WHERE id = b.id AND at BETWEEN $4 AND $5 OFFSET 0) c
			UNION ALL SELECT c.* FROM unnest($2::text[], $3::text[]) AS b(p, v)
			CROSS JOIN LATERAL (SELECT id, venue_id, person_id, at, method, recorded_by, created_at FROM checkins
				WHERE person_id = b.p AND venue_id = b.v AND at BETWEEN $6 AND $7 OFFSET 0) c`,
			ids, persons, venues, db.Millis(lo.Add(-resendWindow)), db.Millis(hi.Add(resendWindow)), near[0], near[1])
	}
	// SQLite: no probe by id here. The id index is unique over the whole
	// table, so the insert itself finds a resend, however late it comes
	// (insertRows), and a resend sent soon after is also the same person
	// at the same venue, found below. Half the probes of the batch.
	pairs := make([][2]string, len(batch))
	for i := range pairs {
		pairs[i] = [2]string{persons[i], venues[i]}
	}
	pairsJSON, _ := json.Marshal(pairs)
	return queryCheckIns(ctx, tx, checkinSelect+
		"WHERE (person_id, venue_id) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each($1)) AND at BETWEEN $2 AND $3",
		string(pairsJSON), near[0], near[1])
}

func queryCheckIns(ctx context.Context, d *db.DB, query string, args ...any) ([]CheckIn, error) {
	rows, err := d.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("checkin: read check-ins: %w", err)
	}
	defer rows.Close()
	var out []CheckIn
	for rows.Next() {
		var c CheckIn
		var at, created int64
		var method string
		if err := rows.Scan(&c.ID, &c.VenueID, &c.PersonID, &at, &method, &c.RecordedBy, &created); err != nil {
			return nil, fmt.Errorf("checkin: read check-ins: %w", err)
		}
		c.At, c.CreatedAt, c.Method = db.TimeOf(at), db.TimeOf(created), Method(method)
		out = append(out, c)
	}
	return out, rows.Err()
}

// At lists the check-ins at a venue from from (inclusive) to to
// (exclusive), in time order. It is for tracing, which checks access
// before it calls: it returns person ids, nothing more about them.
// Indexed by (venue_id, at); on PostgreSQL only the days' partitions are
// read.
func (s *Service) At(ctx context.Context, venueID string, from, to time.Time) ([]CheckIn, error) {
	return queryCheckIns(ctx, s.db, checkinSelect+"WHERE venue_id = $1 AND at >= $2 AND at < $3 ORDER BY at, id",
		venueID, db.Millis(from), db.Millis(to))
}

// ForPerson lists a person's check-ins from from (inclusive) to to
// (exclusive), in time order. Indexed by (person_id, venue_id, at): a
// person has a few dozen check-ins in the retention window, read from one
// run of the index.
func (s *Service) ForPerson(ctx context.Context, personID string, from, to time.Time) ([]CheckIn, error) {
	return queryCheckIns(ctx, s.db, checkinSelect+"WHERE person_id = $1 AND at >= $2 AND at < $3 ORDER BY at, id",
		personID, db.Millis(from), db.Millis(to))
}

// Visit is a check-in with its venue, for the person's own list.
type Visit struct {
	CheckIn
	Venue Venue
}

// Recent lists a person's own check-ins within the retention window,
// newest first, with their venues: what the citizen sees of themselves.
func (s *Service) Recent(ctx context.Context, personID string, limit int) ([]Visit, error) {
	now := s.clock.Now()
	cs, err := queryCheckIns(ctx, s.db, checkinSelect+"WHERE person_id = $1 AND at >= $2 AND at <= $3 ORDER BY at DESC, id LIMIT $4",
		personID, db.Millis(now.Add(-s.cfg.Retention)), db.Millis(now.Add(time.Minute)), limit)
	if err != nil {
		return nil, err
	}
	out := make([]Visit, len(cs))
	for i, c := range cs {
		v, err := s.venueByID(ctx, c.VenueID)
		if err != nil {
			return nil, err
		}
		out[i] = Visit{CheckIn: c, Venue: v}
	}
	return out, nil
}

// Purge deletes the check-ins older than the retention window. On
// PostgreSQL whole days go by dropping their partitions. It returns how
// many rows of the boundary day were deleted (dropped partitions are not
// counted row by row) and how many day partitions were dropped.
func (s *Service) Purge(ctx context.Context) (rows int64, days int, err error) {
	cutoff := s.clock.Now().Add(-s.cfg.Retention)
	if s.db.Engine() == db.Postgres {
		if days, err = s.parts.dropBefore(ctx, s.db, cutoff); err != nil {
			return 0, days, err
		}
	}
	for { // in slices, so a big purge never holds the writer for long
		res, err := s.db.Exec(ctx, purgeSlice[s.db.Engine()], db.Millis(cutoff))
		if err != nil {
			return rows, days, fmt.Errorf("checkin: purge: %w", err)
		}
		n, _ := res.RowsAffected()
		rows += n
		if n < purgeSliceRows {
			return rows, days, nil
		}
	}
}

const purgeSliceRows = 10000

// purgeSlice deletes up to 10000 old rows. There is no index on at alone
// (it would cost every check-in one more B-tree insert for a job that runs
// every few minutes); the old rows are found venue by venue, each a range
// at the start of its run of checkins_venue_at (venues are never deleted).
// CROSS JOIN makes SQLite loop over the venues outside (a seek each), not
// over the whole index. On PostgreSQL a row is named by (tableoid, ctid): a
// ctid alone repeats across partitions.
var purgeSlice = map[db.Engine]string{
	db.SQLite: `DELETE FROM checkins WHERE rowid IN (SELECT c.rowid FROM venues v
		CROSS JOIN checkins c ON c.venue_id = v.id AND c.at < $1 LIMIT 10000)`,
	db.Postgres: `DELETE FROM checkins WHERE at < $1 AND (tableoid, ctid) IN (SELECT c.tableoid, c.ctid FROM venues v
		JOIN checkins c ON c.venue_id = v.id AND c.at < $1 LIMIT 10000)`,
}

// partitions keeps PostgreSQL's daily partitions of checkins: one table
// per UTC day, checkin_partitions.checkins_YYYYMMDD, made before the first
// check-in of the day needs it and dropped when the day leaves the
// retention window. On SQLite it does nothing.
type partitions struct {
	mu    sync.Mutex
	known map[int64]bool // UTC day number → exists
}

const dayMillis = int64(24 * time.Hour / time.Millisecond)

// ensure makes sure every day from lo to hi has its partition.
func (p *partitions) ensure(ctx context.Context, d *db.DB, lo, hi time.Time) error {
	if d.Engine() != db.Postgres {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.known == nil {
		p.known = map[int64]bool{}
	}
	for day := lo.UnixMilli() / dayMillis; day <= hi.UnixMilli()/dayMillis; day++ {
		if p.known[day] {
			continue
		}
		start := day * dayMillis
		name := "checkin_partitions.checkins_" + time.UnixMilli(start).UTC().Format("20060102")
		_, err := d.Exec(ctx, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s PARTITION OF checkins FOR VALUES FROM (%d) TO (%d)",
			name, start, start+dayMillis))
		if err != nil && !strings.Contains(err.Error(), "already exists") {
			return fmt.Errorf("checkin: partition %s: %w", name, err)
		}
		p.known[day] = true
	}
	return nil
}

// EnsurePartitions makes the partitions of today and the next two days,
// so no check-in waits for one. The housekeeping job calls it.
func (s *Service) EnsurePartitions(ctx context.Context) error {
	now := s.clock.Now()
	return s.parts.ensure(ctx, s.db, now.Add(-time.Hour), now.Add(48*time.Hour))
}

// dropBefore drops the partitions that end at or before cutoff.
func (p *partitions) dropBefore(ctx context.Context, d *db.DB, cutoff time.Time) (int, error) {
	rows, err := d.Query(ctx, `SELECT c.relname FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class parent ON parent.oid = i.inhparent
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE parent.relname = 'checkins' AND n.nspname = 'checkin_partitions'`)
	if err != nil {
		return 0, fmt.Errorf("checkin: list partitions: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return 0, err
		}
		names = append(names, n)
	}
	rows.Close()
	dropped := 0
	for _, n := range names {
		day, err := time.Parse("20060102", strings.TrimPrefix(n, "checkins_"))
		if err != nil || day.Add(24*time.Hour).After(cutoff) {
			continue
		}
		if _, err := d.Exec(ctx, "DROP TABLE IF EXISTS checkin_partitions."+n); err != nil {
			return dropped, fmt.Errorf("checkin: drop partition %s: %w", n, err)
		}
		p.mu.Lock()
		delete(p.known, day.UnixMilli()/dayMillis)
		p.mu.Unlock()
		dropped++
	}
	return dropped, nil
}
