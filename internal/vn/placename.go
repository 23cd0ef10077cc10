package vn

// This file holds the index of unit names and the reading of a free-text
// place name into lookup keys; resolve.go uses them.

import (
	"unicode"
	"unicode/utf8"
)

// Kind hints a place name's prefix gives ("Quận", "TX.", "P."), as bits.
const (
	hintMunicipality uint16 = 1 << iota
	hintProvince
	hintUrbanDistrict
	hintDistrict
	hintTown
	hintCity
	hintWard
	hintCommune
	hintCommuneTown
)

// kindHint returns the hint bit of a unit kind.
func kindHint(k Kind) uint16 {
	switch k {
	case KindMunicipality:
		return hintMunicipality
	case KindProvince:
		return hintProvince
	case KindUrbanDistrict:
		return hintUrbanDistrict
	case KindDistrict:
		return hintDistrict
	case KindDistrictLevelTown:
		return hintTown
	case KindProvincialCity, KindMunicipalCity:
		return hintCity
	case KindWard:
		return hintWard
	case KindCommune:
		return hintCommune
	case KindCommuneLevelTown:
		return hintCommuneTown
	}
	return 0
}

// levelHints are the hints of the kinds of units at each level.
var levelHints = [...]uint16{
	LevelProvince: hintMunicipality | hintProvince,
	LevelDistrict: hintUrbanDistrict | hintDistrict | hintTown | hintCity,
	LevelWard:     hintWard | hintCommune | hintCommuneTown,
}

// placePrefixes are the unit types written before a name, folded, with the
// kinds they announce (0: any kind). They are stripped before lookup; the
// hint only breaks ties between units of one name and different types
// (Huyện Cai Lậy and Thị xã Cai Lậy). Read-only.
var placePrefixes = map[string]uint16{
	"thanh pho": hintMunicipality | hintCity, "tp": hintMunicipality | hintCity,
	"t p": hintMunicipality | hintCity, "thanhpho": hintMunicipality | hintCity,
	"tinh": hintProvince,
	"quan": hintUrbanDistrict, "q": hintUrbanDistrict,
	"huyen": hintDistrict, "h": hintDistrict,
	"thi xa": hintTown, "tx": hintTown, "thixa": hintTown,
	"phuong": hintWard, "p": hintWard, "f": hintWard,
	"xa": hintCommune, "x": hintCommune,
	"thi tran": hintCommuneTown, "tt": hintCommuneTown, "thitran": hintCommuneTown,
	"district": 0, "dist": 0, "province": hintProvince, "city": hintMunicipality | hintCity,
	"ward": hintWard, "commune": hintCommune, "town": hintTown | hintCommuneTown,
}

// placeSuffixes are English unit types written after a name ("Ben Nghe
// Ward", "Hanoi City").
var placeSuffixes = map[string]uint16{
	"district": 0, "province": hintProvince, "city": hintMunicipality | hintCity,
	"ward": hintWard, "commune": hintCommune, "town": hintTown | hintCommuneTown,
}

// placeAliases are other names of units, folded: abbreviations, former
// names and common spellings. Read-only.
var placeAliases = map[string][]string{
	"01": {"hn", "hanoi", "thu do ha noi"},
	"79": {"hcm", "tphcm", "hcmc", "tp hcm", "sai gon", "saigon", "sg", "tp sai gon"},
	"77": {"brvt", "br vt", "ba ria vung tau", "vung tau", "ba ria"},
	"46": {"hue", "thua thien", "tth"},
	"31": {"hp"}, // "ĐN" is not here: Đà Nẵng, Đồng Nai or Đắk Nông
	"66": {"dac lac", "dak lac", "daklak"},
	"67": {"dac nong"},
	"06": {"bac can"},
	"62": {"kontum"},
	// Thành phố Thủ Đức was formed in 2021 from Quận 2, Quận 9 and Quận
	// Thủ Đức; records older than that name the former districts.
	"769": {"2", "9"},
	// Thị trấn Nông trường Phong Hải (Lào Cai) is "N.T Phong Hải" in the table.
	"02902": {"nong truong phong hai", "nt phong hai"},
}

