// Package health holds a person's COVID-19 health records: vaccine doses and
// test results — taken over from the old apps, or sent later by vaccination
// sites and labs — and chronic conditions. The medical details are sealed at
// rest; reading them for someone else goes through access.Guard.
package health

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/vn"
)

// Dose is one vaccine dose.
type Dose struct {
	ID        string
	PersonID  string
	Source    string // "vaccination", "healthbook", or a facility
	RecordKey string
	Number    int
	Date      vn.Date
	// Product is the EU value-set code (vaccine-medicinal-product).
	Product     string
	ProductName string
	Lot         string
	Facility    string
	Province    string
}

// Test is one SARS-CoV-2 test result.
type Test struct {
	ID        string
	PersonID  string
	Source    string
	RecordKey string
	// Type is "PCR" or "RAT".
	Type      string
	Positive  bool
	SampledAt time.Time
	ResultAt  time.Time
	Lab       string
	SampleID  string
}

// Condition is a chronic condition a person declared in the health book.
type Condition struct {
	PersonID, Source, RecordKey string
	Names                       []string
}

// doseDetails and testDetails are the sealed parts.
type doseDetails struct {
	Product     string `json:"product"`
	ProductName string `json:"product_name,omitempty"`
	Lot         string `json:"lot,omitempty"`
	Facility    string `json:"facility,omitempty"`
	Province    string `json:"province,omitempty"`
}

type testDetails struct {
	Type     string `json:"type"`
	Positive bool   `json:"positive"`
	Lab      string `json:"lab,omitempty"`
	SampleID string `json:"sample_id,omitempty"`
}

// Sealed field names.
const (
	fieldDose      = "vaccination.details"
	fieldTest      = "test_result.details"
	fieldCondition = "health_condition.details"
)

// Store holds health records.
type Store struct {
	db     *db.DB
	sealer *seal.Sealer
	guard  *access.Guard
	clock  clock.Clock
}

// NewStore returns the health store.
func NewStore(d *db.DB, s *seal.Sealer, g *access.Guard, c clock.Clock) *Store {
	return &Store{db: d, sealer: s, guard: g, clock: c}
}

// SealedColumns lists the columns this package seals, for key rotation.
func SealedColumns() []seal.Column {
	return []seal.Column{
		{Table: "vaccinations", Key: []string{"id"}, Column: "details_sealed", Field: fieldDose},
		{Table: "test_results", Key: []string{"id"}, Column: "details_sealed", Field: fieldTest},
		{Table: "health_conditions", Key: []string{"person_id", "source", "record_key"}, Column: "details_sealed", Field: fieldCondition},
	}
}

func (s *Store) sealJSON(field string, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("health: marshal %s: %v", field, err)) // only plain structs are marshalled
	}
	return s.sealer.Seal(field, b)
}

