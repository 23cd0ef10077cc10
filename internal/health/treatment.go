package health

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
)

// Where a case is treated.
const (
	SettingHome     = "home"
	SettingHospital = "hospital"
)

// How a treatment ended.
const (
	OutcomeRecovered   = "recovered"
	OutcomeTransferred = "transferred"
	OutcomeDied        = "died"
)

// Treatment is the COVID-19 treatment of one episode of a confirmed case:
// opened by the positive result, at home by default, in hospital once
// admitted; ended by discharge with an outcome or by a confirmed recovery.
type Treatment struct {
	ID       string
	PersonID string
	// Ward is where the case is treated at home: its commune health
	// station follows the daily reports and is alerted.
	Ward          string
	Setting       string
	Active        bool
	TestID        string
	FirstPositive time.Time
	StartedAt     time.Time
	AdmittedAt    time.Time
	DischargedAt  time.Time
	RecoveredAt   time.Time // recovery an official confirmed
	ConfirmedBy   string
	// Sealed details.
	Hospital string
	Outcome  string
	Note     string
}

// treatmentDetails are the sealed part of a treatment.
type treatmentDetails struct {
	Hospital string `json:"hospital,omitempty"`
	Outcome  string `json:"outcome,omitempty"`
	Note     string `json:"note,omitempty"`
}

// Sealed fields of treatment rows.
const (
	fieldTreatment = "treatment.details"
	fieldReport    = "treatment_report.details"
	fieldSigns     = "treatment_alert.signs"
)

// Treatments holds COVID-19 treatment: episodes, daily reports from home,
// and the alerts warning signs raise for the commune health station.
type Treatments struct {
	db      *db.DB
	sealer  *seal.Sealer
	guard   *access.Guard
	persons *identity.Store
	clock   clock.Clock
	// onRecovered are told of each confirmed recovery, after it is stored.
	onRecovered []func(ctx context.Context, personID string, at time.Time) error
}

// OnRecovered adds fn to what a confirmed recovery sets off: tracing
// closes the person's case, so the status card shows them recovered. fn is
// called after the recovery is stored, and again when the recovery is
// confirmed again, so it must change nothing the second time. Call it
// while wiring, before the store is used.
func (ts *Treatments) OnRecovered(fn func(ctx context.Context, personID string, at time.Time) error) {
	ts.onRecovered = append(ts.onRecovered, fn)
}

// NewTreatments returns the treatment store.
func NewTreatments(d *db.DB, s *seal.Sealer, g *access.Guard, persons *identity.Store, c clock.Clock) *Treatments {
	return &Treatments{db: d, sealer: s, guard: g, persons: persons, clock: c}
}

// TreatmentSealedColumns lists the columns treatment seals, for key rotation.
func TreatmentSealedColumns() []seal.Column {
	return []seal.Column{
		{Table: "treatments", Key: []string{"id"}, Column: "details_sealed", Field: fieldTreatment},
		{Table: "treatment_reports", Key: []string{"id"}, Column: "details_sealed", Field: fieldReport},
		{Table: "treatment_alerts", Key: []string{"id"}, Column: "signs_sealed", Field: fieldSigns},
		{Table: "health_ingest", Key: []string{"facility_id", "kind", "external_id"}, Column: "record_sealed", Field: fieldRecord},
	}
}

// openForPositive opens a home treatment for a person confirmed positive,
// unless one is open: a second positive result belongs to the same
// episode. area is the person's ward (or province).
func (ts *Treatments) openForPositive(ctx context.Context, tx *db.DB, person, testID string, sampled time.Time, area string) error {
	now := db.Millis(ts.clock.Now())
	_, err := tx.Exec(ctx, `INSERT INTO treatments (id, person_id, ward_code, setting, status, test_id, first_positive_at,
		started_at, created_at, updated_at)
		SELECT $1, $2, $3, 'home', 'active', $4, $5, $6, $6, $6
		WHERE NOT EXISTS (SELECT 1 FROM treatments WHERE person_id = $2 AND status = 'active')`,
		db.NewID(), person, area, testID, db.Millis(sampled), now)
	if err != nil {
		return fmt.Errorf("health: open treatment: %w", err)
	}
	return nil
}