// nameIndex finds the units of one level by name. Keys are the forms of a
// placeText; each maps to the indexes of the units having that key.
type nameIndex struct {
	level   Level
	accent  map[string][]int32 // lower case with diacritics, tones canonical
	fold    map[string][]int32 // FoldName form
	compact map[string][]int32 // fold form without spaces
	parent  []string           // direct parent code by unit index
	prov    []string           // province code by unit index
}

// buildNameIndexes indexes every unit under its name, full name, English
// name and aliases.
func (u *Units) buildNameIndexes() {
	for level := LevelProvince; level <= LevelWard; level++ {
		units := u.units[level]
		ix := &nameIndex{
			level:   level,
			accent:  make(map[string][]int32, len(units)*2),
			fold:    make(map[string][]int32, len(units)*2),
			compact: make(map[string][]int32, len(units)*2),
			parent:  make([]string, len(units)),
			prov:    make([]string, len(units)),
		}
		for i, x := range units {
			ix.parent[i] = x.ParentCode
			ix.prov[i] = u.placeOf(x.Code).ProvinceCode
			// Only the table's own spellings are exact; the English name and
			// the aliases are written without diacritics and match folded.
			names := append([]string{x.Name, x.FullName, x.NameEn}, placeAliases[x.Code]...)
			for k, name := range names {
				var t placeText
				t.tokenize(name)
				if t.n == 0 || t.overflow {
					continue
				}
				if k < 2 {
					addKey(ix.accent, string(t.accKey()), int32(i))
				}
				addKey(ix.fold, string(t.foldKey()), int32(i))
				var buf [128]byte
				addKey(ix.compact, string(compact(buf[:0], t.foldKey())), int32(i))
			}
		}
		u.names[level] = ix
	}
}

func addKey(m map[string][]int32, key string, i int32) {
	list := m[key]
	for _, j := range list {
		if j == i {
			return
		}
	}
	m[key] = append(list, i)
}

func compact(dst, s []byte) []byte {
	for _, c := range s {
		if c != ' ' {
			dst = append(dst, c)
		}
	}
	return dst
}

// maxPlaceTokens bounds the words of one place name; longer text is not a
// place name.
const maxPlaceTokens = 16

// placeText is a place name cut into words, each in two forms: lower case
// with diacritics (tones in canonical position), and folded. Numbers lose
// their leading zeros ("Phường 07" = "Phường 7") and a consonant+y syllable
// is folded with i (Kỳ = Kì, Mỹ = Mĩ), two spellings both in use. It lives
// on the stack: lookups do not allocate.
type placeText struct {
	// The words joined by single spaces are accBuf[:accLen] and
	// foldBuf[:foldLen]. Lengths, not slices, so that the struct holds no
	// pointer into itself and stays on the stack.
	accBuf, foldBuf [160]byte
	accLen, foldLen int
	accTok, foldTok [maxPlaceTokens][2]int // word boundaries
	n               int
	overflow        bool
}

func (t *placeText) accKey() []byte  { return t.accBuf[:t.accLen] }
func (t *placeText) foldKey() []byte { return t.foldBuf[:t.foldLen] }

func (t *placeText) tokenize(s string) {
	s = toNFC(s)
	var run [32]rune
	rn := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
			if rn == len(run) {
				t.overflow = true
				return
			}
			run[rn] = r
			rn++
			continue
		}
		t.word(run[:rn])
		rn = 0
	}
	t.word(run[:rn])
}

