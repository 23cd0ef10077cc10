package vn

import (
	"strings"
	"unicode"
)

// Place is where a free-text place name or address was resolved to: the
// codes of its province, district and ward, as far as they could be
// determined consistently. Codes below the most specific one found are "".
type Place struct {
	ProvinceCode string
	DistrictCode string
	WardCode     string
}

// Code returns the most specific code of p, or "" when nothing resolved.
func (p Place) Code() string {
	switch {
	case p.WardCode != "":
		return p.WardCode
	case p.DistrictCode != "":
		return p.DistrictCode
	}
	return p.ProvinceCode
}

// Level returns the level of the most specific code of p.
func (p Place) Level() Level { return levelOfCode(p.Code()) }

// IsZero reports whether nothing resolved.
func (p Place) IsZero() bool { return p == Place{} }

// placeOf returns the Place of a unit code with all its ancestors filled.
func (u *Units) placeOf(code string) Place {
	var pl Place
	for code != "" {
		x, ok := u.get(code)
		if !ok {
			break
		}
		switch x.Level {
		case LevelWard:
			pl.WardCode = x.Code
		case LevelDistrict:
			pl.DistrictCode = x.Code
		case LevelProvince:
			pl.ProvinceCode = x.Code
		}
		code = x.ParentCode
	}
	return pl
}

// candidates appends to dst the units of the level that text may name
// within scope: none, one, or several when the name is ambiguous there.
func (u *Units) candidates(level Level, text, scope string, dst []int32) []int32 {
	if scope == "VN" {
		scope = ""
	}
	if scope != "" {
		if _, ok := u.code[scope]; !ok {
			return dst
		}
	}
	var t placeText
	t.tokenize(text)
	if t.overflow {
		return dst
	}
	ix := u.names[level]
	n := len(dst)
	qs, nq := t.readings()
	for _, q := range qs[:nq] {
		if dst = ix.find(u, q, scope, dst); len(dst) > n {
			return dst
		}
	}
	return dst
}

// resolve finds the one unit of the level named by text within scope.
func (u *Units) resolve(level Level, text, scope string) (Unit, bool) {
	var buf [8]int32
	c := u.candidates(level, text, scope, buf[:0])
	if len(c) != 1 {
		return Unit{}, false
	}
	return u.units[level][c[0]], true
}

// ResolveProvince finds the province named by free text: "Thành phố Hà
// Nội", "TP. Hà Nội", "Ha Noi", "HN", "tỉnh Quảng Ninh", "TP.HCM", "Sài
// Gòn", "Hoà Bình" or "Hòa Bình". Case, diacritics, tone placement, unit
// type prefixes and punctuation do not matter.
func (u *Units) ResolveProvince(name string) (Unit, bool) {
	return u.resolve(LevelProvince, name, "")
}

// ResolveDistrict finds the district named by free text ("Quận 1", "Q.1",
// "Q1", "quan 1", "District 1", "Huyện Vân Đồn", "TX. Kinh Môn") in the
// province provinceCode, or in the whole country when provinceCode is "".
// ok is false when no district, or more than one, has that name there.
func (u *Units) ResolveDistrict(name, provinceCode string) (Unit, bool) {
	return u.resolve(LevelDistrict, name, provinceCode)
}

// ResolveWard finds the ward named by free text ("Phường Bến Nghé", "P.
// Ben Nghe", "P7", "Phường 07", "Xã Vạn Yên", "TT. Khoái Châu") in the
// district or province parentCode, or in the whole country when it is "".
// ok is false when no ward, or more than one, has that name there: many
// ward names recur across the country, so give the narrowest parent known.
// Within one district a few names differ only by diacritics (Xã Hoằng Phú,
// Xã Hoằng Phụ) or only by type (Thị trấn Yên Viên, Xã Yên Viên): written
// without diacritics, or without the type, they are ambiguous.
func (u *Units) ResolveWard(name, parentCode string) (Unit, bool) {
	return u.resolve(LevelWard, name, parentCode)
}

// ResolvePlace resolves the three place fields of a declaration and
// returns the most specific codes it can determine consistently: the
// district is looked for in the resolved province (in the whole country
// when the province is empty or unknown), the ward in the resolved district
// (else province, else country). A district name shared by two units of
// the province (Huyện and Thị xã Cai Lậy) is settled by the ward when only
// one of them has it. Codes above a resolved unit come from the table, so
// a ward alone fills its district and province. An empty field is skipped;
// a name that does not resolve, or stays ambiguous, is left out rather
// than guessed.
func (u *Units) ResolvePlace(province, district, ward string) Place {
	fields := [...]string{LevelProvince: province, LevelDistrict: district, LevelWard: ward}
	return u.placeOf(u.fieldWalk(&fields, LevelProvince, "").code)
}

