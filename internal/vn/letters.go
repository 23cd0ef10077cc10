package vn

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Vietnamese vowels with each of the six tones, in the order
// none, huyền (grave), sắc (acute), hỏi (hook), ngã (tilde), nặng (dot below).
// The row index is the vowel's quality: a ă â e ê i o ô ơ u ư y.
var (
	vowelRowsLower = [...]string{
		"aàáảãạ", "ăằắẳẵặ", "âầấẩẫậ", "eèéẻẽẹ", "êềếểễệ", "iìíỉĩị",
		"oòóỏõọ", "ôồốổỗộ", "ơờớởỡợ", "uùúủũụ", "ưừứửữự", "yỳýỷỹỵ",
	}
	vowelRowsUpper = [...]string{
		"AÀÁẢÃẠ", "ĂẰẮẲẴẶ", "ÂẦẤẨẪẬ", "EÈÉẺẼẸ", "ÊỀẾỂỄỆ", "IÌÍỈĨỊ",
		"OÒÓỎÕỌ", "ÔỒỐỔỖỘ", "ƠỜỚỞỠỢ", "UÙÚỦŨỤ", "ƯỪỨỬỮỰ", "YỲÝỶỸỴ",
	}
)

// Vowel rows, as indexes into vowelRowsLower.
const (
	rowA, rowAbreve, rowAcirc, rowE, rowEcirc, rowI = 0, 1, 2, 3, 4, 5
	rowO, rowOcirc, rowOhorn, rowU, rowUhorn, rowY  = 6, 7, 8, 9, 10, 11
)

// tableLimit bounds the directly indexed letter table: it covers Latin-1,
// Latin Extended-A/B, IPA, combining marks and Latin Extended Additional,
// where every Vietnamese letter lives.
const tableLimit = 0x1F00

// letter is what the hot paths need to know about one rune below tableLimit.
type letter struct {
	fold  byte // ASCII lower-case letter it folds to, or 0
	vowel byte // 1 + vowel row for Vietnamese vowels, or 0
	tone  byte // 0..5, meaningful when vowel != 0
	upper bool // an upper-case vowel
	mark  bool // a combining mark or format character: dropped when folding
}

// letters is built once at start-up and only read afterwards: it is
// immutable reference data like the unicode package's tables.
var letters = buildLetters()

func buildLetters() *[tableLimit]letter {
	t := new([tableLimit]letter)
	for c := byte(0); c < utf8.RuneSelf; c++ {
		if isASCIIAlnum(c) {
			t[c].fold = lowerASCII(c)
		}
	}
	for r := rune(utf8.RuneSelf); r < tableLimit; r++ {
		if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
			t[r].mark = true
			continue
		}
		t[r].fold = foldByDecomposition(r)
	}
	for _, r := range "đĐðÐɖƉ" {
		t[r].fold = 'd'
	}
	for r, f := range map[rune]byte{'ø': 'o', 'Ø': 'o', 'ł': 'l', 'Ł': 'l', 'ħ': 'h', 'Ħ': 'h', 'ŧ': 't', 'Ŧ': 't', 'ı': 'i', 'ƀ': 'b'} {
		t[r].fold = f
	}
	for row := range vowelRowsLower {
		fill := func(s string, upper bool) {
			tone := byte(0)
			for _, r := range s {
				t[r].vowel, t[r].tone, t[r].upper = byte(row+1), tone, upper
				tone++
			}
		}
		fill(vowelRowsLower[row], false)
		fill(vowelRowsUpper[row], true)
	}
	return t
}

// foldByDecomposition returns the single ASCII letter or digit r decomposes
// to under NFKD (é → e, ǆ → 0 because it is two letters), lower-cased, or 0.
func foldByDecomposition(r rune) byte {
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	var found byte
	for _, d := range norm.NFKD.String(string(buf[:n])) {
		switch {
		case d < utf8.RuneSelf && isASCIIAlnum(byte(d)):
			if found != 0 {
				return 0
			}
			found = lowerASCII(byte(d))
		case unicode.Is(unicode.Mn, d):
		default:
			return 0
		}
	}
	return found
}

func isASCIIAlnum(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}

func lowerASCII(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// vowelOf returns the vowel row (0..11) and tone of r, or row -1 when r is
// not a Vietnamese vowel.
func vowelOf(r rune) (row int, tone int, upper bool) {
	if r < 0 || r >= tableLimit {
		return -1, 0, false
	}
	l := letters[r]
	if l.vowel == 0 {
		return -1, 0, false
	}
	return int(l.vowel) - 1, int(l.tone), l.upper
}

// vowelRune returns the precomposed vowel of row with tone in the given case.
func vowelRune(row, tone int, upper bool) rune {
	s := vowelRowsLower[row]
	if upper {
		s = vowelRowsUpper[row]
	}
	for _, r := range s {
		if tone == 0 {
			return r
		}
		tone--
	}
	return utf8.RuneError
}
