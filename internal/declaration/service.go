package declaration

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// SourcePCCovid is the source of declarations made in PC-Covid itself.
const SourcePCCovid = "pccovid"

// Service is what people do with declarations made in PC-Covid: a citizen
// declares for themselves or a family member they manage and shows the QR
// code; a checkpoint checks it; entry control lists arrivals at a gate.
type Service struct {
	store   *Store
	persons *identity.Store
}

// NewService returns the declaration service over the store, reading who
// people are from persons.
func NewService(store *Store, persons *identity.Store) *Service {
	return &Service{store: store, persons: persons}
}

// Today returns the current date in Vietnam.
func (s *Service) Today() vn.Date { return dateOf(s.store.clock.Now()) }

func dateOf(t time.Time) vn.Date {
	t = t.In(vn.Location())
	return vn.Date{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}
}

// own is the request of a citizen acting for their own profile or, the
// guard decides, a family member's.
func own(actor access.Actor) access.Request {
	return access.Request{Actor: actor, Purpose: access.PurposeOwn}
}

// Prefill is what a declaration form starts with.
type Prefill struct {
	// Person is who the declaration is for, as the platform knows them:
	// shown on the form, never typed again.
	Person identity.Person
	// Form holds the starting values: the person's nationality and identity
	// document, their home as where a domestic journey starts (and an
	// arrival stays), today as the departure. A CCCD on record is not
	// copied into the form: the form shows it masked, and a declaration
	// that names no document number uses it (see Declare).
	Form Form
}

// Prefill returns the starting point of a declaration of kind for the
// profile personID, which the citizen actor must be or manage.
func (s *Service) Prefill(ctx context.Context, actor access.Actor, personID, kind string) (Prefill, error) {
	if actor.Kind != access.KindCitizen {
		return Prefill{}, fmt.Errorf("declaration: only a citizen declares: %w", problem.ErrForbidden)
	}
	p, ids, err := s.persons.Profile(ctx, own(actor), personID)
	if err != nil {
		return Prefill{}, err
	}
	today := s.Today().String()
	f := Form{Kind: strings.ToUpper(strings.TrimSpace(kind)), From: p.Area(), DepartureDate: today, Nationality: p.Nationality}
	if f.Kind != KindDomestic && f.Kind != KindEntry && f.Kind != KindSelfCheck {
		return Prefill{}, problem.Field("kind", "Hãy chọn loại khai báo", "choose what you are declaring")
	}
	if f.Nationality == "" && p.Verified {
		f.Nationality = "VNM"
	}
	if f.Kind == KindEntry {
		f.Ward, f.ArrivalDate = p.WardCode, today
		f.IDType, f.IDNumber = documentOf(p, ids)
	}
	return Prefill{Person: p, Form: f}, nil
}

// documentOf picks the identity document an arrival most likely shows: the
// CCCD the registry holds (left for Declare to fill in), else a passport
// seen before.
func documentOf(p identity.Person, ids []identity.Identifier) (idType, number string) {
	if p.CCCD != "" {
		return "CCCD", ""
	}
	for _, id := range ids {
		if id.Kind == identity.KindPassport {
			return "PASSPORT", id.Value
		}
	}
	return "PASSPORT", ""
}

// Declare validates a form and stores the declaration it makes for the
// profile personID, which the citizen actor must be or manage. Nothing is
// stored when anything is wrong.
func (s *Service) Declare(ctx context.Context, actor access.Actor, personID string, f Form) (Declaration, error) {
	if actor.Kind != access.KindCitizen {
		return Declaration{}, fmt.Errorf("declaration: only a citizen declares: %w", problem.ErrForbidden)
	}
	p, err := s.persons.Get(ctx, own(actor), personID)
	if err != nil {
		return Declaration{}, err
	}
	now := s.store.clock.Now()
	d, err := Validate(onRecord(f, p), dateOf(now))
	if err != nil {
		return Declaration{}, err
	}
	if !matchesRegistry(d.Details, p) {
		return Declaration{}, problem.Field("id_number", "Số giấy tờ khác với số trong Cơ sở dữ liệu quốc gia về dân cư của người này",
			"that number differs from this person's number in the national population database")
	}
	if d.Kind == KindSelfCheck {
		d.Ward = p.WardCode
	}
	d.ID, d.PersonID, d.Source, d.DeclaredAt = db.NewID(), p.ID, SourcePCCovid, now.UTC().Truncate(time.Millisecond)
	d.Details.FullName = p.FullName
	err = s.store.db.Transact(ctx, func(tx *db.DB) error {
		if err := s.store.Insert(ctx, tx, []Declaration{d}); err != nil {
			return err
		}
		if d.Details.IDType != "PASSPORT" {
			return nil
		}
		// A passport shown at the border becomes one of the person's
		// identifiers, with this declaration as its provenance.
		return s.persons.InsertIdentifiers(ctx, tx, []identity.PersonIdentifier{{PersonID: p.ID, Identifier: identity.Identifier{
			Kind: identity.KindPassport, Value: d.Details.IDNumber, Source: SourcePCCovid, RecordKey: d.ID, SeenAt: now}}})
	})
	if err != nil {
		return Declaration{}, err
	}
	return d, nil
}

// onRecord fills in the CCCD the registry holds when an entry form names
// no document number and no other kind of document: it is the person's.
func onRecord(f Form, p identity.Person) Form {
	t := strings.ToUpper(strings.TrimSpace(f.IDType))
	if strings.EqualFold(strings.TrimSpace(f.Kind), KindEntry) && strings.TrimSpace(f.IDNumber) == "" && p.CCCD != "" && (t == "" || t == "CCCD") {
		f.IDType, f.IDNumber = "CCCD", p.CCCD
	}
	return f
}

// matchesRegistry reports whether a CCCD or CMND declared is the person's
// own, as far as the registry knows it: a different number is a typo or
// the wrong profile.
func matchesRegistry(x Details, p identity.Person) bool {
	switch x.IDType {
	case "CCCD":
		return p.CCCD == "" || x.IDNumber == p.CCCD
	case "CMND":
		return p.OldID == "" || x.IDNumber == p.OldID
	}
	return true
}

// Mine returns the declarations of the profile personID, newest first, for
// the citizen actor who is or manages it: those made in PC-Covid and those
// taken over from the old apps.
func (s *Service) Mine(ctx context.Context, actor access.Actor, personID string) ([]Declaration, error) {
	sub, err := s.persons.Subject(ctx, personID)
	if err != nil {
		return nil, err
	}
	return s.store.ForPerson(ctx, own(actor), sub)
}

// Get returns one declaration for req: a citizen's own or family member's,
// or an official's for a purpose within their area.
func (s *Service) Get(ctx context.Context, req access.Request, id string) (Declaration, error) {
	d, err := s.store.byID(ctx, id)
	if err != nil {
		return d, err
	}
	sub, err := s.persons.Subject(ctx, d.PersonID)
	if err != nil {
		return Declaration{}, err
	}
	if err := s.store.guard.Read(ctx, req, "declaration.view", sub); err != nil {
		return Declaration{}, err
	}
	return d, nil
}

// QRText returns the signed text of the declaration's QR code.
func (s *Service) QRText(id string) string { return QRText(s.store.sealer, id) }

// byID reads one declaration without access checks.
func (s *Store) byID(ctx context.Context, id string) (Declaration, error) {
	d, err := s.scan(s.db.QueryRow(ctx, selectColumns+"WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("declaration %s: %w", id, problem.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("declaration %s: %w", id, err)
	}
	return d, nil
}
