// Package family lets one account manage the profiles of the people it
// looks after — children, elderly parents without a smartphone — and act
// for them: declare, check in, see their health wallet.
//
// A managed profile comes either from the takeover (the health book's
// managedBy, already in identity's person_managers) or is added here by the
// account holder, with proof checked against the national population
// database:
//
//   - A relative with an identity number (12-digit CCCD — which is also the
//     personal identification number every child registered since 2016
//     has — or the old 9-digit CMND, which many elderly people still carry)
//     is proved by that number and their birth date, both of which must
//     match the registry ([identity.Registry]).
//   - A child under 14 has no CCCD card (the Law on Citizen Identification
//     issues it from age 14) and parents rarely know the child's personal
//     number. Such a child is proved by being a member of the account
//     holder's own registry household (the household book, verified when
//     the holder proved who they are) together with their full birth date.
//     From 14 on, the CCCD path is required.
//
// Attempts are rate-limited per account, so a birth date cannot be
// guessed, and a wrong number and a wrong date get the same answer, so the
// form does not tell which numbers exist. Each addition, switch and read of
// a managed profile is on that person's access log.
//
// The profile in use is the session's ([access.Sessions.SetPerson]); a
// citizen can switch only to their own profile or one they manage, whatever
// a form says.
package family

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Service manages family profiles.
type Service struct {
	db       *db.DB
	persons  *identity.Store
	registry identity.Registry
	sessions *access.Sessions
	guard    *access.Guard
	limiter  *access.Limiter
	clock    clock.Clock
}

// NewService returns the family service. registry is the population
// database: the loaded extract (identity.Store.Registry) or the live
// service.
func NewService(d *db.DB, persons *identity.Store, registry identity.Registry, sessions *access.Sessions,
	guard *access.Guard, c clock.Clock) *Service {
	return &Service{db: d, persons: persons, registry: registry, sessions: sessions, guard: guard,
		limiter: access.NewLimiter(d, c), clock: c}
}

// SourceAdded is the source of a link the account holder added.
const SourceAdded = "family"

// ChildAge is the age from which a person has a CCCD card and must be
// added by it.
const ChildAge = 14

// attemptLimit bounds proofs per account: enough for a family, too few to
// guess a birth date.
var attemptLimit = access.Limit{Max: 5, Per: 15 * time.Minute}

// ErrMismatch is the one answer to a proof that does not match: it does
// not say which part was wrong.
var ErrMismatch = problem.Field("birth_date", "Số định danh và ngày sinh không khớp với Cơ sở dữ liệu quốc gia về dân cư",
	"the number and birth date do not match the national population database")

// errNoProfile is the answer to an account not yet tied to a person.
var errNoProfile = fmt.Errorf("family: the account holder has not proved who they are: %w", problem.ErrForbidden)

// Profiles lists the profiles a citizen may act for: their own first, then
// those they manage.
func (s *Service) Profiles(ctx context.Context, actor access.Actor) ([]identity.Relative, error) {
	return s.persons.Relatives(ctx, actor)
}

// Active returns the profile a citizen acts for, given the session's
// choice ("" for their own).
func (s *Service) Active(ctx context.Context, actor access.Actor, personID string) (identity.Relative, error) {
	if personID == "" {
		personID = actor.PersonID
	}
	return s.persons.Relative(ctx, actor, personID)
}

// Switch makes the session token act for personID: the citizen's own
// profile or one they manage. Any other is refused — and the attempt is on
// that person's access log — whatever the form or request said.
func (s *Service) Switch(ctx context.Context, actor access.Actor, token, personID string) (identity.Relative, error) {
	if actor.Kind != access.KindCitizen || actor.PersonID == "" {
		return identity.Relative{}, errNoProfile
	}
	if personID != actor.PersonID {
		sub, err := s.persons.Subject(ctx, personID)
		if errors.Is(err, problem.ErrNotFound) {
			return identity.Relative{}, fmt.Errorf("family: switch to unknown profile: %w", problem.ErrForbidden)
		}
		if err != nil {
			return identity.Relative{}, err
		}
		if err := s.guard.Read(ctx, access.Request{Actor: actor, Purpose: access.PurposeFamily}, "family.switch", sub); err != nil {
			return identity.Relative{}, err
		}
	}
	rel, err := s.persons.Relative(ctx, actor, personID)
	if err != nil {
		return identity.Relative{}, err
	}
	return rel, s.sessions.SetPerson(ctx, token, personID)
}

// Proof is what the account holder gives to add a relative: an identity
// number and birth date, or — for a child under 14 — the child's place in
// the holder's household and birth date.
type Proof struct {
	IDNumber string // CCCD (12 digits) or CMND (9 digits)
	// Child chooses the second proof: MemberID, a person of the holder's
	// household (from Children).
	Child     bool
	MemberID  string
	BirthDate string // DD/MM/YYYY or YYYY-MM-DD
}

// Add verifies a proof and adds the relative to the profiles actor
// manages. Adding one already managed changes nothing and returns it.
func (s *Service) Add(ctx context.Context, actor access.Actor, p Proof) (identity.Relative, error) {
	if actor.Kind != access.KindCitizen || actor.PersonID == "" {
		return identity.Relative{}, errNoProfile
	}
	birth, err := p.parse()
	if err != nil {
		return identity.Relative{}, err
	}
	err = s.db.Transact(ctx, func(tx *db.DB) error {
		return s.limiter.Take(ctx, tx, access.Bucket{Key: "family:" + actor.ID, Limit: attemptLimit})
	})
	if err != nil {
		return identity.Relative{}, err
	}
	var personID, how string
	if p.Child {
		personID, how, err = s.verifyChild(ctx, actor, p.MemberID, birth)
	} else {
		personID, how, err = s.verifyByNumber(ctx, p.IDNumber, birth)
	}
	if err != nil {
		return identity.Relative{}, err
	}
	return s.link(ctx, actor, personID, how)
}