const treatmentColumns = `id, person_id, ward_code, setting, status, test_id, first_positive_at, started_at,
	admitted_at, discharged_at, recovered_at, confirmed_by, details_sealed`

func (ts *Treatments) scan(row interface{ Scan(...any) error }) (Treatment, error) {
	var t Treatment
	var status string
	var first, started, admitted, discharged, recovered int64
	var sealed []byte
	err := row.Scan(&t.ID, &t.PersonID, &t.Ward, &t.Setting, &status, &t.TestID, &first, &started, &admitted,
		&discharged, &recovered, &t.ConfirmedBy, &sealed)
	if err != nil {
		return t, err
	}
	t.Active = status == "active"
	t.FirstPositive, t.StartedAt, t.AdmittedAt = db.TimeOf(first), db.TimeOf(started), db.TimeOf(admitted)
	t.DischargedAt, t.RecoveredAt = db.TimeOf(discharged), db.TimeOf(recovered)
	if len(sealed) > 0 {
		var det treatmentDetails
		if err := openJSONWith(ts.sealer, fieldTreatment, sealed, &det); err != nil {
			return t, err
		}
		t.Hospital, t.Outcome, t.Note = det.Hospital, det.Outcome, det.Note
	}
	return t, nil
}

// latest returns the person's most recent treatment, or nil.
func (ts *Treatments) latest(ctx context.Context, d *db.DB, personID string) (*Treatment, error) {
	t, err := ts.scan(d.QueryRow(ctx, "SELECT "+treatmentColumns+` FROM treatments WHERE person_id = $1
		ORDER BY started_at DESC, id DESC LIMIT 1`, personID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("health: treatment: %w", err)
	}
	return &t, nil
}

// Current returns a person's latest treatment (nil when they have none) and
// its daily reports, newest first, for req after the access check.
func (ts *Treatments) Current(ctx context.Context, req access.Request, personID string) (*Treatment, []DailyReport, error) {
	if err := ts.check(ctx, req, "health.treatment.view", personID); err != nil {
		return nil, nil, err
	}
	t, err := ts.latest(ctx, ts.db, personID)
	if err != nil || t == nil {
		return t, nil, err
	}
	reports, err := ts.reports(ctx, t.ID)
	return t, reports, err
}

// check allows req to read or change personID's treatment: the citizen
// themselves or their family, or an official for treatment in their area.
func (ts *Treatments) check(ctx context.Context, req access.Request, action, personID string) error {
	if req.Actor.Kind != access.KindCitizen && req.Purpose != access.PurposeTreatment {
		return fmt.Errorf("health: treatment is read for the purpose of treatment: %w", problem.ErrForbidden)
	}
	sub, err := ts.persons.Subject(ctx, personID)
	if err != nil {
		return err
	}
	return ts.guard.Read(ctx, req, action, sub)
}

// LastRecovery returns when the person's recovery was last confirmed
// before now, the zero time when never: the status card's "recovered".
// It implements risk.RecoverySource.
func (ts *Treatments) LastRecovery(ctx context.Context, personID string, now time.Time) (time.Time, error) {
	var ms int64
	err := ts.db.QueryRow(ctx, `SELECT COALESCE(MAX(recovered_at), 0) FROM treatments
		WHERE person_id = $1 AND recovered_at > 0 AND recovered_at <= $2`, personID, db.Millis(now)).Scan(&ms)
	if err != nil {
		return time.Time{}, fmt.Errorf("health: last recovery: %w", err)
	}
	return db.TimeOf(ms), nil
}

// LatestRecovered returns the person's treatment with the latest confirmed
// recovery — its first positive test is what a recovery certificate
// certifies — or nil when there is none. The caller has checked access.
func (ts *Treatments) LatestRecovered(ctx context.Context, personID string) (*Treatment, error) {
	t, err := ts.scan(ts.db.QueryRow(ctx, "SELECT "+treatmentColumns+` FROM treatments
		WHERE person_id = $1 AND recovered_at > 0 ORDER BY recovered_at DESC, id DESC LIMIT 1`, personID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("health: recovery: %w", err)
	}
	return &t, nil
}
