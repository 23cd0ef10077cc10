package health

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/vn"
)

// Reads of single records, for the ingest service, certificates and FHIR.
// Callers check access first.

func openJSONWith(s *seal.Sealer, field string, sealed []byte, v any) error {
	b, err := s.Open(field, sealed)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// testByID reads one test result.
func (s *Store) testByID(ctx context.Context, id string) (Test, error) {
	x := Test{ID: id}
	var sampled, result int64
	var sealed []byte
	err := s.db.QueryRow(ctx, `SELECT person_id, source, record_key, sampled_at, result_at, details_sealed
		FROM test_results WHERE id = $1`, id).Scan(&x.PersonID, &x.Source, &x.RecordKey, &sampled, &result, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return x, fmt.Errorf("health: test %s: %w", id, problem.ErrNotFound)
	}
	if err != nil {
		return x, fmt.Errorf("health: test %s: %w", id, err)
	}
	var det testDetails
	if err := s.openJSON(fieldTest, sealed, &det); err != nil {
		return x, err
	}
	x.SampledAt, x.ResultAt = db.TimeOf(sampled), db.TimeOf(result)
	x.Type, x.Positive, x.Lab, x.SampleID = det.Type, det.Positive, det.Lab, det.SampleID
	return x, nil
}

// doseByID reads one dose.
func (s *Store) doseByID(ctx context.Context, id string) (Dose, error) {
	x := Dose{ID: id}
	var date string
	var sealed []byte
	err := s.db.QueryRow(ctx, `SELECT person_id, source, record_key, dose_number, vaccinated_on, details_sealed
		FROM vaccinations WHERE id = $1`, id).Scan(&x.PersonID, &x.Source, &x.RecordKey, &x.Number, &date, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return x, fmt.Errorf("health: dose %s: %w", id, problem.ErrNotFound)
	}
	if err != nil {
		return x, fmt.Errorf("health: dose %s: %w", id, err)
	}
	var det doseDetails
	if err := s.openJSON(fieldDose, sealed, &det); err != nil {
		return x, err
	}
	x.Date, _ = vn.ParseDate(date)
	x.Product, x.ProductName, x.Lot, x.Facility, x.Province = det.Product, det.ProductName, det.Lot, det.Facility, det.Province
	return x, nil
}

// Subjects tells the health store what access rules need to know of a
// person. identity.Store is one.
type Subjects interface {
	Subject(ctx context.Context, personID string) (access.Subject, error)
}

// Test returns one test result for req, after the access check on its
// person (FHIR Observation read).
func (s *Store) Test(ctx context.Context, req access.Request, persons Subjects, id string) (Test, error) {
	t, err := s.testByID(ctx, id)
	if err != nil {
		return t, err
	}
	return t, s.checkRecord(ctx, req, persons, "health.test.view", t.PersonID)
}

// Dose returns one dose for req, after the access check on its person
// (FHIR Immunization read).
func (s *Store) Dose(ctx context.Context, req access.Request, persons Subjects, id string) (Dose, error) {
	d, err := s.doseByID(ctx, id)
	if err != nil {
		return d, err
	}
	return d, s.checkRecord(ctx, req, persons, "health.dose.view", d.PersonID)
}

func (s *Store) checkRecord(ctx context.Context, req access.Request, persons Subjects, action, personID string) error {
	sub, err := persons.Subject(ctx, personID)
	if err != nil {
		return err
	}
	return s.guard.Read(ctx, req, action, sub)
}
