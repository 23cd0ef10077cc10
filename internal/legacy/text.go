package legacy

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/vn"
	"golang.org/x/text/unicode/norm"
)

// maxCachedWord is the longest word the name cache keeps.
const maxCachedWord = 32

// name returns a personal name normalised as vn.NormalizeName does (NFC,
// one space between words, tone marks on the main vowel), and in title
// case as vn.TitleName does when it was written all in capitals
// ("NGUYEN VAN AN" → "Nguyen Van An"); otherwise with its case as written.
//
// Both work word by word, and the same few thousand syllables make up
// nearly every Vietnamese name, so the normalised form of each word is
// remembered: normalisation would otherwise be the dearest step of
// reading a record. FuzzName checks that the result is exactly vn's.
func (c *caches) name(s string) string {
	upper := isAllUpper(s)
	if len(s) > 4*maxCachedWord {
		return normalizeName(s, upper)
	}
	words := c.words
	if upper {
		words = c.titles
	}
	var buf [4 * maxCachedWord]byte
	out := buf[:0]
	same := s == "" || s[0] != ' ' && s[len(s)-1] != ' '
	for rest := s; rest != ""; {
		var w string
		w, rest, _ = strings.Cut(rest, " ")
		if w == "" {
			same = false // a leading, trailing or doubled space
			continue
		}
		nw, ok := words[w]
		if !ok {
			nw = normalizeName(w, upper)
			if len(w) <= maxCachedWord {
				if len(words) >= maxCached {
					clear(words)
				}
				words[strings.Clone(w)] = strings.Clone(nw)
			}
		}
		if nw != w {
			same = false
		}
		if nw == "" {
			continue
		}
		if len(out) > 0 {
			out = append(out, ' ')
		}
		out = append(out, nw...)
	}
	if same {
		return s
	}
	return string(out)
}

func normalizeName(s string, title bool) string {
	if title {
		return vn.TitleName(s)
	}
	return vn.NormalizeName(s)
}

// isAllUpper reports whether s has letters and none of them lower case.
func isAllUpper(s string) bool {
	letters := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return isAllUpperSlow(s)
		}
		switch {
		case 'a' <= c && c <= 'z':
			return false
		case 'A' <= c && c <= 'Z':
			letters = true
		}
	}
	return letters
}

func isAllUpperSlow(s string) bool {
	letters := false
	for _, c := range s {
		if unicode.IsLower(c) {
			return false
		}
		letters = letters || unicode.IsUpper(c)
	}
	return letters
}

// cleanText returns free text (an address, a facility, a lot number) in
// NFC with no outer spaces, no control characters, and every run of white
// space one space.
func cleanText(s string) string {
	if isCleanText(s) {
		return s
	}
	s = norm.NFC.String(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' ' // a line break or tab inside a field, or garbage
		}
		return r
	}, s))
	if !strings.ContainsFunc(s, unicode.IsSpace) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// isCleanText reports, quickly, whether cleanText would return s as it
// is: single inner spaces, no other white space or control characters,
// and only characters that are NFC whatever surrounds them — ASCII, the
// precomposed letters of Latin-1 and Latin Extended-A/B (U+00A1–U+02FF),
// and the precomposed Vietnamese letters of Latin Extended Additional
// (U+1E00–U+1EFF). Anything else goes the slow way.
func isCleanText(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < ' ' || c == 0x7F || c == ' ' && s[i+1] == ' ' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !(0xA1 <= r && r < 0x300 || 0x1E00 <= r && r < 0x1F00) {
			return false
		}
		i += size
	}
	return true
}

// cp1258Marks are the combining tone marks Windows-1258 writes after a
// vowel: grave, acute, tilde, hook above, dot below.
var cp1258Marks = [256]rune{0xCC: 0x0300, 0xEC: 0x0301, 0xDE: 0x0303, 0xD2: 0x0309, 0xF2: 0x0323}

