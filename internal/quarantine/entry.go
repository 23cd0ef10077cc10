package quarantine

import (
	"context"
	"errors"
	"fmt"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// arrivalDay is the day an entry declaration's traveller arrives: the
// arrival day declared in PC-Covid, or for one taken over from VHD (which
// had none) the day of the flight.
func arrivalDay(d declaration.Declaration) vn.Date {
	switch {
	case d.ArrivalDate.Day != 0:
		return d.ArrivalDate
	case d.DepartureDate.Day != 0:
		return d.DepartureDate
	}
	return DateOf(d.DeclaredAt)
}

// EntryReport says what a sync of entry declarations did.
type EntryReport struct {
	Read     int // entry declarations read
	Issued   int // orders issued
	Existing int // already had theirs
	Skipped  int // whose quarantine would be over, or before any policy
}

// IssueForEntry issues the order an arrival's entry declaration requires,
// from the day of arrival, in the ward where they will stay. Issuing again
// returns the same order.
func (s *Service) IssueForEntry(ctx context.Context, req access.Request, d declaration.Declaration) (Order, bool, error) {
	if err := mayIssue(req); err != nil {
		return Order{}, false, err
	}
	if d.Kind != declaration.KindEntry {
		return Order{}, false, problem.Field("declaration", "Đây không phải tờ khai nhập cảnh", "this is not an entry declaration")
	}
	ward := d.Ward
	if ward == "" {
		sub, err := s.Persons.Subject(ctx, d.PersonID)
		if err != nil {
			return Order{}, false, err
		}
		ward = sub.Area
	}
	ref := "declaration " + d.ID
	req.Ref = ref
	return s.issue(ctx, req, want{key: "entry/" + d.ID, person: d.PersonID, reason: ReasonEntry, ref: ref, start: arrivalDay(d), ward: ward})
}

// SyncEntries gives every entry declaration made since the last sync the
// order the rules in force require, and moves its cursor on. Arrivals
// whose quarantine would already be over (old declarations taken over) get
// none. Run again, it issues nothing twice.
func (s *Service) SyncEntries(ctx context.Context) (EntryReport, error) {
	var rep EntryReport
	req := access.Request{Actor: access.System("quarantine-entry"), Purpose: access.PurposeQuarantine}
	c, err := s.cursor(ctx, "entries")
	if err != nil {
		return rep, err
	}
	cur := declaration.Cursor{At: c.At, ID: c.ID}
	for {
		ds, next, err := s.Entries.EntriesSince(ctx, cur, 500)
		if err != nil || len(ds) == 0 {
			return rep, err
		}
		for _, d := range ds {
			rep.Read++
			_, created, err := s.IssueForEntry(ctx, req, d)
			switch {
			case errors.Is(err, problem.ErrInvalid):
				rep.Skipped++
			case err != nil:
				return rep, fmt.Errorf("quarantine: entry %s: %w", d.ID, err)
			case created:
				rep.Issued++
			default:
				rep.Existing++
			}
		}
		if err := s.saveCursor(ctx, "entries", cursorRow{At: next.At, ID: next.ID}); err != nil {
			return rep, err
		}
		cur = next
	}
}

// Arrival is an arrival at a border gate with the order it received.
type Arrival struct {
	Declaration declaration.Declaration
	Order       *Order
}

// Arrivals lists the travellers arriving through a gate on a day with their
// quarantine orders, for entry control: the listing is the declarations'
// (audited under the purpose entry control); the orders are those of the
// declarations listed.
func (s *Service) Arrivals(ctx context.Context, req access.Request, gate string, day vn.Date) ([]Arrival, error) {
	ds, err := s.Deps.Arrivals.Arrivals(ctx, req, gate, day)
	if err != nil {
		return nil, err
	}
	out := make([]Arrival, len(ds))
	for i, d := range ds {
		out[i].Declaration = d
		os, err := s.orders(ctx, s.DB, "WHERE dedup_key = $1", "entry/"+d.ID)
		if err != nil {
			return nil, err
		}
		if len(os) > 0 {
			out[i].Order = &os[0]
		}
	}
	return out, nil
}
