package health

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
)

// Officials' steps of a treatment: admission to hospital, discharge with
// its outcome, confirmation of recovery; and the health station's alerts.

// Admit records that the person was admitted to hospital at time at. An
// open home treatment becomes a hospital one; without an open treatment
// one is opened (a case admitted straight from the emergency room).
func (ts *Treatments) Admit(ctx context.Context, req access.Request, personID, hospital string, at time.Time) error {
	hospital = squashSpaces(hospital)
	if hospital == "" || len(hospital) > 200 {
		return problem.Field("hospital", "Nhập tên bệnh viện (tối đa 200 ký tự)", "enter the hospital (at most 200 characters)")
	}
	if err := ts.official(ctx, req, "health.treatment.admit", personID, at); err != nil {
		return err
	}
	return ts.db.Transact(ctx, func(tx *db.DB) error {
		t, err := ts.latest(ctx, tx, personID)
		if err != nil {
			return err
		}
		if t == nil || !t.Active {
			sub, err := ts.persons.Subject(ctx, personID)
			if err != nil {
				return err
			}
			if err := ts.openForPositive(ctx, tx, personID, "", time.Time{}, sub.Area); err != nil {
				return err
			}
			if t, err = ts.latest(ctx, tx, personID); err != nil {
				return err
			}
		}
		t.Hospital = hospital
		_, err = tx.Exec(ctx, `UPDATE treatments SET setting = 'hospital', admitted_at = $1, details_sealed = $2,
			updated_at = $3 WHERE id = $4`, db.Millis(at), ts.sealDetails(t), db.Millis(ts.clock.Now()), t.ID)
		return err
	})
}

// Discharge ends the person's open treatment with its outcome: recovered
// (which confirms the recovery), transferred or died.
func (ts *Treatments) Discharge(ctx context.Context, req access.Request, personID, outcome string, at time.Time) error {
	if !slices.Contains([]string{OutcomeRecovered, OutcomeTransferred, OutcomeDied}, outcome) {
		return problem.Field("outcome", "Hãy chọn kết quả điều trị", "choose the outcome")
	}
	return ts.end(ctx, req, "health.treatment.discharge", personID, outcome, at, true)
}

// ConfirmRecovery confirms that the person recovered at time at, ending
// their open treatment: the status card shows them recovered. Confirming a
// recovery already confirmed changes nothing (and tells OnRecovered again,
// in case it failed the first time).
func (ts *Treatments) ConfirmRecovery(ctx context.Context, req access.Request, personID string, at time.Time) error {
	return ts.end(ctx, req, "health.treatment.recover", personID, OutcomeRecovered, at, false)
}

// recovered tells OnRecovered of a confirmed recovery.
func (ts *Treatments) recovered(ctx context.Context, personID string, at time.Time) error {
	for _, fn := range ts.onRecovered {
		if err := fn(ctx, personID, at); err != nil {
			return fmt.Errorf("health: the recovery is stored, but telling tracing failed (confirm it again): %w", err)
		}
	}
	return nil
}

func (ts *Treatments) end(ctx context.Context, req access.Request, action, personID, outcome string, at time.Time, discharge bool) error {
	if err := ts.official(ctx, req, action, personID, at); err != nil {
		return err
	}
	again := false
	err := ts.db.Transact(ctx, func(tx *db.DB) error {
		t, err := ts.latest(ctx, tx, personID)
		if err != nil {
			return err
		}
		if t != nil && !t.Active && !discharge && outcome == OutcomeRecovered && !t.RecoveredAt.IsZero() {
			again, at = true, t.RecoveredAt
			return nil
		}
		if t == nil || !t.Active {
			return problem.Field("treatment", "Người này không có đợt điều trị đang mở", "this person has no open treatment")
		}
		if at.Before(t.StartedAt.Add(-24*time.Hour)) && at.Before(t.FirstPositive) {
			return problem.Field("at", "Thời điểm trước khi bắt đầu điều trị", "the time is before the treatment began")
		}
		t.Outcome = outcome
		var discharged, recovered int64
		if discharge {
			discharged = db.Millis(at)
		}
		if outcome == OutcomeRecovered {
			recovered = db.Millis(at)
		}
		_, err = tx.Exec(ctx, `UPDATE treatments SET status = 'ended', discharged_at = $1, recovered_at = $2,
			confirmed_by = $3, details_sealed = $4, updated_at = $5 WHERE id = $6`,
			discharged, recovered, req.Actor.ID, ts.sealDetails(t), db.Millis(ts.clock.Now()), t.ID)
		return err
	})
	if err != nil || (outcome != OutcomeRecovered && !again) {
		return err
	}
	return ts.recovered(ctx, personID, at)
}

