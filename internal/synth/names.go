package synth

import (
	"math/rand/v2"
	"strings"

	"github.com/pccovid/pccovid/internal/vn"
)

// Family names with their approximate share of the population, in per cent.
// The national figures (Nguyễn ≈ 38 %, Trần ≈ 11 %, Lê ≈ 9.5 %, Phạm ≈ 7 %,
// Hoàng/Huỳnh ≈ 5 %, Phan ≈ 4.5 %, Vũ/Võ ≈ 3.9 % …) come from the usual
// surveys of the Vietnamese surname distribution. Hoàng and Huỳnh, Vũ and Võ
// are one name each, pronounced and spelt differently north and south, so
// the three regional tables split them the way the regions do. The Kinh
// tables run a little above the national figures, which the minorities'
// own family names dilute.
var (
	northFamilies = weightedNames{
		{"Nguyễn", 40}, {"Trần", 11}, {"Lê", 9.5}, {"Phạm", 8}, {"Hoàng", 4.6}, {"Huỳnh", 0.3},
		{"Phan", 3.2}, {"Vũ", 3.6}, {"Võ", 0.4}, {"Đặng", 2.2}, {"Bùi", 2.2}, {"Đỗ", 2.2},
		{"Hồ", 0.8}, {"Ngô", 1.5}, {"Dương", 1.2}, {"Lý", 0.5},
	}
	centralFamilies = weightedNames{
		{"Nguyễn", 38}, {"Trần", 11.5}, {"Lê", 10.5}, {"Phạm", 6.5}, {"Hoàng", 2.5}, {"Huỳnh", 2.5},
		{"Phan", 5}, {"Võ", 4.5}, {"Vũ", 0.5}, {"Đặng", 2}, {"Bùi", 1.5}, {"Đỗ", 1.2},
		{"Hồ", 2.5}, {"Ngô", 1.3}, {"Dương", 1}, {"Lý", 0.5},
	}
	southFamilies = weightedNames{
		{"Nguyễn", 40}, {"Trần", 12}, {"Lê", 10}, {"Phạm", 7}, {"Huỳnh", 5}, {"Hoàng", 0.7},
		{"Phan", 4.5}, {"Võ", 4.5}, {"Vũ", 0.5}, {"Đặng", 2}, {"Bùi", 1.5}, {"Đỗ", 1},
		{"Hồ", 1.5}, {"Ngô", 1.2}, {"Dương", 1}, {"Lý", 0.8},
	}
	// rareFamilies is the long tail shared by every region (≈ 11 %).
	rareFamilies = weightedNames{
		{"Trương", 1.2}, {"Đinh", 1}, {"Đoàn", 0.8}, {"Lâm", 0.7}, {"Mai", 0.7}, {"Trịnh", 0.7},
		{"Đào", 0.7}, {"Cao", 0.6}, {"Lương", 0.6}, {"Lưu", 0.5}, {"Hà", 0.5}, {"Phùng", 0.4},
		{"Tạ", 0.3}, {"Tô", 0.3}, {"Châu", 0.3}, {"Vương", 0.3}, {"Thái", 0.3}, {"Chu", 0.3},
		{"Từ", 0.2}, {"Hứa", 0.2}, {"Quách", 0.2}, {"La", 0.15}, {"Kiều", 0.15}, {"Lại", 0.15},
		{"Triệu", 0.15}, {"Giang", 0.15}, {"Văn", 0.15}, {"Đàm", 0.15}, {"Tống", 0.15},
		{"Khúc", 0.1}, {"Mạc", 0.1}, {"Thạch", 0.1}, {"Ông", 0.1}, {"Âu", 0.1}, {"Tăng", 0.1},
		{"Kim", 0.1}, {"Hàn", 0.1}, {"Ninh", 0.1}, {"Nông", 0.1}, {"Nghiêm", 0.1}, {"Diệp", 0.1},
		{"Phí", 0.1}, {"Doãn", 0.1}, {"Đồng", 0.1}, {"Thân", 0.1}, {"Lục", 0.05}, {"Khổng", 0.05},
		{"Bạch", 0.05}, {"Khương", 0.05}, {"Lã", 0.05}, {"Cù", 0.05}, {"Khuất", 0.05},
		{"Trình", 0.05}, {"Tôn", 0.05}, {"Quan", 0.05}, {"Mã", 0.05}, {"Viên", 0.03},
		{"Mẫn", 0.03}, {"Đái", 0.03}, {"Phó", 0.03}, {"Lạc", 0.03}, {"Hầu", 0.03}, {"Trà", 0.03},
		{"Thiều", 0.03}, {"Cung", 0.03}, {"Ứng", 0.02}, {"Sầm", 0.02}, {"Nhữ", 0.02}, {"Ôn", 0.02},
	}
)

