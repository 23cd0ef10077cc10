package checkin

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Method is how a check-in was made.
type Method string

// The methods.
const (
	MethodVenueQR    Method = "venue_qr"    // the citizen scanned the venue's poster
	MethodCode       Method = "code"        // the citizen typed the venue's code
	MethodPersonalQR Method = "personal_qr" // the venue scanned the citizen's personal QR
	MethodCard       Method = "cccd_card"   // the venue scanned the QR on a CCCD card
)

// CheckIn is one person at one venue at one time.
type CheckIn struct {
	ID       string
	VenueID  string
	PersonID string
	// At is when the person was there: when the scan was made, which for
	// a scan queued offline is before the server heard of it.
	At     time.Time
	Method Method
	// RecordedBy is the account or official that recorded it: the
	// citizen's own account, or the venue's owner.
	RecordedBy string
	CreatedAt  time.Time
}

// Repeat says whether a check-in was new.
type Repeat uint8

// Kinds of repeat.
const (
	// New: the check-in was recorded now.
	New Repeat = iota
	// Resent: the same request (same id) was recorded before; nothing changed.
	Resent
	// Double: the same person checked in at the same venue less than a
	// minute before; that check-in stands and no other was made.
	Double
)

// DoubleWindow is how close two check-ins of one person at one venue
// must be to count as one.
const DoubleWindow = time.Minute

// MaxQueueAge is the oldest scan a device may send late, from its offline
// queue.
const MaxQueueAge = 72 * time.Hour

// Scan is one check-in request as it arrives from a phone or a scanner.
type Scan struct {
	// ID is the idempotency id the client chose: 8 to 64 letters, digits,
	// '-' or '_'. Sent again, it finds the first check-in. Empty lets the
	// server choose (then a resend is not recognised).
	ID string
	// QR is the scanned text; Code the venue code typed instead.
	QR, Code string
	// Age is how long before sending the scan was made (offline queue).
	Age time.Duration
	// Received is when the server got the request; zero means now.
	Received time.Time
}

// Result is what a check-in request did.
type Result struct {
	CheckIn CheckIn
	Venue   Venue
	Repeat  Repeat
	// Card is the card's content when a venue scanned a CCCD card.
	Card *CardQR
}

// CheckIn checks a citizen's active profile in at the venue whose poster
// they scanned (sc.QR) or whose code they typed (sc.Code).
func (s *Service) CheckIn(ctx context.Context, actor access.Actor, personID string, sc Scan) (Result, error) {
	if actor.Kind != access.KindCitizen {
		return Result{}, fmt.Errorf("checkin: only a citizen checks in: %w", problem.ErrForbidden)
	}
	if personID == "" {
		return Result{}, ErrNoProfile
	}
	method, code, err := s.venueCode(sc)
	if err != nil {
		return Result{}, err
	}
	v, err := s.venueByCode(ctx, code)
	if err != nil {
		return Result{}, err
	}
	return s.record(ctx, v, personID, actor.ID, method, sc, nil)
}

// ErrNoProfile: the account is not tied to a person yet.
var ErrNoProfile = problem.Field("profile",
	"Tài khoản chưa gắn với hồ sơ nào, nên chưa check-in được",
	"your account is not linked to a person yet, so you cannot check in")

func (s *Service) venueCode(sc Scan) (Method, string, error) {
	if strings.TrimSpace(sc.QR) != "" {
		code, err := s.ParseVenueQR(sc.QR)
		return MethodVenueQR, code, err
	}
	code, err := ParseCode(sc.Code)
	return MethodCode, code, err
}

