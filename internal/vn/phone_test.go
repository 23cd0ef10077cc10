package vn

import (
	"errors"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/problem"
)

func TestParsePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Phone
		kind PhoneKind
	}{
		{"0912 345 678", "+84912345678", PhoneMobile},
		{"0912.345.678", "+84912345678", PhoneMobile},
		{"0912-345-678", "+84912345678", PhoneMobile},
		{"0912345678", "+84912345678", PhoneMobile},
		{"+84912345678", "+84912345678", PhoneMobile},
		{"84912345678", "+84912345678", PhoneMobile},
		{"912345678", "+84912345678", PhoneMobile},
		{"(+84) 912-345-678", "+84912345678", PhoneMobile},
		{"+84 (0) 912 345 678", "+84912345678", PhoneMobile},
		{"+84 0912345678", "+84912345678", PhoneMobile},
		{"0084912345678", "+84912345678", PhoneMobile},
		{" 0912 345 678 ", "+84912345678", PhoneMobile},
		{"0912\u00a0345\u00a0678", "+84912345678", PhoneMobile},
		{"841267158", "+84841267158", PhoneMobile}, // 9 digits: 084 1267158, not +84
		{"0763 488 359", "+84763488359", PhoneMobile},
		{"0550123456", "+84550123456", PhoneMobile}, // Wintel
		{"0871234567", "+84871234567", PhoneMobile}, // Itelecom
		{"0521234567", "+84521234567", PhoneMobile}, // Vietnamobile
		// Pre-2018 11-digit numbers, every prefix of the conversion table.
		{"01682345678", "+84382345678", PhoneMobile},
		{"+841682345678", "+84382345678", PhoneMobile},
		{"841682345678", "+84382345678", PhoneMobile},
		{"1682345678", "+84382345678", PhoneMobile},
		{"0168 234 5678", "+84382345678", PhoneMobile},
		{"01622345678", "+84322345678", PhoneMobile},
		{"01632345678", "+84332345678", PhoneMobile},
		{"01642345678", "+84342345678", PhoneMobile},
		{"01652345678", "+84352345678", PhoneMobile},
		{"01662345678", "+84362345678", PhoneMobile},
		{"01672345678", "+84372345678", PhoneMobile},
		{"01692345678", "+84392345678", PhoneMobile},
		{"01202345678", "+84702345678", PhoneMobile},
		{"01212345678", "+84792345678", PhoneMobile},
		{"01222345678", "+84772345678", PhoneMobile},
		{"01262345678", "+84762345678", PhoneMobile},
		{"01282345678", "+84782345678", PhoneMobile},
		{"01232345678", "+84832345678", PhoneMobile},
		{"01242345678", "+84842345678", PhoneMobile},
		{"01252345678", "+84852345678", PhoneMobile},
		{"01272345678", "+84812345678", PhoneMobile},
		{"01292345678", "+84822345678", PhoneMobile},
		{"01862345678", "+84562345678", PhoneMobile},
		{"01882345678", "+84582345678", PhoneMobile},
		{"01992345678", "+84592345678", PhoneMobile},
		// Fixed lines.
		{"024 3825 1234", "+842438251234", PhoneLandline},
		{"028 3829 5678", "+842838295678", PhoneLandline},
		{"0203 3825 123", "+842033825123", PhoneLandline},
		{"+84 236 3822 123", "+842363822123", PhoneLandline},
		{"842438251234", "+842438251234", PhoneLandline},
		// Foreign numbers.
		{"+33622931133", "+33622931133", PhoneForeign},
		{"+44 (0) 7081 724264", "+447081724264", PhoneForeign},
		{"+8610447672689", "+8610447672689", PhoneForeign},
		{"+1 (099) 908-6923", "+10999086923", PhoneForeign},
		{"0033622931133", "+33622931133", PhoneForeign},
	}
	for _, tt := range tests {
		got, err := ParsePhone(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParsePhone(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			continue
		}
		if got.Kind() != tt.kind {
			t.Errorf("ParsePhone(%q).Kind() = %v, want %v", tt.in, got.Kind(), tt.kind)
		}
		again, err := ParsePhone(string(got))
		if err != nil || again != got {
			t.Errorf("ParsePhone(%q) = %q, %v; want it unchanged", got, again, err)
		}
	}
}

