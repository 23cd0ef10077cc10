package synth

import (
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/pccovid/pccovid/internal/vn"
)

// Place names as the legacy apps wrote them. NCOVI and the labs have no
// codes: people typed "TP.HCM", "Q.1", "P. Ben Nghe", "xã Viên An,
// H.Ứng Hòa". The names come from the 2021 GSO table (vn.AdminUnits); the
// prefixes, abbreviations and missing diacritics are the ones FORMATS.md
// lists and the sample shows.

// placeName is one administrative unit with the spellings built from it.
type placeName struct {
	code    string
	name    string // "Ba Đình", "1" for Quận 1
	full    string // "Quận Ba Đình"
	plain   string // "Ba Dinh"
	kind    vn.Kind
	numeric bool // Quận 1, Phường 3: a number for a name
	parent  *placeName
}

// placeBook holds every unit of the GSO table by code. It is immutable
// once built.
type placeBook struct {
	byCode map[string]*placeName
}

var legacyPlaces = sync.OnceValue(func() *placeBook {
	u := vn.AdminUnits()
	b := &placeBook{byCode: make(map[string]*placeName, 12_000)}
	var add func(unit vn.Unit, parent *placeName)
	add = func(unit vn.Unit, parent *placeName) {
		pn := &placeName{
			code:    unit.Code,
			name:    unit.Name,
			full:    unit.FullName,
			plain:   vn.StripDiacritics(unit.Name),
			kind:    unit.Kind,
			numeric: unit.Name != "" && unit.Name[0] >= '0' && unit.Name[0] <= '9',
			parent:  parent,
		}
		b.byCode[unit.Code] = pn
		for _, c := range u.Children(unit.Code) {
			add(c, pn)
		}
	}
	for _, p := range u.Children("") {
		add(p, nil)
	}
	return b
})

// ward returns the ward with the 5-digit code; its parent is the
// district, whose parent is the province.
func (b *placeBook) ward(code string) *placeName { return b.byCode[code] }

// prefixes are the ways of writing a unit's type: full, lower case,
// abbreviated and glued, abbreviated with a space, without diacritics.
type prefixes struct{ full, lower, abbr, abbrSp, plain string }

func prefixesOf(k vn.Kind) prefixes {
	switch k {
	case vn.KindWard:
		return prefixes{"Phường", "phường", "P.", "P. ", "Phuong"}
	case vn.KindCommune:
		return prefixes{"Xã", "xã", "X.", "X. ", "Xa"}
	case vn.KindCommuneLevelTown:
		return prefixes{"Thị trấn", "thị trấn", "TT.", "TT ", "Thi tran"}
	case vn.KindUrbanDistrict:
		return prefixes{"Quận", "quận", "Q.", "Q. ", "Quan"}
	case vn.KindDistrict:
		return prefixes{"Huyện", "huyện", "H.", "H. ", "Huyen"}
	case vn.KindDistrictLevelTown:
		return prefixes{"Thị xã", "thị xã", "TX.", "TX ", "Thi xa"}
	case vn.KindProvincialCity, vn.KindMunicipalCity, vn.KindMunicipality:
		return prefixes{"Thành phố", "thành phố", "TP.", "TP ", "Thanh pho"}
	}
	return prefixes{"Tỉnh", "tỉnh", "Tỉnh ", "Tỉnh ", "Tinh"}
}

// placeForm is one way of writing a unit.
type placeForm uint8

const (
	formFull       placeForm = iota // Phường Phúc Xá
	formName                        // Phúc Xá
	formAbbr                        // P.Phúc Xá
	formAbbrSpace                   // P. Phúc Xá
	formPlain                       // Phuc Xa
	formPlainFull                   // Phuong Phuc Xa
	formAbbrPlain                   // P. Phuc Xa
	formLower                       // phường Phúc Xá
	formUpper                       // HÀ NỘI
	formUpperPlain                  // HA NOI
	formAlias                       // HN, TP.HCM
	placeForms
)

