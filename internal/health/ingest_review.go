package health

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/facility"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/linkage"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// ReviewItem is an incoming record waiting for an official to say who it
// is about, with what the facility said of the person and the candidate
// the rules found, if any.
type ReviewItem struct {
	ID           string // the record's id (what it becomes once tied)
	FacilityID   string
	FacilityName string
	Kind         Kind
	ExternalID   string
	ReceivedAt   time.Time
	Reason       string // ReasonNoCandidate or ReasonUncertain
	Area         string
	// Candidate is the person the rules found closest, "" when none; the
	// evidence says field by field why it was not enough.
	Candidate string
	Evidence  linkage.Evidence
	// What the facility said of the person.
	FullName, Sex, CCCD, CMND, Passport, Phone, Address string
	BirthDate                                           vn.Date
	// What the record holds.
	TestType           string
	Positive           bool
	SampledAt          time.Time
	DoseNumber         int
	Vaccine, DoseDate  string
	Decided, DecidedBy string
}

// checkReview allows officials who review records for linkage.
func checkReview(req access.Request) error {
	if req.Actor.Kind != access.KindOfficial || req.Purpose != access.PurposeLinkageReview || !req.Purpose.Allows(req.Actor.Role) {
		return fmt.Errorf("health: reviewing records needs the purpose %s: %w", access.PurposeLinkageReview, problem.ErrForbidden)
	}
	return nil
}

// areaPattern matches the areas an actor's scope covers, for LIKE.
func areaPattern(s access.Scope) string {
	if s == access.Country {
		return "%"
	}
	return string(s) + "%"
}

const reviewColumns = `h.id, h.facility_id, f.name, h.kind, h.external_id, h.received_at, h.reason, h.area, h.candidate_id,
	h.evidence, h.record_sealed, h.status, h.decided_by`

