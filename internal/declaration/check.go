package declaration

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Checked is what a checkpoint sees of a declaration: enough to check the
// person in front of them, nothing more. No identity number, no address,
// no list of symptoms.
type Checked struct {
	Kind       string
	DeclaredAt time.Time
	// Name is masked to the first letter of each word: "N** V** A**".
	Name string
	// Symptoms says whether the person declared any symptom.
	Symptoms bool
	// The journey, at province level: where from (a province, or a
	// country), where to (a province, or the border gate), how and when.
	// Empty for a self-check.
	From, To      string
	FromCountry   string // entry: ISO alpha-3, for names in another language
	BorderGate    string // entry: gate code
	Transport     string
	TransportNo   string
	DepartureDate vn.Date
}

// The refusals a checkpoint sees.
var (
	errForged = problem.Field("qr", "Mã QR không hợp lệ: mã đã bị sửa hoặc giả mạo",
		"invalid QR code: it was altered or forged")
	errGone = problem.Field("qr", "Không tìm thấy tờ khai này (có thể đã hết thời hạn lưu giữ)",
		"this declaration is not on record (it may have passed its retention period)")
	errCheckPurpose = problem.Field("purpose", "Kiểm tra tờ khai cần mục đích: kiểm tra khai báo y tế hoặc kiểm soát nhập cảnh",
		"checking a declaration needs the purpose declaration check or entry control")
)

// Check verifies a declaration QR code for an official at a checkpoint and
// returns what they may see of it. The request names the purpose
// (declaration_check or entry_control). The check is recorded in the audit
// trail, on the person's access log; an unreadable, forged or unknown code
// is refused and the refusal recorded too, so probing leaves a trace.
//
// The official's area must cover one of the places the declaration
// concerns: where the journey starts or ends, the border gate, or the
// person's home. A checkpoint at a province's edge checks the people
// coming in and going out; it cannot look up travellers elsewhere.
func (s *Service) Check(ctx context.Context, req access.Request, text string) (Checked, error) {
	if req.Actor.Kind != access.KindOfficial {
		return Checked{}, fmt.Errorf("declaration: only officials check declarations: %w", problem.ErrForbidden)
	}
	if req.Purpose != access.PurposeDeclaration && req.Purpose != access.PurposeEntryControl {
		return Checked{}, errCheckPurpose
	}
	q, err := ParseQR(text)
	if err != nil {
		return Checked{}, s.refuse(ctx, req, "", "unreadable", err)
	}
	if !q.Verify(s.store.sealer) {
		return Checked{}, s.refuse(ctx, req, "", "bad signature", errForged)
	}
	d, err := s.store.byID(ctx, q.ID)
	if errors.Is(err, problem.ErrNotFound) {
		return Checked{}, s.refuse(ctx, req, "", "not on record", errGone)
	}
	if err != nil {
		return Checked{}, err
	}
	sub, err := s.subjectFor(ctx, req, d)
	if err != nil {
		return Checked{}, err
	}
	if err := s.store.guard.Read(ctx, req, "declaration.check", sub); err != nil {
		return Checked{}, err
	}
	return checkedOf(d), nil
}

// refuse records a refused check and returns why it was refused.
func (s *Service) refuse(ctx context.Context, req access.Request, subjectID, detail string, why error) error {
	if err := s.store.guard.Record(ctx, req, "declaration.check.refused", subjectID, detail); err != nil {
		return err
	}
	return why
}

// subjectFor returns the person of a declaration as access rules see them,
// placed in the first area the declaration concerns that the official's
// scope covers; when none is, in their home area, so that the guard refuses
// and records it.
func (s *Service) subjectFor(ctx context.Context, req access.Request, d Declaration) (access.Subject, error) {
	sub, err := s.persons.Subject(ctx, d.PersonID)
	if err != nil {
		return sub, err
	}
	areas := []string{d.Ward, d.Details.FromArea}
	if g, ok := GateByCode(d.BorderGate); ok {
		areas = append(areas, g.Province)
	}
	for _, a := range areas {
		if a != "" && req.Actor.Scope.Covers(a) {
			sub.Area = a
			break
		}
	}
	return sub, nil
}