// Family names of the largest ethnic minorities, mixed into the provinces
// where they live (see minorityShare). Their bearers mostly have Kinh-style
// middle and given names (Lò Văn Thanh, Nông Thị Hoa), as in the registry.
var (
	hmongFamilies = weightedNames{
		{"Giàng", 20}, {"Vàng", 15}, {"Sùng", 12}, {"Thào", 12}, {"Lý", 8}, {"Hờ", 6}, {"Mùa", 6},
		{"Lù", 5}, {"Ly", 4}, {"Cứ", 3}, {"Hạng", 3}, {"Tráng", 3}, {"Chảo", 3},
	}
	thaiFamilies = weightedNames{
		{"Lò", 20}, {"Cầm", 12}, {"Lường", 12}, {"Quàng", 10}, {"Hà", 10}, {"Tòng", 8}, {"Vi", 8},
		{"Lộc", 5}, {"Sầm", 5}, {"Điêu", 5}, {"Lèo", 3},
	}
	tayFamilies = weightedNames{
		{"Nông", 20}, {"Hoàng", 20}, {"Lục", 8}, {"Ma", 8}, {"Triệu", 8}, {"Bế", 6}, {"Hà", 6},
		{"Lăng", 5}, {"Vi", 5}, {"Đàm", 5}, {"Lương", 5}, {"Lý", 5}, {"Lành", 4}, {"Mông", 3},
	}
	muongFamilies = weightedNames{
		{"Bùi", 35}, {"Đinh", 25}, {"Quách", 12}, {"Hà", 10}, {"Xa", 6}, {"Bạch", 5}, {"Cao", 5},
	}
	khmerFamilies = weightedNames{
		{"Thạch", 30}, {"Sơn", 20}, {"Danh", 15}, {"Kim", 10}, {"Lâm", 10}, {"Châu", 8},
		{"Lý", 4}, {"Triệu", 3},
	}
)

// minorityShare says, per province code, which share of households bear a
// minority family name, and from which table: roughly each group's share of
// the province's population in the 2019 census.
var minorityShare = map[string][]minorityMix{
	"02": {{hmongFamilies, 0.30}, {tayFamilies, 0.25}}, // Hà Giang
	"04": {{tayFamilies, 0.55}},                        // Cao Bằng
	"06": {{tayFamilies, 0.50}},                        // Bắc Kạn
	"08": {{tayFamilies, 0.25}},                        // Tuyên Quang
	"10": {{hmongFamilies, 0.20}, {tayFamilies, 0.10}}, // Lào Cai
	"11": {{thaiFamilies, 0.30}, {hmongFamilies, 0.30}},
	"12": {{hmongFamilies, 0.30}, {thaiFamilies, 0.30}},
	"14": {{thaiFamilies, 0.50}, {hmongFamilies, 0.12}}, // Sơn La
	"15": {{tayFamilies, 0.15}, {hmongFamilies, 0.10}},
	"17": {{muongFamilies, 0.60}}, // Hoà Bình
	"19": {{tayFamilies, 0.10}},
	"20": {{tayFamilies, 0.60}}, // Lạng Sơn (Tày and Nùng)
	"24": {{tayFamilies, 0.05}},
	"25": {{muongFamilies, 0.10}},
	"38": {{muongFamilies, 0.10}, {thaiFamilies, 0.05}}, // Thanh Hoá
	"40": {{thaiFamilies, 0.08}},                        // Nghệ An
	"84": {{khmerFamilies, 0.30}},                       // Trà Vinh
	"89": {{khmerFamilies, 0.04}},
	"91": {{khmerFamilies, 0.12}},
	"94": {{khmerFamilies, 0.30}}, // Sóc Trăng
	"95": {{khmerFamilies, 0.08}},
}

type minorityMix struct {
	names weightedNames
	share float64
}

type weightedName struct {
	name   string
	weight float64
}

type weightedNames []weightedName

