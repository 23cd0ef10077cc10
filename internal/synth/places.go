package synth

import (
	"math/rand/v2"
	"strconv"

	"github.com/pccovid/pccovid/internal/vn"
)

// provincePopulation is each province's population in thousands (2019
// census, rounded), by GSO code: households are spread over provinces in
// these proportions, Hồ Chí Minh City and Hà Nội the largest.
var provincePopulation = map[string]float64{
	"01": 8054, "02": 854, "04": 530, "06": 314, "08": 785, "10": 731, "11": 599, "12": 460,
	"14": 1248, "15": 822, "17": 854, "19": 1287, "20": 782, "22": 1320, "24": 1804, "25": 1464,
	"26": 1152, "27": 1369, "30": 1893, "31": 2029, "33": 1253, "34": 1861, "35": 852, "36": 1781,
	"37": 982, "38": 3641, "40": 3328, "42": 1289, "44": 896, "45": 633, "46": 1129, "48": 1135,
	"49": 1496, "51": 1232, "52": 1487, "54": 873, "56": 1232, "58": 591, "60": 1231, "62": 541,
	"64": 1514, "66": 1870, "67": 623, "68": 1297, "70": 995, "72": 1170, "74": 2456, "75": 3097,
	"77": 1149, "79": 8993, "80": 1689, "82": 1765, "83": 1289, "84": 1010, "86": 1023, "87": 1600,
	"89": 1908, "91": 1723, "92": 1236, "93": 734, "94": 1200, "95": 908, "96": 1194,
}

// migrantShare is the share of adults living in a province who were born
// (and had their birth registered) in another: high in the cities and
// industrial provinces that draw workers, 12 % elsewhere.
var migrantShare = map[string]float64{
	"79": 0.35, "74": 0.40, "75": 0.28, "01": 0.22, "48": 0.20, "27": 0.18, "92": 0.12, "77": 0.15,
}

// cmndOffice maps a GSO province code to the 2-digit prefix of the 9-digit
// CMND issued there (the police office code of Decision 998/2001, where
// some offices served several provinces). It is approximate and only gives
// the old numbers a realistic look: CMND carry no checkable structure.
var cmndOffice = map[string]string{
	"01": "01", "79": "02", "31": "03", "11": "04", "12": "04", "14": "05", "10": "06", "15": "06",
	"02": "07", "08": "07", "20": "08", "04": "08", "19": "09", "06": "09", "22": "10", "17": "11",
	"24": "12", "27": "12", "25": "13", "26": "13", "30": "14", "33": "14", "34": "15", "36": "16",
	"35": "16", "37": "16", "38": "17", "40": "18", "42": "18", "44": "19", "45": "19", "46": "19",
	"48": "20", "49": "20", "51": "21", "52": "21", "54": "22", "56": "22", "62": "23", "64": "23",
	"66": "24", "67": "24", "68": "25", "58": "26", "60": "26", "75": "27", "77": "27", "70": "28",
	"74": "28", "72": "29", "80": "30", "82": "31", "83": "32", "84": "33", "86": "33", "87": "34",
	"89": "35", "92": "36", "93": "36", "94": "36", "91": "37", "95": "38", "96": "38",
}

// region decides the style of rural addresses.
type region uint8

const (
	regionDelta    region = iota // Red River delta: Thôn, Xóm
	regionMountain               // northern uplands: Bản, Thôn, Xóm
	regionNorthCentral
	regionSouthCentral
	regionHighlands // Central Highlands: Thôn, Buôn, Làng
	regionSouth     // Mekong delta and south-east: Ấp, Khu phố
)

func regionOf(code string) region {
	switch c := atoi(code); {
	case c <= 25 && code != "01" && code != "22":
		return regionMountain
	case c <= 37:
		return regionDelta
	case c <= 46:
		return regionNorthCentral
	case c <= 60:
		return regionSouthCentral
	case c <= 68:
		return regionHighlands
	}
	return regionSouth
}

// ward is one ward, commune or town of a province.
type ward struct {
	code  string
	kind  vn.Kind
	urban bool // phường: street addresses
}

// province is what the generator needs about one province.
type province struct {
	code      string // 2-digit GSO code
	cccd      string // the same, zero-padded to 3 for the CCCD
	index     int    // position in places.list
	region    region
	migrants  float64
	cmnd      string
	wards     []ward
	mountains bool // uses Bản for villages
}

// places holds the provinces in drawing form.
type places struct {
	list   []province
	pick   alias // by population
	byCode [100]int16
}

