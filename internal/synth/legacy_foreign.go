package synth

import (
	"math/rand/v2"
	"strings"
)

// Arrivals from abroad: foreigners, who are in no registry, and
// Vietnamese coming home. They declare on entry (VHD ENTRY), are tested
// in quarantine, and share international flights with each other.

// foreigner is what an arrival's passport says.
type foreigner struct {
	nationality string // ISO 3166-1 alpha-3
	name        string // as written on the declaration: "Li Wei", "TANAKA YUKI"
	passport    string
	phone       string // E.164 or ""
}

// nationality describes the people of one country: their names, the form
// of their passports and phone numbers, and where they fly from.
type nationality struct {
	code        string
	share       float64
	family      []string
	givenM      []string
	givenF      []string
	familyFirst bool   // Chinese, Japanese, Korean: family name first
	passport    string // a pattern: L a letter, D a digit, literal otherwise
	phonePrefix string // country code and mobile prefix
	phoneDigits int    // digits after the prefix
	origin      int    // index in origins
}

var nationalities = []nationality{
	{code: "CHN", share: 35, familyFirst: true, passport: "EDDDDDDDD", phonePrefix: "+861", phoneDigits: 10, origin: 2,
		family: []string{"Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun"},
		givenM: []string{"Wei", "Lei", "Jun", "Hao", "Yang", "Qiang", "Ming", "Jie", "Tao"},
		givenF: []string{"Fang", "Jing", "Xiuying", "Min", "Na", "Li", "Yan", "Xia"}},
	{code: "KOR", share: 15, familyFirst: true, passport: "MDDDDDDDD", phonePrefix: "+8210", phoneDigits: 8, origin: 1,
		family: []string{"Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim"},
		givenM: []string{"Min Jun", "Ji Hoon", "Young Ho", "Hyun Woo", "Sung Min", "Dong Hyun"},
		givenF: []string{"Seo Yeon", "Ji Woo", "Min Ji", "Soo Jin", "Eun Ji", "Hye Jin"}},
	{code: "JPN", share: 14, familyFirst: true, passport: "TLDDDDDDD", phonePrefix: "+8190", phoneDigits: 8, origin: 0,
		family: []string{"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi"},
		givenM: []string{"Hiroshi", "Takeshi", "Daisuke", "Kenji", "Kazuki", "Shota"},
		givenF: []string{"Yuki", "Akiko", "Yumi", "Haruka", "Naoko", "Misaki"}},
	{code: "USA", share: 10, passport: "DDDDDDDDD", phonePrefix: "+1", phoneDigits: 10, origin: 7,
		family: []string{"Smith", "Johnson", "Brown", "Davis", "Miller", "Wilson", "Nguyen", "Tran", "Anderson"},
		givenM: []string{"John", "James", "Michael", "David", "Robert", "William"},
		givenF: []string{"Mary", "Emily", "Sarah", "Jennifer", "Linda", "Jessica"}},
	{code: "TWN", share: 6, familyFirst: true, passport: "DDDDDDDDD", phonePrefix: "+8869", phoneDigits: 8, origin: 3,
		family: []string{"Chen", "Lin", "Huang", "Chang", "Lee", "Wang", "Wu", "Liu"},
		givenM: []string{"Chia-Hao", "Chih-Ming", "Wei-Lun", "Yu-Hsiang"},
		givenF: []string{"Ming-Hua", "Shu-Fen", "Yi-Ting", "Hsiu-Ying"}},
	{code: "GBR", share: 4, passport: "DDDDDDDDD", phonePrefix: "+447", phoneDigits: 9, origin: 6,
		family: []string{"Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas"},
		givenM: []string{"Harry", "Oliver", "George", "Jack", "Thomas"},
		givenF: []string{"Emily", "Charlotte", "Olivia", "Amelia", "Sophie"}},
	{code: "AUS", share: 4, passport: "PLDDDDDDD", phonePrefix: "+614", phoneDigits: 8, origin: 8,
		family: []string{"Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen"},
		givenM: []string{"Jack", "William", "Noah", "Thomas", "Liam"},
		givenF: []string{"Charlotte", "Olivia", "Ava", "Mia", "Chloe"}},
	{code: "FRA", share: 3, passport: "DDLLDDDDD", phonePrefix: "+336", phoneDigits: 8, origin: 4,
		family: []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand"},
		givenM: []string{"Pierre", "Jean", "Nicolas", "Louis", "Julien"},
		givenF: []string{"Sophie", "Marie", "Camille", "Claire", "Julie"}},
	{code: "DEU", share: 3, passport: "CLDDLDDDL", phonePrefix: "+4915", phoneDigits: 9, origin: 5,
		family: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner"},
		givenM: []string{"Thomas", "Michael", "Andreas", "Stefan", "Lukas"},
		givenF: []string{"Laura", "Anna", "Julia", "Katharina", "Lena"}},
	{code: "SGP", share: 2, familyFirst: true, passport: "EDDDDDDDL", phonePrefix: "+659", phoneDigits: 7, origin: 9,
		family: []string{"Tan", "Lim", "Lee", "Ng", "Ong", "Wong"},
		givenM: []string{"Wei Ming", "Jun Jie", "Kok Leong"},
		givenF: []string{"Hui Min", "Mei Ling", "Xin Yi"}},
	{code: "THA", share: 2, passport: "LLDDDDDDD", phonePrefix: "+668", phoneDigits: 8, origin: 10,
		family: []string{"Saetang", "Wongsakul", "Srisuk", "Chaiyaporn", "Boonmee"},
		givenM: []string{"Somchai", "Anan", "Prasert", "Niran"},
		givenF: []string{"Siriporn", "Malee", "Kanya", "Ploy"}},
	{code: "RUS", share: 2, passport: "DDDDDDDDD", phonePrefix: "+79", phoneDigits: 9, origin: 11,
		family: []string{"Ivanov", "Petrov", "Smirnov", "Kuznetsov", "Popov"},
		givenM: []string{"Ivan", "Sergei", "Dmitri", "Alexei"},
		givenF: []string{"Olga", "Natalia", "Elena", "Anna"}},
}