func checkedOf(d Declaration) Checked {
	c := Checked{Kind: d.Kind, DeclaredAt: d.DeclaredAt, Name: MaskName(d.Details.FullName),
		Symptoms: len(d.Details.Symptoms) > 0}
	if d.Kind == KindSelfCheck || d.Kind == KindNCOVI {
		return c
	}
	c.Transport, c.TransportNo, c.DepartureDate = d.Transport, d.TransportNo, d.DepartureDate
	c.From, c.To = provinceName(d.Details.FromArea), provinceName(d.Ward)
	if d.Kind == KindEntry {
		c.FromCountry, c.BorderGate = d.Details.FromCountry, d.BorderGate
		if country, ok := CountryByCode(d.Details.FromCountry); ok {
			c.From = country.NameVi
		}
		if g, ok := GateByCode(d.BorderGate); ok {
			c.To = g.NameVi
		}
	}
	if c.From == "" {
		c.From = d.Details.FromPlace // taken over from the old apps: free text
	}
	if c.To == "" {
		c.To = d.Details.ToPlace
	}
	return c
}

// provinceName returns the full name of the province an admin-unit code
// lies in, or "".
func provinceName(code string) string {
	units := vn.AdminUnits()
	u, ok := units.Lookup(code)
	for ok && u.Level != vn.LevelProvince {
		u, ok = units.Lookup(u.ParentCode)
	}
	if !ok {
		return ""
	}
	return u.FullName
}

// MaskName keeps the first letter of each word of a name and hides the
// rest behind a fixed "**", which does not tell the words' lengths either:
// "Nguyễn Văn An" → "N** V** A**".
func MaskName(name string) string {
	var parts []string
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		parts = append(parts, string(unicode.ToUpper(r))+"**")
	}
	return strings.Join(parts, " ")
}

// Arrivals lists the entry declarations of travellers arriving through a
// border gate on a day, for entry control. The request's purpose must be
// entry_control. An official whose area covers the gate sees every
// arrival there; another sees those who will stay in their area. The
// listing is recorded, and each traveller shown finds it on their access
// log.
func (s *Service) Arrivals(ctx context.Context, req access.Request, gate string, day vn.Date) ([]Declaration, error) {
	if req.Actor.Kind != access.KindOfficial || req.Purpose != access.PurposeEntryControl {
		return nil, problem.Field("purpose", "Danh sách nhập cảnh chỉ dùng cho mục đích kiểm soát nhập cảnh",
			"the arrivals list is for the purpose of entry control")
	}
	g, ok := GateByCode(gate)
	if !ok {
		return nil, problem.Field("gate", "Hãy chọn cửa khẩu trong danh sách", "choose a border gate from the list")
	}
	if day.Day == 0 {
		return nil, problem.Field("date", "Hãy chọn ngày", "choose a day")
	}
	if err := s.store.guard.Record(ctx, req, "declaration.arrivals", "", fmt.Sprintf("gate %s on %s", g.Code, day)); err != nil {
		return nil, err
	}
	all, err := s.store.query(ctx, "WHERE kind = $1 AND border_gate = $2 AND arrival_date = $3 ORDER BY declared_at, id",
		KindEntry, g.Code, day.String())
	if err != nil {
		return nil, err
	}
	var out []Declaration
	var subjects []access.Subject
	for _, d := range all {
		area := g.Province
		if !req.Actor.Scope.Covers(area) {
			area = d.Ward
		}
		if req.Actor.Scope.Covers(area) {
			out = append(out, d)
			subjects = append(subjects, access.Subject{PersonID: d.PersonID, Area: area})
		}
	}
	if err := s.store.guard.Read(ctx, req, "declaration.arrival", subjects...); err != nil {
		return nil, err
	}
	return out, nil
}