// Middle names, most frequent first, without Văn and Thị, whose share
// depends on the birth year (see plainMiddleShare). Phúc and Phước are left
// out: "Nguyễn Phúc" and "Nguyễn Phước" are compound family names.
var (
	maleMiddleClassic = []string{
		"Hữu", "Đức", "Minh", "Quang", "Đình", "Xuân", "Thanh", "Ngọc", "Công", "Quốc",
		"Mạnh", "Trọng", "Tiến", "Hồng", "Thế", "Viết", "Bá", "Hoàng", "Tấn", "Kim",
		"Trung", "Anh", "Duy", "Tuấn", "Thành", "Hải", "Việt", "Khắc", "Như", "Phú",
		"Chí", "Huy", "Long", "Vĩnh", "Đăng", "Thái", "Bảo", "Trường", "Hoài", "Nhật",
	}
	maleMiddleModern = []string{
		"Minh", "Gia", "Đức", "Quốc", "Hoàng", "Anh", "Bảo", "Tuấn", "Duy", "Nhật",
		"Quang", "Thanh", "Đăng", "Khánh", "Thiên", "Trung", "Hữu", "Hải", "Huy", "Ngọc",
		"Việt", "Thành", "Xuân", "Tấn", "Tiến", "Công", "Trọng", "Đình", "Hồng", "Thái",
		"Kim", "Trí", "Nguyên", "Phú", "Vĩnh", "An", "Khải", "Long", "Thế", "Chí",
	}
	femaleMiddleClassic = []string{
		"Ngọc", "Thanh", "Thu", "Kim", "Hồng", "Bích", "Minh", "Xuân", "Thuý", "Mỹ",
		"Phương", "Hoài", "Lan", "Thuỳ", "Tuyết", "Hải", "Diệu", "Quỳnh", "Cẩm", "Mai",
		"Như", "Ánh", "Hương", "Kiều", "Bảo", "Vân", "Hà", "Hoàng", "Thảo", "Yến",
	}
	femaleMiddleModern = []string{
		"Ngọc", "Thanh", "Thu", "Phương", "Minh", "Bảo", "Khánh", "Thuỳ", "Quỳnh", "Mỹ",
		"Kim", "Gia", "Hà", "Hoài", "Diệu", "Như", "Hải", "Bích", "Thảo", "Tường",
		"Yến", "Cẩm", "Hồng", "Mai", "Lan", "Thiên", "An", "Tú", "Linh", "Nhã",
		"Vân", "Uyên", "Huyền", "Cát", "Khả", "Ánh", "Xuân", "Hoàng", "Trúc", "Ngân",
	}
)

