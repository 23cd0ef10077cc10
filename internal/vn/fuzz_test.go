package vn

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/problem"
)

// requireFieldError fails unless err is nil or a *problem.FieldError
// wrapping ErrInvalid with both messages set.
func requireFieldError(t *testing.T, in string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var fe *problem.FieldError
	if !errors.As(err, &fe) || !errors.Is(err, problem.ErrInvalid) || fe.Vi == "" || fe.En == "" {
		t.Fatalf("%q: error %v is not a complete FieldError", in, err)
	}
}

func FuzzNames(f *testing.F) {
	for _, s := range []string{"Nguyễn Thị Hoà", "NGUYEN VAN AN", "Qúy", "gịa", "Nguye\u0302\u0303n",
		"a\u200b\u0301", "  \t\n", "张伟", "Ðặng", "H'Hen Niê", "\xff\xfe", "ǅ\u0345\u0301", "Ｎｇｕｙｅｎ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeName(s)
		if again := NormalizeName(n); again != n {
			t.Fatalf("NormalizeName not idempotent: %q → %q → %q", s, n, again)
		}
		if n != strings.TrimSpace(n) || strings.Contains(n, "  ") {
			t.Fatalf("NormalizeName(%q) = %q has stray spaces", s, n)
		}
		folded := FoldName(s)
		for i := 0; i < len(folded); i++ {
			c := folded[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == ' ') {
				t.Fatalf("FoldName(%q) = %q is not lower-case ASCII", s, folded)
			}
		}
		if again := FoldName(folded); again != folded {
			t.Fatalf("FoldName not idempotent: %q → %q → %q", s, folded, again)
		}
		if fn := FoldName(n); fn != folded && utf8.ValidString(s) {
			t.Fatalf("FoldName(NormalizeName(%q)) = %q, FoldName = %q", s, fn, folded)
		}
		if title := TitleName(s); NormalizeName(title) != title {
			t.Fatalf("TitleName(%q) = %q is not normal", s, title)
		}
		mrz := Transliterate(s)
		for i := 0; i < len(mrz); i++ {
			if c := mrz[i]; !('A' <= c && c <= 'Z' || c == '<') {
				t.Fatalf("Transliterate(%q) = %q", s, mrz)
			}
		}
		NameParts(s)
	})
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"0912 345 678", "+84912345678", "84912345678", "912345678", "(+84) 912-345-678",
		"01682345678", "+841682345678", "024 3825 1234", "+33622931133", "0084912345678", "+44 (0) 20 7946 0958",
		"0111 234 5678", "abc", "++84", "+0", "00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePhone(s)
		requireFieldError(t, s, err)
		if err != nil {
			return
		}
		if p.Kind() == PhoneInvalid || p[0] != '+' {
			t.Fatalf("ParsePhone(%q) = %q of kind %v", s, p, p.Kind())
		}
		again, err := ParsePhone(string(p))
		if err != nil || again != p {
			t.Fatalf("ParsePhone(%q) = %q, but it re-parses to %q, %v", s, p, again, err)
		}
		if p.IsVietnamese() {
			if nat, err := ParsePhone(p.National()); err != nil || nat != p {
				t.Fatalf("national form %q of %q re-parses to %q, %v", p.National(), p, nat, err)
			}
		}
		if m := MaskPhone(p); len(m) != len(p.National()) {
			t.Fatalf("MaskPhone(%q) = %q", p, m)
		}
	})
}