// fieldWalk resolves fields[level:] within scope.
func (u *Units) fieldWalk(fields *[4]string, level Level, scope string) reading {
	if level > LevelWard {
		return reading{code: scope}
	}
	var buf [8]int32
	var cands []int32
	if strings.TrimSpace(fields[level]) != "" {
		cands = u.candidates(level, fields[level], scope, buf[:0])
	}
	if len(cands) == 0 {
		return u.fieldWalk(fields, level+1, scope)
	}
	var best []reading
	for _, i := range cands {
		r := u.fieldWalk(fields, level+1, u.units[level][i].Code)
		r.matched++
		best = keepBest(best, r)
	}
	return u.common(best)
}

// ResolveAddress resolves a free-text address written, as Vietnamese
// addresses are, from the most specific part to the least and separated by
// commas: "Thon 3, Phu Hung, Ben Tre", "Số 5 ngõ 12, Phúc Xá, Ba Đình",
// "P1, Duyên Hải, Trà Vinh". See ResolveAddressWithin.
func (u *Units) ResolveAddress(text string) Place {
	return u.ResolveAddressWithin(text, "")
}

// ResolveAddressWithin resolves a free-text address known to lie within
// the unit scope (a province, district or ward code, or "" for the
// country): a health-book profile, for example, has its province code
// beside the address.
//
// The last part is read as a province, a district or a ward, and each part
// before it as a unit inside the one after it; parts that name no unit
// (house numbers, streets, hamlets) are skipped once a province is known.
// The reading that recognises the most parts wins, the one reading the last
// part as the highest level on a tie; when equally good readings disagree
// only the codes they share are returned. Parts separated by " - " instead
// of commas, or by nothing but their unit types ("Phường 7 Quận 8 TP HCM"),
// are read too.
func (u *Units) ResolveAddressWithin(text, scope string) Place {
	if scope == "VN" {
		scope = ""
	}
	if _, ok := u.code[scope]; scope != "" && !ok {
		return Place{}
	}
	parts := addressParts(text)
	best := u.walk(parts, scope, LevelProvince)
	for _, alt := range [...][]string{u.splitDashes(parts), splitAtUnitTypes(parts)} {
		if alt == nil {
			continue
		}
		if r := u.walk(alt, scope, LevelProvince); r.matched > best.matched {
			best = r
		}
	}
	return u.placeOf(best.code)
}

// splitDashes splits parts at " - " and " – ", or returns nil when none
// has one. Not at a bare hyphen ("Phan Rang-Tháp Chàm" is one name), and
// not inside a province name (Bà Rịa - Vũng Tàu, Thừa Thiên - Huế).
func (u *Units) splitDashes(parts []string) []string {
	var out []string
	found := false
	for _, p := range parts {
		p = strings.ReplaceAll(p, " – ", " - ")
		found = found || strings.Contains(p, " - ")
		first := len(out)
		for _, x := range strings.Split(p, " - ") {
			if x = strings.TrimSpace(x); x == "" {
				continue
			}
			if n := len(out); n > first {
				if _, ok := u.ResolveProvince(out[n-1] + " - " + x); ok {
					out[n-1] += " - " + x
					continue
				}
			}
			out = append(out, x)
		}
	}
	if !found {
		return nil
	}
	return out
}

// splitAtUnitTypes cuts an address written without separators before each
// word that is a unit type ("Phường 7 Quận 8 TP HCM" → "Phường 7", "Quận
// 8", "TP HCM"). A one-letter type counts only when a dot or a number
// follows it ("P.7", "Q8"), since minority names have one-letter words
// (Ea H'leo). It returns nil unless the address is a single part that cuts.
func splitAtUnitTypes(parts []string) []string {
	if len(parts) != 1 {
		return nil
	}
	s := parts[0]
	var out []string
	from := 0
	words := addressWords(s)
	for i, w := range words {
		if w.start > from && isUnitTypeAt(s, words, i) {
			out = append(out, strings.TrimSpace(s[from:w.start]))
			from = w.start
		}
	}
	if len(out) == 0 {
		return nil
	}
	return append(out, strings.TrimSpace(s[from:]))
}

// addressWord is one run of letters and digits of an address.
type addressWord struct{ start, end int }

