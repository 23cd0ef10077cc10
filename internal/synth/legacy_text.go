package synth

import (
	"math/rand/v2"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"github.com/pccovid/pccovid/internal/vn"
)

// This file holds the writing habits of the legacy apps: how a name, a
// phone number, an identity number or a date came out when someone typed
// it into a form, and the byte-level encoders (CSV, JSON, Windows-1258)
// the exports used. Everything appends to byte slices: the generator
// writes millions of records and must not allocate per field.

// stamp is a moment as seconds since 1970-01-01 00:00 on Vietnam's wall
// clock: the legacy apps wrote local times (UTC+7).
type stamp int64

const (
	secondsPerDay = 86400
	ictOffset     = 7 * 3600 // seconds Vietnam time is ahead of UTC
)

// The legacy records all fall between March 2020 and March 2022.
var (
	legacyFirstDay = dayOf(2020, 3, 1)
	legacyLastDay  = dayOf(2022, 3, 31)
)

func stampOf(day, sec int) stamp { return stamp(int64(day)*secondsPerDay + int64(sec)) }

func (s stamp) day() int { return int(int64(s) / secondsPerDay) }

// unixMilli returns the Unix time in milliseconds of s, plus ms.
func (s stamp) unixMilli(ms int) int64 { return (int64(s)-ictOffset)*1000 + int64(ms) }

// unixSec returns the Unix time in seconds of s.
func (s stamp) unixSec() int64 { return int64(s) - ictOffset }

func append2(dst []byte, n int) []byte { return append(dst, byte('0'+n/10%10), byte('0'+n%10)) }