func FuzzParseIDNumber(f *testing.F) {
	for _, s := range []string{"001085012345", "001 085 012 345", "102.504.020", "102-504-020", "C4614914",
		"003085012345", "001985012345", "", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kind, value, err := ParseIDNumber(s)
		requireFieldError(t, s, err)
		c, cerr := ParseCCCD(s)
		requireFieldError(t, s, cerr)
		_, merr := ParseCMND(s)
		requireFieldError(t, s, merr)
		MaskID(s)
		if err != nil {
			return
		}
		switch kind {
		case IDCCCD:
			if cerr != nil || string(c) != value {
				t.Fatalf("ParseIDNumber(%q) = CCCD %q but ParseCCCD = %q, %v", s, value, c, cerr)
			}
			if y := c.BirthYear(); y < 1900 || y > 2099 || c.Sex() == SexUnknown {
				t.Fatalf("CCCD %q: year %d sex %v", c, y, c.Sex())
			}
			if _, ok := AdminUnits().Province(c.ProvinceCode()); !ok {
				t.Fatalf("CCCD %q: province %q", c, c.ProvinceCode())
			}
			if len(c.Contradicts(c.Sex(), c.BirthYear())) != 0 {
				t.Fatalf("CCCD %q contradicts itself", c)
			}
		case IDCMND:
			if merr != nil || len(value) != 9 {
				t.Fatalf("ParseIDNumber(%q) = CMND %q but ParseCMND: %v", s, value, merr)
			}
		default:
			t.Fatalf("ParseIDNumber(%q) = kind %v without error", s, kind)
		}
		if k2, v2, err := ParseIDNumber(value); err != nil || k2 != kind || v2 != value {
			t.Fatalf("%q re-parses to %v %q %v", value, k2, v2, err)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"01/02/1985", "1/2/1985", "1985-02-01", "1985", "01-02-1985", "31/02/2021",
		"00/00/1985", "02/1985", "1985-02", "29/02/2000", "1.2.2000", "//", "-1-1-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		requireFieldError(t, s, err)
		_, berr := ParseBirthDate(s)
		requireFieldError(t, s, berr)
		if err != nil {
			return
		}
		again, err := ParseDate(d.String())
		if err != nil || again != d {
			t.Fatalf("ParseDate(%q) = %v, but %q re-parses to %v, %v", s, d, d.String(), again, err)
		}
		if tm := d.Time(); tm.Year() != d.Year {
			t.Fatalf("%v.Time() = %v", d, tm)
		}
		if sw, ok := d.SwappedDayMonth(); ok {
			if _, err := ParseDate(sw.String()); err != nil {
				t.Fatalf("swapped %v of %v is not a date: %v", sw, d, err)
			}
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2021-08-03T09:12:45+07:00", "2021-08-03T02:12:45Z", "2020-04-12 08:15:00",
		"11/03/2022 09:21", "1597624708935", "2021-08-03T09:12:45.123456789-03:30", "1597624708", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		requireFieldError(t, s, err)
		if err != nil {
			return
		}
		if tm.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) = %v not in UTC", s, tm)
		}
		if again, err := ParseTime(tm.Format(time.RFC3339Nano)); err == nil && !again.Equal(tm) {
			t.Fatalf("ParseTime(%q) = %v, re-parses to %v", s, tm, again)
		}
	})
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"Thành phố Hà Nội", "TP.HCM", "Q.1", "P7", "P.07", "Phường Bến Nghé",
		"Thon 3, Phu Hung, Ben Tre", "Số 5 ngõ 12, Phúc Xá, Ba Đình", "Phường Phường Đúc", "H' Neng", "q10", ",,,",
		"Phường 7 - Quận 8 - TP.HCM", "P.7 Q.8 TP.HCM", "Bà Rịa - Vũng Tàu", "Thị xã Cai Lậy"} {
		f.Add(s, s, s)
	}
	u := AdminUnits()
	f.Fuzz(func(t *testing.T, province, district, ward string) {
		pl := u.ResolvePlace(province, district, ward)
		checkPlace(t, u, pl)
		addr := u.ResolveAddress(ward + ", " + district + ", " + province)
		checkPlace(t, u, addr)
		if p, ok := u.ResolveProvince(province); ok {
			if _, found := u.Province(p.Code); !found {
				t.Fatalf("ResolveProvince(%q) = %+v", province, p)
			}
		}
	})
}

// checkPlace fails unless pl's codes exist and nest.
func checkPlace(t *testing.T, u *Units, pl Place) {
	t.Helper()
	if pl.IsZero() {
		return
	}
	if got := u.placeOf(pl.Code()); got != pl {
		t.Fatalf("place %+v is not the path of its code (%+v)", pl, got)
	}
}