func TestParsePhoneRejects(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, why string }{
		{"", "empty"},
		{"   ", "empty"},
		{"--", "no digits"},
		{"0912 ABC 678", "letters"},
		{"số 0912345678", "letters"},
		{"0912345678 ext 12", "letters"},
		{"0912/345/678", "unexpected character"},
		{"0912345678#", "unexpected character"},
		{"091234567", "too few digits"},
		{"12345", "too few digits"},
		{"09123456789", "too many digits"},
		{"0912345678 0987654321", "too many digits"},
		{"0111234567", "too few digits"},
		{"01112345678", "unknown network prefix 0111"},
		{"01302345678", "unknown network prefix 0130"},
		{"0952345678", "unknown network prefix 095"},
		{"0802345678", "unknown network prefix 080"},
		{"0312345678", "unknown network prefix 031"},
		{"0532345678", "unknown network prefix 053"},
		{"0712345678", "unknown network prefix 071"},
		{"00123", "too few digits"},
		{"0217 3825 123", "unknown area code 0217"},
		{"0243825123", "too few digits"},
		{"8491234567", "too many digits"},
		{"+840912", "too few digits"},
		{"+33 1234", "too few digits"},
		{"+1234567890123456", "too many digits"},
		{"+0123456789", "country code cannot start with 0"},
		{"0912+345678", "a + may only stand at the start"},
		{"++84912345678", "a + may only stand at the start"},
	}
	for _, tt := range tests {
		got, err := ParsePhone(tt.in)
		var fe *problem.FieldError
		if !errors.As(err, &fe) {
			t.Errorf("ParsePhone(%q) = %q, %v; want a FieldError", tt.in, got, err)
			continue
		}
		if fe.Field != "phone" || fe.Vi == "" || !strings.Contains(fe.En, tt.why) {
			t.Errorf("ParsePhone(%q): %+v; want field phone and reason %q", tt.in, fe, tt.why)
		}
		if !errors.Is(err, problem.ErrInvalid) {
			t.Errorf("ParsePhone(%q): error does not wrap ErrInvalid", tt.in)
		}
	}
}

func TestPhoneMethods(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p          Phone
		national   string
		vietnamese bool
		mobile     bool
		network    string
		masked     string
	}{
		{"+84912345678", "0912345678", true, true, "VinaPhone", "091****678"},
		{"+84382345678", "0382345678", true, true, "Viettel", "038****678"},
		{"+84702345678", "0702345678", true, true, "MobiFone", "070****678"},
		{"+842438251234", "02438251234", true, false, "", "024*****234"},
		{"+33622931133", "+33622931133", false, false, "", "+33******133"},
		{"", "", false, false, "", ""},
	}
	for _, tt := range tests {
		if got := tt.p.National(); got != tt.national {
			t.Errorf("%q.National() = %q, want %q", tt.p, got, tt.national)
		}
		if got := tt.p.IsVietnamese(); got != tt.vietnamese {
			t.Errorf("%q.IsVietnamese() = %v", tt.p, got)
		}
		if got := tt.p.IsMobile(); got != tt.mobile {
			t.Errorf("%q.IsMobile() = %v", tt.p, got)
		}
		if got := tt.p.Network(); got != tt.network {
			t.Errorf("%q.Network() = %q, want %q", tt.p, got, tt.network)
		}
		if got := MaskPhone(tt.p); got != tt.masked {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.p, got, tt.masked)
		}
	}
}

// Every prefix the numbering plan lists must parse, and the conversion
// table must land on prefixes of the same network.
func TestPhonePlanConsistent(t *testing.T) {
	t.Parallel()
	for name, prefixes := range mobileNetworks {
		for _, p := range prefixes {
			ph, err := ParsePhone("0" + p + "1234567")
			if err != nil || ph.Network() != name {
				t.Errorf("prefix 0%s: %q, %v, network %q; want %s", p, ph, err, ph.Network(), name)
			}
		}
	}
	for old, repl := range oldMobilePrefixes {
		ph, err := ParsePhone("0" + old + "1234567")
		if err != nil || string(ph) != "+84"+repl+"1234567" {
			t.Errorf("old prefix 0%s: %q, %v; want +84%s1234567", old, ph, err, repl)
		}
	}
}

func TestParsePhoneNoAlloc(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { ParsePhone("+84912345678") }); n != 0 {
		t.Errorf("ParsePhone of an E.164 number allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { ParsePhone("0912 345 678") }); n > 1 {
		t.Errorf("ParsePhone allocates %v times, want at most the result", n)
	}
}