func append4(dst []byte, n int) []byte {
	return append(dst, byte('0'+n/1000%10), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}

// appendDMY appends d as DD/MM/YYYY.
func appendDMY(dst []byte, d vn.Date) []byte {
	dst = append(append2(dst, d.Day), '/')
	dst = append(append2(dst, d.Month), '/')
	return append4(dst, d.Year)
}

func appendClock(dst []byte, s stamp, seconds bool) []byte {
	sec := int(int64(s) % secondsPerDay)
	dst = append(append2(dst, sec/3600), ':')
	dst = append2(dst, sec/60%60)
	if seconds {
		dst = append2(append(dst, ':'), sec%60)
	}
	return dst
}

// appendStampISO appends s as "YYYY-MM-DD HH:MM:SS" (NCOVI).
func appendStampISO(dst []byte, s stamp) []byte {
	dst = append(appendDate(dst, dateOf(s.day())), ' ')
	return appendClock(dst, s, true)
}

// appendStampRFC3339 appends s as "YYYY-MM-DDTHH:MM:SS+07:00".
func appendStampRFC3339(dst []byte, s stamp) []byte {
	dst = append(appendDate(dst, dateOf(s.day())), 'T')
	return append(appendClock(dst, s, true), "+07:00"...)
}

// appendStampDMYHM appends s as "DD/MM/YYYY HH:MM" (lab line lists).
func appendStampDMYHM(dst []byte, s stamp) []byte {
	dst = append(appendDMY(dst, dateOf(s.day())), ' ')
	return appendClock(dst, s, false)
}

// monthStart returns the day number of the first day of month i counted
// from March 2020 (i = 0).
func monthStart(i int) int { return dayOf(2020+(i+2)/12, (i+2)%12+1, 1) }

// monthly draws days from months weighted one by one, from month first
// (counted from March 2020) on.
type monthly struct {
	first int
	a     alias
}

func newMonthly(first int, weights ...float64) monthly {
	return monthly{first: first, a: newAlias(weights)}
}

func (m *monthly) day(r *rand.Rand) int {
	i := m.first + m.a.pick(r)
	s := monthStart(i)
	return s + r.IntN(monthStart(i+1)-s)
}

// daytime draws a time of day in seconds, mostly between 6:00 and 22:00.
func daytime(r *rand.Rand) int {
	if chance(r, 0.93) {
		return 6*3600 + r.IntN(16*3600)
	}
	return r.IntN(secondsPerDay)
}

// appendCSV appends one field, quoted as RFC 4180 requires when it holds
// the separator, a quote or a line break, or begins with a space (as
// encoding/csv does, so that readers that trim spaces keep them).
func appendCSV(dst []byte, s string, sep byte) []byte {
	quote := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == sep || c == '"' || c == '\r' || c == '\n' {
			quote = true
			break
		}
	}
	if !quote && s != "" {
		r, _ := utf8.DecodeRuneInString(s)
		quote = unicode.IsSpace(r)
	}
	if !quote {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

// appendJSON appends s as a JSON string. Non-ASCII text stays UTF-8, as
// the apps wrote it.
func appendJSON(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// Names.

// spelling is the way one record spells a person's name.
type spelling uint8

const (
	spellExact      spelling = iota // as in the registry
	spellUpper                      // NGUYỄN VĂN AN
	spellPlain                      // Nguyen Van An
	spellUpperPlain                 // NGUYEN VAN AN
	spellOldTone                    // Hòa for Hoà, Thủy for Thuỷ
	spellTypo                       // a letter dropped, doubled, swapped or mistyped
	spellPartial                    // given name, or middle and given (Bluezone)
	spellKinds
)

// nameStyle is how the users of one app wrote names: weights of the
// spellings, and how often a space slipped or the name was stored
// decomposed (NFD).
type nameStyle struct {
	kinds   alias
	spacing float64
	nfd     float64
}

func newNameStyle(weights [spellKinds]float64, spacing, nfd float64) nameStyle {
	return nameStyle{kinds: newAlias(weights[:]), spacing: spacing, nfd: nfd}
}

// spellName writes the full name of p in style st, counting what it did.
func (g *legacyGen) spellName(p *Person, st *nameStyle) string {
	r := g.r
	s := p.FullName
	c := &g.stats.Cases
	switch spelling(st.kinds.pick(r)) {
	case spellUpper:
		s = strings.ToUpper(s)
	case spellPlain:
		s = vn.StripDiacritics(s)
	case spellUpperPlain:
		s = strings.ToUpper(vn.StripDiacritics(s))
	case spellOldTone:
		if s = oldTone(s); s != p.FullName {
			c.NameOldTone++
		}
	case spellTypo:
		s = mistypeName(r, s)
		c.NameTypo++
	case spellPartial:
		s = partialName(r, p)
		c.NamePartial++
	}
	return g.finishName(s, p.FullName, st)
}

// finishName adds the spacing slips and decomposition of st to s, a
// spelling of the name orig, and counts the case and diacritics of the
// result.
func (g *legacyGen) finishName(s, orig string, st *nameStyle) string {
	r := g.r
	c := &g.stats.Cases
	if chance(r, st.spacing) {
		s = slipSpace(r, s)
		c.NameSpacing++
	}
	if isUpperName(s) {
		c.NameUpper++
	}
	if isPlainASCII(s) && !isPlainASCII(orig) {
		c.NameNoDiacritics++
	}
	if chance(r, st.nfd) {
		if d := norm.NFD.String(s); d != s {
			s = d
			c.NameNFD++
		}
	}
	return s
}

func isUpperName(s string) bool {
	letters := false
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		letters = letters || unicode.IsUpper(r)
	}
	return letters
}

// isPlainASCII reports whether s has no byte outside ASCII.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// partialName is what people typed into Bluezone's optional name field:
// the given name, the middle and given names, or family and given.
func partialName(r *rand.Rand, p *Person) string {
	var s string
	switch u := r.Float64(); {
	case u < 0.5 || p.MiddleName == "" && u < 0.85:
		s = p.GivenName
	case u < 0.85:
		s = p.MiddleName + " " + p.GivenName
	default:
		s = p.FamilyName + " " + p.GivenName
	}
	switch u := r.Float64(); {
	case u < 0.45:
		s = vn.StripDiacritics(s)
	case u < 0.65:
		s = strings.ToUpper(s)
	}
	return s
}

// mistypeName makes one keyboard slip in s, then sometimes writes it upper
// case or without diacritics, as the rest of the form was.
func mistypeName(r *rand.Rand, s string) string {
	s = mistype(r, s)
	switch u := r.Float64(); {
	case u < 0.25:
		s = strings.ToUpper(s)
	case u < 0.4:
		s = vn.StripDiacritics(s)
	}
	return s
}

// qwerty gives the keys next to each letter on a QWERTY keyboard.
var qwerty = [26]string{
	"qwsz", "vghn", "xdfv", "serfcx", "wsdr", "drtgvc", "ftyhbv", "gyujnb", "ujko", "huikmn",
	"jiolm", "kop", "njk", "bhjm", "iklp", "ol", "wa", "edft", "awedxz", "rfgy",
	"yhji", "cfgb", "qase", "zsdc", "tghu", "asx",
}

// mistype makes one slip in s: a letter dropped, doubled, swapped with the
// next, or replaced by a neighbouring key. The result always differs.
func mistype(r *rand.Rand, s string) string {
	rs := []rune(s)
	var letters []int
	for i, c := range rs {
		if unicode.IsLetter(c) {
			letters = append(letters, i)
		}
	}
	if len(letters) < 2 {
		return s + s[len(s)-1:]
	}
	for tries := 0; tries < 8; tries++ {
		i := letters[r.IntN(len(letters))]
		var out []rune
		switch u := r.IntN(100); {
		case u < 35: // dropped
			out = append(append(out, rs[:i]...), rs[i+1:]...)
		case u < 60: // doubled
			out = append(append(append(out, rs[:i+1]...), rs[i]), rs[i+1:]...)
		case u < 80: // swapped with the next letter
			if i+1 >= len(rs) || !unicode.IsLetter(rs[i+1]) || rs[i] == rs[i+1] {
				continue
			}
			out = append(out, rs...)
			out[i], out[i+1] = out[i+1], out[i]
		default: // a neighbouring key
			c, ok := neighbourKey(r, rs[i])
			if !ok {
				continue
			}
			out = append(out, rs...)
			out[i] = c
		}
		if t := string(out); t != s {
			return t
		}
	}
	return string(append(rs, rs[len(rs)-1]))
}

// neighbourKey returns a letter typed by hitting a key next to c's; the
// diacritics of c are lost, as they would be.
func neighbourKey(r *rand.Rand, c rune) (rune, bool) {
	base := []rune(vn.StripDiacritics(string(c)))
	if len(base) != 1 {
		return 0, false
	}
	b := unicode.ToLower(base[0])
	if b < 'a' || b > 'z' {
		return 0, false
	}
	keys := qwerty[b-'a']
	k := rune(keys[r.IntN(len(keys))])
	if unicode.IsUpper(c) {
		k = unicode.ToUpper(k)
	}
	return k, true
}

// slipSpace doubles a space between two words, or adds one before or
// after the name.
func slipSpace(r *rand.Rand, s string) string {
	i := strings.IndexByte(s, ' ')
	switch u := r.Float64(); {
	case u < 0.6 && i > 0:
		j := i
		for k := 0; k < r.IntN(3); k++ {
			if n := strings.IndexByte(s[j+1:], ' '); n >= 0 {
				j += 1 + n
			}
		}
		return s[:j] + " " + s[j:]
	case u < 0.8:
		return " " + s
	}
	return s + " "
}

// oldToneEndings maps the last two letters of a syllable written in the
// registry's tone placement (Hoà, Khoẻ, Thuỷ) to the older placement many
// apps and keyboards used (Hòa, Khỏe, Thủy).
var oldToneEndings = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	tones := []rune{'\u0300', '\u0301', '\u0309', '\u0303', '\u0323'}
	for _, pair := range [][2]rune{{'o', 'a'}, {'o', 'e'}, {'u', 'y'}} {
		for _, upper := range []bool{false, true} {
			a, b := pair[0], pair[1]
			if upper {
				a, b = unicode.ToUpper(a), unicode.ToUpper(b)
			}
			for _, t := range tones {
				newStyle := string(a) + norm.NFC.String(string(b)+string(t))
				oldStyle := norm.NFC.String(string(a)+string(t)) + string(b)
				m[newStyle] = oldStyle
			}
		}
	}
	return m
})

