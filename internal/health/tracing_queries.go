package health

// Queries for tracing and quarantine: the positive results that make cases,
// a person's tests and doses for the quarantine rules (a test on the day it
// is due; vaccinated or not). The callers check access and record it.

import (
	"context"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/db"
)

// Cursor is a place in the test results in the order they were stored.
type Cursor struct {
	At time.Time
	ID string
}

// PositivesSince returns the positive results among up to limit results
// stored after the cursor, and the cursor after the last result read:
// tracing's job walks every result once to register the cases. It reads by
// test_results_created (created_at, id); whether a result is positive is
// sealed, so each is opened here.
func (s *Store) PositivesSince(ctx context.Context, after Cursor, limit int) ([]Test, Cursor, error) {
	rows, err := s.db.Query(ctx, `SELECT id, person_id, source, record_key, sampled_at, result_at, details_sealed, created_at
		FROM test_results WHERE created_at >= $1 AND NOT (created_at = $1 AND id <= $2) ORDER BY created_at, id LIMIT $3`,
		db.Millis(after.At), after.ID, limit)
	if err != nil {
		return nil, after, fmt.Errorf("health: positive results: %w", err)
	}
	defer rows.Close()
	var out []Test
	next := after
	for rows.Next() {
		var x Test
		var sampled, result, created int64
		var sealed []byte
		if err := rows.Scan(&x.ID, &x.PersonID, &x.Source, &x.RecordKey, &sampled, &result, &sealed, &created); err != nil {
			return nil, after, err
		}
		next = Cursor{At: db.TimeOf(created), ID: x.ID}
		var det testDetails
		if err := s.openJSON(fieldTest, sealed, &det); err != nil {
			return nil, after, err
		}
		if !det.Positive {
			continue
		}
		x.SampledAt, x.ResultAt = db.TimeOf(sampled), db.TimeOf(result)
		x.Type, x.Positive, x.Lab, x.SampleID = det.Type, det.Positive, det.Lab, det.SampleID
		out = append(out, x)
	}
	return out, next, rows.Err()
}

// TestsOf returns a person's tests sampled from since on, oldest first.
func (s *Store) TestsOf(ctx context.Context, personID string, since time.Time) ([]Test, error) {
	all, err := s.tests(ctx, personID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, t := range all {
		if !t.SampledAt.Before(since) {
			out = append(out, t)
		}
	}
	return out, nil
}

// DosesOf returns a person's vaccine doses, oldest first.
func (s *Store) DosesOf(ctx context.Context, personID string) ([]Dose, error) {
	return s.doses(ctx, personID)
}
