package vn

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormalizeName returns s in the one form PC-Covid stores and compares
// names in: Unicode NFC (NFD input is composed), no leading or trailing
// space, every run of white space (including tabs, no-break spaces and line
// breaks) collapsed to one ASCII space, zero-width and other format
// characters removed, the look-alikes Ð (U+00D0), ð, Ɖ, ɖ replaced by Đ/đ,
// and the tone mark of every Vietnamese syllable placed on its main vowel.
//
// Tone placement follows the orthography of the Ministry of Education
// (Decision 240/QĐ of 1984, the "new style"): the tone sits on the vowel
// that carries the syllable's nucleus, so in the open syllables oa, oe and
// uy it goes on the second vowel — Hoà, Khoẻ, Thuỷ, not Hòa, Khỏe, Thủy —
// exactly as in the closed syllables where both styles agree (Hoàng,
// Thuyết). This keeps one rule for every syllable and is the majority form
// in the population registry. A mistyped tone (Qúy) is moved too (Quý).
// Syllables that are not Vietnamese (more than one tone mark, vowels that
// are not contiguous, letters outside the Vietnamese alphabet) are left as
// they are.
//
// Letter case and all other diacritics are kept. NormalizeName is
// idempotent, and returns s itself, without allocating, when s is already
// normal.
func NormalizeName(s string) string {
	if isPlainASCII(s) {
		return s
	}
	s = toNFC(s)
	var buf [128]byte
	out, droppedFormat := appendNormalized(buf[:0], s)
	if droppedFormat {
		// A zero-width character may have kept a mark from composing with
		// its letter: compose again now that it is gone.
		out, _ = appendNormalized(nil, toNFC(string(out)))
	}
	if string(out) == s {
		return s
	}
	return string(out)
}

// toNFC returns s in NFC, with each run of invalid UTF-8 bytes replaced by
// U+FFFD first: the normaliser leaves the text after an invalid byte
// partly unnormalised, which would make NormalizeName unstable.
func toNFC(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return norm.NFC.String(s)
}

// isPlainASCII reports whether s is printable ASCII with single spaces only
// between words: such a string is already normal.
func isPlainASCII(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c > '~' || c == ' ' && s[i+1] == ' ' {
			return false
		}
	}
	return true
}

// appendNormalized appends the normalised form of the NFC string s to dst
// and reports whether it dropped a format character.
func appendNormalized(dst []byte, s string) (_ []byte, droppedFormat bool) {
	var sylBuf [24]rune
	syl := sylBuf[:0]
	space := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.In(r, unicode.Mn, unicode.Mc):
			if len(syl) == 0 && space {
				dst = append(dst, ' ')
				space = false
			}
			syl = append(syl, normalizeEth(r))
			continue
		case unicode.IsSpace(r) || unicode.IsControl(r):
			dst, syl = flushSyllable(dst, syl)
			space = len(dst) > 0
			continue
		case unicode.Is(unicode.Cf, r):
			droppedFormat = true
			continue
		}
		dst, syl = flushSyllable(dst, syl)
		if space {
			dst = append(dst, ' ')
			space = false
		}
		dst = utf8.AppendRune(dst, r)
	}
	dst, _ = flushSyllable(dst, syl)
	return dst, droppedFormat
}

// normalizeEth maps the letters people (and some fonts and encoders) use in
// place of Đ/đ to the Vietnamese letter.
func normalizeEth(r rune) rune {
	switch r {
	case 'Ð', 'Ɖ': // U+00D0 Icelandic Eth, U+0189 African D
		return 'Đ'
	case 'ð', 'ɖ':
		return 'đ'
	}
	return r
}

func flushSyllable(dst []byte, syl []rune) ([]byte, []rune) {
	if len(syl) == 0 {
		return dst, syl
	}
	placeTone(syl)
	for _, r := range syl {
		dst = utf8.AppendRune(dst, r)
	}
	return dst, syl[:0]
}