// placeStyles weight the forms for provinces, districts and wards, from
// the sample's NCOVI declarations.
var placeStyles = struct{ province, district, ward, noPlain alias }{
	province: newAlias([]float64{formFull: 22, formName: 24, formAbbr: 6, formAbbrSpace: 3, formPlain: 14,
		formPlainFull: 7, formAbbrPlain: 0, formLower: 3, formUpper: 3, formUpperPlain: 4, formAlias: 8}),
	district: newAlias([]float64{formFull: 32, formName: 20, formAbbr: 8, formAbbrSpace: 6, formPlain: 8,
		formPlainFull: 8, formAbbrPlain: 5, formLower: 3}),
	ward: newAlias([]float64{formFull: 32, formName: 20, formAbbr: 8, formAbbrSpace: 5, formPlain: 8,
		formPlainFull: 8, formAbbrPlain: 5, formLower: 6}),
	noPlain: newAlias([]float64{formFull: 40, formName: 30, formAbbr: 12, formAbbrSpace: 8, formLower: 10}),
}

// aliases are the short names people used for the two big cities.
var placeAliases = map[string][]string{
	"01": {"HN", "Ha Noi", "TP. Hà Nội", "Tp.Hà Nội", "Thủ đô Hà Nội"},
	"79": {"TP.HCM", "TP HCM", "HCM", "Ho Chi Minh", "TP. Hồ Chí Minh", "TP Hồ Chí Minh", "Tp.HCM", "Sài Gòn"},
}

// spell writes unit pn in form f.
func spellPlace(r *rand.Rand, pn *placeName, f placeForm) string {
	pre := prefixesOf(pn.kind)
	name, plain := pn.name, pn.plain
	if pn.numeric {
		// Numbered wards and districts: Phường 3, Phường 03, P.3, Q1.
		if len(name) == 1 && pn.kind == vn.KindWard && chance(r, 0.5) {
			name = "0" + name
			plain = name
		}
		if f == formName || f == formPlain {
			f = formFull
		}
		if f == formAbbr && chance(r, 0.3) {
			return strings.TrimSuffix(pre.abbr, ".") + name
		}
	}
	province := pn.parent == nil
	switch f {
	case formFull:
		if pn.numeric {
			return pre.full + " " + name
		}
		return pn.full
	case formName:
		return name
	case formAbbr:
		if province && pn.kind != vn.KindMunicipality {
			return name
		}
		return pre.abbr + name
	case formAbbrSpace:
		if province && pn.kind != vn.KindMunicipality {
			return pre.full + " " + name
		}
		return pre.abbrSp + name
	case formPlain:
		return plain
	case formPlainFull:
		return pre.plain + " " + plain
	case formAbbrPlain:
		if chance(r, 0.5) {
			return vn.StripDiacritics(pre.abbrSp) + plain
		}
		return vn.StripDiacritics(pre.abbr) + plain
	case formLower:
		return pre.lower + " " + name
	case formUpper:
		return strings.ToUpper(name)
	case formUpperPlain:
		return strings.ToUpper(plain)
	case formAlias:
		if a := placeAliases[pn.code]; a != nil {
			return a[r.IntN(len(a))]
		}
		return name
	}
	return pn.full
}

// placeText writes unit pn (a province, district or ward) in a form drawn
// for its level, with a rare typo.
func placeText(r *rand.Rand, pn *placeName) string {
	a := &placeStyles.ward
	switch {
	case pn.parent == nil:
		a = &placeStyles.province
	case pn.parent.parent == nil:
		a = &placeStyles.district
	}
	s := spellPlace(r, pn, placeForm(a.pick(r)))
	if chance(r, 0.008) {
		s = mistype(r, s)
	}
	return s
}

// provinceLabel is how a province is named after "BV Đa khoa" or in
// from/to fields: "Hà Nội", "tỉnh Bình Phước".
func provinceLabel(pn *placeName) string {
	if pn.kind == vn.KindMunicipality {
		return pn.name
	}
	return "tỉnh " + pn.name
}

