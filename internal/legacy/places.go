package legacy

import (
	"strings"

	"github.com/pccovid/pccovid/internal/vn"
)

// maxCached bounds each cache of normalised values; when full a cache
// starts over, which keeps memory flat on any dump and costs little, since
// the same spellings recur throughout a file.
const maxCached = 1 << 18

// caches remembers the normalisations that cost most and recur most:
// place names resolved to GSO codes (a dump spells the same few thousand
// places over and over) and the words of personal names (a few thousand
// syllables make up every name). It belongs to one Read and is not safe
// for concurrent use.
type caches struct {
	units   *vn.Units
	triples map[[3]string]vn.Place
	addrs   map[[2]string]vn.Place
	words   map[string]string // word → NormalizeName(word)
	titles  map[string]string // word → TitleName(word)
}

func newCaches() *caches {
	return &caches{
		units:   vn.AdminUnits(),
		triples: make(map[[3]string]vn.Place),
		addrs:   make(map[[2]string]vn.Place),
		words:   make(map[string]string),
		titles:  make(map[string]string),
	}
}

// place resolves the province, district and ward names of a declaration:
// the most specific codes they determine consistently (vn.ResolvePlace).
func (c *caches) place(province, district, ward string) vn.Place {
	k := [3]string{province, district, ward}
	if pl, ok := c.triples[k]; ok {
		return pl
	}
	pl := c.units.ResolvePlace(province, district, ward)
	if len(c.triples) >= maxCached {
		clear(c.triples)
	}
	// Clone: the strings may point into a whole row read from the file.
	c.triples[[3]string{strings.Clone(province), strings.Clone(district), strings.Clone(ward)}] = pl
	return pl
}

// resolveAddress resolves a free-text address within scope (a unit code,
// or "" for the whole country) with vn.ResolveAddressWithin.
func (c *caches) resolveAddress(text, scope string) vn.Place {
	k := [2]string{text, scope}
	if pl, ok := c.addrs[k]; ok {
		return pl
	}
	pl := c.units.ResolveAddressWithin(text, scope)
	if len(c.addrs) >= maxCached {
		clear(c.addrs)
	}
	c.addrs[[2]string{strings.Clone(text), scope}] = pl
	return pl
}

// address resolves a free-text address within scope into rec; when no
// unit resolves below scope, the province alone is kept. Free text names
// the units it names, often none: an address that resolves to no ward is
// no problem of the record.
func (c *caches) address(rec *Record, addr, scope string) {
	if addr == "" {
		rec.Province = scope
		return
	}
	p := c.resolveAddress(addr, scope)
	if p.ProvinceCode == "" {
		p.ProvinceCode = scope
	}
	setPlace(rec, p)
}

// setPlace copies pl into the record.
func setPlace(rec *Record, pl vn.Place) {
	rec.Province, rec.District, rec.Ward = pl.ProvinceCode, pl.DistrictCode, pl.WardCode
}

// codePlace checks the province, district and ward codes a record gives
// and returns the most specific place they agree on. A code that lost its
// leading zeros in a spreadsheet ("1" for "01") is padded, but only kept
// when the code it then becomes agrees with another code of the row, so
// that a code mistyped one digit short is not read as another unit. The
// most specific code whose province (and district) agree with the codes
// given above it wins; codes that are unknown, or that disagree with the
// winner, are left out and noted.
func (r *row) codePlace(cols, codes [3]string) vn.Place {
	u := vn.AdminUnits()
	widths := [3]int{2, 3, 5}
	var paths [3]vn.Place
	var valid, padded [3]bool
	for i, c := range codes {
		if c == "" {
			continue
		}
		if len(c) < widths[i] && isCode(c, len(c)) {
			c, padded[i] = strings.Repeat("0", widths[i]-len(c))+c, true
		}
		paths[i], valid[i] = pathOf(u, c, widths[i])
	}
	for i := range codes {
		if padded[i] && valid[i] && !agreesWithOther(paths, valid, i) {
			valid[i] = false
		}
	}
	chosen := -1
	for i := 2; i >= 0 && chosen < 0; i-- {
		if valid[i] && agreesAbove(paths, valid, i) {
			chosen = i
		}
	}
	for i, c := range codes {
		switch {
		case c == "":
		case !valid[i]:
			r.drop(cols[i], "unknown code", "")
		case i > chosen:
			r.drop(cols[i], "code not inside the unit of the other codes", "")
		}
	}
	if chosen < 0 {
		return vn.Place{}
	}
	return paths[chosen]
}

// pathOf returns the place of a unit code of the given width, with its
// ancestors.
func pathOf(u *vn.Units, code string, width int) (vn.Place, bool) {
	switch width {
	case 2:
		p, ok := u.Province(code)
		return vn.Place{ProvinceCode: p.Code}, ok
	case 3:
		d, ok := u.District(code)
		return vn.Place{ProvinceCode: d.ParentCode, DistrictCode: d.Code}, ok
	}
	_, d, w, ok := u.WardPath(code)
	return vn.Place{ProvinceCode: d.ParentCode, DistrictCode: d.Code, WardCode: w.Code}, ok
}

// agreesWithOther reports whether paths[i] lies on one line of descent
// with another valid code.
func agreesWithOther(paths [3]vn.Place, valid [3]bool, i int) bool {
	for j := range paths {
		if j != i && valid[j] && onOneLine(paths[i], paths[j]) {
			return true
		}
	}
	return false
}

// agreesAbove reports whether the valid codes above level i are ancestors
// of paths[i].
func agreesAbove(paths [3]vn.Place, valid [3]bool, i int) bool {
	for j := 0; j < i; j++ {
		if valid[j] && !onOneLine(paths[i], paths[j]) {
			return false
		}
	}
	return true
}

// onOneLine reports whether one of a and b contains the other.
func onOneLine(a, b vn.Place) bool {
	same := func(x, y string) bool { return x == "" || y == "" || x == y }
	return a.ProvinceCode == b.ProvinceCode && same(a.DistrictCode, b.DistrictCode) && same(a.WardCode, b.WardCode)
}