// Given names, most frequent first, for people born before about 1985
// (classic) and after about 1995 (modern); birth years between mix the two.
// Frequencies fall off as 1/(rank+3), so the top name is about 6 % of its
// sex and generation and the hundredth about 0.3 %: common full names such as
// Nguyễn Văn Hùng recur as often as they do in reality.
var (
	maleGivenClassic = []string{
		"Hùng", "Dũng", "Tuấn", "Hải", "Thắng", "Sơn", "Minh", "Nam", "Cường", "Long",
		"Thành", "Bình", "Trung", "Quang", "Hoà", "Đức", "Hưng", "Tùng", "Hoàng", "Vinh",
		"Phong", "Tâm", "Thanh", "Lâm", "Hiếu", "Tiến", "Chiến", "Việt", "Toàn", "Lợi",
		"Hiệp", "Tú", "Thái", "Hậu", "Khánh", "Phúc", "Tài", "Kiên", "Quý", "Lộc",
		"Nghĩa", "Sang", "Tân", "Thịnh", "Hiển", "Mạnh", "Lực", "Công", "Định", "Thuận",
		"Thông", "Hà", "Giang", "Hào", "Hoan", "Huấn", "Học", "Hội", "Khải", "Khoa",
		"Lai", "Liêm", "Luân", "Lương", "Ninh", "Phát", "Phú", "Phương", "Quân", "Quyết",
		"Sinh", "Sĩ", "Tám", "Thạch", "Thiện", "Thọ", "Toản", "Trí", "Triều", "Trọng",
		"Trường", "Tuyên", "Tư", "Vân", "Vũ", "Xuân", "Yên", "Bảy", "Bằng", "Biên",
		"Cảnh", "Châu", "Chính", "Chung", "Cương", "Danh", "Dương", "Đông", "Điền", "Hạnh",
		"Hiền", "Hợp", "Huân", "Hướng", "Kha", "Khương", "Kỳ", "Lân", "Lập", "Mừng",
		"Năm", "Nhàn", "Nhân", "Phi", "Quế", "Sáu", "Tình", "Thức", "Thưởng", "Tĩnh",
		"Trãi", "Tường", "Vượng", "Vịnh", "Khiêm", "Đạt", "Duy", "Huy", "Anh", "Bắc",
	}
	maleGivenModern = []string{
		"Minh", "Huy", "Khang", "Bảo", "Phúc", "Khoa", "Long", "Nam", "Anh", "Đạt",
		"Kiệt", "Khôi", "Quân", "Duy", "Hoàng", "Hiếu", "Phát", "An", "Khánh", "Tuấn",
		"Vinh", "Thịnh", "Tín", "Nhân", "Thành", "Hưng", "Trí", "Lâm", "Hải", "Đức",
		"Tài", "Tùng", "Sơn", "Phong", "Trung", "Quang", "Dũng", "Việt", "Thái", "Nguyên",
		"Thiện", "Tâm", "Tú", "Kiên", "Hùng", "Lộc", "Toàn", "Vũ", "Thắng", "Luân",
		"Tiến", "Hào", "Ân", "Khải", "Khiêm", "Lân", "Nhật", "Phú", "Quý", "Sang",
		"Tấn", "Thiên", "Thuận", "Trọng", "Triết", "Tường", "Uy", "Vỹ", "Vương", "Bách",
		"Cường", "Danh", "Dương", "Đăng", "Đông", "Giang", "Hiển", "Hậu", "Hoà", "Kha",
		"Khương", "Lực", "Mạnh", "Nghĩa", "Ngọc", "Phi", "Quốc", "Tân", "Thông", "Trường",
		"Tuệ", "Bình", "Chí", "Công", "Định", "Doanh", "Hạo", "Hiệp", "Lĩnh", "Nhựt",
		"Phước", "Sỹ", "Thạnh", "Trực", "Tuân", "Vĩnh", "Thống", "Hiền", "Khoát", "Lập",
	}
	femaleGivenClassic = []string{
		"Hương", "Lan", "Hà", "Hằng", "Nga", "Hoa", "Thuỷ", "Hạnh", "Mai", "Dung",
		"Trang", "Hồng", "Hiền", "Phương", "Huyền", "Yến", "Loan", "Nhung", "Vân", "Thu",
		"Oanh", "Liên", "Thảo", "Tuyết", "Lý", "Xuân", "Ngọc", "Thuý", "Hường", "Lệ",
		"Cúc", "Huệ", "Nhàn", "Tâm", "Thanh", "Bích", "Lụa", "Đào", "Sen", "Hậu",
		"Nguyệt", "Phượng", "Thoa", "Thơ", "Trinh", "Kim", "Hoà", "Hải", "Lài", "Lành",
		"Lựu", "Mơ", "Mận", "Minh", "Mỹ", "Ngà", "Ngân", "Nhạn", "Phấn", "Quế",
		"Sương", "Tám", "Thắm", "Thêm", "Thìn", "Thục", "Thương", "Tình", "Tươi", "Vinh",
		"Xoan", "Yên", "Anh", "Bình", "Chi", "Diệp", "Điệp", "Dịu", "Duyên", "Gấm",
		"Giang", "Hiên", "Hoài", "Huyên", "Khuyên", "Kiều", "Liễu", "Linh", "My", "Ninh",
		"Son", "Tú", "Uyên", "Vui", "Hảo", "Hợi", "Nương", "Sinh", "Thuận", "Tuyền",
		"Bảy", "Chinh", "Dần", "Hiếu", "Hoan", "Khánh", "Lam", "Luyến", "Mến", "Nhị",
		"Phúc", "Quyên", "Sáu", "Thảnh", "Thuần", "Toan", "Trâm", "Vy", "Nhài", "Ánh",
	}
	femaleGivenModern = []string{
		"Linh", "Anh", "Ngọc", "Trang", "Vy", "Nhi", "Thảo", "Hân", "Ngân", "Hương",
		"Như", "Quỳnh", "Trâm", "My", "Uyên", "Châu", "Huyền", "Phương", "Hà", "Mai",
		"Yến", "Giang", "Chi", "Thư", "Tiên", "An", "Khánh", "Thuỳ", "Diệp", "Hiền",
		"Nhung", "Trinh", "Ly", "Tâm", "Duyên", "Thanh", "Thu", "Hằng", "Vân", "Loan",
		"Lan", "Nga", "Hoa", "Kim", "Oanh", "Diễm", "Hạnh", "Dung", "Ánh", "Nguyệt",
		"Quyên", "Tuyền", "Trúc", "Vi", "Xuân", "Ý", "Nhã", "Nhiên", "Khuê", "Đan",
		"Hạ", "Băng", "Tú", "Cát", "Dương", "Thy", "Hoài", "Mỹ", "Thương", "Hồng",
		"Bích", "Kiều", "Lam", "Nhàn", "Tuyết", "Thuý", "Sương", "Minh", "Tường", "Hậu",
		"Ngà", "Hoà", "Bảo", "Thi", "Hiên", "Mẫn", "Huyên", "Phụng", "Quế", "San",
		"Thơ", "Thuận", "Trà", "Tuệ", "Vỹ", "Yên", "Đào", "Gia", "Hảo", "Hoàng",
	}
)