var nationalityPick = func() alias {
	w := make([]float64, len(nationalities))
	for i, n := range nationalities {
		w[i] = n.share
	}
	return newAlias(w)
}()

// origin is a country flights to Vietnam came from.
type origin struct {
	cities     []string
	en, vi     string
	carriers   []string
	passengers string // nationality most arrivals from it hold
}

var origins = []origin{
	{[]string{"Tokyo", "Osaka", "Nagoya"}, "Japan", "Nhật Bản", []string{"JL", "NH", "VN", "VJ"}, "JPN"},
	{[]string{"Seoul", "Busan"}, "Korea", "Hàn Quốc", []string{"KE", "OZ", "VJ", "VN"}, "KOR"},
	{[]string{"Shanghai", "Guangzhou", "Beijing"}, "China", "Trung Quốc", []string{"MU", "CZ", "CA", "VN"}, "CHN"},
	{[]string{"Taipei"}, "Taiwan", "Đài Loan", []string{"BR", "CI", "VJ", "VN"}, "TWN"},
	{[]string{"Paris"}, "France", "Pháp", []string{"AF", "VN"}, "FRA"},
	{[]string{"Frankfurt"}, "Germany", "Đức", []string{"LH", "VN"}, "DEU"},
	{[]string{"London"}, "UK", "Anh", []string{"VN", "BA"}, "GBR"},
	{[]string{"San Francisco", "Los Angeles"}, "USA", "Hoa Kỳ", []string{"UA", "VN"}, "USA"},
	{[]string{"Melbourne", "Sydney"}, "Australia", "Úc", []string{"QF", "VN", "VJ"}, "AUS"},
	{[]string{"Singapore"}, "Singapore", "Singapore", []string{"SQ", "VN", "VJ"}, "SGP"},
	{[]string{"Bangkok"}, "Thailand", "Thái Lan", []string{"TG", "VJ", "VN"}, "THA"},
	{[]string{"Moscow"}, "Russia", "Nga", []string{"SU", "VN"}, "RUS"},
}

// Where arrivals land, by GSO province code, with weights.
var (
	arrivalProvinces = []string{"01", "79", "48", "31", "22", "56", "92"}
	arrivalPick      = newAlias([]float64{40, 40, 8, 4, 4, 2, 2})
)

