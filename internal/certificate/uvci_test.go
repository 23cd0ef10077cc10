package certificate

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/problem"
)

func TestNewUVCI(t *testing.T) {
	t.Parallel()
	form := regexp.MustCompile(`^URN:UVCI:01:VN:[A-Z2-7]{26}#[A-Z0-9/:]$`)
	seen := map[string]bool{}
	for range 1000 {
		u := NewUVCI()
		if !form.MatchString(u) || len(u) > 80 {
			t.Fatalf("NewUVCI() = %q, not of the expected form", u)
		}
		if err := ValidateUVCI(u); err != nil {
			t.Fatalf("ValidateUVCI(%q): %v", u, err)
		}
		if seen[u] {
			t.Fatalf("NewUVCI() repeated %q", u)
		}
		seen[u] = true
	}
}

// TestLuhnModN uses the reference implementation's example and UVCIs of
// the EU test data whose check characters are right.
func TestLuhnModN(t *testing.T) {
	t.Parallel()
	if c := luhnCheck("URN:UVCI:01:NL:187/37512422923"); c != 'Z' {
		t.Errorf("check character %q, want 'Z' (luhn_mod_n.py usage example)", c)
	}
	for _, u := range []string{
		"URN:UVCI:01:NL:187/37512422923#Z",
		"URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B",
		"URN:UVCI:01:DK:0EF88044F7935DF2B4A938A38C14C97C#C",
		"URN:UVCI:01:GR:ZHYTK36RLRF5IN4GEH2DLVBTAQ#G",
		"URN:UVCI:01:HU:242100001023540659V1T20210614180542#S",
		"URN:UVCI:01:SM:122#M",
		"urn:uvci:01:si:c5e8734f3df9b66ce053#d", // case does not matter
		"URN:UVCI:01:SE:EHM/V12916227528",       // no checksum
	} {
		if err := ValidateUVCI(u); err != nil {
			t.Errorf("ValidateUVCI(%q): %v", u, err)
		}
	}
}

func TestValidateUVCIErrors(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#C", // wrong check
		"URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#",  // empty check
		"URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#BB",
		"01:AT:10807843F94AEE0EE5093FBC254BD813#B", // no URN:UVCI:
		"URN:UVCI:01:VN",         // no opaque part
		"URN:UVCI:01:VN:ABC DEF", // space
		"URN:UVCI:01:VN:ĐỨC",
		"",
	} {
		err := ValidateUVCI(u)
		var fe *problem.FieldError
		if !errors.As(err, &fe) || fe.Field != "ci" {
			t.Errorf("ValidateUVCI(%q) = %v, want a field error for ci", u, err)
		}
	}
}

func FuzzValidateUVCI(f *testing.F) {
	f.Add("URN:UVCI:01:NL:187/37512422923#Z")
	f.Add("urn:uvci:01:BG:UFR5PLGKU8WDSZK7#0")
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateUVCI(s) != nil {
			return
		}
		u := strings.ToUpper(s)
		body, check, hasCheck := strings.Cut(u, "#")
		if !strings.HasPrefix(u, "URN:UVCI:") || luhnSum(body, 1) < 0 || hasCheck && luhnSum(body+check, 1) != 0 {
			t.Fatalf("accepted %q", s)
		}
	})
}

func ExampleValidateUVCI() {
	fmt.Println(ValidateUVCI("URN:UVCI:01:NL:187/37512422923#Z"))
	fmt.Println(ValidateUVCI("URN:UVCI:01:NL:187/37512422923#Y"))
	// Output:
	// <nil>
	// ci: the check character "Y" of the certificate identifier is wrong
}
