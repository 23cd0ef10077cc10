package vn

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/pccovid/pccovid/internal/problem"
)

// Phone is a telephone number in E.164 form: "+84912345678" for a Vietnamese
// number, or the E.164 number of another country ("+33622931133"). Obtain
// one from ParsePhone; the zero value is no number.
type Phone string

// PhoneKind says what kind of line a Phone is.
type PhoneKind uint8

// Phone kinds. The zero value is not a valid number.
const (
	PhoneInvalid  PhoneKind = iota
	PhoneMobile             // Vietnamese mobile (national number of 9 digits)
	PhoneLandline           // Vietnamese fixed line (area code 2xx, 10 digits)
	PhoneForeign            // any number outside country code +84
)

// Vietnamese mobile networks, by the two digits after the trunk 0 (the
// "network prefix" 0xx) allocated to them as of 2021, after the 2018
// conversion of 11-digit numbers. 095 (S-Fone, closed 2012), 080, 030-031,
// 053-054, 057 and 071-075 belong to no mobile network and are refused.
// Numbers can be ported between networks since 2019, so the network is the
// one the prefix was allocated to, not necessarily the subscriber's.
var mobileNetworks = map[string][]string{
	"Viettel":      {"32", "33", "34", "35", "36", "37", "38", "39", "86", "96", "97", "98"},
	"MobiFone":     {"70", "76", "77", "78", "79", "89", "90", "93"},
	"VinaPhone":    {"81", "82", "83", "84", "85", "88", "91", "94"},
	"Vietnamobile": {"52", "56", "58", "92"},
	"Gmobile":      {"59", "99"},
	"Itelecom":     {"87"},
	"Wintel":       {"55"},
}

// oldMobilePrefixes maps the 11-digit network prefixes retired in 2018
// (without the trunk 0: "162" for 0162) to their 10-digit replacement
// (without the trunk 0: "32" for 032). Source: FORMATS.md, the Ministry of
// Information and Communications' conversion plan.
var oldMobilePrefixes = map[string]string{
	// Viettel
	"162": "32", "163": "33", "164": "34", "165": "35", "166": "36", "167": "37", "168": "38", "169": "39",
	// MobiFone
	"120": "70", "121": "79", "122": "77", "126": "76", "128": "78",
	// VinaPhone
	"123": "83", "124": "84", "125": "85", "127": "81", "129": "82",
	// Vietnamobile
	"186": "56", "188": "58",
	// Gmobile
	"199": "59",
}

// landlineAreaCodes are the fixed-line area codes after the 2017
// conversion, without the trunk 0: Hà Nội 24 and Hồ Chí Minh City 28, and
// 2xx for the other 61 provinces. Every fixed number has 10 digits after the
// trunk 0.
const landlineAreaCodes = "24 28 " +
	"203 204 205 206 207 208 209 210 211 212 213 214 215 216 218 219 " +
	"220 221 222 225 226 227 228 229 232 233 234 235 236 237 238 239 " +
	"251 252 254 255 256 257 258 259 260 261 262 263 269 " +
	"270 271 272 273 274 275 276 277 290 291 292 293 294 296 297 299"

// phonePlan is the numbering plan in a form the parser reads without
// allocating. It is built once at start-up and only read afterwards.
type phonePlan struct {
	network  [100]string // network by the 2-digit prefix, "" if none
	old      [100]string // new 2-digit prefix by the last two digits of 1xx
	landline [1000]bool  // 3-digit landline prefixes (24x and 28x included)
}

var plan = buildPhonePlan()

