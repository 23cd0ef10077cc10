package takeover

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/linkage"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Review statuses.
const (
	ReviewOpen       = "open"
	ReviewConfirmed  = "confirmed"
	ReviewRejected   = "rejected"
	ReviewSuperseded = "superseded"
)

// ReviewItem is a pair no rule could decide: a taken-over record, kept on a
// person of its own, and a registry citizen it may be.
type ReviewItem struct {
	ID          string
	Source      string
	RecordKey   string
	CandidateID string
	Area        string
	Score       float64
	Evidence    linkage.Evidence
	Status      string
	DecidedBy   string
	DecidedAt   time.Time
	CreatedAt   time.Time
}

// RecordProfile is what a taken-over record said about its person.
type RecordProfile struct {
	Source, Key string
	PersonID    string // the person it is tied to now
	Method      string
	Evidence    linkage.Evidence
	RecordedAt  time.Time
	FullName    string
	BirthDate   string
	Sex         string
	CCCD, CMND  string
	Passport    string
	Phones      []string
	Place       string // ward, district, province codes, most precise first
}

// reviewAllowed: who may decide pairs (the purpose's roles).
func reviewRequest(req access.Request) error {
	if req.Purpose != access.PurposeLinkageReview || !req.Purpose.Allows(req.Actor.Role) {
		return fmt.Errorf("takeover: reviewing links needs the purpose %s and a role that serves it: %w",
			access.PurposeLinkageReview, problem.ErrForbidden)
	}
	return nil
}

// Reviews lists review items of a status within the official's area,
// oldest first.
func (s *Service) Reviews(ctx context.Context, req access.Request, status string, limit int) ([]ReviewItem, error) {
	if err := reviewRequest(req); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, source, record_key, candidate_id, area, score, evidence, status, decided_by,
		decided_at, created_at FROM linkage_reviews WHERE status = $1 ORDER BY created_at, id`, status)
	if err != nil {
		return nil, fmt.Errorf("takeover: reviews: %w", err)
	}
	defer rows.Close()
	var out []ReviewItem
	for rows.Next() && len(out) < limit {
		it, err := scanReview(rows)
		if err != nil {
			return nil, err
		}
		if req.Actor.Scope.Covers(it.Area) {
			out = append(out, it)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.guard.Record(ctx, req, "linkage.review.list", "", fmt.Sprintf("%d %s items", len(out), status))
}

func scanReview(row interface{ Scan(...any) error }) (ReviewItem, error) {
	var it ReviewItem
	var ev string
	var decided, created int64
	if err := row.Scan(&it.ID, &it.Source, &it.RecordKey, &it.CandidateID, &it.Area, &it.Score, &ev, &it.Status,
		&it.DecidedBy, &decided, &created); err != nil {
		return it, err
	}
	it.DecidedAt, it.CreatedAt = db.TimeOf(decided), db.TimeOf(created)
	if ev != "" {
		if err := json.Unmarshal([]byte(ev), &it.Evidence); err != nil {
			return it, fmt.Errorf("takeover: review %s evidence: %w", it.ID, err)
		}
	}
	return it, nil
}

// ReviewView is a pair shown side by side.
type ReviewView struct {
	Item      ReviewItem
	Record    RecordProfile
	Candidate identity.Person
}

// Review opens one pair for an official: the record's evidence and the
// candidate citizen's, after checking the access to both people.
func (s *Service) Review(ctx context.Context, req access.Request, id string) (ReviewView, error) {
	var v ReviewView
	if err := reviewRequest(req); err != nil {
		return v, err
	}
	it, err := s.reviewItem(ctx, s.db, id)
	if err != nil {
		return v, err
	}
	rec, err := s.recordProfile(ctx, it.Source, it.RecordKey)
	if err != nil {
		return v, err
	}
	sub, err := s.persons.Subject(ctx, rec.PersonID)
	if err != nil {
		return v, err
	}
	if err := s.guard.Read(ctx, req, "linkage.review.view", sub); err != nil {
		return v, err
	}
	cand, err := s.persons.Get(ctx, req, it.CandidateID)
	if err != nil {
		return v, err
	}
	return ReviewView{Item: it, Record: rec, Candidate: cand}, nil
}

func (s *Service) reviewItem(ctx context.Context, d *db.DB, id string) (ReviewItem, error) {
	it, err := scanReview(d.QueryRow(ctx, `SELECT id, source, record_key, candidate_id, area, score, evidence, status,
		decided_by, decided_at, created_at FROM linkage_reviews WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return it, fmt.Errorf("takeover: review %s: %w", id, problem.ErrNotFound)
	}
	return it, err
}

