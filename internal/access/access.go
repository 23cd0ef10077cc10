// Package access decides who may read whose data, and why, and keeps the
// record of it. It holds accounts (citizens by phone and one-time code,
// officials by user name and password), sessions, roles, area scopes, the
// fixed list of purposes, and the append-only, hash-chained audit trail.
//
// The rule it enforces is the platform's promise: personal data is used only
// for epidemic control. Every read of another person's data names an actor,
// a role, an area scope and a purpose; it is refused outside the actor's
// scope or for a purpose the role does not serve, and it is written to the
// audit trail before the data is returned. Domain packages call [Guard.Read]
// where they read the data, not only the HTTP handlers.
package access

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/vn"
)

// Role is what an actor does in the epidemic response.
type Role string

// The roles. Officials have one of the first five; citizens and machines
// have their own.
const (
	RoleHealthOfficial Role = "health_official"
	RoleCommuneOfficer Role = "commune_officer"
	RolePoliceOfficer  Role = "police_officer"
	RoleVenueOperator  Role = "venue_operator"
	RoleAdmin          Role = "admin"
	RoleCitizen        Role = "citizen"
	RoleSystem         Role = "system"
	RoleIntegrator     Role = "integrator"
)

// OfficialRoles are the roles an official account can hold.
var OfficialRoles = []Role{RoleHealthOfficial, RoleCommuneOfficer, RolePoliceOfficer, RoleVenueOperator, RoleAdmin}

// ParseRole checks that s names an official role.
func ParseRole(s string) (Role, error) {
	r := Role(strings.TrimSpace(s))
	if !slices.Contains(OfficialRoles, r) {
		return "", problem.Field("role", "Vai trò không hợp lệ", fmt.Sprintf("unknown role %q: want one of %v", s, OfficialRoles))
	}
	return r, nil
}

// Scope is an area: "VN" for the whole country, or a GSO province (2
// digits), district (3) or ward (5) code.
type Scope string

// Country is the scope of the whole country.
const Country Scope = "VN"

// ParseScope checks that s is "VN" or an existing admin unit code.
func ParseScope(s string) (Scope, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "VN") || s == "" {
		return Country, nil
	}
	if _, ok := vn.AdminUnits().Lookup(s); !ok {
		return "", problem.Field("scope", "Địa bàn không tồn tại", fmt.Sprintf("scope %q is not VN or a known province, district or ward code", s))
	}
	return Scope(s), nil
}

// Covers reports whether an area (ward, district or province code) lies
// within the scope. An empty area (a person whose residence is unknown) is
// covered only by the country scope.
func (s Scope) Covers(area string) bool {
	if s == Country {
		return true
	}
	if area == "" {
		return false
	}
	if len(area) < len(s) {
		return false
	}
	return vn.AdminUnits().Within(string(s), area)
}

// Filter is a SQL condition keeping the rows whose column (a ward code, or
// the code of a larger unit) lies within the scope, with its arguments
// numbered from after+1: "1 = 1" for the country.
func (s Scope) Filter(column string, after int) (string, []any) {
	if s == Country {
		return "1 = 1", nil
	}
	codes := append(vn.AdminUnits().WardsIn(string(s)), string(s))
	ph := make([]string, len(codes))
	args := make([]any, len(codes))
	for i, c := range codes {
		ph[i], args[i] = fmt.Sprintf("$%d", after+i+1), c
	}
	return column + " IN (" + strings.Join(ph, ", ") + ")", args
}

// Purpose is one of the fixed reasons personal data may be read. There is no
// free-text purpose: a reason not on the list is not a reason.
type Purpose string

// The purposes. Each serves the epidemic response and nothing else.
const (
	PurposeTracing        Purpose = "tracing"
	PurposeQuarantine     Purpose = "quarantine"
	PurposeEntryControl   Purpose = "entry_control"
	PurposeDeclaration    Purpose = "declaration_check"
	PurposeVaccination    Purpose = "vaccination"
	PurposeTesting        Purpose = "testing"
	PurposeTreatment      Purpose = "treatment"
	PurposeLinkageReview  Purpose = "linkage_review"
	PurposeCitizenSupport Purpose = "citizen_support"
	PurposeFamily         Purpose = "family"
	PurposeOwn            Purpose = "own_data"
)

// purposeRoles says which roles may read for which purpose.
var purposeRoles = map[Purpose][]Role{
	PurposeTracing:        {RoleHealthOfficial, RoleSystem},
	PurposeQuarantine:     {RoleHealthOfficial, RoleCommuneOfficer, RoleSystem},
	PurposeEntryControl:   {RoleHealthOfficial, RolePoliceOfficer},
	PurposeDeclaration:    {RoleHealthOfficial, RoleCommuneOfficer, RolePoliceOfficer},
	PurposeVaccination:    {RoleHealthOfficial, RoleIntegrator},
	PurposeTesting:        {RoleHealthOfficial, RoleIntegrator, RoleSystem},
	PurposeTreatment:      {RoleHealthOfficial, RoleCommuneOfficer},
	PurposeLinkageReview:  {RoleHealthOfficial, RoleAdmin, RoleSystem},
	PurposeCitizenSupport: {RoleAdmin, RoleCommuneOfficer},
	PurposeFamily:         {RoleCitizen},
	PurposeOwn:            {RoleCitizen},
}

