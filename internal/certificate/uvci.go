package certificate

import (
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/pccovid/pccovid/internal/problem"
)

// uvciAlphabet is the character set of UVCIs and of their Luhn mod N
// checksum (eHealth Network guidelines on verifiable vaccination
// certificates, Annex 2), in code-point order: N = 38.
const uvciAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:"

// uvciPrefix starts every UVCI PC-Covid issues: schema, version 01, country.
const uvciPrefix = "URN:UVCI:01:VN:"

// NewUVCI returns a new unique vaccination certificate identifier,
// "URN:UVCI:01:VN:<26 random characters>#<check character>". The opaque
// part carries 130 random bits and no personal data.
func NewUVCI() string {
	s := uvciPrefix + rand.Text() // A–Z and 2–7, a subset of the alphabet
	return s + "#" + string(luhnCheck(s))
}

// luhnCheck returns the Luhn mod N check character of s, whose characters
// must all be in uvciAlphabet.
func luhnCheck(s string) byte {
	n := len(uvciAlphabet)
	return uvciAlphabet[(n-luhnSum(s, 2))%n]
}

// luhnSum is the Luhn mod N sum of s, starting from the right with factor
// (2 when computing a check character, 1 when validating one). It returns
// -1 when s has a character outside the alphabet.
func luhnSum(s string, factor int) int {
	n := len(uvciAlphabet)
	total := 0
	for i := len(s) - 1; i >= 0; i-- {
		cp := strings.IndexByte(uvciAlphabet, s[i])
		if cp < 0 {
			return -1
		}
		addend := factor * cp
		factor = 3 - factor // alternate 2, 1, 2, …
		total += addend/n + addend%n
	}
	return total % n
}

// ValidateUVCI checks the form of a UVCI, "URN:UVCI:" (in any case),
// version, country and opaque part, and, when the UVCI ends with "#" and a
// check character, its Luhn mod N checksum over everything before the "#".
// The error is a *problem.FieldError for field "ci".
func ValidateUVCI(ci string) error {
	bad := func(vi, en string) error { return problem.Field("ci", vi, en) }
	s := strings.ToUpper(ci)
	body, check, hasCheck := strings.Cut(s, "#")
	if !strings.HasPrefix(body, "URN:UVCI:") {
		return bad("mã chứng nhận phải bắt đầu bằng URN:UVCI:", "the certificate identifier must start with URN:UVCI:")
	}
	parts := strings.SplitN(strings.TrimPrefix(body, "URN:UVCI:"), ":", 3)
	if len(parts) != 3 || len(parts[0]) != 2 || len(parts[1]) < 2 || parts[2] == "" {
		return bad("mã chứng nhận không đúng dạng URN:UVCI:01:VN:…", "the certificate identifier is not of the form URN:UVCI:01:VN:…")
	}
	if luhnSum(body, 1) < 0 {
		return bad("mã chứng nhận có ký tự không hợp lệ", "the certificate identifier has a character outside A–Z, 0–9, / and :")
	}
	if !hasCheck {
		return nil
	}
	if len(check) != 1 || luhnSum(body+check, 1) != 0 {
		return bad("số kiểm tra của mã chứng nhận không đúng", fmt.Sprintf("the check character %q of the certificate identifier is wrong", check))
	}
	return nil
}