func newPlaces(u *vn.Units) *places {
	p := &places{}
	var weights []float64
	for _, pu := range u.Children("") {
		pr := province{
			code:     pu.Code,
			cccd:     "0" + pu.Code,
			index:    len(p.list),
			region:   regionOf(pu.Code),
			migrants: 0.12,
			cmnd:     cmndOffice[pu.Code],
		}
		if m, ok := migrantShare[pu.Code]; ok {
			pr.migrants = m
		}
		switch pu.Code {
		case "02", "04", "10", "11", "12", "14", "15", "17":
			pr.mountains = true
		}
		for _, d := range u.Children(pu.Code) {
			for _, w := range u.Children(d.Code) {
				pr.wards = append(pr.wards, ward{code: w.Code, kind: w.Kind, urban: w.Kind == vn.KindWard})
			}
		}
		if len(pr.wards) == 0 || pr.cmnd == "" || provincePopulation[pu.Code] == 0 {
			panic("synth: no data for province " + pu.Code)
		}
		p.byCode[atoi(pu.Code)] = int16(len(p.list))
		p.list = append(p.list, pr)
		weights = append(weights, provincePopulation[pu.Code])
	}
	p.pick = newAlias(weights)
	return p
}

func (p *places) random(r *rand.Rand) *province { return &p.list[p.pick.pick(r)] }

// Street names found in every Vietnamese city: heroes, dynasties and dates,
// most frequent first.
var streetNames = []string{
	"Trần Hưng Đạo", "Lê Lợi", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Thường Kiệt", "Quang Trung",
	"Nguyễn Trãi", "Hùng Vương", "Trần Phú", "Lê Duẩn", "Điện Biên Phủ", "Cách Mạng Tháng Tám",
	"Lê Hồng Phong", "Nguyễn Du", "Phan Đình Phùng", "Bà Triệu", "Ngô Quyền", "Nguyễn Văn Cừ",
	"Võ Thị Sáu", "Trường Chinh", "Phạm Văn Đồng", "Nguyễn Thị Minh Khai", "Hoàng Văn Thụ",
	"Nguyễn Chí Thanh", "Lạc Long Quân", "Âu Cơ", "Tôn Đức Thắng", "Hoàng Hoa Thám", "Phan Chu Trinh",
	"Phan Bội Châu", "Lê Lai", "Lý Thái Tổ", "Trần Quang Khải", "Nguyễn Đình Chiểu", "Pasteur",
	"Nguyễn Văn Linh", "Võ Văn Kiệt", "Lê Thánh Tông", "Hàm Nghi", "Nguyễn Thái Học", "Chu Văn An",
	"Tô Hiến Thành", "Lê Quý Đôn", "Mạc Đĩnh Chi", "Đinh Tiên Hoàng", "Lê Đại Hành", "Yết Kiêu",
	"Hoàng Diệu", "Ngô Gia Tự", "Nguyễn Trung Trực", "Nguyễn Văn Trỗi", "Lý Tự Trọng", "Bạch Đằng",
	"Trần Nhân Tông", "Nguyễn Công Trứ", "Phạm Ngũ Lão", "Lê Văn Sỹ", "Huỳnh Thúc Kháng",
	"Nguyễn Tri Phương", "Trần Khánh Dư", "Hoàng Quốc Việt", "Minh Khai", "Tây Sơn", "Giải Phóng",
	"Võ Nguyên Giáp", "Nguyễn Thị Định", "Ba Tháng Hai", "Lê Văn Việt", "Huỳnh Tấn Phát",
	"Nguyễn Oanh", "Lê Quang Định", "Trần Bình Trọng", "Phan Văn Trị", "Nguyễn Khuyến",
	"Cao Bá Quát", "Nguyễn Bỉnh Khiêm", "Đồng Khởi", "Quốc lộ 1A", "Tỉnh lộ 10", "Hồ Tùng Mậu",
}

// Syllables of Sino-Vietnamese village names (Thôn Phú Mỹ, Ấp Tân Lập).
var (
	villageFirst = []string{
		"An", "Bình", "Phú", "Tân", "Đông", "Tây", "Nam", "Bắc", "Thượng", "Hạ", "Trung", "Xuân",
		"Hoà", "Thanh", "Đại", "Vĩnh", "Phước", "Long", "Mỹ", "Hưng", "Quang", "Yên", "Phúc", "Hồng",
	}
	villageSecond = []string{
		"Lợi", "Thành", "Hoà", "Phú", "Xuân", "Lộc", "Mỹ", "Hưng", "Đông", "Tây", "Bình", "An",
		"Thịnh", "Phong", "Sơn", "Lâm", "Trung", "Lập", "Hội", "Thuận", "Tiến", "Quý", "Điền", "Khánh",
	}
	// Minority village names of the uplands and the Central Highlands.
	banNames  = []string{"Nà Phặc", "Pác Nặm", "Nà Hừ", "Huổi Lèng", "Co Mạ", "Mường Phăng", "Pá Khoang", "Nậm Cang", "Lả Mường", "Khau Vai"}
	buonNames = []string{"Ea Kao", "Ko Tam", "Ea Tu", "Kram", "Ale", "Dơng Bắk", "Tơng Jú", "Cuah", "Ea Bông", "Drai"}
	langNames = []string{"Plei Ốp", "Kon Klor", "Đê Kjiêng", "Plei Chuet", "Kon Jơ Dri", "Ia Ring", "Plei Kép", "Kon Rơ Wang"}
)

