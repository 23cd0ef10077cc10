package vn

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/pccovid/pccovid/internal/problem"
)

func TestParseCCCD(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		want     CCCD
		province string
		sex      Sex
		century  int
		year     int
	}{
		{"001085012345", "001085012345", "01", SexMale, 1900, 1985},
		{"079191436023", "079191436023", "79", SexFemale, 1900, 1991},
		{"022205012345", "022205012345", "22", SexMale, 2000, 2005},
		{"096310000001", "096310000001", "96", SexFemale, 2000, 2010},
		{"001 085 012 345", "001085012345", "01", SexMale, 1900, 1985},
		{"001.085.012.345", "001085012345", "01", SexMale, 1900, 1985},
		{"001085-012345", "001085012345", "01", SexMale, 1900, 1985},
	}
	for _, tt := range tests {
		c, err := ParseCCCD(tt.in)
		if err != nil || c != tt.want {
			t.Errorf("ParseCCCD(%q) = %q, %v; want %q", tt.in, c, err, tt.want)
			continue
		}
		if c.ProvinceCode() != tt.province || c.Sex() != tt.sex || c.Century() != tt.century || c.BirthYear() != tt.year {
			t.Errorf("%q: province %q sex %v century %d year %d; want %q %v %d %d", c,
				c.ProvinceCode(), c.Sex(), c.Century(), c.BirthYear(), tt.province, tt.sex, tt.century, tt.year)
		}
	}
}

func TestCCCDCenturies(t *testing.T) {
	t.Parallel()
	// Circular 07/2016/TT-BCA: even digits male, odd female, one pair per
	// century from 1900.
	for d := 0; d <= 9; d++ {
		c := CCCD("001" + string(rune('0'+d)) + "05123456")
		wantSex := SexMale
		if d%2 == 1 {
			wantSex = SexFemale
		}
		if c.Sex() != wantSex || c.Century() != 1900+100*(d/2) || c.BirthYear() != 1905+100*(d/2) {
			t.Errorf("digit %d: sex %v century %d year %d", d, c.Sex(), c.Century(), c.BirthYear())
		}
	}
}

func TestParseCCCDRejects(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, why string }{
		{"", "empty"},
		{"00108501234", "has 12 digits"},
		{"0010850123456", "has 12 digits"},
		{"001O85012345", "letters"},
		{"001085012345!", "unexpected character"},
		{"003085012345", "province code 003"}, // no province 03
		{"101085012345", "province code 101"},
		{"001485012345", "born after 2100"},
		{"001985012345", "born after 2100"},
	}
	for _, tt := range tests {
		c, err := ParseCCCD(tt.in)
		var fe *problem.FieldError
		if !errors.As(err, &fe) || fe.Field != "cccd" || !strings.Contains(fe.En, tt.why) || fe.Vi == "" {
			t.Errorf("ParseCCCD(%q) = %q, %v; want field cccd error about %q", tt.in, c, err, tt.why)
		}
	}
}

func TestContradicts(t *testing.T) {
	t.Parallel()
	c := CCCD("001185012345") // female, 1985
	tests := []struct {
		sex  Sex
		year int
		want []string
	}{
		{SexFemale, 1985, nil},
		{SexUnknown, 0, nil},
		{SexOther, 1985, nil},
		{SexMale, 1985, []string{"sex"}},
		{SexFemale, 1986, []string{"birth_year"}},
		{SexMale, 2085, []string{"sex", "birth_year"}},
		{SexUnknown, 1958, []string{"birth_year"}},
	}
	for _, tt := range tests {
		if got := c.Contradicts(tt.sex, tt.year); !slices.Equal(got, tt.want) {
			t.Errorf("Contradicts(%v, %d) = %q, want %q", tt.sex, tt.year, got, tt.want)
		}
	}
}

func TestParseIDNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		kind  IDKind
		value string
	}{
		{"001085012345", IDCCCD, "001085012345"},
		{"001 085 012 345", IDCCCD, "001085012345"},
		{"001085.012345", IDCCCD, "001085012345"},
		{"102504020", IDCMND, "102504020"},
		{"102 504 020", IDCMND, "102504020"},
		{"102.504.020", IDCMND, "102504020"},
		{"102-504-020", IDCMND, "102504020"},
	}
	for _, tt := range tests {
		kind, value, err := ParseIDNumber(tt.in)
		if err != nil || kind != tt.kind || value != tt.value {
			t.Errorf("ParseIDNumber(%q) = %v, %q, %v; want %v, %q", tt.in, kind, value, err, tt.kind, tt.value)
		}
	}
	for _, in := range []string{"", "12345678", "1234567890", "C4614914", "003085012345", "0010850123456"} {
		kind, value, err := ParseIDNumber(in)
		var fe *problem.FieldError
		if !errors.As(err, &fe) || fe.Field != "id_number" {
			t.Errorf("ParseIDNumber(%q) = %v, %q, %v; want an id_number FieldError", in, kind, value, err)
		}
	}
	if c, err := ParseCMND("102 504 020"); err != nil || c != "102504020" {
		t.Errorf("ParseCMND = %q, %v", c, err)
	}
	if _, err := ParseCMND("1025040201"); err == nil {
		t.Error("ParseCMND accepted 10 digits")
	}
}

func TestMaskID(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"001085012345", "********2345"},
		{"001 085 012 345", "********2345"},
		{"102504020", "******020"},
		{"C4614914", "*****914"},
		{"1234", "****"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := MaskID(tt.in); got != tt.want {
			t.Errorf("MaskID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseSex(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Sex
	}{
		{"M", SexMale}, {"m", SexMale}, {"Nam", SexMale}, {"NAM", SexMale}, {"MALE", SexMale}, {"male", SexMale},
		{"F", SexFemale}, {"Nữ", SexFemale}, {"NỮ", SexFemale}, {"nu", SexFemale}, {"Nu", SexFemale},
		{norm.NFD.String("Nữ"), SexFemale}, {"FEMALE", SexFemale}, {"female", SexFemale},
		{"Khác", SexOther}, {"khac", SexOther}, {"OTHER", SexOther}, {"O", SexOther},
		{" Nam ", SexMale}, {"", SexUnknown}, {"  ", SexUnknown},
	}
	for _, tt := range tests {
		if got, err := ParseSex(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseSex(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"1", "X", "nam nữ", "?"} {
		var fe *problem.FieldError
		if _, err := ParseSex(in); !errors.As(err, &fe) || fe.Field != "sex" {
			t.Errorf("ParseSex(%q) error = %v, want a sex FieldError", in, err)
		}
	}
	for s, want := range map[Sex]string{SexMale: "M", SexFemale: "F", SexOther: "O", SexUnknown: ""} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", s, s.String(), want)
		}
	}
}

func TestSexFromCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code, male, female string
		want               Sex
		ok                 bool
	}{
		{"1", "1", "2", SexMale, true}, // health book
		{"2", "1", "2", SexFemale, true},
		{"1", "1", "0", SexMale, true}, // vaccination portal
		{"0", "1", "0", SexFemale, true},
		{"", "1", "0", SexUnknown, true},
		{" 0 ", "1", "0", SexFemale, true},
		{"2", "1", "0", SexUnknown, false},
	}
	for _, tt := range tests {
		got, err := SexFromCode(tt.code, tt.male, tt.female)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("SexFromCode(%q, %q, %q) = %v, %v", tt.code, tt.male, tt.female, got, err)
		}
	}
}