// word appends one word.
func (t *placeText) word(w []rune) {
	if len(w) == 0 || t.overflow {
		return
	}
	if t.n == maxPlaceTokens {
		t.overflow = true
		return
	}
	for i, r := range w {
		w[i] = normalizeEth(unicode.ToLower(r))
	}
	placeTone(w)
	if allDigits(w) {
		for len(w) > 1 && w[0] == '0' {
			w = w[1:]
		}
	}
	fold, fs := t.foldBuf[:t.foldLen], t.foldLen
	if fs > 0 {
		fold = append(fold, ' ')
		fs++
	}
	for _, r := range w {
		fold = appendFoldRune(fold, r)
	}
	if len(fold) == fs { // only marks: no word
		return
	}
	acc, as := t.accBuf[:t.accLen], t.accLen
	if as > 0 {
		acc = append(acc, ' ')
		as++
	}
	for _, r := range w {
		acc = utf8.AppendRune(acc, r)
	}
	if len(fold) > len(t.foldBuf) || len(acc) > len(t.accBuf) {
		t.overflow = true
		return
	}
	foldYI(t.foldBuf[fs:len(fold)])
	t.accLen, t.foldLen = len(acc), len(fold)
	t.accTok[t.n] = [2]int{as, t.accLen}
	t.foldTok[t.n] = [2]int{fs, t.foldLen}
	t.n++
}

// appendFoldRune appends the folded form of the letter, digit or mark r.
func appendFoldRune(dst []byte, r rune) []byte {
	if r < tableLimit {
		if l := &letters[r]; l.fold != 0 {
			return append(dst, l.fold)
		} else if l.mark {
			return dst
		}
	}
	dst, _ = appendFoldRare(dst, len(dst), false, r)
	return dst
}

func allDigits(w []rune) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// foldYI writes the final y of a folded syllable of consonants and y
// ("ky", "my", "quy") as i, in place: Vietnamese spells these syllables
// both ways (Kỳ Anh, Kì Anh).
func foldYI(w []byte) {
	if len(w) < 2 || w[len(w)-1] != 'y' {
		return
	}
	head := w[:len(w)-1]
	if string(head) != "qu" {
		for _, c := range head {
			switch c {
			case 'a', 'e', 'i', 'o', 'u', 'y':
				return
			}
			if c < 'a' || c > 'z' {
				return
			}
		}
	}
	w[len(w)-1] = 'i'
}

// placeQuery is one reading of a place name: the keys to look up, the
// unit kinds its prefix hinted at, and whether the writer used diacritics
// anywhere in the name (then "Phường Sa Pa" means Sa Pa, not Sa Pả).
type placeQuery struct {
	acc, fold  []byte
	hint       uint16
	diacritics bool
}

// readings returns the ways to read t: first without the unit-type prefix
// or suffix ("Phường Bến Nghé" → "bến nghé", hint ward) when it has one,
// then as written (for names that start like a prefix: "H' Neng").
func (t *placeText) readings() (out [2]placeQuery, n int) {
	if t.n == 0 {
		return out, 0
	}
	acc, fold := t.accKey(), t.foldKey()
	diacritics := string(acc) != string(fold)
	if accFrom, foldFrom, last, hint, ok := t.bareName(); ok {
		out[n] = placeQuery{
			acc:        acc[accFrom:t.accTok[last-1][1]],
			fold:       fold[foldFrom:t.foldTok[last-1][1]],
			hint:       hint,
			diacritics: diacritics,
		}
		n++
	}
	out[n] = placeQuery{acc: acc, fold: fold, diacritics: diacritics}
	return out, n + 1
}