// oldTone rewrites the open syllables oa, oe and uy of s with the tone on
// the first vowel (Hoà → Hòa). "Quý" keeps its tone: its u belongs to qu.
func oldTone(s string) string {
	endings := oldToneEndings()
	words := strings.Split(s, " ")
	changed := false
	for i, w := range words {
		rs := []rune(w)
		if len(rs) < 2 {
			continue
		}
		tail := string(rs[len(rs)-2:])
		old, ok := endings[tail]
		if !ok {
			continue
		}
		if len(rs) >= 3 && (rs[len(rs)-3] == 'q' || rs[len(rs)-3] == 'Q') && (rs[len(rs)-2] == 'u' || rs[len(rs)-2] == 'U') {
			continue
		}
		words[i] = string(rs[:len(rs)-2]) + old
		changed = true
	}
	if !changed {
		return s
	}
	return strings.Join(words, " ")
}

// Phone numbers.

// phoneForm is one way of writing a Vietnamese mobile number.
type phoneForm uint8

const (
	phoneLocal  phoneForm = iota // 0912345678
	phoneSpaced                  // 0912 345 678
	phonePlus                    // +84912345678
	phone84                      // 84912345678
	phoneBare                    // 912345678
	phoneForms
)

// phoneStyle is how the users of one app wrote numbers: weights of the
// forms, and the share of records with a pre-2018 number where the
// number had one.
type phoneStyle struct {
	forms alias
	old   float64
}

func newPhoneStyle(weights [phoneForms]float64, old float64) phoneStyle {
	return phoneStyle{forms: newAlias(weights[:]), old: old}
}