// Reviews lists the records waiting for review in the official's area,
// oldest first. The listing is recorded in the audit trail.
func (in *Ingest) Reviews(ctx context.Context, req access.Request, limit int) ([]ReviewItem, error) {
	if err := checkReview(req); err != nil {
		return nil, err
	}
	rows, err := in.db.Query(ctx, `SELECT `+reviewColumns+` FROM health_ingest h JOIN facilities f ON f.id = h.facility_id
		WHERE h.status = 'review' AND h.area LIKE $1 ORDER BY h.received_at, h.id LIMIT $2`, areaPattern(req.Actor.Scope), limit)
	if err != nil {
		return nil, fmt.Errorf("health: reviews: %w", err)
	}
	defer rows.Close()
	var out []ReviewItem
	for rows.Next() {
		it, err := in.scanReview(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, in.guard.Record(ctx, req, "health.review.list", "", fmt.Sprintf("%d records", len(out)))
}

// Review returns one record under review (or decided), for an official
// whose area covers it; the read is recorded.
func (in *Ingest) Review(ctx context.Context, req access.Request, id string) (ReviewItem, error) {
	if err := checkReview(req); err != nil {
		return ReviewItem{}, err
	}
	it, err := in.scanReview(in.db.QueryRow(ctx, `SELECT `+reviewColumns+` FROM health_ingest h
		JOIN facilities f ON f.id = h.facility_id WHERE h.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return it, fmt.Errorf("health: record %s: %w", id, problem.ErrNotFound)
	}
	if err != nil {
		return it, err
	}
	if !req.Actor.Scope.Covers(it.Area) {
		return ReviewItem{}, fmt.Errorf("health: record %s is outside your area: %w", id, problem.ErrForbidden)
	}
	return it, in.guard.Record(ctx, req, "health.review.view", it.Candidate, it.ID)
}

func (in *Ingest) scanReview(row interface{ Scan(...any) error }) (ReviewItem, error) {
	var it ReviewItem
	var kind, evidence string
	var received int64
	var sealed []byte
	if err := row.Scan(&it.ID, &it.FacilityID, &it.FacilityName, &kind, &it.ExternalID, &received, &it.Reason, &it.Area,
		&it.Candidate, &evidence, &sealed, &it.Decided, &it.DecidedBy); err != nil {
		return it, err
	}
	it.Kind, it.ReceivedAt = Kind(kind), db.TimeOf(received)
	if evidence != "" {
		json.Unmarshal([]byte(evidence), &it.Evidence)
	}
	var r incoming
	if err := openJSONWith(in.sealer, fieldRecord, sealed, &r); err != nil {
		return it, err
	}
	s := r.Subject
	it.FullName, it.Sex, it.CCCD, it.CMND, it.Passport, it.Phone, it.Address = s.FullName, s.Sex, s.CCCD, s.CMND, s.Passport, string(s.Phone), s.Address
	it.BirthDate = s.BirthDate
	it.TestType, it.Positive, it.SampledAt = r.TestType, r.Positive, r.SampledAt
	it.DoseNumber, it.Vaccine = r.DoseNumber, r.ProductName
	if !r.Date.IsZero() {
		it.DoseDate = r.Date.String()
	}
	return it, nil
}

// Decide ties a record under review to the person the official found it
// is about: the candidate, or another person they looked up. The record's
// result or dose is then stored as if it had been tied on arrival, and a
// positive result registers the case. The decision is recorded.
func (in *Ingest) Decide(ctx context.Context, req access.Request, id, personID string) error {
	if err := checkReview(req); err != nil {
		return err
	}
	sub, err := in.Persons.Subject(ctx, personID)
	if err != nil {
		return err
	}
	if err := in.guard.Read(ctx, req, "health.review.decide", sub); err != nil {
		return err
	}
	return in.tie(ctx, req, id, personID, sub.Area, nil)
}

// NewPerson settles a record under review about someone the platform does
// not know (a foreigner, a person in no registry): an unverified person is
// made from the record, and the record is tied to them.
func (in *Ingest) NewPerson(ctx context.Context, req access.Request, id string) (string, error) {
	if err := checkReview(req); err != nil {
		return "", err
	}
	it, err := in.Review(ctx, req, id)
	if err != nil {
		return "", err
	}
	sex, _ := vn.ParseSex(it.Sex)
	phone, _ := vn.ParsePhone(it.Phone)
	u := identity.Unverified{ID: in.Persons.RecordID(ingestSource, id), FullName: it.FullName, BirthDate: it.BirthDate,
		Sex: sex, Phone: phone, Source: ingestSource, SourceKey: id}
	if len(it.Area) == 5 {
		u.Ward = it.Area
	}
	if len(it.Area) >= 2 {
		u.Province = it.Area[:2]
	}
	err = in.tie(ctx, req, id, u.ID, it.Area, &u)
	if err == nil {
		err = in.guard.Record(ctx, req, "health.review.new_person", u.ID, id)
	}
	return u.ID, err
}

// tie stores a reviewed record for person in one transaction, creating the
// unverified person first when u is given. A reviewed record teaches its
// person no identifiers: what made it uncertain (a number one digit off,
// a relative's phone) must not tie the next record.
func (in *Ingest) tie(ctx context.Context, req access.Request, id, person, area string, u *identity.Unverified) error {
	var cases []ConfirmedCase
	err := in.db.Transact(ctx, func(tx *db.DB) error {
		var facilityID, status string
		var sealed []byte
		err := tx.QueryRow(ctx, "SELECT facility_id, status, record_sealed FROM health_ingest WHERE id = $1", id).
			Scan(&facilityID, &status, &sealed)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("health: record %s: %w", id, problem.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if status != string(StatusReview) {
			return problem.Field("record", "Bản ghi này đã được xử lý", "this record has been settled already")
		}
		var r incoming
		if err := openJSONWith(in.sealer, fieldRecord, sealed, &r); err != nil {
			return err
		}
		f, err := in.Facilities.Get(ctx, facilityID)
		if err != nil {
			return err
		}
		if u != nil {
			if err := in.Persons.InsertUnverified(ctx, tx, []identity.Unverified{*u}); err != nil {
				return err
			}
		}
		if cases, err = in.store(ctx, tx, f, []tiedRecord{{rec: &r, id: id, person: person, area: area}}); err != nil {
			return err
		}
		return in.markDecided(ctx, tx, req, id, person)
	})
	if err != nil {
		return err
	}
	in.deliverCases(ctx, cases)
	return nil
}

func (in *Ingest) markDecided(ctx context.Context, tx *db.DB, req access.Request, id, person string) error {
	now := db.Millis(in.clock.Now())
	res, err := tx.Exec(ctx, `UPDATE health_ingest SET status = 'linked', person_id = $1, method = $2, decided_by = $3,
		decided_at = $4 WHERE id = $5 AND status = 'review'`, person, linkage.MethodReview, req.Actor.ID, now, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("health: record %s was settled meanwhile: %w", id, problem.ErrConflict)
	}
	return nil
}

// Status says what became of a record a facility sent: linked (with its
// person) or still waiting for review. Only the facility that sent it
// may ask.
func (in *Ingest) Status(ctx context.Context, f facility.Facility, id string) (Outcome, error) {
	var o Outcome
	var kind, status string
	err := in.db.QueryRow(ctx, `SELECT kind, external_id, id, status, COALESCE(person_id, ''), reason FROM health_ingest
		WHERE facility_id = $1 AND id = $2`, f.ID, id).Scan(&kind, &o.ExternalID, &o.ID, &status, &o.PersonID, &o.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("health: record %s of %s: %w", id, f.Code, problem.ErrNotFound)
	}
	o.Kind, o.Status = Kind(kind), Status(status)
	return o, err
}
