package vn

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/pccovid/pccovid/internal/problem"
)

// CCCD is a 12-digit citizen identity number (số căn cước công dân; also the
// 12-digit CMND issued 2012–2016, which has the same structure). It is
// structured, per Decree 137/2015/NĐ-CP and Circular 07/2016/TT-BCA:
//
//	digits 1–3   GSO code of the province where the birth was registered,
//	             zero-padded to three digits ("001" Hà Nội, "079" HCMC)
//	digit 4      sex and century of birth: 0/1 male/female born 1900–1999,
//	             2/3 born 2000–2099, 4/5 2100–2199, 6/7 2200–2299,
//	             8/9 2300–2399
//	digits 5–6   last two digits of the year of birth
//	digits 7–12  a serial number
//
// Obtain one from ParseCCCD; the zero value is no number.
type CCCD string

// CMND is a 9-digit identity card number (số chứng minh nhân dân), issued
// before 2016. Its first two digits are an issuing-office code, not a GSO
// province code, so it carries no checkable structure.
type CMND string

// IDKind says which kind of identity number a value is.
type IDKind uint8

// Identity number kinds.
const (
	IDUnknown IDKind = iota
	IDCCCD
	IDCMND
)

// String returns "CCCD", "CMND" or "".
func (k IDKind) String() string {
	switch k {
	case IDCCCD:
		return "CCCD"
	case IDCMND:
		return "CMND"
	}
	return ""
}

// ParseCCCD reads a CCCD number, ignoring spaces, dots and dashes between
// the digits, and checks its structure: 12 digits, a province code that
// exists, and a sex-and-century digit for a birth in 1900–2099.
//
// Circular 07/2016/TT-BCA also defines digits 4–9 for births in 2100–2399;
// no such person exists yet, so in this data those digits are typos and are
// refused. The methods decode all ten digits all the same.
func ParseCCCD(s string) (CCCD, error) {
	digits, err := idDigits("cccd", s)
	if err != nil {
		return "", err
	}
	if len(digits) != 12 {
		return "", problem.Field("cccd",
			"số CCCD phải có 12 chữ số, số này có "+itoa(len(digits)),
			"a CCCD number has 12 digits, this one has "+itoa(len(digits)))
	}
	return checkCCCD("cccd", digits)
}

func checkCCCD(field, digits string) (CCCD, error) {
	c := CCCD(digits)
	if digits[0] != '0' || !AdminUnits().isProvince(digits[1:3]) {
		return "", problem.Field(field,
			"mã tỉnh "+digits[:3]+" ở đầu số CCCD không tồn tại",
			"province code "+digits[:3]+" at the start of the CCCD number does not exist")
	}
	if digits[3] > '3' {
		return "", problem.Field(field,
			"chữ số thứ 4 của số CCCD là "+digits[3:4]+", nghĩa là sinh sau năm 2100: số bị gõ sai",
			"digit 4 of the CCCD number is "+digits[3:4]+", meaning born after 2100: the number is mistyped")
	}
	return c, nil
}

// ParseCMND reads a 9-digit CMND number, ignoring spaces, dots and dashes
// between the digits.
func ParseCMND(s string) (CMND, error) {
	digits, err := idDigits("cmnd", s)
	if err != nil {
		return "", err
	}
	if len(digits) != 9 {
		return "", problem.Field("cmnd",
			"số CMND phải có 9 chữ số, số này có "+itoa(len(digits)),
			"a CMND number has 9 digits, this one has "+itoa(len(digits)))
	}
	return CMND(digits), nil
}