// travelPlace names a province in VHD's from/to fields: mostly the bare
// name, sometimes with its type or without diacritics.
func travelPlace(r *rand.Rand, pn *placeName) string {
	switch u := r.Float64(); {
	case u < 0.7:
		return pn.name
	case u < 0.85:
		return pn.full
	case u < 0.97:
		return pn.plain
	}
	return "Tỉnh " + pn.name
}

// labAddress is the free-text address of a lab line list: some of the
// street, ward, district and province, each spelled its own way, the whole
// sometimes without diacritics: "xã Viên An, H.Ứng Hòa, Hà Nội",
// "Phuong 03, Quan 8".
func labAddress(r *rand.Rand, street string, w *placeName, buf []byte) string {
	d, p := w.parent, w.parent.parent
	buf = buf[:0]
	add := func(s string) {
		if len(buf) > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, s...)
	}
	if chance(r, 0.4) {
		add(street)
	}
	if chance(r, 0.95) {
		add(spellPlace(r, w, placeForm(placeStyles.noPlain.pick(r))))
	}
	if chance(r, 0.8) {
		add(spellPlace(r, d, placeForm(placeStyles.noPlain.pick(r))))
	}
	if chance(r, 0.45) || len(buf) == 0 {
		add(spellPlace(r, p, formName))
	}
	s := string(buf)
	if chance(r, 0.2) {
		s = vn.StripDiacritics(s)
	}
	if chance(r, 0.008) {
		s = mistype(r, s)
	}
	return s
}

// bookAddress is the address of a health-book profile: the street, then
// the ward and district names.
func bookAddress(r *rand.Rand, street string, w *placeName) string {
	switch u := r.Float64(); {
	case u < 0.73:
		return street + ", " + w.name + ", " + w.parent.name
	case u < 0.88:
		return street
	case u < 0.93:
		return street + ", " + w.name
	}
	return street + ", " + w.full + ", " + w.parent.full
}

// facility names a vaccination site in or near ward w: the commune health
// station, the district health centre, the provincial hospital, a mobile
// team or the provincial CDC.
func facility(r *rand.Rand, w *placeName) string {
	d, p := w.parent, w.parent.parent
	switch u := r.Float64(); {
	case u < 0.34:
		return "TYT " + w.full
	case u < 0.53:
		return "Trạm Y tế " + w.name
	case u < 0.75:
		return "TTYT " + d.full
	case u < 0.88:
		return "BV Đa khoa " + provinceLabel(p)
	case u < 0.97:
		return "Điểm tiêm lưu động " + p.name
	}
	return "CDC " + p.name
}

// Laboratories. Each lab tests the people of its region.
var legacyLabs = []string{"BV_BACHMAI", "CDC_HN", "BV_CHORAY", "HCDC", "CDC_CANTHO", "CDC_DANANG"}

const (
	labBachMai = iota
	labCDCHN
	labChoRay
	labHCDC
	labCanTho
	labDaNang
)

// labFor picks the lab that tested someone living in the province.
func labFor(r *rand.Rand, provinceCode string) int {
	switch c := atoi(provinceCode); {
	case c <= 37:
		if chance(r, 0.5) {
			return labCDCHN
		}
		return labBachMai
	case c <= 68:
		if chance(r, 0.4) {
			return labBachMai
		}
		return labDaNang
	case c >= 80 && chance(r, 0.5):
		return labCanTho
	}
	switch r.IntN(5) {
	case 0, 1:
		return labHCDC
	case 2, 3:
		return labChoRay
	}
	return labCanTho
}

// Lodgings of travellers and arrivals.
var lodgings = []string{
	"Khách sạn Mường Thanh", "Khách sạn Sài Gòn", "Khách sạn Hoà Bình", "Khách sạn Sao Mai",
	"Khách sạn Sunrise", "Khách sạn Thắng Lợi", "Nhà nghỉ Hoa Hồng", "Khu cách ly tập trung",
	"Khách sạn Fortuna", "Nhà nghỉ Bình Minh",
}
