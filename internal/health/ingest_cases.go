package health

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/db"
)

// eventAt is when the record's event happened: sampling or vaccination.
func (r *incoming) eventAt() time.Time {
	if r.Kind == KindDose {
		return r.Date.Time().UTC()
	}
	return r.SampledAt
}

// queueCase writes a confirmed case to the outbox in the transaction that
// stores its result.
func (in *Ingest) queueCase(ctx context.Context, tx *db.DB, c ConfirmedCase) error {
	_, err := tx.Exec(ctx, `INSERT INTO health_case_outbox (test_id, person_id, sampled_at, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (test_id) DO NOTHING`,
		c.TestID, c.PersonID, db.Millis(c.SampledAt), db.Millis(in.clock.Now()))
	if err != nil {
		return fmt.Errorf("health: queue case: %w", err)
	}
	return nil
}

// deliverCases hands the cases of a committed submission to tracing. A
// failure is logged and left in the outbox for DeliverCases.
func (in *Ingest) deliverCases(ctx context.Context, cases []ConfirmedCase) {
	if in.Cases == nil {
		return
	}
	for _, c := range cases {
		if err := in.deliver(ctx, c); err != nil {
			in.Log.WarnContext(ctx, "register case", "test", c.TestID, "err", err)
		}
	}
}

func (in *Ingest) deliver(ctx context.Context, c ConfirmedCase) error {
	err := in.Cases.RegisterCase(ctx, c)
	now := db.Millis(in.clock.Now())
	if err != nil {
		_, uerr := in.db.Exec(ctx, `UPDATE health_case_outbox SET attempts = attempts + 1, last_error = $1
			WHERE test_id = $2`, shorten(err.Error(), 200), c.TestID)
		return errors.Join(err, uerr)
	}
	_, err = in.db.Exec(ctx, `UPDATE health_case_outbox SET delivered_at = $1, attempts = attempts + 1, last_error = ''
		WHERE test_id = $2`, now, c.TestID)
	return err
}

// DeliverCases hands tracing the confirmed cases not yet delivered, oldest
// first, at most limit of them; housekeeping calls it. It returns how many
// were delivered.
func (in *Ingest) DeliverCases(ctx context.Context, limit int) (int, error) {
	if in.Cases == nil {
		return 0, nil
	}
	pending, err := in.PendingCases(ctx, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range pending {
		if err := in.deliver(ctx, c); err != nil {
			return n, fmt.Errorf("health: deliver case %s: %w", c.TestID, err)
		}
		n++
	}
	return n, nil
}

// PendingCases lists confirmed cases not yet handed to tracing.
func (in *Ingest) PendingCases(ctx context.Context, limit int) ([]ConfirmedCase, error) {
	rows, err := in.db.Query(ctx, `SELECT o.test_id, o.person_id, o.sampled_at FROM health_case_outbox o
		WHERE o.delivered_at = 0 ORDER BY o.created_at, o.test_id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("health: pending cases: %w", err)
	}
	defer rows.Close()
	var out []ConfirmedCase
	for rows.Next() {
		var c ConfirmedCase
		var sampled int64
		if err := rows.Scan(&c.TestID, &c.PersonID, &sampled); err != nil {
			return nil, err
		}
		c.SampledAt = db.TimeOf(sampled)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		t, err := in.Store.testByID(ctx, out[i].TestID)
		if err != nil {
			return nil, err
		}
		out[i].TestType = t.Type
	}
	return out, nil
}