// placeTone moves the single tone mark of the syllable syl onto its main
// vowel, in place. See NormalizeName for the rule.
func placeTone(syl []rune) {
	toneAt, tone := -1, 0
	first, last := -1, -1
	for i, r := range syl {
		row, t, _ := vowelOf(r)
		if row < 0 {
			if !isVietnameseConsonant(r) {
				return // not a Vietnamese letter: leave the word alone
			}
			continue
		}
		if last >= 0 && last != i-1 {
			return // vowels not contiguous: not one syllable
		}
		if first < 0 {
			first = i
		}
		last = i
		if t != 0 {
			if toneAt >= 0 {
				return // two tones: not one syllable
			}
			toneAt, tone = i, t
		}
	}
	if toneAt < 0 {
		return
	}
	target := mainVowel(syl, first, last+1)
	if target < 0 || target == toneAt {
		return
	}
	row, _, upper := vowelOf(syl[toneAt])
	syl[toneAt] = vowelRune(row, 0, upper)
	row, _, upper = vowelOf(syl[target])
	syl[target] = vowelRune(row, tone, upper)
}

// isVietnameseConsonant reports whether r is a consonant letter of the
// Vietnamese alphabet, or one of the Latin letters (f, j, w, z) that
// minority-language names written in it use.
func isVietnameseConsonant(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == 'đ' || r == 'Đ'
}

// mainVowel returns the index of the vowel that carries the tone in the
// syllable syl whose vowels are syl[vs:ve], or -1 when there is no rule.
func mainVowel(syl []rune, vs, ve int) int {
	rowAt := func(i int) int { row, _, _ := vowelOf(syl[i]); return row }
	// In "qu" and in "gi" before another vowel, the u and i belong to the
	// initial consonant.
	if vs == 1 && ve-vs > 1 {
		c := unicode.ToLower(syl[0])
		if c == 'q' && rowAt(1) == rowU || c == 'g' && rowAt(1) == rowI {
			vs++
		}
	}
	for i := ve - 1; i >= vs; i-- {
		switch rowAt(i) {
		case rowAbreve, rowAcirc, rowEcirc, rowOcirc, rowOhorn, rowUhorn:
			return i // a vowel with a quality mark is the nucleus; ươ → ơ
		}
	}
	switch n := ve - vs; {
	case n == 1:
		return vs
	case ve < len(syl):
		return ve - 1 // closed syllable: oan, uynh, oong
	case n == 2:
		a, b := rowAt(vs), rowAt(vs+1)
		if a == rowO && (b == rowA || b == rowE) || a == rowU && b == rowY {
			return vs + 1 // oa, oe, uy: new style
		}
		return vs // ai, ao, au, ay, eo, ia, iu, oi, ua, ui
	case n == 3:
		return vs + 1 // oai, oay, oeo, uya, uyu
	}
	return -1
}

// TitleName returns NormalizeName(s) in Vietnamese title case: the first
// letter of every word, and of every part of a word after a hyphen or
// apostrophe, upper case, the other letters lower case.
// "NGUYỄN VĂN AN" → "Nguyễn Văn An"; "h'hen niê" → "H'Hen Niê".
func TitleName(s string) string {
	s = NormalizeName(s)
	var b strings.Builder
	b.Grow(len(s))
	prevLetter := false
	for _, r := range s {
		isLetter := unicode.IsLetter(r)
		switch {
		case isLetter && !prevLetter:
			r = unicode.ToUpper(r)
		case isLetter:
			r = unicode.ToLower(r)
		}
		prevLetter = isLetter || unicode.IsMark(r)
		b.WriteRune(r)
	}
	return b.String()
}