// newForeigner makes up an arriving foreigner.
func (g *legacyGen) newForeigner(m *member) {
	r := g.r
	nat := &nationalities[nationalityPick.pick(r)]
	given := nat.givenM
	if m.p.Sex == 'F' {
		given = nat.givenF
	}
	family, first := nat.family[r.IntN(len(nat.family))], given[r.IntN(len(given))]
	name := first + " " + family
	if nat.familyFirst {
		name = family + " " + first
	}
	f := &foreigner{nationality: nat.code, name: name, passport: g.ids.pattern(nat.passport, nat.code)}
	if chance(r, 0.6) {
		f.phone = g.ids.foreignPhone(nat.phonePrefix, nat.phoneDigits)
	}
	m.foreign = f
	m.p.FullName = name
}

// pattern fills a passport pattern (L letter, D digit) from a counter
// kept unique by a keyed bijection of the digits.
func (ids *legacyIDs) pattern(p, salt string) string {
	ids.foreign++
	digits := 0
	for i := 0; i < len(p); i++ {
		if p[i] == 'D' || p[i] == 'L' {
			digits++
		}
	}
	space := uint64(1)
	for i := 0; i < min(digits, 9); i++ {
		space *= 10
	}
	k := mix64(ids.key ^ 0x9a55 ^ uint64(len(salt))<<8 ^ uint64(salt[0]))
	n := (ids.foreign*unitMod(k, space) + k>>20) % space
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		switch b[i] {
		case 'D':
			b[i] = '0' + byte(n%10)
			n /= 10
		case 'L':
			b[i] = 'A' + byte(n%10)*2 + byte(mix64(k^uint64(i))%2)
			n /= 10
		}
	}
	return string(b)
}

// foreignPhone returns a foreign mobile number, unique by its counter.
func (ids *legacyIDs) foreignPhone(prefix string, digits int) string {
	ids.foreign++
	space := uint64(1)
	for i := 0; i < min(digits, 18); i++ {
		space *= 10
	}
	k := mix64(ids.key ^ 0xf0e)
	n := (ids.foreign*unitMod(k, space) + k>>8) % space
	return string(appendPadded([]byte(prefix), n, digits))
}

// arrival writes a person in no registry arriving from abroad: a foreigner
// (overseas false) or a Vietnamese from abroad with no registry entry.
// Both declare on entry, often twice over time, and are tested in
// quarantine; Vietnamese ones later declare on NCOVI too.
func (g *legacyGen) arrival(overseas bool) {
	r := g.r
	pi := arrivalPick.pick(r)
	prov := g.provinceOf(arrivalProvinces[pi])
	w := &prov.wards[r.IntN(len(prov.wards))]
	m := g.madeUp(prov, w, between(r, 18, 70), g.randomSex(), "")
	if overseas {
		g.stats.Cases.OverseasVietnamese++
		m.passport = g.ids.vnPassport(g.scratch)
		switch u := r.Float64(); {
		case u < 0.45:
			nat := &nationalities[nationalityPick.pick(r)]
			m.foreign = &foreigner{nationality: "VNM", name: m.p.FullName, passport: m.passport,
				phone: g.ids.foreignPhone(nat.phonePrefix, nat.phoneDigits)}
		case u < 0.75:
			m.own = g.ids.freshPhone(g)
		}
	} else {
		g.stats.Cases.Foreigners++
		g.newForeigner(&m)
	}
	trips := 1 + boolInt(chance(r, 0.17))
	var arrived int
	for i := 0; i < trips; i++ {
		t := g.entryTrip(r, &m)
		g.boardEntry(t, &m)
		if i == 0 {
			arrived = t.day
		}
	}
	if chance(r, 0.36) {
		g.quarantineTests(&m, arrived, prov)
	}
	if overseas && chance(r, 0.3) {
		if m.own == "" {
			m.own = g.ids.freshPhone(g)
		}
		m.foreign = nil
		g.declarations(&m, 1+r.IntN(2))
	}
}

// foreignName writes a foreigner's name as one record has it: as on the
// passport, upper case, or with a slip.
func (g *legacyGen) foreignName(f *foreigner) string {
	s := f.name
	switch u := g.r.Float64(); {
	case u < 0.45:
		s = strings.ToUpper(s)
	case u < 0.48:
		s = mistype(g.r, s)
		g.stats.Cases.NameTypo++
	}
	return s
}

func randomOf(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }
