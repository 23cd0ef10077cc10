package vn

import (
	"strings"

	"github.com/pccovid/pccovid/internal/problem"
)

// Sex is a person's sex as recorded by the population registry and the
// health apps. The zero value is SexUnknown: not recorded.
type Sex uint8

// Sexes.
const (
	SexUnknown Sex = iota
	SexMale
	SexFemale
	SexOther
)

// String returns "M", "F", "O", or "" for SexUnknown: the codes of the
// registry and of EU digital COVID certificates.
func (s Sex) String() string {
	switch s {
	case SexMale:
		return "M"
	case SexFemale:
		return "F"
	case SexOther:
		return "O"
	}
	return ""
}

// sexWords maps folded spellings to a sex.
var sexWords = map[string]Sex{
	"m": SexMale, "male": SexMale, "nam": SexMale, "nam gioi": SexMale, "trai": SexMale,
	"f": SexFemale, "female": SexFemale, "nu": SexFemale, "nu gioi": SexFemale, "gai": SexFemale,
	"o": SexOther, "other": SexOther, "khac": SexOther,
}

// ParseSex reads a sex written as a word or letter, in any case and in NFC
// or NFD: M/F/O, male/female/other, Nam/Nữ/Khác, also without diacritics
// (Nu, Khac). An empty string is SexUnknown without error: most sources
// leave the field out. Numeric codes differ between sources and are read by
// SexFromCode. Anything else is a *problem.FieldError for field "sex".
func ParseSex(s string) (Sex, error) {
	var buf [32]byte
	key := AppendFold(buf[:0], s)
	if len(key) == 0 {
		if strings.TrimSpace(s) == "" {
			return SexUnknown, nil
		}
	}
	if sex, ok := sexWords[string(key)]; ok {
		return sex, nil
	}
	return SexUnknown, problem.Field("sex",
		"không hiểu giới tính “"+s+"” (Nam, Nữ hoặc Khác)",
		"cannot read sex “"+s+"” (expected male, female or other)")
}

// SexFromCode reads a numeric sex code whose meaning depends on the source:
// male and female are that source's codes, for example "1" and "2" in the
// health book, "1" and "0" in the vaccination portal. An empty code is
// SexUnknown without error; any other code is a *problem.FieldError.
func SexFromCode(code string, male, female string) (Sex, error) {
	switch code = strings.TrimSpace(code); code {
	case "":
		return SexUnknown, nil
	case male:
		return SexMale, nil
	case female:
		return SexFemale, nil
	}
	return SexUnknown, problem.Field("sex",
		"mã giới tính “"+code+"” không hợp lệ (nam là "+male+", nữ là "+female+")",
		"unknown sex code “"+code+"” (male is "+male+", female is "+female+")")
}