// FoldName returns the key names are matched on: diacritics removed, đ/Đ
// (and the look-alikes Ð U+00D0, ð, Ɖ, ɖ) written d, lower case, every run
// of characters that are not letters or digits turned into one space, no
// leading or trailing space. Tone placement therefore does not matter:
// "Nguyễn  Thị Hoà" and "NGUYEN THI HÒA" both fold to "nguyen thi hoa".
//
// The result is always ASCII. Latin letters outside Vietnamese fold by
// compatibility decomposition (ö → o, ﬁ → fi, full-width Ａ → a; æ → ae,
// ß → ss); letters and digits of other scripts, which have no ASCII form,
// lose their marks too and are written as "u" and their lower-case
// hexadecimal code point ("张" → "u5f20"), so that two different names
// never fold to the same empty key. FoldName is idempotent, and spellings
// that are canonically equivalent (NFC, NFD) fold alike.
func FoldName(s string) string {
	var buf [96]byte
	out := AppendFold(buf[:0], s)
	if string(out) == s {
		return s
	}
	return string(out)
}

// AppendFold appends FoldName(s) to dst and returns the extended buffer. It
// does not allocate when dst has room and s is written in the Latin
// alphabet, so callers folding millions of names can reuse one buffer.
func AppendFold(dst []byte, s string) []byte {
	start := len(dst)
	space := false
	for i := 0; i < len(s); {
		var f byte
		if c := s[i]; c < utf8.RuneSelf {
			i++
			f = letters[c].fold
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if r < tableLimit {
				l := &letters[r]
				if l.mark {
					continue
				}
				f = l.fold
			}
			if f == 0 {
				dst, space = appendFoldRare(dst, start, space, r)
				continue
			}
		}
		if f == 0 {
			space = true
			continue
		}
		if space && len(dst) > start {
			dst = append(dst, ' ')
		}
		space = false
		dst = append(dst, f)
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendFoldRare folds a rune outside the fast table: ligatures, other
// scripts, symbols. It returns the buffer and whether a space is pending.
// Letters are decomposed (NFKD) and their marks dropped before a letter
// with no ASCII form is escaped, so that canonically equivalent spellings
// (Greek Ή U+1FCB and U+0389) fold alike.
func appendFoldRare(dst []byte, start int, space bool, r rune) ([]byte, bool) {
	emit := func(b ...byte) {
		if space && len(dst) > start {
			dst = append(dst, ' ')
		}
		space = false
		dst = append(dst, b...)
	}
	if lig := ligature(r); lig != "" {
		emit(lig[0], lig[1])
		return dst, space
	}
	if isIgnorable(r) {
		return dst, space
	}
	if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
		return dst, true
	}
	var buf [utf8.UTFMax]byte
	for _, d := range norm.NFKD.String(string(buf[:utf8.EncodeRune(buf[:], r)])) {
		switch {
		case d < utf8.RuneSelf && isASCIIAlnum(byte(d)):
			emit(lowerASCII(byte(d)))
		case isIgnorable(d):
		case unicode.IsLetter(d) || unicode.IsNumber(d):
			emit('u')
			dst = appendHex(dst, d)
		default:
			space = true // "¼" is 1⁄4
		}
	}
	return dst, space
}

// appendHex appends the lower-case hexadecimal digits of r.
func appendHex(dst []byte, r rune) []byte {
	for shift := 4 * ((bitLen(r) + 3) / 4); shift > 0; {
		shift -= 4
		dst = append(dst, hexDigits[(r>>shift)&0xF])
	}
	return dst
}

// ligature returns the ASCII spelling of the Latin letters that stand for
// two letters and have no decomposition, or "".
func ligature(r rune) string {
	switch r {
	case 'æ', 'Æ':
		return "ae"
	case 'œ', 'Œ':
		return "oe"
	case 'ß', 'ẞ':
		return "ss"
	case 'þ', 'Þ':
		return "th"
	}
	return ""
}

func bitLen(r rune) int {
	n := 0
	for ; r > 0; r >>= 1 {
		n++
	}
	return max(n, 1)
}

// asciiOf returns the lower-case ASCII letters and digits of r's
// compatibility decomposition, or "" when it has none.
func asciiOf(r rune) string {
	var out []byte
	for _, d := range norm.NFKD.String(string(r)) {
		if d < utf8.RuneSelf && isASCIIAlnum(byte(d)) {
			out = append(out, lowerASCII(byte(d)))
		}
	}
	return string(out)
}

// isIgnorable reports runes that carry no letter and must vanish without
// splitting a word: combining marks, zero-width characters, byte-order
// marks and soft hyphens.
func isIgnorable(r rune) bool {
	if r >= 0 && r < tableLimit {
		return letters[r].mark
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf)
}

// StripDiacritics returns s with every diacritic removed and Đ/đ written
// D/d, keeping case, spaces and punctuation: "Bà Rịa - Vũng Tàu" →
// "Ba Ria - Vung Tau". It is the display form for places without an
// English name; use FoldName for matching.
func StripDiacritics(s string) string {
	s = toNFC(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteByte(byte(r))
			continue
		}
		if r < tableLimit {
			if l := letters[r]; l.mark {
				continue
			} else if l.fold != 0 {
				f := rune(l.fold)
				if unicode.IsUpper(r) {
					f = unicode.ToUpper(f)
				}
				b.WriteRune(f)
				continue
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// compoundFamilies are the family names of more than one syllable, folded.
// Longest first: "cong tang ton nu" before "ton nu".
var compoundFamilies = [...]string{
	"cong tang ton nu", "au duong", "tu ma", "ton that", "ton nu",
	"nguyen phuc", "nguyen phuoc", "hoang phu", "gia cat",
}

// NameParts splits a Vietnamese full name, family name first, into family
// name, middle name(s) and given name, in the normalised spelling of s
// (folded if s was folded). The family name is the first word, or the first
// words of a known compound family name (Âu Dương, Tôn Thất, Tôn Nữ, Công
// Tằng Tôn Nữ, Nguyễn Phúc, Hoàng Phủ, Tư Mã, Gia Cát); the given name is
// the last word; the middle is what is between. A single word is a given
// name.
func NameParts(s string) (family, middle, given string) {
	words := strings.Fields(NormalizeName(s))
	switch len(words) {
	case 0:
		return "", "", ""
	case 1:
		return "", "", words[0]
	}
	nf := 1
	folded := FoldName(strings.Join(words, " "))
	for _, c := range compoundFamilies {
		n := strings.Count(c, " ") + 1
		if n < len(words) && (folded == c || strings.HasPrefix(folded, c+" ")) {
			nf = n
			break
		}
	}
	family = strings.Join(words[:nf], " ")
	given = words[len(words)-1]
	middle = strings.Join(words[nf:len(words)-1], " ")
	return family, middle, given
}

// Transliterate returns the machine-readable form of a name defined by ICAO
// Doc 9303 (part 3), used on certificates: upper-case A–Z only, diacritics
// removed, Đ written D, each run of spaces and hyphens written as one filler
// '<', and everything else (apostrophes, dots, digits, letters of other
// scripts) dropped. "Nguyễn Văn An" → "NGUYEN<VAN<AN". Hyphens become a
// filler, as Doc 9303 prescribes, so "Phan Rang-Tháp Chàm" →
// "PHAN<RANG<THAP<CHAM".
func Transliterate(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	filler := false
	for _, r := range s {
		var ascii string
		switch {
		case unicode.IsSpace(r) || unicode.Is(unicode.Pd, r):
			filler = b.Len() > 0
			continue
		case r < tableLimit && letters[r].fold >= 'a':
			ascii = string(rune(letters[r].fold))
		case r >= utf8.RuneSelf && unicode.IsLetter(r):
			var buf [8]byte
			ascii = string(appendLetters(buf[:0], r))
		}
		if ascii == "" {
			continue
		}
		if filler {
			b.WriteByte('<')
			filler = false
		}
		b.WriteString(strings.ToUpper(ascii))
	}
	return b.String()
}

// appendLetters appends the ASCII letters (not digits) of the Latin letter
// r; letters of other scripts have none.
func appendLetters(dst []byte, r rune) []byte {
	ascii := ligature(r)
	if ascii == "" {
		ascii = asciiOf(r)
	}
	for i := 0; i < len(ascii); i++ {
		if c := ascii[i]; 'a' <= c && c <= 'z' {
			dst = append(dst, c)
		}
	}
	return dst
}
