package checkin

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Kind is what sort of place a venue is.
type Kind string

// The kinds of venue, in the order a form lists them.
const (
	KindRestaurant  Kind = "restaurant"
	KindMarket      Kind = "market"
	KindSupermarket Kind = "supermarket"
	KindShop        Kind = "shop"
	KindSchool      Kind = "school"
	KindOffice      Kind = "office"
	KindFactory     Kind = "factory"
	KindHospital    Kind = "hospital"
	KindStation     Kind = "transport_station"
	KindHotel       Kind = "hotel"
	KindWorship     Kind = "place_of_worship"
	KindEvent       Kind = "event"
	KindOther       Kind = "other"
)

// Kinds lists every kind of venue.
var Kinds = []Kind{KindRestaurant, KindMarket, KindSupermarket, KindShop, KindSchool, KindOffice, KindFactory,
	KindHospital, KindStation, KindHotel, KindWorship, KindEvent, KindOther}

// Limits of a venue's fields.
const (
	maxNameLen    = 120
	maxAddressLen = 200
	maxCapacity   = 1_000_000
)

// Venue is a place people check in at.
type Venue struct {
	ID       string
	Code     string // short code, 8 characters; see FormatCode
	Name     string
	Kind     Kind
	WardCode string
	Address  string // street address within the ward
	Capacity int
	// Owner is who registered the venue and may print its poster and scan
	// people in: an official (venue_operator) or a citizen account.
	OwnerKind access.ActorKind
	OwnerID   string
	CreatedAt time.Time
}

// Area names the venue's ward, district and province.
type Area struct {
	Ward, District, Province vn.Unit
}

// Area returns the admin units the venue lies in.
func (v Venue) Area() Area {
	p, d, w, _ := vn.AdminUnits().WardPath(v.WardCode)
	return Area{Ward: w, District: d, Province: p}
}

// FullAddress spells the address with its ward, district and province.
func (v Venue) FullAddress() string {
	a := v.Area()
	parts := []string{v.Address, a.Ward.FullName, a.District.FullName, a.Province.FullName}
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), ", ")
}

// NewVenue is what an owner fills in to register a venue.
type NewVenue struct {
	Name     string
	Kind     string
	Province string // the selects' values: checked to contain one another
	District string
	Ward     string
	Address  string
	Capacity string // as typed
}

// validate checks every field and returns all problems at once, each
// naming its field.
func (n NewVenue) validate(owner access.Actor) (Venue, error) {
	var errs problem.Fields
	v := Venue{Name: cleanText(n.Name), Address: cleanText(n.Address), Kind: Kind(strings.TrimSpace(n.Kind))}
	switch l := utf8.RuneCountInString(v.Name); {
	case l == 0:
		errs.Add(problem.Field("name", "Hãy nhập tên địa điểm", "enter the venue's name"))
	case l > maxNameLen:
		errs.Add(problem.Field("name", fmt.Sprintf("Tên dài quá %d ký tự", maxNameLen), fmt.Sprintf("the name is longer than %d characters", maxNameLen)))
	}
	if !slices.Contains(Kinds, v.Kind) {
		errs.Add(problem.Field("kind", "Hãy chọn loại địa điểm trong danh sách", "choose the kind of venue from the list"))
	}
	errs.Add(checkWard(n, owner, &v))
	switch l := utf8.RuneCountInString(v.Address); {
	case l == 0:
		errs.Add(problem.Field("address", "Hãy nhập số nhà, tên đường hoặc thôn", "enter the street address (house number, street or hamlet)"))
	case l > maxAddressLen:
		errs.Add(problem.Field("address", fmt.Sprintf("Địa chỉ dài quá %d ký tự", maxAddressLen), fmt.Sprintf("the address is longer than %d characters", maxAddressLen)))
	}
	c, err := strconv.Atoi(strings.TrimSpace(n.Capacity))
	switch {
	case err != nil:
		errs.Add(problem.Field("capacity", "Sức chứa phải là một số, ví dụ 50", "capacity must be a number, for example 50"))
	case c < 1 || c > maxCapacity:
		errs.Add(problem.Field("capacity", "Sức chứa phải từ 1 đến 1.000.000 người", "capacity must be between 1 and 1,000,000 people"))
	}
	v.Capacity = c
	if len(errs) > 0 {
		return Venue{}, errs
	}
	return v, nil
}