func (s *Store) openJSON(field string, sealed []byte, v any) error {
	b, err := s.sealer.Open(field, sealed)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// InsertDoses stores doses; one already stored (same id) is left as it is,
// so sending or importing a dose twice changes nothing.
func (s *Store) InsertDoses(ctx context.Context, d *db.DB, doses []Dose) error {
	now := db.Millis(s.clock.Now())
	rows := make([][]any, len(doses))
	for i, x := range doses {
		rows[i] = []any{x.ID, x.PersonID, x.Source, x.RecordKey, x.Number, x.Date.String(),
			s.sealJSON(fieldDose, doseDetails{x.Product, x.ProductName, x.Lot, x.Facility, x.Province}), now}
	}
	err := d.InsertRows(ctx, "vaccinations", []string{"id", "person_id", "source", "record_key", "dose_number",
		"vaccinated_on", "details_sealed", "created_at"}, rows, "ON CONFLICT (id) DO NOTHING")
	if err != nil {
		return fmt.Errorf("health: insert doses: %w", err)
	}
	return nil
}

// InsertTests stores test results, idempotently like InsertDoses.
func (s *Store) InsertTests(ctx context.Context, d *db.DB, tests []Test) error {
	now := db.Millis(s.clock.Now())
	rows := make([][]any, len(tests))
	for i, x := range tests {
		rows[i] = []any{x.ID, x.PersonID, x.Source, x.RecordKey, db.Millis(x.SampledAt), db.Millis(x.ResultAt),
			s.sealJSON(fieldTest, testDetails{x.Type, x.Positive, x.Lab, x.SampleID}), now}
	}
	err := d.InsertRows(ctx, "test_results", []string{"id", "person_id", "source", "record_key", "sampled_at",
		"result_at", "details_sealed", "created_at"}, rows, "ON CONFLICT (id) DO NOTHING")
	if err != nil {
		return fmt.Errorf("health: insert tests: %w", err)
	}
	return nil
}

// InsertConditions stores chronic conditions, idempotently.
func (s *Store) InsertConditions(ctx context.Context, d *db.DB, cs []Condition) error {
	now := db.Millis(s.clock.Now())
	rows := make([][]any, len(cs))
	for i, c := range cs {
		rows[i] = []any{c.PersonID, c.Source, c.RecordKey, s.sealJSON(fieldCondition, c.Names), now}
	}
	err := d.InsertRows(ctx, "health_conditions", []string{"person_id", "source", "record_key", "details_sealed", "created_at"},
		rows, "ON CONFLICT (person_id, source, record_key) DO NOTHING")
	if err != nil {
		return fmt.Errorf("health: insert conditions: %w", err)
	}
	return nil
}

// Records are a person's doses and tests.
type Records struct {
	Doses []Dose
	Tests []Test
}

// ForPerson returns a person's doses and tests for req, oldest first, after
// the access check.
func (s *Store) ForPerson(ctx context.Context, req access.Request, subject access.Subject) (Records, error) {
	if err := s.guard.Read(ctx, req, "health.records", subject); err != nil {
		return Records{}, err
	}
	var out Records
	var err error
	if out.Doses, err = s.doses(ctx, subject.PersonID); err != nil {
		return out, err
	}
	out.Tests, err = s.tests(ctx, subject.PersonID)
	return out, err
}

func (s *Store) doses(ctx context.Context, personID string) ([]Dose, error) {
	rows, err := s.db.Query(ctx, `SELECT id, source, record_key, dose_number, vaccinated_on, details_sealed
		FROM vaccinations WHERE person_id = $1 ORDER BY vaccinated_on, dose_number, id`, personID)
	if err != nil {
		return nil, fmt.Errorf("health: doses: %w", err)
	}
	defer rows.Close()
	var out []Dose
	for rows.Next() {
		x := Dose{PersonID: personID}
		var date string
		var sealed []byte
		if err := rows.Scan(&x.ID, &x.Source, &x.RecordKey, &x.Number, &date, &sealed); err != nil {
			return nil, err
		}
		var det doseDetails
		if err := s.openJSON(fieldDose, sealed, &det); err != nil {
			return nil, err
		}
		x.Date, _ = vn.ParseDate(date)
		x.Product, x.ProductName, x.Lot, x.Facility, x.Province = det.Product, det.ProductName, det.Lot, det.Facility, det.Province
		out = append(out, x)
	}
	return out, rows.Err()
}

func (s *Store) tests(ctx context.Context, personID string) ([]Test, error) {
	rows, err := s.db.Query(ctx, `SELECT id, source, record_key, sampled_at, result_at, details_sealed
		FROM test_results WHERE person_id = $1 ORDER BY sampled_at, id`, personID)
	if err != nil {
		return nil, fmt.Errorf("health: tests: %w", err)
	}
	defer rows.Close()
	var out []Test
	for rows.Next() {
		x := Test{PersonID: personID}
		var sampled, result int64
		var sealed []byte
		if err := rows.Scan(&x.ID, &x.Source, &x.RecordKey, &sampled, &result, &sealed); err != nil {
			return nil, err
		}
		var det testDetails
		if err := s.openJSON(fieldTest, sealed, &det); err != nil {
			return nil, err
		}
		x.SampledAt, x.ResultAt = db.TimeOf(sampled), db.TimeOf(result)
		x.Type, x.Positive, x.Lab, x.SampleID = det.Type, det.Positive, det.Lab, det.SampleID
		out = append(out, x)
	}
	return out, rows.Err()
}