// names holds the name tables in drawing form, normalised once by
// vn.NormalizeName so that every generated name is already in the form
// PC-Covid stores (NFC, tone mark on the main vowel: Hoà, Thuỷ).
type names struct {
	families      [100]*table // by province code
	middle, given [2][2]table // [sex: 0 male, 1 female][0 classic, 1 modern]
	// compound lists the first middle names that would read as part of a
	// compound family name after the family name (Hoàng Phú as Hoàng Phủ),
	// per family name.
	compound map[string]map[string]bool
}

func newNames(provinceCodes []string) *names {
	n := &names{}
	for _, code := range provinceCodes {
		t := familyTable(code)
		n.families[atoi(code)] = &t
	}
	n.middle = [2][2]table{
		{rankTable(normalized(maleMiddleClassic), 2), rankTable(normalized(maleMiddleModern), 2)},
		{rankTable(normalized(femaleMiddleClassic), 2), rankTable(normalized(femaleMiddleModern), 2)},
	}
	n.given = [2][2]table{
		{rankTable(normalized(maleGivenClassic), 3), rankTable(normalized(maleGivenModern), 3)},
		{rankTable(normalized(femaleGivenClassic), 3), rankTable(normalized(femaleGivenModern), 3)},
	}
	n.compound = compoundPairs(n)
	return n
}

// compoundPairs asks vn.NameParts, which decides how names are split
// everywhere else, which family and first middle names it would join.
func compoundPairs(n *names) map[string]map[string]bool {
	families := map[string]bool{}
	for _, t := range n.families {
		if t != nil {
			for _, f := range t.items {
				families[f] = true
			}
		}
	}
	pairs := map[string]map[string]bool{}
	for f := range families {
		for _, list := range n.middle {
			for _, t := range list {
				for _, m := range t.items {
					if family, _, _ := vn.NameParts(f + " " + m + " An"); family != f {
						if pairs[f] == nil {
							pairs[f] = map[string]bool{}
						}
						pairs[f][m] = true
					}
				}
			}
		}
	}
	return pairs
}

// familyTable mixes the regional table, the rare tail and the province's
// minorities into one table.
func familyTable(code string) table {
	base := northFamilies
	switch c := atoi(code); {
	case c >= 58:
		base = southFamilies
	case c >= 44:
		base = centralFamilies
	}
	w := map[string]float64{}
	var order []string
	add := func(list weightedNames, scale float64) {
		for _, x := range list {
			if _, ok := w[x.name]; !ok {
				order = append(order, x.name)
			}
			w[x.name] += x.weight * scale
		}
	}
	kinh := 1.0
	for _, m := range minorityShare[code] {
		kinh -= m.share
	}
	// The regional table and the tail together make 100 %.
	add(base, kinh/100)
	add(rareFamilies, kinh/100*(100-base.total())/rareFamilies.total())
	for _, m := range minorityShare[code] {
		add(m.names, m.share/m.names.total())
	}
	weights := make([]float64, len(order))
	for i, name := range order {
		weights[i] = w[name]
	}
	return newTable(normalized(order), weights)
}