// parse checks the form: a birth date, and one of the two proofs.
func (p Proof) parse() (vn.Date, error) {
	var errs problem.Fields
	birth, err := vn.ParseBirthDate(strings.TrimSpace(p.BirthDate))
	if err != nil || birth.Day == 0 {
		errs.Add(problem.Field("birth_date", "Hãy nhập đủ ngày, tháng, năm sinh (ngày/tháng/năm)", "enter the full birth date (DD/MM/YYYY)"))
	}
	if p.MemberID == "" {
		_, _, err := vn.ParseIDNumber(p.IDNumber)
		errs.Add(err) // names the field id_number and says what is wrong

	}
	return birth, errs.Err()
}

// verifyByNumber asks the registry for the holder of the number and
// compares the birth date.
func (s *Service) verifyByNumber(ctx context.Context, number string, birth vn.Date) (string, string, error) {
	kind, value, _ := vn.ParseIDNumber(number)
	var rec identity.RegistryRecord
	var err error
	if kind == vn.IDCMND {
		rec, err = s.registry.CitizenByOldID(ctx, value)
	} else {
		rec, err = s.registry.Citizen(ctx, value)
	}
	if errors.Is(err, problem.ErrNotFound) {
		return "", "", ErrMismatch
	}
	if err != nil {
		return "", "", err
	}
	if d, err := vn.ParseDate(rec.BirthDate); err != nil || d != birth {
		return "", "", ErrMismatch
	}
	ids, err := s.persons.FindByCCCD(ctx, rec.CCCD)
	if err != nil {
		return "", "", err
	}
	if want := s.persons.RegistryID(rec.CCCD); slices.Contains(ids, want) {
		return want, "id_number", nil
	}
	if len(ids) == 1 {
		return ids[0], "id_number", nil
	}
	return "", "", problem.Field("id_number", "Người này chưa có hồ sơ trên PC-Covid; hãy liên hệ trạm y tế",
		"this person has no PC-Covid profile yet; ask the health station")
}

// verifyChild checks a child of the holder's household by birth date; from
// ChildAge on, the CCCD is required.
func (s *Service) verifyChild(ctx context.Context, actor access.Actor, memberID string, birth vn.Date) (string, string, error) {
	ok, err := s.persons.HouseholdMemberBornOn(ctx, actor.PersonID, memberID, birth)
	if err != nil {
		return "", "", err
	}
	if !ok {
		return "", "", problem.Field("birth_date", "Ngày sinh không khớp với sổ hộ khẩu", "the birth date does not match the household book")
	}
	if ageOn(birth, s.clock.Now()) >= ChildAge {
		return "", "", problem.Field("member", fmt.Sprintf("Người từ %d tuổi có CCCD: hãy thêm bằng số CCCD", ChildAge),
			fmt.Sprintf("people aged %d and over have a CCCD: add them by its number", ChildAge))
	}
	return memberID, "household", nil
}

// ageOn is the age in completed years at t, in Vietnam.
func ageOn(birth vn.Date, t time.Time) int {
	y, m, d := t.In(vn.Location()).Date()
	age := y - birth.Year
	if int(m) < birth.Month || int(m) == birth.Month && d < birth.Day {
		age--
	}
	return age
}

// link records that actor manages personID, on the person's access log.
func (s *Service) link(ctx context.Context, actor access.Actor, personID, how string) (identity.Relative, error) {
	if personID == actor.PersonID {
		return identity.Relative{}, problem.Field("id_number", "Đây là hồ sơ của chính bạn", "this is your own profile")
	}
	if err := s.persons.AddManager(ctx, personID, actor.PersonID, SourceAdded, actor.ID); err != nil {
		return identity.Relative{}, err
	}
	req := access.Request{Actor: actor, Purpose: access.PurposeFamily}
	if err := s.guard.Record(ctx, req, "family.add", personID, "proved by "+how); err != nil {
		return identity.Relative{}, err
	}
	return s.persons.Relative(ctx, actor, personID)
}

// Children lists the members of the holder's registry household who may be
// added as children: under ChildAge, not yet managed. The listing is on
// each member's access log, as the household page's is.
func (s *Service) Children(ctx context.Context, actor access.Actor) ([]identity.Member, error) {
	if actor.Kind != access.KindCitizen || actor.PersonID == "" {
		return nil, nil
	}
	managed, err := s.persons.Managed(ctx, actor.PersonID)
	if err != nil {
		return nil, err
	}
	members, err := s.persons.HouseholdMembers(ctx, access.Request{Actor: actor, Purpose: access.PurposeOwn})
	if err != nil {
		return nil, err
	}
	year := s.clock.Now().In(vn.Location()).Year()
	var out []identity.Member
	for _, m := range members {
		if !m.Self && !slices.Contains(managed, m.PersonID) && m.BirthYear >= year-ChildAge {
			out = append(out, m)
		}
	}
	return out, nil
}
