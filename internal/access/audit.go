package access

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/seal"
)

// Entry is one line of the audit trail.
type Entry struct {
	Seq       int64
	At        time.Time
	Actor     Actor
	Purpose   Purpose
	Ref       string
	Action    string // what was done: "person.view", "person.search", "case.trace"…
	SubjectID string // the person whose data was read, if any
	Detail    string // never personal data: ids and counts only
	mac       []byte
}

// Trail is the append-only, hash-chained audit trail. Each entry's MAC
// covers the previous entry's MAC and every field of the entry, under a key
// derived from the key file, so that anyone who edits, deletes or inserts a
// line without the key breaks the chain from that point on.
type Trail struct {
	db     *db.DB
	sealer *seal.Sealer
	clock  clock.Clock
}

// NewTrail returns the audit trail stored in d.
func NewTrail(d *db.DB, s *seal.Sealer, c clock.Clock) *Trail {
	return &Trail{db: d, sealer: s, clock: c}
}

const auditLock = 7267928

var genesis = make([]byte, 32)

// Append writes entries to the trail, in order, and returns them with their
// sequence numbers. Appends are serialised so that the chain has one order.
func (t *Trail) Append(ctx context.Context, entries ...Entry) ([]Entry, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	now := t.clock.Now().UTC().Truncate(time.Millisecond)
	out := make([]Entry, len(entries))
	err := t.db.Transact(ctx, func(tx *db.DB) error {
		if tx.Engine() == db.Postgres {
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", auditLock); err != nil {
				return err
			}
		}
		seq, prev, err := lastLink(ctx, tx)
		if err != nil {
			return err
		}
		for i, e := range entries {
			seq++
			e.Seq, e.At = seq, now
			e.mac = t.link(prev, e)
			if err := insertEntry(ctx, tx, e, prev); err != nil {
				return err
			}
			prev, out[i] = e.mac, e
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("access: audit append: %w", err)
	}
	return out, nil
}

func lastLink(ctx context.Context, tx *db.DB) (int64, []byte, error) {
	var seq int64
	var mac []byte
	err := tx.QueryRow(ctx, "SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&seq, &mac)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, genesis, nil
	}
	return seq, mac, err
}

func insertEntry(ctx context.Context, tx *db.DB, e Entry, prev []byte) error {
	a := e.Actor
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (seq, at, actor_kind, actor_id, actor_name, actor_role, actor_scope,
		purpose, purpose_ref, action, subject_id, detail, prev_mac, mac)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		e.Seq, db.Millis(e.At), string(a.Kind), a.ID, a.Name, string(a.Role), string(a.Scope),
		string(e.Purpose), e.Ref, e.Action, e.SubjectID, e.Detail, prev, e.mac)
	return err
}

// link computes an entry's MAC from the previous MAC and its fields.
func (t *Trail) link(prev []byte, e Entry) []byte {
	a := e.Actor
	return t.sealer.MAC("audit-chain", prev,
		[]byte(strconv.FormatInt(e.Seq, 10)), []byte(strconv.FormatInt(db.Millis(e.At), 10)),
		[]byte(a.Kind), []byte(a.ID), []byte(a.Name), []byte(a.Role), []byte(a.Scope),
		[]byte(e.Purpose), []byte(e.Ref), []byte(e.Action), []byte(e.SubjectID), []byte(e.Detail))
}

const entryColumns = `seq, at, actor_kind, actor_id, actor_name, actor_role, actor_scope,
	purpose, purpose_ref, action, subject_id, detail, prev_mac, mac`

func scanEntry(rows *sql.Rows) (Entry, []byte, error) {
	var e Entry
	var at int64
	var kind, role, scope, purpose string
	var prev []byte
	err := rows.Scan(&e.Seq, &at, &kind, &e.Actor.ID, &e.Actor.Name, &role, &scope,
		&purpose, &e.Ref, &e.Action, &e.SubjectID, &e.Detail, &prev, &e.mac)
	e.At = db.TimeOf(at)
	e.Actor.Kind, e.Actor.Role, e.Actor.Scope, e.Purpose = ActorKind(kind), Role(role), Scope(scope), Purpose(purpose)
	return e, prev, err
}

// ForSubject returns the newest entries about a person, newest first: what a
// citizen sees on "who accessed my data".
func (t *Trail) ForSubject(ctx context.Context, personID string, limit int) ([]Entry, error) {
	rows, err := t.db.Query(ctx, "SELECT "+entryColumns+" FROM audit_log WHERE subject_id = $1 ORDER BY seq DESC LIMIT $2",
		personID, limit)
	if err != nil {
		return nil, fmt.Errorf("access: audit for subject: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, _, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// VerifyReport is the result of checking the whole chain.
type VerifyReport struct {
	Entries int64
	// Head is the last sequence number and MAC; an operator who keeps it
	// outside the database can later detect a truncated tail.
	HeadSeq int64
	HeadMAC string
	// Broken lists what is wrong, at most a few lines; empty when intact.
	Broken []string
}

// OK reports whether the chain is intact.
func (r VerifyReport) OK() bool { return len(r.Broken) == 0 }

// Verify walks the whole trail and recomputes every link. It finds an edited
// entry (its MAC no longer matches), a deleted one (a gap in the sequence, and
// the next entry's link to it), and an inserted one.
func (t *Trail) Verify(ctx context.Context) (VerifyReport, error) {
	var r VerifyReport
	rows, err := t.db.Query(ctx, "SELECT "+entryColumns+" FROM audit_log ORDER BY seq")
	if err != nil {
		return r, fmt.Errorf("access: audit verify: %w", err)
	}
	defer rows.Close()
	prev, want := genesis, int64(1)
	for rows.Next() {
		e, storedPrev, err := scanEntry(rows)
		if err != nil {
			return r, err
		}
		r.Entries++
		if e.Seq != want {
			r.Broken = append(r.Broken, fmt.Sprintf("entries %d to %d are missing", want, e.Seq-1))
		}
		if !bytes.Equal(storedPrev, prev) {
			r.Broken = append(r.Broken, fmt.Sprintf("entry %d does not follow the entry before it", e.Seq))
		}
		if !bytes.Equal(t.link(storedPrev, e), e.mac) {
			r.Broken = append(r.Broken, fmt.Sprintf("entry %d was changed after it was written", e.Seq))
		}
		prev, want = e.mac, e.Seq+1
		r.HeadSeq, r.HeadMAC = e.Seq, hex.EncodeToString(e.mac)
		if len(r.Broken) > 20 {
			r.Broken = append(r.Broken, "… stopping after 20 problems")
			break
		}
	}
	return r, rows.Err()
}