// cp1258Compose maps a letter of Windows-1258 and a tone mark to the
// precomposed letter NFC makes of the pair, where there is one.
var cp1258Compose = func() map[[2]rune]rune {
	m := make(map[[2]rune]rune)
	for b := range 256 {
		base, _ := utf8.DecodeRuneInString(cp1258Text[b])
		for _, mark := range cp1258Marks {
			if mark == 0 {
				continue
			}
			c := []rune(norm.NFC.String(string(base) + string(mark)))
			if len(c) == 1 {
				m[[2]rune{base, mark}] = c[0]
			}
		}
	}
	return m
}()

// decodeCP1258 returns the Windows-1258 bytes of s as UTF-8 in NFC.
// Windows-1258 writes most tone marks as combining characters after the
// vowel; a mark is composed with the letter before it by table, and only
// text where that is not enough (a mark after a mark, or after a letter
// that takes no such mark) goes through the general NFC. The bytes the
// code page leaves undefined never get here: the tracker sets their row
// aside.
func decodeCP1258(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s
	}
	out := make([]byte, i, len(s)+len(s)/2)
	copy(out, s)
	last, lastAt := rune(-1), -1 // the last character written, and where
	if i > 0 {
		last, lastAt = rune(s[i-1]), i-1
	}
	for ; i < len(s); i++ {
		c := s[i]
		if mark := cp1258Marks[c]; mark != 0 && last >= 0 {
			if comp, ok := cp1258Compose[[2]rune{last, mark}]; ok {
				out = utf8.AppendRune(out[:lastAt], comp)
				last = -1
				continue
			}
		}
		if cp1258Marks[c] != 0 {
			return norm.NFC.String(plainCP1258(s))
		}
		last, lastAt = rune(c), len(out)
		if c >= utf8.RuneSelf {
			last, _ = utf8.DecodeRuneInString(cp1258Text[c])
		}
		out = append(out, cp1258Text[c]...)
	}
	return string(out)
}

// plainCP1258 decodes s byte by byte.
func plainCP1258(s string) string {
	var b strings.Builder
	b.Grow(len(s) * 2)
	for i := 0; i < len(s); i++ {
		b.WriteString(cp1258Text[s[i]])
	}
	return b.String()
}

// parseTime is vn.ParseTime with a fast path for the forms the exports
// write by the million — "2020-04-12 08:15:00" (NCOVI), "11/03/2022 09:21"
// (labs), "2021-08-03T09:12:45+07:00" (VHD) — read digit by digit without
// the general parser's allocations; everything else, and every value the
// fast path would refuse, goes to vn.ParseTime, so the result is always
// vn's (FuzzParseTime checks it).
func parseTime(s string) (time.Time, error) {
	var y, mo, d, h, mi, sec int
	ok := false
	switch {
	case len(s) == 19 && s[4] == '-' && s[7] == '-' && s[10] == ' ' && s[13] == ':' && s[16] == ':':
		y, mo, d, h, mi, sec, ok = digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2), digits(s, 11, 2), digits(s, 14, 2), digits(s, 17, 2), true
	case len(s) == 16 && s[2] == '/' && s[5] == '/' && s[10] == ' ' && s[13] == ':':
		d, mo, y, h, mi, ok = digits(s, 0, 2), digits(s, 3, 2), digits(s, 6, 4), digits(s, 11, 2), digits(s, 14, 2), true
	case len(s) == 25 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19:] == "+07:00":
		y, mo, d, h, mi, sec, ok = digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2), digits(s, 11, 2), digits(s, 14, 2), digits(s, 17, 2), true
	}
	if !ok || min(y, mo, d, h, mi, sec) < 0 || y < 1900 || y > 2100 || mo < 1 || mo > 12 || d < 1 ||
		d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59 {
		return vn.ParseTime(s)
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, 0, vn.Location()).UTC(), nil
}

// digits returns the number written by the n digits of s at i, or -1.
func digits(s string, i, n int) int {
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int(c-'0')
	}
	return v
}

// daysIn returns the number of days of a month.
func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