// addresser writes the street part of an address, in the styles of the
// registry: "Số 84 đường Cách Mạng Tháng Tám", "Số 63 ngõ 99 phố Huế",
// "123/45 Võ Văn Tần", "Số 6, tổ 23" in towns; "Thôn 3", "Xóm Đông",
// "Ấp Tân Lập", "Bản Nà Phặc" in the countryside.
type addresser struct {
	streets, first, second table
	ban, buon, lang        []string
}

func newAddresser() *addresser {
	return &addresser{
		streets: rankTable(normalized(streetNames), 8),
		first:   rankTable(normalized(villageFirst), 6),
		second:  rankTable(normalized(villageSecond), 6),
		ban:     normalized(banNames),
		buon:    normalized(buonNames),
		lang:    normalized(langNames),
	}
}

// houseNumber draws a house number, small numbers being the most common.
func houseNumber(r *rand.Rand) int {
	if chance(r, 0.7) {
		return between(r, 1, 120)
	}
	return between(r, 1, 600)
}

func (a *addresser) address(r *rand.Rand, p *province, w *ward, buf []byte) string {
	buf = buf[:0]
	switch {
	case w.urban:
		buf = a.urban(r, p, buf)
	case w.kind == vn.KindCommuneLevelTown && chance(r, 0.6):
		buf = a.town(r, p, buf)
	default:
		buf = a.rural(r, p, buf)
	}
	return string(buf)
}

func (a *addresser) urban(r *rand.Rand, p *province, buf []byte) []byte {
	south := p.region == regionSouth || p.region == regionSouthCentral && atoi(p.code) >= 56
	u := r.Float64()
	switch {
	case u < 0.42:
		buf = appendNum(append(buf, "Số "...), houseNumber(r))
		return append(append(buf, " đường "...), a.streets.pick(r)...)
	case u < 0.62 && south: // hẻm: 123/45 Võ Văn Tần
		buf = appendNum(buf, houseNumber(r))
		buf = appendNum(append(buf, '/'), between(r, 1, 80))
		if chance(r, 0.15) {
			buf = appendNum(append(buf, '/'), between(r, 1, 30))
		}
		return append(append(buf, ' '), a.streets.pick(r)...)
	case u < 0.62: // ngõ: Số 63 ngõ 99 phố Huế
		buf = appendNum(append(buf, "Số "...), between(r, 1, 150))
		buf = appendNum(append(buf, " ngõ "...), between(r, 1, 300))
		return append(append(buf, " phố "...), a.streets.pick(r)...)
	case u < 0.85:
		buf = appendNum(append(buf, "Số "...), between(r, 1, 150))
		return appendNum(append(buf, ", tổ "...), between(r, 1, 60))
	case south:
		buf = appendNum(append(buf, "Số "...), between(r, 1, 150))
		return appendNum(append(buf, ", khu phố "...), between(r, 1, 12))
	default:
		buf = appendNum(append(buf, "Số "...), between(r, 1, 150))
		buf = appendNum(append(buf, ", ngách "...), between(r, 1, 150))
		buf = appendNum(append(buf, '/'), between(r, 1, 300))
		return append(append(buf, ", "...), a.streets.pick(r)...)
	}
}

// town writes a thị trấn address: a residential group or a street.
func (a *addresser) town(r *rand.Rand, p *province, buf []byte) []byte {
	switch {
	case chance(r, 0.35):
		buf = appendNum(append(buf, "Số "...), houseNumber(r))
		return append(append(buf, " đường "...), a.streets.pick(r)...)
	case p.region == regionSouth:
		return appendNum(append(buf, "Khu phố "...), between(r, 1, 9))
	case p.code == "40" || p.code == "42":
		return appendNum(append(buf, "Khối "...), between(r, 1, 15))
	}
	return appendNum(append(buf, "Tổ dân phố "...), between(r, 1, 20))
}

func (a *addresser) rural(r *rand.Rand, p *province, buf []byte) []byte {
	var word string
	switch {
	case p.region == regionSouth:
		word = "Ấp"
	case p.mountains && chance(r, 0.5):
		if chance(r, 0.5) {
			return append(append(buf, "Bản "...), a.ban[r.IntN(len(a.ban))]...)
		}
		word = "Bản"
	case p.region == regionHighlands && chance(r, 0.2):
		if p.code == "64" || p.code == "62" {
			return append(append(buf, "Làng "...), a.lang[r.IntN(len(a.lang))]...)
		}
		return append(append(buf, "Buôn "...), a.buon[r.IntN(len(a.buon))]...)
	case (p.region == regionNorthCentral || p.region == regionMountain || p.region == regionDelta) && chance(r, 0.3):
		word = "Xóm"
	default:
		word = "Thôn"
	}
	buf = append(append(buf, word...), ' ')
	if chance(r, 0.45) {
		return appendNum(buf, between(r, 1, 15))
	}
	first, second := a.first.pick(r), a.second.pick(r)
	for first == second {
		second = a.second.pick(r)
	}
	return append(append(append(buf, first...), ' '), second...)
}

func appendNum(buf []byte, n int) []byte { return strconv.AppendInt(buf, int64(n), 10) }