func addressWords(s string) []addressWord {
	var out []addressWord
	start := -1
	for i, r := range s {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
		switch {
		case inWord && start < 0:
			start = i
		case !inWord && start >= 0:
			out = append(out, addressWord{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, addressWord{start, len(s)})
	}
	return out
}

// isUnitTypeAt reports whether words[i] of s starts a unit type.
func isUnitTypeAt(s string, words []addressWord, i int) bool {
	fold := func(j int) string {
		if j >= len(words) {
			return ""
		}
		var buf [64]byte
		return string(AppendFold(buf[:0], s[words[j].start:words[j].end]))
	}
	word := fold(i)
	if _, _, glued := gluedPrefix([]byte(word)); glued {
		return true
	}
	switch word {
	case "phuong", "xa", "quan", "huyen", "tinh", "tp", "tx", "tt":
		return true
	case "thanh":
		return fold(i+1) == "pho"
	case "thi":
		next := fold(i + 1)
		return next == "xa" || next == "tran"
	case "p", "q", "x", "h", "f":
		after := strings.TrimLeft(s[words[i].end:], " ")
		return strings.HasPrefix(after, ".") || after != "" && '0' <= after[0] && after[0] <= '9'
	}
	return false
}

// addressParts splits an address at commas, semicolons and line breaks,
// dropping empty parts and a final country name.
func addressParts(text string) []string {
	parts := strings.FieldsFunc(text, func(r rune) bool {
		return r == ',' || r == ';' || r == '\n' || r == '|'
	})
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if n := len(out); n > 0 {
		switch FoldName(out[n-1]) {
		case "viet nam", "vietnam", "vn", "vietnam country":
			out = out[:n-1]
		}
	}
	return out
}

// reading is the outcome of one way to read an address: the code found,
// how many parts named a unit, and the level the last part was read at.
type reading struct {
	code    string
	matched int
	misfit  int // parts read at a level their unit type does not belong to
	top     Level
}

// walk reads parts from the last one at level from or below, within scope.
func (u *Units) walk(parts []string, scope string, from Level) reading {
	here := reading{code: scope}
	if len(parts) == 0 || from > LevelWard {
		return here
	}
	last, rest := parts[len(parts)-1], parts[:len(parts)-1]
	var best []reading
	for level := from; level <= LevelWard; level++ {
		var buf [8]int32
		for _, i := range u.candidates(level, last, scope, buf[:0]) {
			x := &u.units[level][i]
			next := scope
			if len(x.Code) > len(scope) {
				next = x.Code
			}
			r := u.walk(rest, next, level+1)
			r.matched++
			r.top = level
			if !hintFits(level, last) {
				r.misfit++
			}
			best = keepBest(best, r)
		}
	}
	if len(best) == 0 && len(scope) >= 2 {
		// Not a unit (a street, a hamlet): skip it once a province is known.
		return u.walk(rest, scope, from)
	}
	if len(best) == 0 {
		return here
	}
	return u.common(best)
}

// keepBest keeps the readings that recognise the most parts; among those,
// the ones reading fewest parts at a level their written type denies; then
// the ones reading the last part at the highest level.
func keepBest(best []reading, r reading) []reading {
	if len(best) == 0 {
		return append(best, r)
	}
	b := best[0]
	switch {
	case r.matched != b.matched:
		if r.matched > b.matched {
			return append(best[:0], r)
		}
	case r.misfit != b.misfit:
		// "Thị trấn Phúc Thọ, Hà Nội" is the township, not the district of
		// the same name around it.
		if r.misfit < b.misfit {
			return append(best[:0], r)
		}
	case r.top < b.top:
		return append(best[:0], r)
	case r.top == b.top:
		return append(best, r)
	}
	return best
}

// hintFits reports whether the unit type written in text ("thị trấn", "Q.")
// belongs to the level, or none is written.
func hintFits(level Level, text string) bool {
	var t placeText
	t.tokenize(text)
	if t.overflow {
		return true
	}
	qs, nq := t.readings()
	return nq == 0 || qs[0].hint == 0 || qs[0].hint&levelHints[level] != 0
}

// common returns a reading whose code is the deepest unit all readings
// agree on.
func (u *Units) common(rs []reading) reading {
	out := rs[0]
	for _, r := range rs[1:] {
		a, b := u.placeOf(out.code), u.placeOf(r.code)
		switch {
		case a == b:
		case a.DistrictCode != "" && a.DistrictCode == b.DistrictCode:
			out.code = a.DistrictCode
		case a.ProvinceCode != "" && a.ProvinceCode == b.ProvinceCode:
			out.code = a.ProvinceCode
		default:
			out.code = ""
		}
	}
	return out
}

// ResolveProvince resolves a province name in AdminUnits; see
// Units.ResolveProvince.
func ResolveProvince(name string) (Unit, bool) { return AdminUnits().ResolveProvince(name) }

// ResolveDistrict resolves a district name in AdminUnits; see
// Units.ResolveDistrict.
func ResolveDistrict(name, provinceCode string) (Unit, bool) {
	return AdminUnits().ResolveDistrict(name, provinceCode)
}

// ResolveWard resolves a ward name in AdminUnits; see Units.ResolveWard.
func ResolveWard(name, parentCode string) (Unit, bool) {
	return AdminUnits().ResolveWard(name, parentCode)
}

// ResolvePlace resolves province, district and ward names in AdminUnits;
// see Units.ResolvePlace.
func ResolvePlace(province, district, ward string) Place {
	return AdminUnits().ResolvePlace(province, district, ward)
}

// ResolveAddress resolves a free-text address in AdminUnits; see
// Units.ResolveAddressWithin.
func ResolveAddress(text string) Place { return AdminUnits().ResolveAddress(text) }