func buildPhonePlan() *phonePlan {
	p := new(phonePlan)
	for name, prefixes := range mobileNetworks {
		for _, x := range prefixes {
			p.network[atoi2(x)] = name
		}
	}
	for old, repl := range oldMobilePrefixes {
		p.old[atoi2(old[1:])] = repl
	}
	for _, code := range strings.Fields(landlineAreaCodes) {
		if len(code) == 2 {
			for d := 0; d < 10; d++ {
				p.landline[atoi2(code)*10+d] = true
			}
			continue
		}
		p.landline[atoi2(code[:2])*10+int(code[2]-'0')] = true
	}
	return p
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

// ParsePhone reads a phone number as people type it and returns it in
// E.164 form. It accepts, for Vietnamese numbers:
//
//	0912 345 678   0912.345.678   0912-345-678   (+84) 912-345-678
//	+84912345678   84912345678    912345678      0084912345678
//	+84 0912345678 (a trunk 0 after the country code is dropped)
//	01682345678    +841682345678  841682345678   1682345678 (pre-2018)
//	024 3825 1234  028 3829 5678  0203 3825 123  (fixed lines)
//
// Pre-2018 11-digit mobile numbers are converted to their 10-digit
// replacement (0168 → 038) by the table of FORMATS.md. A mobile number's
// network prefix must be allocated to a network: 032–039, 052, 055, 056,
// 058, 059, 070, 076–079, 081–089, 090–094, 096–099. A fixed line (11
// digits with the trunk 0) must start with a real area code: 024 Hà Nội,
// 028 Hồ Chí Minh City, or 02xx of another province.
// A number starting with + and another country code (or 00 and one) is
// kept as it is when it has 8 to 15 digits, as E.164 allows.
//
// Anything else is refused with a *problem.FieldError for field "phone"
// that says why: letters in the number, too few or too many digits, an
// unknown network prefix or area code.
func ParsePhone(s string) (Phone, error) {
	var buf [20]byte
	digits, plus, err := phoneDigits(buf[:0], s)
	if err != nil {
		return "", err
	}
	if !plus && len(digits) > 2 && digits[0] == '0' && digits[1] == '0' {
		plus, digits = true, digits[2:] // 00 is the international prefix
	}
	var nsn []byte // national significant number of a Vietnamese number
	switch {
	case plus && len(digits) >= 2 && digits[0] == '8' && digits[1] == '4':
		nsn = trimTrunk(digits[2:])
	case plus:
		return foreignPhone(s, digits)
	case digits[0] == '0':
		nsn = digits[1:]
	case len(digits) >= 11 && digits[0] == '8' && digits[1] == '4':
		nsn = trimTrunk(digits[2:])
	default:
		nsn = digits
	}
	return vietnamesePhone(s, nsn)
}

// phoneDigits appends the digits of s to dst, checking that everything else
// is a separator and that a + comes only first.
func phoneDigits(dst []byte, s string) (digits []byte, plus bool, err error) {
	if strings.Contains(s, "(0)") {
		// "+44 (0) 20 …", "(0) 912 …": the trunk 0 in parentheses is not
		// dialled with the country code.
		s = strings.Replace(s, "(0)", "", 1)
	}
	for _, r := range s {
		switch {
		case '0' <= r && r <= '9':
			if len(dst) == cap(dst) {
				return nil, false, phoneError("số điện thoại thừa chữ số", "too many digits")
			}
			dst = append(dst, byte(r))
		case r == '+' || r == '＋':
			if plus || len(dst) > 0 {
				return nil, false, phoneError("dấu + chỉ được đặt ở đầu số điện thoại", "a + may only stand at the start of the number")
			}
			plus = true
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')' ||
			unicode.IsSpace(r) || unicode.Is(unicode.Pd, r):
		case unicode.IsLetter(r):
			return nil, false, phoneError("số điện thoại có chữ cái", "letters in phone number")
		default:
			return nil, false, phoneError("số điện thoại có ký tự không hợp lệ "+quoteRune(r), "unexpected character "+quoteRune(r)+" in phone number")
		}
	}
	if len(dst) == 0 {
		if strings.TrimSpace(s) == "" {
			return nil, false, phoneError("chưa có số điện thoại", "phone number is empty")
		}
		return nil, false, phoneError("số điện thoại không có chữ số nào", "no digits in phone number")
	}
	return dst, plus, nil
}

// quoteRune shows r in an error message: itself in quotes when printable,
// its code point otherwise.
func quoteRune(r rune) string {
	if unicode.IsPrint(r) {
		return "“" + string(r) + "”"
	}
	return fmt.Sprintf("U+%04X", r)
}

func trimTrunk(nsn []byte) []byte {
	if len(nsn) > 0 && nsn[0] == '0' {
		return nsn[1:]
	}
	return nsn
}

func foreignPhone(s string, digits []byte) (Phone, error) {
	switch {
	case digits[0] == '0':
		return "", phoneError("mã quốc gia không thể bắt đầu bằng 0", "a country code cannot start with 0")
	case len(digits) < 8:
		return "", phoneError("số điện thoại quốc tế thiếu chữ số (cần 8–15 chữ số)", "too few digits for an international number (8 to 15)")
	case len(digits) > 15:
		return "", phoneError("số điện thoại quốc tế thừa chữ số (tối đa 15 chữ số)", "too many digits for an international number (at most 15)")
	}
	return makePhone(s, "+", digits), nil
}

// vietnamesePhone checks a national significant number (without the trunk
// 0) and returns it in E.164.
func vietnamesePhone(s string, nsn []byte) (Phone, error) {
	switch {
	case len(nsn) < 9:
		return "", phoneError("số điện thoại thiếu chữ số", "too few digits")
	case len(nsn) > 10:
		return "", phoneError("số điện thoại thừa chữ số", "too many digits")
	case nsn[0] == '1':
		if len(nsn) < 10 {
			return "", phoneError("số điện thoại thiếu chữ số", "too few digits")
		}
		repl := plan.old[int(nsn[1]-'0')*10+int(nsn[2]-'0')]
		if repl == "" {
			return "", unknownPrefix(nsn[:3])
		}
		var conv [9]byte
		copy(conv[:], repl)
		copy(conv[2:], nsn[3:])
		return makePhone(s, "+84", conv[:]), nil
	case nsn[0] == '2':
		if !plan.landline[landlineIndex(nsn)] {
			return "", phoneError("mã vùng 0"+string(nsn[:3])+" không tồn tại", "unknown area code 0"+string(nsn[:3]))
		}
		if len(nsn) < 10 {
			return "", phoneError("số máy bàn thiếu chữ số", "too few digits for a fixed line")
		}
		return makePhone(s, "+84", nsn), nil
	}
	if plan.network[int(nsn[0]-'0')*10+int(nsn[1]-'0')] == "" {
		return "", unknownPrefix(nsn[:2])
	}
	if len(nsn) > 9 {
		return "", phoneError("số di động thừa chữ số", "too many digits for a mobile number")
	}
	return makePhone(s, "+84", nsn), nil
}

// landlineIndex returns the first three digits of nsn as a number.
func landlineIndex(nsn []byte) int {
	return int(nsn[0]-'0')*100 + int(nsn[1]-'0')*10 + int(nsn[2]-'0')
}

func unknownPrefix(p []byte) error {
	return phoneError("đầu số 0"+string(p)+" không thuộc nhà mạng nào", "unknown network prefix 0"+string(p))
}

// makePhone returns prefix+digits, reusing s when it is already that.
func makePhone(s, prefix string, digits []byte) Phone {
	if len(s) == len(prefix)+len(digits) && strings.HasPrefix(s, prefix) && s[len(prefix):] == string(digits) {
		return Phone(s)
	}
	var buf [24]byte
	return Phone(append(append(buf[:0], prefix...), digits...))
}

func phoneError(vi, en string) error {
	return problem.Field("phone", vi, en)
}

// String returns the E.164 form.
func (p Phone) String() string { return string(p) }

// IsVietnamese reports whether p is a Vietnamese number (+84).
func (p Phone) IsVietnamese() bool { return strings.HasPrefix(string(p), "+84") }

// National returns the number as dialled inside Vietnam ("0912345678") for
// a Vietnamese number, and the E.164 form for a foreign one.
func (p Phone) National() string {
	if p.IsVietnamese() {
		return "0" + string(p[3:])
	}
	return string(p)
}

// Kind says whether p is a Vietnamese mobile, a Vietnamese fixed line or a
// foreign number; PhoneInvalid for a value ParsePhone did not return.
func (p Phone) Kind() PhoneKind {
	switch {
	case p.IsVietnamese() && len(p) == 12:
		return PhoneMobile
	case p.IsVietnamese() && len(p) == 13 && p[3] == '2':
		return PhoneLandline
	case len(p) >= 9 && p[0] == '+' && !p.IsVietnamese():
		return PhoneForeign
	}
	return PhoneInvalid
}

// IsMobile reports whether p is a Vietnamese mobile number.
func (p Phone) IsMobile() bool { return p.Kind() == PhoneMobile }

// Network returns the mobile network the number's prefix was allocated to
// ("Viettel", "MobiFone", "VinaPhone", "Vietnamobile", "Gmobile",
// "Itelecom", "Wintel"), or "" for other numbers. Numbers can be ported
// between networks, so this is not proof of the subscriber's network.
func (p Phone) Network() string {
	if p.Kind() != PhoneMobile {
		return ""
	}
	return plan.network[int(p[3]-'0')*10+int(p[4]-'0')]
}

// MaskPhone returns p in national form with all but its first three and
// last three characters replaced by '*' ("0912345678" → "091****678"), for
// showing a person which number a code was sent to without disclosing it.
// Numbers of six characters or fewer are masked entirely.
func MaskPhone(p Phone) string {
	n := p.National()
	if len(n) <= 6 {
		return strings.Repeat("*", len(n))
	}
	return n[:3] + strings.Repeat("*", len(n)-6) + n[len(n)-3:]
}
