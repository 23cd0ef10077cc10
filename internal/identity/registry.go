package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// RegistryRecord is one citizen as the national population database gives
// them: a row of registry/people.csv, or the JSON answer of the registry
// service. Field names are the extract's column names.
type RegistryRecord struct {
	CCCD        string `json:"cccd"`
	OldID       string `json:"old_id,omitempty"`
	FullName    string `json:"full_name"`
	BirthDate   string `json:"birth_date"` // YYYY-MM-DD
	Sex         string `json:"sex"`        // M or F
	WardCode    string `json:"ward_code"`
	Address     string `json:"address"`
	HouseholdID string `json:"household_id"`
	Phone       string `json:"phone,omitempty"` // as given; normalised to E.164 by Normalize
}

// InsuranceRecord is one health-insurance card from the social-insurance
// extract (registry/insurance.csv) or service.
type InsuranceRecord struct {
	CCCD       string `json:"cccd"`
	BHXHCode   string `json:"bhxh_code"`
	CardNumber string `json:"card_number"`
	ValidTo    string `json:"valid_to"` // YYYY-MM-DD
}

// Registry is the national population database as PC-Covid asks it. The
// extract loaded by `pccovid registry load` is one implementation
// ([Store.Registry]); the live service over HTTP is another
// ([HTTPRegistry]). Both return problem.ErrNotFound for an unknown number.
type Registry interface {
	Citizen(ctx context.Context, cccd string) (RegistryRecord, error)
	CitizenByOldID(ctx context.Context, cmnd string) (RegistryRecord, error)
}

// InsuranceService is the social-insurance database as PC-Covid asks it.
type InsuranceService interface {
	Cards(ctx context.Context, cccd string) ([]InsuranceRecord, error)
}

// Normalize checks a registry record and puts every field in canonical form
// (NFC title-case name, E.164 phone). Errors name the column.
func (r *RegistryRecord) Normalize() error {
	var errs problem.Fields
	if c, err := vn.ParseCCCD(r.CCCD); err != nil {
		errs.Add(fieldErr("cccd", err))
	} else {
		r.CCCD = string(c)
	}
	if r.OldID = strings.TrimSpace(r.OldID); r.OldID != "" {
		if c, err := vn.ParseCMND(r.OldID); err != nil {
			errs.Add(fieldErr("old_id", err))
		} else {
			r.OldID = string(c)
		}
	}
	if r.FullName = vn.NormalizeName(r.FullName); r.FullName == "" || !utf8.ValidString(r.FullName) {
		errs.Add(problem.Field("full_name", "Thiếu họ tên", "full name is empty"))
	}
	if d, err := vn.ParseDate(r.BirthDate); err != nil || d.Month == 0 {
		errs.Add(problem.Field("birth_date", "Ngày sinh phải có dạng YYYY-MM-DD", fmt.Sprintf("birth date %q is not a real YYYY-MM-DD date", r.BirthDate)))
	} else {
		r.BirthDate = d.String()
	}
	switch r.Sex = strings.ToUpper(strings.TrimSpace(r.Sex)); r.Sex {
	case "M", "F":
	default:
		errs.Add(problem.Field("sex", "Giới tính phải là M hoặc F", fmt.Sprintf("sex %q: want M or F", r.Sex)))
	}
	if r.WardCode = strings.TrimSpace(r.WardCode); !isWard(r.WardCode) {
		errs.Add(problem.Field("ward_code", "Mã phường/xã không tồn tại", fmt.Sprintf("ward code %q is not a 2021 GSO ward code", r.WardCode)))
	}
	r.Address = strings.TrimSpace(r.Address)
	if r.HouseholdID = strings.TrimSpace(r.HouseholdID); r.HouseholdID == "" {
		errs.Add(problem.Field("household_id", "Thiếu số hộ khẩu", "household id is empty"))
	}
	if r.Phone = strings.TrimSpace(r.Phone); r.Phone != "" {
		if p, err := vn.ParsePhone(r.Phone); err != nil {
			errs.Add(fieldErr("phone", err))
		} else {
			r.Phone = string(p)
		}
	}
	return errs.Err()
}

func isWard(code string) bool {
	u, ok := vn.AdminUnits().Ward(code)
	return ok && u.Code == code
}

// Normalize checks an insurance record.
func (r *InsuranceRecord) Normalize() error {
	var errs problem.Fields
	if c, err := vn.ParseCCCD(r.CCCD); err != nil {
		errs.Add(fieldErr("cccd", err))
	} else {
		r.CCCD = string(c)
	}
	r.BHXHCode = strings.TrimSpace(r.BHXHCode)
	if len(r.BHXHCode) != 10 || !allDigits(r.BHXHCode) {
		errs.Add(problem.Field("bhxh_code", "Mã số BHXH gồm 10 chữ số", fmt.Sprintf("social insurance number %q: want 10 digits", r.BHXHCode)))
	}
	r.CardNumber = strings.ToUpper(strings.TrimSpace(r.CardNumber))
	if err := checkCardNumber(r.CardNumber, r.BHXHCode); err != nil {
		errs.Add(err)
	}
	if d, err := vn.ParseDate(r.ValidTo); err != nil || d.Month == 0 {
		errs.Add(problem.Field("valid_to", "Hạn thẻ phải có dạng YYYY-MM-DD", fmt.Sprintf("valid_to %q is not a YYYY-MM-DD date", r.ValidTo)))
	} else {
		r.ValidTo = d.String()
	}
	return errs.Err()
}

// checkCardNumber checks the 15-character health-insurance card number: two
// letters (beneficiary group), a benefit level 1–5, a 2-digit province code,
// then the 10-digit social insurance number.
func checkCardNumber(card, bhxh string) error {
	bad := func(why string) error {
		return problem.Field("card_number", "Số thẻ BHYT không hợp lệ: "+why, "health insurance card number: "+why)
	}
	switch {
	case len(card) != 15:
		return bad("want 15 characters")
	case card[0] < 'A' || card[0] > 'Z' || card[1] < 'A' || card[1] > 'Z':
		return bad("must start with two letters")
	case card[2] < '1' || card[2] > '5':
		return bad("benefit level must be 1–5")
	case !allDigits(card[3:]):
		return bad("must end with 12 digits")
	case bhxh != "" && card[5:] != bhxh:
		return bad("last 10 digits must be the social insurance number")
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// fieldErr names the column of a value parser's error.
func fieldErr(column string, err error) error {
	var fe *problem.FieldError
	if errors.As(err, &fe) {
		c := *fe
		c.Field = column
		return &c
	}
	return problem.Field(column, err.Error(), err.Error())
}