// RecordAtVenue checks a person in at a venue on its owner's scan of the
// person's personal QR code or CCCD card.
func (s *Service) RecordAtVenue(ctx context.Context, operator access.Actor, venueID string, sc Scan) (Result, error) {
	v, err := s.VenueFor(ctx, operator, venueID)
	if err != nil {
		return Result{}, err
	}
	qr := strings.TrimSpace(sc.QR)
	switch {
	case strings.HasPrefix(qr, personalPrefix):
		pid, err := s.ResolvePersonalQR(ctx, qr)
		if err != nil {
			return Result{}, err
		}
		return s.record(ctx, v, pid, operator.ID, MethodPersonalQR, sc, nil)
	case strings.Contains(qr, "|"):
		card, err := ParseCardQR(sc.QR)
		if err != nil {
			return Result{}, err
		}
		pid, err := s.cardHolder(ctx, card)
		if err != nil {
			return Result{}, err
		}
		return s.record(ctx, v, pid, operator.ID, MethodCard, sc, &card)
	}
	return Result{}, ErrNotPersonQR
}

// Errors of a venue's scan.
var (
	ErrNotPersonQR = problem.Field("qr",
		"Đây không phải mã QR cá nhân PC-Covid hay mã QR trên thẻ CCCD",
		"this is neither a PC-Covid personal QR code nor the QR code of a CCCD card")
	ErrUnknownCard = problem.Field("card_qr.cccd",
		"Số CCCD trên thẻ chưa có trong Cơ sở dữ liệu quốc gia về dân cư, nên không ghi nhận được. Hãy ghi vào sổ giấy của địa điểm",
		"the CCCD number on the card is not in the national population database, so it cannot be recorded. Write it in the venue's paper log")
)

// cardHolder finds the person a card belongs to by its number: the
// registry person when there is one, else the only person known with it.
// A number nobody knows is refused, not recorded against a new unverified
// person: the card's QR is not signed, and anyone can print one, so an
// unknown number proves nobody.
func (s *Service) cardHolder(ctx context.Context, card CardQR) (string, error) {
	ids, err := s.persons.FindByCCCD(ctx, string(card.CCCD))
	if err != nil {
		return "", err
	}
	if reg := s.persons.RegistryID(string(card.CCCD)); slices.Contains(ids, reg) {
		return reg, nil
	}
	if len(ids) != 1 {
		return "", ErrUnknownCard
	}
	return ids[0], nil
}

// record checks the request's id and age, then hands the check-in to the
// writer and waits until it is durable.
func (s *Service) record(ctx context.Context, v Venue, personID, by string, m Method, sc Scan, card *CardQR) (Result, error) {
	id, err := checkID(sc.ID)
	if err != nil {
		return Result{}, err
	}
	if sc.Age < 0 {
		sc.Age = 0
	}
	if sc.Age > MaxQueueAge {
		return Result{}, problem.Field("age_ms", "Lượt quét này đã quá 3 ngày nên không ghi nhận được", "this scan is more than 3 days old and cannot be recorded")
	}
	recv := sc.Received
	if recv.IsZero() {
		recv = s.clock.Now()
	}
	ci := CheckIn{ID: id, VenueID: v.ID, PersonID: personID, At: recv.Add(-sc.Age).Truncate(time.Millisecond), Method: m,
		RecordedBy: by, CreatedAt: recv.Truncate(time.Millisecond)}
	got, rep, err := s.writerFor(personID).submit(ctx, ci)
	if err != nil {
		return Result{}, err
	}
	if got.VenueID != v.ID {
		if v, err = s.venueByID(ctx, got.VenueID); err != nil {
			return Result{}, err
		}
	}
	return Result{CheckIn: got, Venue: v, Repeat: rep, Card: card}, nil
}

// checkID checks a client's idempotency id, or makes one.
func checkID(id string) (string, error) {
	if id == "" {
		return db.NewID(), nil
	}
	ok := len(id) >= 8 && len(id) <= 64
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_'
	}
	if !ok {
		return "", problem.Field("id", "Mã yêu cầu phải có 8 đến 64 chữ cái, chữ số, - hoặc _", "the request id must be 8 to 64 letters, digits, - or _")
	}
	return id, nil
}

// LocalTime is a time as shown to people: Vietnam time.
func LocalTime(t time.Time) time.Time { return t.In(vn.Location()) }