// oldPrefix maps the 2-digit network code of a 10-digit number to the
// 3-digit code it had as an 11-digit number before the 2018 conversion
// (FORMATS.md, "Phone numbers").
var oldPrefix = func() [100]string {
	var t [100]string
	for newCode, old := range map[int]string{
		32: "162", 33: "163", 34: "164", 35: "165", 36: "166", 37: "167", 38: "168", 39: "169",
		70: "120", 79: "121", 77: "122", 76: "126", 78: "128",
		83: "123", 84: "124", 85: "125", 81: "127", 82: "129",
		56: "186", 58: "188", 59: "199",
	} {
		t[newCode] = old
	}
	return t
}()

// hasOldForm reports whether the 10-digit number had an 11-digit form.
func hasOldForm(num string) bool {
	return len(num) == 10 && oldPrefix[atoi(num[1:3])] != ""
}

// appendPhone appends the 10-digit number num ("0xxxxxxxxx") in one of
// the forms of st. Foreign numbers (E.164, not +84) are written as they
// are. It reports whether it wrote the 11-digit form.
func (g *legacyGen) appendPhone(dst []byte, num string, st *phoneStyle) ([]byte, bool) {
	if num == "" {
		return dst, false
	}
	if num[0] == '+' {
		return append(dst, num...), false
	}
	if hasOldForm(num) && chance(g.r, st.old) {
		dst = append(append(dst, '0'), oldPrefix[atoi(num[1:3])]...)
		return append(dst, num[3:]...), true
	}
	switch phoneForm(st.forms.pick(g.r)) {
	case phoneSpaced:
		return append(append(append(append(dst, num[:4]...), ' '), num[4:7]...), ' ', num[7], num[8], num[9]), false
	case phonePlus:
		return append(append(dst, "+84"...), num[1:]...), false
	case phone84:
		return append(append(dst, "84"...), num[1:]...), false
	case phoneBare:
		return append(dst, num[1:]...), false
	}
	return append(dst, num...), false
}

// putPhone appends num, carried as use says, in style st, and counts it.
func (g *legacyGen) putPhone(dst []byte, num string, use phoneUse, st *phoneStyle) []byte {
	if num == "" {
		return dst
	}
	g.countPhone(use)
	dst, old := g.appendPhone(dst, num, st)
	if old {
		g.stats.Cases.OldPhoneForm++
	}
	return dst
}

// idText writes an identity number as people typed it into NCOVI: plain,
// or in groups of three with spaces or dots.
func idText(r *rand.Rand, id string, separated float64) string {
	if id == "" || !chance(r, separated) {
		return id
	}
	sep := byte(' ')
	if chance(r, 0.4) {
		sep = '.'
	}
	b := make([]byte, 0, len(id)+4)
	for i := 0; i < len(id); i++ {
		if i > 0 && i%3 == 0 {
			b = append(b, sep)
		}
		b = append(b, id[i])
	}
	return string(b)
}

// Windows-1258.

// cp1258Table maps each rune of Vietnamese text to its Windows-1258
// bytes. Windows-1258 has the letters with a circumflex, breve or horn but
// writes the five tone marks as combining characters after the letter,
// which is how Vietnamese office software exported text: "Nguyễn" is
// N g u y ê U+0303 n. Each entry holds up to two bytes and their count in
// the third byte; 0 means the rune has no encoding.
var cp1258Table = sync.OnceValue(func() []uint32 {
	const limit = 0x1F00
	t := make([]uint32, limit)
	cm := charmap.Windows1258
	isTone := func(r rune) bool {
		switch r {
		case '\u0300', '\u0301', '\u0303', '\u0309', '\u0323':
			return true
		}
		return false
	}
	for r := rune(0x80); r < limit; r++ {
		var base []rune
		var tone rune
		for _, d := range norm.NFD.String(string(r)) {
			if isTone(d) && tone == 0 {
				tone = d
			} else {
				base = append(base, d)
			}
		}
		var out []byte
		ok := true
		for _, b := range norm.NFC.String(string(base)) + string(tone) {
			if b == 0 {
				continue
			}
			c, found := cm.EncodeRune(b)
			ok = ok && found
			out = append(out, c)
		}
		if ok && len(out) >= 1 && len(out) <= 2 {
			v := uint32(len(out)) << 16
			for i, c := range out {
				v |= uint32(c) << (8 * i)
			}
			t[r] = v
		}
	}
	return t
})

// appendCP1258 appends the UTF-8 text s encoded in Windows-1258; runes it
// cannot hold become '?'.
func appendCP1258(dst []byte, s []byte) []byte {
	t := cp1258Table()
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		i += n
		var v uint32
		if int(r) < len(t) {
			v = t[r]
		}
		switch v >> 16 {
		case 1:
			dst = append(dst, byte(v))
		case 2:
			dst = append(dst, byte(v), byte(v>>8))
		default:
			dst = append(dst, '?')
		}
	}
	return dst
}