// official checks that req is an official's, for treatment, of a time not
// in the future, and records the access.
func (ts *Treatments) official(ctx context.Context, req access.Request, action, personID string, at time.Time) error {
	if req.Actor.Kind != access.KindOfficial {
		return fmt.Errorf("health: only an official records treatment: %w", problem.ErrForbidden)
	}
	if at.IsZero() || at.After(ts.clock.Now().Add(treatmentSkew)) {
		return problem.Field("at", "Thời điểm không thể sau bây giờ", "the time cannot be in the future")
	}
	return ts.check(ctx, req, action, personID)
}

func (ts *Treatments) sealDetails(t *Treatment) []byte {
	b, _ := json.Marshal(treatmentDetails{Hospital: t.Hospital, Outcome: t.Outcome, Note: t.Note})
	return ts.sealer.Seal(fieldTreatment, b)
}

// Alert is a warning a daily report raised for the commune health station.
type Alert struct {
	ID          string
	TreatmentID string
	PersonID    string
	Ward        string
	Signs       []string
	At          time.Time
	AckBy       string
	AckAt       time.Time
}

// Alerts lists the alerts not yet acknowledged in the official's area,
// oldest first: the health station's work list. Each alert is a read of
// the person's health data, checked and recorded.
func (ts *Treatments) Alerts(ctx context.Context, req access.Request, limit int) ([]Alert, error) {
	if req.Actor.Kind != access.KindOfficial || req.Purpose != access.PurposeTreatment {
		return nil, fmt.Errorf("health: alerts are for officials, for treatment: %w", problem.ErrForbidden)
	}
	scope := string(req.Actor.Scope)
	if scope == string(access.Country) {
		scope = ""
	}
	rows, err := ts.db.Query(ctx, `SELECT id, treatment_id, person_id, ward_code, signs_sealed, created_at FROM treatment_alerts
		WHERE acknowledged_at = 0 AND ward_code LIKE $1 ORDER BY created_at, id LIMIT $2`, scope+"%", limit)
	if err != nil {
		return nil, fmt.Errorf("health: alerts: %w", err)
	}
	var out []Alert
	for rows.Next() {
		var a Alert
		var sealed []byte
		var at int64
		if err := rows.Scan(&a.ID, &a.TreatmentID, &a.PersonID, &a.Ward, &sealed, &at); err != nil {
			rows.Close()
			return nil, err
		}
		a.At = db.TimeOf(at)
		if err := openJSONWith(ts.sealer, fieldSigns, sealed, &a.Signs); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, a)
	}
	rows.Close()
	return ts.visible(ctx, req, out, rows.Err())
}

// visible keeps the alerts whose person the official may see, recording
// each read.
func (ts *Treatments) visible(ctx context.Context, req access.Request, alerts []Alert, err error) ([]Alert, error) {
	if err != nil {
		return nil, err
	}
	out := alerts[:0]
	for _, a := range alerts {
		sub, err := ts.persons.Subject(ctx, a.PersonID)
		if err != nil {
			return nil, err
		}
		if req.Check(sub) != nil {
			continue
		}
		if err := ts.guard.Read(ctx, req, "health.treatment.alert", sub); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Acknowledge marks an alert as handled by the official.
func (ts *Treatments) Acknowledge(ctx context.Context, req access.Request, alertID string) error {
	var person string
	if err := ts.db.QueryRow(ctx, "SELECT person_id FROM treatment_alerts WHERE id = $1", alertID).Scan(&person); err != nil {
		return fmt.Errorf("health: alert %s: %w", alertID, problem.ErrNotFound)
	}
	if err := ts.official(ctx, req, "health.treatment.alert.ack", person, ts.clock.Now()); err != nil {
		return err
	}
	_, err := ts.db.Exec(ctx, `UPDATE treatment_alerts SET acknowledged_by = $1, acknowledged_at = $2
		WHERE id = $3 AND acknowledged_at = 0`, req.Actor.ID, db.Millis(ts.clock.Now()), alertID)
	return err
}

// treatmentSkew is how far in the future a time an official gives may lie:
// a device's clock.
const treatmentSkew = 5 * time.Minute

func squashSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }
