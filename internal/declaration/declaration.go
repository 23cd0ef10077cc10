// Package declaration holds health declarations: the domestic travel and
// entry declarations of VHD, NCOVI's declarations, and the daily symptom
// self-check — taken over from the old apps or made in PC-Covid. What a
// person declared about their health is sealed; the transport fields stay in
// clear, because finding who travelled together is what tracing needs.
package declaration

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

// Kinds of declaration.
const (
	KindDomestic  = "DOMESTIC"
	KindEntry     = "ENTRY"
	KindNCOVI     = "NCOVI"
	KindSelfCheck = "SELFCHECK"
)

// Declaration is one health declaration.
type Declaration struct {
	ID         string
	PersonID   string
	Source     string // "pccovid", "ncovi", "vhd"
	RecordKey  string
	Kind       string
	DeclaredAt time.Time
	// Where the person stays.
	Ward string
	// Travel.
	Transport     string // FLIGHT, TRAIN, BUS, CAR, SHIP, OTHER
	TransportNo   string
	DepartureDate vn.Date
	SeatNo        string
	// Entry: the border gate (an airport's IATA code or a gate code of
	// BorderGates) and the day of arrival in Vietnam. They stay in clear so
	// that entry control can list who arrives where and when.
	BorderGate  string
	ArrivalDate vn.Date
	Details     Details
}

// Details are the sealed part: what the person said about their health and
// journey.
type Details struct {
	Symptoms         []string `json:"symptoms,omitempty"`
	ContactWithCase  bool     `json:"contact_with_case,omitempty"`
	FromEpidemicArea bool     `json:"from_epidemic_area,omitempty"`
	FromPlace        string   `json:"from_place,omitempty"`
	ToPlace          string   `json:"to_place,omitempty"`
	Address          string   `json:"address,omitempty"`
	Nationality      string   `json:"nationality,omitempty"`
	IDType           string   `json:"id_type,omitempty"`
	// Declared in PC-Covid: who declared, as the identity registry knew
	// them at the time (the declaration is their statement), the identity
	// document shown, and the journey's start as codes.
	FullName    string `json:"full_name,omitempty"`
	IDNumber    string `json:"id_number,omitempty"`
	FromArea    string `json:"from_area,omitempty"`    // admin-unit code, domestic journeys
	FromCountry string `json:"from_country,omitempty"` // ISO alpha-3, entry
	FromCity    string `json:"from_city,omitempty"`
}

const fieldDetails = "declaration.details"

// Store holds declarations.
type Store struct {
	db     *db.DB
	sealer *seal.Sealer
	guard  *access.Guard
	clock  clock.Clock
}

// NewStore returns the declaration store.
func NewStore(d *db.DB, s *seal.Sealer, g *access.Guard, c clock.Clock) *Store {
	return &Store{db: d, sealer: s, guard: g, clock: c}
}

// SealedColumns lists the columns this package seals, for key rotation.
func SealedColumns() []seal.Column {
	return []seal.Column{{Table: "declarations", Key: []string{"id"}, Column: "details_sealed", Field: fieldDetails}}
}

var insertColumns = []string{"id", "person_id", "source", "record_key", "kind", "declared_at", "ward_code",
	"transport", "transport_no", "departure_date", "seat_no", "border_gate", "arrival_date", "details_sealed", "created_at"}

// Insert stores declarations; one already stored (same id) is left as it
// is, so importing a declaration twice changes nothing.
func (s *Store) Insert(ctx context.Context, d *db.DB, decls []Declaration) error {
	now := db.Millis(s.clock.Now())
	rows := make([][]any, len(decls))
	for i, x := range decls {
		b, err := json.Marshal(x.Details)
		if err != nil {
			return fmt.Errorf("declaration: %w", err)
		}
		rows[i] = []any{x.ID, x.PersonID, x.Source, x.RecordKey, x.Kind, db.Millis(x.DeclaredAt), x.Ward,
			x.Transport, x.TransportNo, x.DepartureDate.String(), x.SeatNo, x.BorderGate, x.ArrivalDate.String(),
			s.sealer.Seal(fieldDetails, b), now}
	}
	if err := d.InsertRows(ctx, "declarations", insertColumns, rows, "ON CONFLICT (id) DO NOTHING"); err != nil {
		return fmt.Errorf("declaration: insert: %w", err)
	}
	return nil
}

// ForPerson returns a person's declarations for req, newest first.
func (s *Store) ForPerson(ctx context.Context, req access.Request, subject access.Subject) ([]Declaration, error) {
	if err := s.guard.Read(ctx, req, "declaration.list", subject); err != nil {
		return nil, err
	}
	return s.query(ctx, "WHERE person_id = $1 ORDER BY declared_at DESC, id", subject.PersonID)
}

const selectColumns = `SELECT id, person_id, source, record_key, kind, declared_at, ward_code, transport, transport_no,
	departure_date, seat_no, border_gate, arrival_date, details_sealed FROM declarations `

// query reads the declarations a WHERE clause selects, without access
// checks: callers check first.
func (s *Store) query(ctx context.Context, where string, args ...any) ([]Declaration, error) {
	rows, err := s.db.Query(ctx, selectColumns+where, args...)
	if err != nil {
		return nil, fmt.Errorf("declaration: list: %w", err)
	}
	defer rows.Close()
	var out []Declaration
	for rows.Next() {
		x, err := s.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

func (s *Store) scan(row interface{ Scan(...any) error }) (Declaration, error) {
	var x Declaration
	var at int64
	var dep, arr string
	var sealed []byte
	if err := row.Scan(&x.ID, &x.PersonID, &x.Source, &x.RecordKey, &x.Kind, &at, &x.Ward, &x.Transport, &x.TransportNo,
		&dep, &x.SeatNo, &x.BorderGate, &arr, &sealed); err != nil {
		return x, err
	}
	x.DeclaredAt = db.TimeOf(at)
	x.DepartureDate, _ = vn.ParseDate(dep)
	x.ArrivalDate, _ = vn.ParseDate(arr)
	b, err := s.sealer.Open(fieldDetails, sealed)
	if err != nil {
		return x, err
	}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &x.Details); err != nil {
			return x, fmt.Errorf("declaration %s: %w", x.ID, err)
		}
	}
	return x, nil
}