// checkWard checks the province → district → ward choice: each must exist
// and lie in the one before, and an official may register venues only in
// their own area.
func checkWard(n NewVenue, owner access.Actor, v *Venue) error {
	units := vn.AdminUnits()
	if _, ok := units.Province(strings.TrimSpace(n.Province)); !ok {
		return problem.Field("province", "Hãy chọn tỉnh, thành phố", "choose the province or city")
	}
	d, ok := units.District(strings.TrimSpace(n.District))
	if !ok || d.ParentCode != strings.TrimSpace(n.Province) {
		return problem.Field("district", "Hãy chọn quận, huyện thuộc tỉnh đã chọn", "choose a district of the chosen province")
	}
	w, ok := units.Ward(strings.TrimSpace(n.Ward))
	if !ok || w.ParentCode != d.Code {
		return problem.Field("ward", "Hãy chọn phường, xã thuộc quận, huyện đã chọn", "choose a ward of the chosen district")
	}
	if owner.Kind == access.KindOfficial && !owner.Scope.Covers(w.Code) {
		return problem.Field("ward", "Phường, xã này nằm ngoài địa bàn của bạn", "this ward is outside your area")
	}
	v.WardCode = w.Code
	return nil
}

// cleanText trims a typed line, folds runs of white space into one space,
// drops control characters and puts it in NFC.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, s)
	return vn.NormalizeName(strings.Join(strings.Fields(s), " "))
}

// CanRegister reports whether an actor may register venues: a citizen, or
// an official whose role is venue_operator.
func CanRegister(a access.Actor) bool {
	return a.Kind == access.KindCitizen || (a.Kind == access.KindOfficial && a.Role == access.RoleVenueOperator)
}

// owns reports whether a is the venue's owner.
func (v Venue) owns(a access.Actor) bool {
	return a.ID != "" && a.Kind == v.OwnerKind && a.ID == v.OwnerID
}

