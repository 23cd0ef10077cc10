package tracing

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Who named a declared contact.
const (
	DeclaredByCase     = "case"
	DeclaredByOfficial = "official"
)

// DeclaredContact is a close contact a case names, or an official enters
// after an interview: someone the platform's records may not show.
type DeclaredContact struct {
	// Number is the contact's CCCD, CMND or phone number: it must name
	// exactly one person.
	Number string
	// MetAt is when they were last together.
	MetAt time.Time
	// Place is where, in the declarer's words (sealed).
	Place string
}

const maxPlaceLen = 200

// resolve finds the one person a number names.
func (s *Service) resolve(ctx context.Context, number string) (string, error) {
	number = strings.TrimSpace(number)
	var ids []string
	var err error
	if kind, v, perr := vn.ParseIDNumber(number); perr == nil {
		if kind == vn.IDCCCD {
			ids, err = s.Persons.FindByCCCD(ctx, v)
		} else {
			ids, err = s.Persons.FindByCMND(ctx, v)
		}
	} else if p, perr := vn.ParsePhone(number); perr == nil {
		ids, err = s.Persons.FindByPhone(ctx, string(p))
	} else {
		return "", problem.Field("number", "Nhập số CCCD (12 số), CMND (9 số) hoặc số điện thoại của người tiếp xúc",
			"enter the contact's CCCD (12 digits), CMND (9 digits) or phone number")
	}
	switch {
	case err != nil:
		return "", err
	case len(ids) == 0:
		return "", problem.Field("number", "Không tìm thấy ai với số này", "nobody is known with this number")
	case len(ids) > 1:
		return "", problem.Field("number", "Số điện thoại này của nhiều người (gia đình dùng chung): hãy nhập số CCCD",
			"several people share this phone number (a family phone): enter the CCCD instead")
	}
	return ids[0], nil
}

// checkDeclared refuses a declared contact whose time contradicts the case.
func checkDeclared(c Case, d DeclaredContact, now time.Time) error {
	var errs problem.Fields
	switch {
	case d.MetAt.IsZero():
		errs.Add(problem.Field("met_at", "Hãy nhập lần gặp gần nhất", "enter when you were last together"))
	case d.MetAt.After(now.Add(clockSkew)):
		errs.Add(problem.Field("met_at", "Thời điểm gặp ở tương lai", "that time is in the future"))
	case d.MetAt.Before(c.Window.From):
		errs.Add(problem.Field("met_at", "Lần gặp này trước thời gian lây nhiễm của ca bệnh (từ "+c.Window.From.In(vn.Location()).Format("02/01/2006 15:04")+")",
			"this was before the case could infect anyone (from "+c.Window.From.In(vn.Location()).Format("02/01/2006 15:04")+")"))
	}
	if utf8.RuneCountInString(d.Place) > maxPlaceLen {
		errs.Add(problem.Field("place", "Địa điểm quá dài (tối đa 200 ký tự)", "the place is too long (at most 200 characters)"))
	}
	return errs.Err()
}

// DeclareContact records a close contact of a case that an official
// entered, then runs the case's F1 tracing again so the contact is linked
// and warned. The official's scope must cover the case.
func (s *Service) DeclareContact(ctx context.Context, req access.Request, caseID int64, d DeclaredContact) (RunReport, error) {
	c, err := s.caseForOfficial(ctx, &req, caseID)
	if err != nil {
		return RunReport{}, err
	}
	if err := s.addDeclared(ctx, req, c, d, DeclaredByOfficial); err != nil {
		return RunReport{}, err
	}
	return s.trace(ctx, req, c, 1)
}

// DeclareOwnContact records a close contact a case names from the app, for
// the case's own profile (or a family member's they manage). It is linked
// and warned at once; the contact never learns who named them.
func (s *Service) DeclareOwnContact(ctx context.Context, actor access.Actor, personID string, d DeclaredContact) error {
	if actor.Kind != access.KindCitizen {
		return fmt.Errorf("tracing: only the case declares their contacts: %w", problem.ErrForbidden)
	}
	sub, err := s.Persons.Subject(ctx, personID)
	if err != nil {
		return err
	}
	if err := (access.Request{Actor: actor, Purpose: access.PurposeOwn}).Check(sub); err != nil {
		return err
	}
	c, ok, err := s.CaseOf(ctx, personID)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("tracing: %s is not a current case: %w", personID, problem.ErrForbidden)
	}
	req := access.Request{Actor: access.System("tracing-declared"), Purpose: access.PurposeTracing, Ref: c.Ref()}
	if err := s.addDeclared(ctx, req, c, d, DeclaredByCase); err != nil {
		return err
	}
	_, err = s.trace(ctx, req, c, 1)
	return err
}

func (s *Service) addDeclared(ctx context.Context, req access.Request, c Case, d DeclaredContact, by string) error {
	if err := checkDeclared(c, d, s.Clock.Now()); err != nil {
		return err
	}
	person, err := s.resolve(ctx, d.Number)
	if err != nil {
		return err
	}
	if person == c.PersonID {
		return problem.Field("number", "Đây là số của chính ca bệnh", "this is the case's own number")
	}
	_, err = s.DB.Exec(ctx, `INSERT INTO tracing_declared (case_id, person_id, met_at, place_sealed, by_kind, by_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (case_id, person_id, met_at) DO NOTHING`,
		c.ID, person, db.Millis(d.MetAt.Truncate(time.Minute)), s.Sealer.SealString(fieldPlace, strings.TrimSpace(d.Place)),
		by, req.Actor.ID, db.Millis(s.Clock.Now()))
	if err != nil {
		return fmt.Errorf("tracing: declared contact: %w", err)
	}
	return s.Guard.Record(ctx, req, "case.contact_declared", person, "declared by "+by)
}

// declaredExposures turns a case's declared contacts into evidence. Where
// they met stays sealed in tracing_declared; the evidence says who named
// the contact.
func (s *Service) declaredExposures(ctx context.Context, caseID int64) ([]Exposure, error) {
	rows, err := s.DB.Query(ctx, `SELECT c.person_id, d.person_id, d.met_at, d.by_kind FROM tracing_declared d
		JOIN tracing_cases c ON c.id = d.case_id WHERE d.case_id = $1 ORDER BY d.met_at, d.person_id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("tracing: declared contacts: %w", err)
	}
	defer rows.Close()
	var out []Exposure
	for rows.Next() {
		var src, contact, by string
		var met int64
		if err := rows.Scan(&src, &contact, &met, &by); err != nil {
			return nil, err
		}
		at := db.TimeOf(met)
		out = append(out, Exposure{Rule: RuleDeclared, Key: strconv.FormatInt(met, 10), SourcePerson: src, ContactPerson: contact,
			Degree: 1, Place: "declared", SourceFrom: at, SourceTo: at, ContactFrom: at, ContactTo: at, Detail: by})
	}
	return out, rows.Err()
}

// DeclaredPlaces returns where a case met a declared contact, opened for
// an official who may see the contact.
func (s *Service) declaredPlaces(ctx context.Context, caseID int64, personID string) ([]string, error) {
	rows, err := s.DB.Query(ctx, "SELECT place_sealed FROM tracing_declared WHERE case_id = $1 AND person_id = $2 ORDER BY met_at", caseID, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		p, err := s.Sealer.OpenString(fieldPlace, b)
		if err != nil {
			return nil, err
		}
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, rows.Err()
}
