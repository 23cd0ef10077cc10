package declaration

// Queries for contact tracing and quarantine: the journeys people declared
// (who travelled on the same flight, train or bus on the same day) and the
// entry declarations that quarantine turns into orders. The callers check
// access first; journeys carry ids, transport and seats, nothing sealed.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/vn"
)

// Journey is one declared trip on a numbered vehicle.
type Journey struct {
	DeclarationID string
	PersonID      string
	Kind          string
	Transport     string // FLIGHT, TRAIN, BUS, CAR, SHIP, OTHER
	TransportNo   string
	Departure     vn.Date
	Seat          string
}

const journeyColumns = "SELECT id, person_id, kind, transport, transport_no, departure_date, seat_no FROM declarations "

// Journeys lists the trips the persons declared with a transport number,
// departing from from to to (both inclusive), by the persons' index.
func (s *Store) Journeys(ctx context.Context, personIDs []string, from, to vn.Date) ([]Journey, error) {
	if len(personIDs) == 0 {
		return nil, nil
	}
	if s.db.Engine() == db.Postgres {
		return s.journeys(ctx, journeyColumns+`WHERE person_id = ANY($1::text[]) AND transport_no <> ''
			AND departure_date >= $2 AND departure_date <= $3 ORDER BY departure_date, id`, personIDs, from.String(), to.String())
	}
	b, _ := json.Marshal(personIDs)
	return s.journeys(ctx, journeyColumns+`WHERE person_id IN (SELECT value FROM json_each($1)) AND transport_no <> ''
		AND departure_date >= $2 AND departure_date <= $3 ORDER BY departure_date, id`, string(b), from.String(), to.String())
}

// Travellers lists everyone who declared the vehicle transportNo departing
// on day, by declarations_transport (transport_no, departure_date).
func (s *Store) Travellers(ctx context.Context, transportNo string, day vn.Date) ([]Journey, error) {
	return s.journeys(ctx, journeyColumns+"WHERE transport_no = $1 AND departure_date = $2 ORDER BY id", transportNo, day.String())
}

func (s *Store) journeys(ctx context.Context, query string, args ...any) ([]Journey, error) {
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("declaration: journeys: %w", err)
	}
	defer rows.Close()
	var out []Journey
	for rows.Next() {
		var j Journey
		var dep string
		if err := rows.Scan(&j.DeclarationID, &j.PersonID, &j.Kind, &j.Transport, &j.TransportNo, &dep, &j.Seat); err != nil {
			return nil, fmt.Errorf("declaration: journeys: %w", err)
		}
		j.Departure, _ = vn.ParseDate(dep)
		out = append(out, j)
	}
	return out, rows.Err()
}

// Cursor is a place in the declarations in the order they were declared.
type Cursor struct {
	At time.Time
	ID string
}

// EntriesSince lists up to limit entry declarations declared after the
// cursor, oldest first, and the cursor after the last one; quarantine's
// job walks them to give each arrival the order the rules require. Each
// step is a range of declarations_declared (declared_at).
func (s *Store) EntriesSince(ctx context.Context, after Cursor, limit int) ([]Declaration, Cursor, error) {
	out, err := s.query(ctx, "WHERE declared_at >= $1 AND NOT (declared_at = $1 AND id <= $2) AND kind = $3 ORDER BY declared_at, id LIMIT $4",
		db.Millis(after.At), after.ID, KindEntry, limit)
	if err != nil || len(out) == 0 {
		return out, after, err
	}
	last := out[len(out)-1]
	return out, Cursor{At: last.DeclaredAt, ID: last.ID}, nil
}