// bareName finds the name inside t without its unit-type prefix or English
// suffix: it starts at byte accFrom (foldFrom in the folded text) and ends
// with word last-1. ok is false when t has neither.
func (t *placeText) bareName() (accFrom, foldFrom, last int, hint uint16, ok bool) {
	first := 0
	fold := t.foldKey()
	word := func(i int) []byte { return fold[t.foldTok[i][0]:t.foldTok[i][1]] }
	if h, found := placePrefixes[string(fold[t.foldTok[0][0]:t.foldTok[1][1]])]; t.n >= 3 && found {
		first, hint = 2, h
	} else if h, found := placePrefixes[string(word(0))]; t.n >= 2 && found {
		first, hint = 1, h
	}
	accFrom, foldFrom = t.accTok[first][0], t.foldTok[first][0]
	if first == 0 {
		if digits, h, found := gluedPrefix(word(0)); found {
			accFrom, foldFrom, hint = t.accTok[0][1]-digits, t.foldTok[0][1]-digits, h
		}
	}
	last = t.n
	if h, found := placeSuffixes[string(word(last-1))]; found && last-first >= 2 {
		last--
		if hint == 0 {
			hint = h
		}
	}
	return accFrom, foldFrom, last, hint, first > 0 || last < t.n || foldFrom > 0
}

// gluedPrefix recognises a unit type glued to a number ("p7", "q10",
// "phuong07"; "Q.10" is two words already) and returns how many digits
// the number has without leading zeros.
func gluedPrefix(w []byte) (digits int, hint uint16, ok bool) {
	d := len(w)
	for d > 0 && '0' <= w[d-1] && w[d-1] <= '9' {
		d--
	}
	hint, ok = placePrefixes[string(w[:d])]
	if !ok || d == 0 || d == len(w) {
		return 0, 0, false
	}
	for d < len(w)-1 && w[d] == '0' {
		d++
	}
	return len(w) - d, hint, true
}

// find looks q up at the index's level among units consistent with scope
// ("" for the country, or a province, district or ward code) and appends
// the candidates to dst. When the writer used diacritics it tries the exact
// spelling first, so Hoằng Phụ and Hoằng Phú stay apart; then the folded
// spelling, then the folded spelling without spaces ("Daklak", "La Êê" for
// Laêê). Text without any diacritics is only ever compared folded: "Sa Pa"
// may be Sa Pa or Sa Pả written plainly.
func (ix *nameIndex) find(u *Units, q placeQuery, scope string, dst []int32) []int32 {
	n := len(dst)
	if q.diacritics {
		if dst = ix.pick(u, ix.accent[string(q.acc)], scope, q.hint, dst); len(dst) > n {
			return dst
		}
	}
	if dst = ix.pick(u, ix.fold[string(q.fold)], scope, q.hint, dst); len(dst) > n {
		return dst
	}
	var buf [160]byte
	return ix.pick(u, ix.compact[string(compact(buf[:0], q.fold))], scope, q.hint, dst)
}

// pick appends the candidates consistent with scope to dst; when some of
// them are of a kind the prefix hinted at, only those.
func (ix *nameIndex) pick(u *Units, cands []int32, scope string, hint uint16, dst []int32) []int32 {
	n := len(dst)
	hinted := 0
	for _, i := range cands {
		if ix.consistent(u, i, scope) {
			dst = append(dst, i)
			if hint&kindHint(u.units[ix.level][i].Kind) != 0 {
				hinted++
			}
		}
	}
	if hinted == 0 || hinted == len(dst)-n {
		return dst
	}
	out := dst[:n]
	for _, i := range dst[n:] {
		if hint&kindHint(u.units[ix.level][i].Kind) != 0 {
			out = append(out, i)
		}
	}
	return out
}

// consistent reports whether unit i lies within scope, or contains it.
func (ix *nameIndex) consistent(u *Units, i int32, scope string) bool {
	switch len(scope) {
	case 0:
		return true
	case 2:
		return ix.prov[i] == scope
	case 3:
		switch ix.level {
		case LevelProvince:
			d, _ := u.get(scope)
			return d != nil && d.ParentCode == u.units[LevelProvince][i].Code
		case LevelDistrict:
			return u.units[LevelDistrict][i].Code == scope
		}
		return ix.parent[i] == scope
	case 5:
		return u.Within(u.units[ix.level][i].Code, scope)
	}
	return false
}
