package certificate

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// maxNameLen is the schema's maxLength for fnt and gnt.
const maxNameLen = 80

// icaoSpecial are the Latin letters that ICAO 9303 part 3 (section 6)
// transliterates to more than their base letter, or that have no
// decomposition. Everything else loses its diacritics.
var icaoSpecial = map[rune]string{
	'Đ': "D", 'đ': "D", // Vietnamese d with stroke
	'Ä': "AE", 'ä': "AE", 'Ö': "OE", 'ö': "OE", 'Ü': "UE", 'ü': "UE",
	'Å': "AA", 'å': "AA", 'Æ': "AE", 'æ': "AE", 'Ø': "OE", 'ø': "OE",
	'ß': "SS", 'Þ': "TH", 'þ': "TH", 'Œ': "OE", 'œ': "OE",
	'Ĳ': "IJ", 'ĳ': "IJ", 'Ł': "L", 'ł': "L", 'Ð': "D", 'ð': "D",
	'ı': "I",
}

// Transliterate returns the ICAO 9303 machine-readable form of a name, as
// the schema wants in fnt and gnt: letters A–Z only, Vietnamese (and other
// Latin) diacritics removed, Đ as D, spaces and hyphens as "<" (one "<" per
// run), other characters dropped, at most 80 characters.
//
//	Transliterate("Nguyễn Thị Đoan-Trang") == "NGUYEN<THI<DOAN<TRANG"
func Transliterate(name string) string {
	var b strings.Builder
	filler := false // a "<" is due before the next letter
	for _, r := range norm.NFC.String(name) {
		out := letters(r)
		if out == "" {
			// Spaces and hyphens separate name parts; anything else that is
			// not a letter (apostrophes, digits, other scripts) is dropped.
			if r == ' ' || r == '-' || r == '<' || unicode.IsSpace(r) {
				filler = b.Len() > 0
			}
			continue
		}
		if filler {
			b.WriteByte('<')
			filler = false
		}
		b.WriteString(out)
	}
	s := b.String()
	if len(s) > maxNameLen {
		s = strings.TrimRight(s[:maxNameLen], "<")
	}
	return s
}

// letters returns the A–Z letters ICAO 9303 writes for the letter r, or ""
// when r is not a Latin letter.
func letters(r rune) string {
	if s, ok := icaoSpecial[r]; ok {
		return s
	}
	var out []byte
	for _, d := range norm.NFD.String(string(r)) { // base letter + marks
		if d < unicode.MaxASCII && unicode.IsLetter(d) {
			out = append(out, byte(unicode.ToUpper(d)))
		}
	}
	return string(out)
}