// recordProfile opens a taken-over record's stored evidence.
func (s *Service) recordProfile(ctx context.Context, source, key string) (RecordProfile, error) {
	rp := RecordProfile{Source: source, Key: key}
	var ev string
	var sealed []byte
	var at int64
	err := s.db.QueryRow(ctx, `SELECT person_id, method, evidence, profile_sealed, recorded_at FROM legacy_records
		WHERE source = $1 AND record_key = $2`, source, key).Scan(&rp.PersonID, &rp.Method, &ev, &sealed, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return rp, fmt.Errorf("takeover: record %s/%s: %w", source, key, problem.ErrNotFound)
	}
	if err != nil {
		return rp, fmt.Errorf("takeover: record %s/%s: %w", source, key, err)
	}
	rp.RecordedAt = db.TimeOf(at)
	json.Unmarshal([]byte(ev), &rp.Evidence)
	b, err := s.sealer.Open(fieldProfile, sealed)
	if err != nil {
		return rp, err
	}
	var sp storedProfile
	if err := json.Unmarshal(b, &sp); err != nil {
		return rp, err
	}
	rp.FullName, rp.BirthDate, rp.Sex = sp.Name, sp.Birth, sp.Sex
	rp.CCCD, rp.CMND, rp.Passport, rp.Phones = sp.CCCD, sp.CMND, sp.Passport, sp.Phones
	rp.Place = strings.TrimSpace(strings.Join([]string{sp.Ward, sp.District, sp.Province}, " "))
	return rp, nil
}

// Decide confirms (the record is the candidate's) or rejects a pair. A
// confirmation moves the record and everything it brought — declarations,
// doses, tests, identifiers, Bluezone id — to the candidate, in one
// transaction; other open pairs of the record are closed. Both are audited.
func (s *Service) Decide(ctx context.Context, req access.Request, id string, confirm bool) error {
	if err := reviewRequest(req); err != nil {
		return err
	}
	now := s.clock.Now()
	var it ReviewItem
	err := s.db.Transact(ctx, func(tx *db.DB) error {
		var err error
		if it, err = s.reviewItem(ctx, tx, id); err != nil {
			return err
		}
		if it.Status != ReviewOpen {
			return problem.Field("review", "Cặp này đã được quyết định", "this pair was already decided")
		}
		if !req.Actor.Scope.Covers(it.Area) {
			return fmt.Errorf("takeover: review %s is outside the area %s: %w", id, req.Actor.Scope, problem.ErrForbidden)
		}
		status := ReviewRejected
		if confirm {
			status = ReviewConfirmed
			if err := s.moveRecord(ctx, tx, it); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, "UPDATE linkage_reviews SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4",
			status, req.Actor.ID, db.Millis(now), id)
		return err
	})
	if err != nil {
		return err
	}
	action := "linkage.review.reject"
	if confirm {
		action = "linkage.review.confirm"
	}
	return s.guard.Record(ctx, req, action, it.CandidateID, it.Source+"/"+it.RecordKey)
}

func (s *Service) moveRecord(ctx context.Context, tx *db.DB, it ReviewItem) error {
	var from string
	if err := tx.QueryRow(ctx, "SELECT person_id FROM legacy_records WHERE source = $1 AND record_key = $2",
		it.Source, it.RecordKey).Scan(&from); err != nil {
		return fmt.Errorf("takeover: record %s/%s: %w", it.Source, it.RecordKey, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE legacy_records SET person_id = $1, method = $2 WHERE source = $3 AND record_key = $4`,
		it.CandidateID, linkage.MethodReview, it.Source, it.RecordKey); err != nil {
		return err
	}
	steps := []func() error{
		func() error { return s.persons.ReassignRecord(ctx, tx, it.Source, it.RecordKey, from, it.CandidateID) },
		func() error { return s.health.Reassign(ctx, tx, it.Source, it.RecordKey, it.CandidateID) },
		func() error { return s.decls.Reassign(ctx, tx, it.Source, it.RecordKey, it.CandidateID) },
		func() error {
			if it.Source != "bluezone" {
				return nil
			}
			return s.bluezone.Reassign(ctx, tx, it.RecordKey, it.CandidateID)
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `UPDATE linkage_reviews SET status = $1 WHERE source = $2 AND record_key = $3 AND id <> $4 AND status = $5`,
		ReviewSuperseded, it.Source, it.RecordKey, it.ID, ReviewOpen)
	return err
}

// RecordsOf lists the taken-over records tied to a person, with how each
// was linked — the evidence an official sees on the person's page.
func (s *Service) RecordsOf(ctx context.Context, req access.Request, personID string) ([]RecordProfile, error) {
	sub, err := s.persons.Subject(ctx, personID)
	if err != nil {
		return nil, err
	}
	if err := s.guard.Read(ctx, req, "person.records", sub); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, "SELECT source, record_key FROM legacy_records WHERE person_id = $1 ORDER BY recorded_at, source, record_key", personID)
	if err != nil {
		return nil, fmt.Errorf("takeover: records of person: %w", err)
	}
	var keys [][2]string
	for rows.Next() {
		var k [2]string
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			rows.Close()
			return nil, err
		}
		keys = append(keys, k)
	}
	rows.Close()
	out := make([]RecordProfile, 0, len(keys))
	for _, k := range keys {
		rp, err := s.recordProfile(ctx, k[0], k[1])
		if err != nil {
			return nil, err
		}
		out = append(out, rp)
	}
	return out, nil
}

// PlaceName spells a record's place codes for people.
func PlaceName(codes string) string {
	for _, c := range strings.Fields(codes) {
		if u, ok := vn.AdminUnits().Lookup(c); ok {
			if p, d, w, ok := vn.AdminUnits().WardPath(c); ok {
				return w.FullName + ", " + d.FullName + ", " + p.FullName
			}
			return u.FullName
		}
	}
	return ""
}