// RegisterVenue validates and stores a new venue owned by the actor.
func (s *Service) RegisterVenue(ctx context.Context, owner access.Actor, n NewVenue) (Venue, error) {
	if !CanRegister(owner) {
		return Venue{}, fmt.Errorf("checkin: %s may not register venues: %w", owner.Role, problem.ErrForbidden)
	}
	v, err := n.validate(owner)
	if err != nil {
		return Venue{}, err
	}
	v.ID, v.OwnerKind, v.OwnerID = db.NewID(), owner.Kind, owner.ID
	v.CreatedAt = s.clock.Now().UTC().Truncate(time.Millisecond)
	for range 5 { // a clash of random codes is rare; try again
		v.Code = newCode()
		_, err = s.db.Exec(ctx, `INSERT INTO venues (id, code, name, kind, ward_code, address, capacity, owner_kind, owner_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
			v.ID, v.Code, v.Name, string(v.Kind), v.WardCode, v.Address, v.Capacity, string(v.OwnerKind), v.OwnerID, db.Millis(v.CreatedAt))
		if !db.IsUniqueViolation(err) {
			break
		}
	}
	if err != nil {
		return Venue{}, fmt.Errorf("checkin: register venue: %w", err)
	}
	return v, nil
}

const venueColumns = "id, code, name, kind, ward_code, address, capacity, owner_kind, owner_id, created_at"

func scanVenue(row interface{ Scan(...any) error }) (Venue, error) {
	var v Venue
	var kind, ownerKind string
	var created int64
	err := row.Scan(&v.ID, &v.Code, &v.Name, &kind, &v.WardCode, &v.Address, &v.Capacity, &ownerKind, &v.OwnerID, &created)
	v.Kind, v.OwnerKind, v.CreatedAt = Kind(kind), access.ActorKind(ownerKind), db.TimeOf(created)
	return v, err
}

// loadVenue reads one venue by a unique column.
func (s *Service) loadVenue(ctx context.Context, column, value string) (Venue, error) {
	v, err := scanVenue(s.db.QueryRow(ctx, "SELECT "+venueColumns+" FROM venues WHERE "+column+" = $1", value))
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("checkin: venue: %w", ErrUnknownVenue)
	}
	if err != nil {
		return v, fmt.Errorf("checkin: venue: %w", err)
	}
	return v, nil
}

// VenueFor returns a venue its owner manages.
func (s *Service) VenueFor(ctx context.Context, owner access.Actor, id string) (Venue, error) {
	v, err := s.venueByID(ctx, id)
	if err != nil {
		return v, err
	}
	if !v.owns(owner) {
		return Venue{}, fmt.Errorf("checkin: venue %s is not %s's: %w", id, owner.ID, problem.ErrForbidden)
	}
	return v, nil
}

// VenuesOf lists the venues the actor owns, newest first.
func (s *Service) VenuesOf(ctx context.Context, owner access.Actor) ([]Venue, error) {
	rows, err := s.db.Query(ctx, "SELECT "+venueColumns+" FROM venues WHERE owner_kind = $1 AND owner_id = $2 ORDER BY created_at DESC, id",
		string(owner.Kind), owner.ID)
	if err != nil {
		return nil, fmt.Errorf("checkin: venues: %w", err)
	}
	defer rows.Close()
	var out []Venue
	for rows.Next() {
		v, err := scanVenue(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// The short code: 7 random symbols and a check symbol (Luhn mod N) from an
// alphabet without the look-alikes 0/O, 1/I/L and U/V, so that a code read
// aloud or copied by hand comes out right, and a single wrong symbol or two
// swapped neighbours are caught.
const (
	codeAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
	codeLen      = 8
)

func newCode() string {
	var b [codeLen]byte
	var r [codeLen - 1]byte
	rand.Read(r[:])
	for i := range r {
		// 256 % 30 leaves a tiny bias; a code is an address, not a secret.
		b[i] = codeAlphabet[int(r[i])%len(codeAlphabet)]
	}
	b[codeLen-1] = checkSymbol(b[:codeLen-1])
	return string(b[:])
}

// checkSymbol computes the Luhn mod N check symbol of s.
func checkSymbol(s []byte) byte {
	n := len(codeAlphabet)
	factor, sum := 2, 0
	for i := len(s) - 1; i >= 0; i-- {
		add := factor * strings.IndexByte(codeAlphabet, s[i])
		factor = 3 - factor
		sum += add/n + add%n
	}
	return codeAlphabet[(n-sum%n)%n]
}

// ParseCode reads a short code as a person types it: any case, with or
// without the dash or spaces. A code with a wrong symbol is refused before
// any look-up.
func ParseCode(s string) (string, error) {
	var b []byte
	for _, r := range s {
		switch {
		case r == ' ' || r == '-' || r == '.':
			continue
		case r < utf8.RuneSelf:
			b = append(b, byte(unicode.ToUpper(r)))
		default:
			return "", errBadCode
		}
	}
	if len(b) == 0 {
		return "", problem.Field("code", "Hãy nhập mã địa điểm in dưới mã QR", "enter the venue code printed under the QR code")
	}
	if len(b) != codeLen {
		return "", errBadCode
	}
	for _, c := range b {
		if strings.IndexByte(codeAlphabet, c) < 0 {
			return "", errBadCode
		}
	}
	if checkSymbol(b[:codeLen-1]) != b[codeLen-1] {
		return "", errBadCode
	}
	return string(b), nil
}

var errBadCode = problem.Field("code",
	"Mã địa điểm không đúng: mã có 8 ký tự, in dưới mã QR (ví dụ ABCD-2345). Hãy kiểm tra lại từng ký tự",
	"that venue code is not right: a code has 8 characters, printed under the QR code (like ABCD-2345). Check each character")

// FormatCode shows a code in two groups of four, as printed: ABCD-2345.
func FormatCode(code string) string {
	if len(code) != codeLen {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// DisplayCode is the venue's code as printed on its poster: ABCD-2345.
func (v Venue) DisplayCode() string { return FormatCode(v.Code) }