// ParseIDNumber reads an identity number of either kind, ignoring spaces,
// dots and dashes: 12 digits are a CCCD (checked as by ParseCCCD), 9 digits
// a CMND. It returns the kind and the digits. Anything else is a
// *problem.FieldError for field "id_number".
func ParseIDNumber(s string) (kind IDKind, value string, err error) {
	digits, err := idDigits("id_number", s)
	if err != nil {
		return IDUnknown, "", err
	}
	switch len(digits) {
	case 12:
		c, err := checkCCCD("id_number", digits)
		if err != nil {
			return IDUnknown, "", err
		}
		return IDCCCD, string(c), nil
	case 9:
		return IDCMND, digits, nil
	}
	return IDUnknown, "", problem.Field("id_number",
		"số định danh phải có 12 chữ số (CCCD) hoặc 9 chữ số (CMND), số này có "+itoa(len(digits)),
		"an identity number has 12 digits (CCCD) or 9 (CMND), this one has "+itoa(len(digits)))
}

// idDigits returns the digits of s, refusing anything but digits and the
// separators people type between them.
func idDigits(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", problem.Field(field, "chưa có số giấy tờ", "identity number is empty")
	}
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			clean = false
			break
		}
	}
	if clean {
		return s, nil
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case '0' <= r && r <= '9':
			b.WriteRune(r)
		case r == '.' || r == '-' || unicode.IsSpace(r):
		case unicode.IsLetter(r):
			return "", problem.Field(field, "số giấy tờ có chữ cái", "letters in identity number")
		default:
			return "", problem.Field(field,
				"số giấy tờ có ký tự không hợp lệ "+quoteRune(r),
				"unexpected character "+quoteRune(r)+" in identity number")
		}
	}
	return b.String(), nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// String returns the 12 digits.
func (c CCCD) String() string { return string(c) }

// String returns the 9 digits.
func (c CMND) String() string { return string(c) }

// ProvinceCode returns the 2-digit GSO code of the province where the
// birth was registered ("01" for a number starting 001).
func (c CCCD) ProvinceCode() string {
	if len(c) != 12 {
		return ""
	}
	return string(c[1:3])
}

// Sex returns the sex encoded in digit 4.
func (c CCCD) Sex() Sex {
	if len(c) != 12 {
		return SexUnknown
	}
	if (c[3]-'0')%2 == 0 {
		return SexMale
	}
	return SexFemale
}

// Century returns the first year of the century of birth encoded in
// digit 4: 1900 for 0/1, 2000 for 2/3, 2100 for 4/5, 2200 for 6/7, 2300 for
// 8/9; 0 for a malformed value.
func (c CCCD) Century() int {
	if len(c) != 12 || c[3] < '0' || c[3] > '9' {
		return 0
	}
	return 1900 + 100*int((c[3]-'0')/2)
}

// BirthYear returns the year of birth encoded in digits 4–6, or 0 for a
// malformed value.
func (c CCCD) BirthYear() int {
	if c.Century() == 0 || c[4] < '0' || c[4] > '9' || c[5] < '0' || c[5] > '9' {
		return 0
	}
	return c.Century() + int(c[4]-'0')*10 + int(c[5]-'0')
}

// Contradicts returns the attributes of a record that disagree with what
// the number encodes: "sex" and/or "birth_year". An unknown argument
// (SexUnknown, birth year 0) contradicts nothing, nor does SexOther, which
// the number cannot encode; so the result is empty when everything known
// agrees.
func (c CCCD) Contradicts(sex Sex, birthYear int) []string {
	var out []string
	if (sex == SexMale || sex == SexFemale) && sex != c.Sex() {
		out = append(out, "sex")
	}
	if birthYear != 0 && birthYear != c.BirthYear() {
		out = append(out, "birth_year")
	}
	return out
}

// MaskID returns an identity number with all but its last digits replaced
// by '*': the last 4 of a 12-digit number, the last 3 of a shorter one
// ("001085012345" → "********2345"). Spaces, dots and dashes are removed
// first. Values of 4 characters or fewer are masked entirely.
func MaskID(s string) string {
	if d, err := idDigits("", s); err == nil {
		s = d
	}
	n := len([]rune(s))
	keep := 3
	if n >= 12 {
		keep = 4
	}
	if n <= 4 {
		keep = 0
	}
	r := []rune(s)
	return strings.Repeat("*", n-keep) + string(r[n-keep:])
}