// purposeNames are the labels shown to citizens and officials.
var purposeNames = map[Purpose][2]string{
	PurposeTracing:        {"Truy vết ca bệnh", "Tracing a case"},
	PurposeQuarantine:     {"Quản lý cách ly", "Quarantine management"},
	PurposeEntryControl:   {"Kiểm soát nhập cảnh", "Entry control"},
	PurposeDeclaration:    {"Kiểm tra khai báo y tế", "Checking a health declaration"},
	PurposeVaccination:    {"Quản lý tiêm chủng", "Vaccination management"},
	PurposeTesting:        {"Quản lý xét nghiệm", "Test management"},
	PurposeTreatment:      {"Điều trị COVID-19", "COVID-19 treatment"},
	PurposeLinkageReview:  {"Đối soát dữ liệu cũ", "Reviewing taken-over records"},
	PurposeCitizenSupport: {"Hỗ trợ công dân theo yêu cầu", "Helping the citizen at their request"},
	PurposeFamily:         {"Người thân quản lý hồ sơ", "Family member managing the profile"},
	PurposeOwn:            {"Chính chủ", "The person themselves"},
}

// ParsePurpose checks that s is on the fixed list.
func ParsePurpose(s string) (Purpose, error) {
	p := Purpose(strings.TrimSpace(s))
	if _, ok := purposeRoles[p]; !ok {
		return "", problem.Field("purpose", "Hãy chọn mục đích truy cập trong danh sách", "choose a purpose from the list")
	}
	return p, nil
}

// Label returns the purpose's name in lang ("vi" or "en").
func (p Purpose) Label(lang string) string {
	n, ok := purposeNames[p]
	if !ok {
		return string(p)
	}
	if lang == "en" {
		return n[1]
	}
	return n[0]
}

// PurposesFor lists the purposes a role may read for, in a stable order, for
// the purpose picker in the console.
func PurposesFor(r Role) []Purpose {
	var out []Purpose
	for _, p := range []Purpose{PurposeTracing, PurposeQuarantine, PurposeEntryControl, PurposeDeclaration,
		PurposeVaccination, PurposeTesting, PurposeTreatment, PurposeLinkageReview, PurposeCitizenSupport} {
		if slices.Contains(purposeRoles[p], r) {
			out = append(out, p)
		}
	}
	return out
}

// Allows reports whether role r may read for purpose p.
func (p Purpose) Allows(r Role) bool { return slices.Contains(purposeRoles[p], r) }

// ActorKind says what kind of principal an actor is.
type ActorKind string

// Actor kinds.
const (
	KindOfficial   ActorKind = "official"
	KindCitizen    ActorKind = "citizen"
	KindSystem     ActorKind = "system"
	KindIntegrator ActorKind = "integrator"
)

// Actor is who is acting: an official, a citizen (through their account),
// a facility's integration, or the system itself (a scheduled job).
type Actor struct {
	Kind  ActorKind
	ID    string // official id, account id, facility id, job name
	Name  string // user name or facility name, shown in the audit trail
	Role  Role
	Scope Scope
	// PersonID is the person a citizen actor is (their own profile).
	PersonID string
}

// System returns the actor for a job of the platform itself.
func System(job string) Actor {
	return Actor{Kind: KindSystem, ID: job, Name: job, Role: RoleSystem, Scope: Country}
}

// Request is an actor's reason for a read: the purpose, and what it is about
// (a case number, an order id).
type Request struct {
	Actor   Actor
	Purpose Purpose
	// Ref names what the purpose is about, e.g. "case 42".
	Ref string
}

// Subject is the person whose data would be read, as far as access rules
// need to know them.
type Subject struct {
	PersonID string
	// Area is the person's ward (or, when the ward is unknown, district or
	// province) code.
	Area string
	// Managers are the persons who manage this profile (family).
	Managers []string
}

// Check decides whether req may read subject's data, without recording it.
func (req Request) Check(subject Subject) error {
	a := req.Actor
	if a.Kind == KindCitizen {
		switch {
		case subject.PersonID != "" && subject.PersonID == a.PersonID:
			return nil
		case a.PersonID != "" && slices.Contains(subject.Managers, a.PersonID):
			return nil
		}
		return fmt.Errorf("access: a citizen may read only their own and their family's data: %w", problem.ErrForbidden)
	}
	if req.Purpose == "" {
		return fmt.Errorf("access: a purpose is required: %w", problem.ErrForbidden)
	}
	if !req.Purpose.Allows(a.Role) {
		return fmt.Errorf("access: role %s may not read for purpose %s: %w", a.Role, req.Purpose, problem.ErrForbidden)
	}
	if !a.Scope.Covers(subject.Area) {
		return fmt.Errorf("access: person is outside the area %s of %s: %w", a.Scope, a.Name, problem.ErrForbidden)
	}
	return nil
}

// SealedColumns lists the columns this package seals, for key rotation.
func SealedColumns() []seal.Column {
	return []seal.Column{
		{Table: "officials", Key: []string{"id"}, Column: "name_sealed", Field: "official.name"},
		{Table: "accounts", Key: []string{"id"}, Column: "phone_sealed", Field: "account.phone"},
	}
}