func (l weightedNames) total() float64 {
	t := 0.0
	for _, x := range l {
		t += x.weight
	}
	return t
}

func normalized(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = vn.NormalizeName(s)
	}
	return out
}

// modernShare is the probability that a person born in year y was given a
// name of the modern fashion.
func modernShare(y int) float64 {
	return min(max(float64(y-1975)/30, 0), 1)
}

// plainMiddleShare is the probability that the (first) middle name is the
// plain Văn for a man or Thị for a woman: nearly the rule for the
// generations born before 1960, a minority among children today.
func plainMiddleShare(sex byte, y int) float64 {
	male := [...]float64{0.62, 0.52, 0.38, 0.22, 0.10}
	female := [...]float64{0.75, 0.66, 0.50, 0.34, 0.18}
	i := 4
	switch {
	case y < 1960:
		i = 0
	case y < 1980:
		i = 1
	case y < 1995:
		i = 2
	case y < 2005:
		i = 3
	}
	if sex == 'M' {
		return male[i]
	}
	return female[i]
}

// nameSpec is a drawn name before it is joined into one string.
type nameSpec struct {
	family  string
	middles [2]string
	nMiddle int
	given   string
}

// drawName draws the middle and given names of a person of the sex born in
// year y. Three in a hundred have no middle name; women have two middle
// names more often than men (Nguyễn Thị Thu Hà).
func (n *names) drawName(r *rand.Rand, family string, sex byte, y int) nameSpec {
	s := nameSpec{family: family}
	si := 0
	two := 0.08
	if sex == 'F' {
		si, two = 1, 0.22
	}
	era := 0
	if chance(r, modernShare(y)) {
		era = 1
	}
	switch u := r.Float64(); {
	case u < 0.03:
		s.nMiddle = 0
	case u < 0.03+two:
		s.nMiddle = 2
	default:
		s.nMiddle = 1
	}
	if s.nMiddle > 0 {
		s.middles[0] = n.firstMiddle(r, sex, si, era, y)
		for tries := 0; tries < 8 && n.compound[family][s.middles[0]]; tries++ {
			s.middles[0] = n.firstMiddle(r, sex, si, era, y)
		}
	}
	if s.nMiddle == 2 {
		s.middles[1] = n.middle[si][era].pick(r)
		for tries := 0; s.middles[1] == s.middles[0] && tries < 8; tries++ {
			s.middles[1] = n.middle[si][era].pick(r)
		}
	}
	n.drawGiven(r, &s, si, era)
	return s
}

func (n *names) firstMiddle(r *rand.Rand, sex byte, si, era, y int) string {
	if chance(r, plainMiddleShare(sex, y)) {
		if sex == 'M' {
			return "Văn"
		}
		return "Thị"
	}
	return n.middle[si][era].pick(r)
}

// redrawGiven draws s's given name again.
func (n *names) redrawGiven(r *rand.Rand, s *nameSpec, sex byte, y int) {
	si, era := 0, 0
	if sex == 'F' {
		si = 1
	}
	if chance(r, modernShare(y)) {
		era = 1
	}
	n.drawGiven(r, s, si, era)
}

// splitMiddle splits a middle name of one or two words.
func splitMiddle(m string) []string { return strings.Fields(m) }

// drawGiven draws a given name that differs from the middle names
// (nobody is called Minh Minh).
func (n *names) drawGiven(r *rand.Rand, s *nameSpec, si, era int) {
	s.given = n.given[si][era].pick(r)
	for tries := 0; tries < 8 && (s.given == s.middles[0] || s.given == s.middles[1]); tries++ {
		s.given = n.given[si][era].pick(r)
	}
}

// fill joins the name and fills the person's name fields; the parts are
// substrings of FullName, so one allocation serves all four.
func (s *nameSpec) fill(p *Person, buf []byte) []byte {
	buf = append(buf[:0], s.family...)
	for _, m := range s.middles[:s.nMiddle] {
		buf = append(append(buf, ' '), m...)
	}
	buf = append(append(buf, ' '), s.given...)
	p.FullName = string(buf)
	f := len(s.family)
	g := len(p.FullName) - len(s.given)
	p.FamilyName = p.FullName[:f]
	p.GivenName = p.FullName[g:]
	if g-1 > f {
		p.MiddleName = p.FullName[f+1 : g-1]
	} else {
		p.MiddleName = ""
	}
	return buf
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
