package vn

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestResolveProvince(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		"01": {"Thành phố Hà Nội", "TP. Hà Nội", "TP Hà Nội", "Tp.Hà Nội", "T.P Hà Nội", "Ha Noi", "HA NOI", "HÀ NỘI",
			"Hanoi", "HN", "Hà Nội", "Thanh pho Ha Noi", norm.NFD.String("Hà Nội"), "  hà   nội ", "Hà Nội City"},
		"79": {"TP Hồ Chí Minh", "Thành phố Hồ Chí Minh", "TP.HCM", "Tp HCM", "TPHCM", "HCM", "HCMC", "Ho Chi Minh",
			"Hồ Chí Minh", "HO CHI MINH", "Ho Chi Minh City", "Sài Gòn", "Sai Gon", "Saigon", "TP. Hồ Chí Minh"},
		"22": {"tỉnh Quảng Ninh", "Tỉnh Quảng Ninh", "Quang Ninh", "Tinh Quang Ninh", "T. Quảng Ninh Province"[:0] + "Quảng Ninh Province"},
		"17": {"Hoà Bình", "Hòa Bình", "Tỉnh Hoà Bình", "Hoa Binh"},
		"38": {"Thanh Hóa", "Thanh Hoá", "Tỉnh Thanh Hóa", "THANH HOA"},
		"77": {"Bà Rịa - Vũng Tàu", "Bà Rịa-Vũng Tàu", "BRVT", "BR-VT", "Ba Ria Vung Tau", "Vũng Tàu"},
		"46": {"Thừa Thiên Huế", "Thừa Thiên - Huế", "TT Huế", "Huế"},
		"66": {"Đắk Lắk", "Đắc Lắc", "Dak Lak", "Daklak", "DAK LAK"},
		"62": {"Kon Tum", "Kontum"},
		"06": {"Bắc Kạn", "Bắc Cạn"},
		"92": {"Cần Thơ", "TP Cần Thơ", "Can Tho"},
	}
	for code, names := range tests {
		for _, name := range names {
			if got, ok := ResolveProvince(name); !ok || got.Code != code {
				t.Errorf("ResolveProvince(%q) = %s, %v; want %s", name, got.Code, ok, code)
			}
		}
	}
	for _, name := range []string{"", "Việt Nam", "Hà Nộii Nộii", "Quận 1", "Thành phố", "xyz", "DN"[:1]} {
		if got, ok := ResolveProvince(name); ok {
			t.Errorf("ResolveProvince(%q) = %s", name, got.Code)
		}
	}
}

func TestResolveDistrict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		names    []string
		province string
		want     string
	}{
		{[]string{"Quận 1", "Q.1", "Q1", "Q. 1", "quan 1", "Quan 01", "District 1", "Dist. 1", "1", "01"}, "79", "760"},
		{[]string{"Quận 2", "Q.9", "Thủ Đức", "TP Thủ Đức", "Quận Thủ Đức", "Thanh pho Thu Duc"}, "79", "769"},
		{[]string{"Huyện Vân Đồn", "H. Vân Đồn", "H.Van Don", "Vân Đồn", "huyen van don"}, "22", "203"},
		{[]string{"Huyện Vân Đồn"}, "", "203"},
		{[]string{"Quận Ba Đình", "Ba Đình", "Q.Ba Dinh"}, "01", "001"},
		{[]string{"Thị xã Kinh Môn", "TX. Kinh Môn", "TX Kinh Mon", "Kinh Môn"}, "30", "292"},
		{[]string{"Thị xã Cai Lậy", "TX Cai Lậy", "tx. cai lay"}, "82", "817"},
		{[]string{"Huyện Cai Lậy", "H. Cai Lậy"}, "82", "820"},
		{[]string{"Huyện Ea H'leo", "Ea Hleo", "Ea H'Leo", "EA H LEO"}, "66", "645"},
		{[]string{"Huyện Ia H' Drai", "Ia H'Drai", "Ia HDrai"}, "62", "618"},
		{[]string{"Thành phố Phan Rang-Tháp Chàm", "Phan Rang - Tháp Chàm", "TP Phan Rang Thap Cham"}, "58", "582"},
		{[]string{"Huyện Kỳ Anh", "Huyen Ki Anh"}, "42", "447"},
		{[]string{"Tp Huế", "Huế"}, "46", "474"},
	}
	for _, tt := range tests {
		for _, name := range tt.names {
			if got, ok := ResolveDistrict(name, tt.province); !ok || got.Code != tt.want {
				t.Errorf("ResolveDistrict(%q, %q) = %s, %v; want %s", name, tt.province, got.Code, ok, tt.want)
			}
		}
	}
	ambiguous := []struct{ name, province string }{
		{"Cai Lậy", "82"},       // Huyện and Thị xã Cai Lậy
		{"Kỳ Anh", "42"},        // Huyện and Thị xã Kỳ Anh
		{"Châu Thành", ""},      // ten provinces have one
		{"Quận 1", "01"},        // not in Hà Nội
		{"Huyện Vân Đồn", "01"}, // not in Hà Nội
		{"Ba Đình", "99"},       // no such province
		{"", "79"},
	}
	for _, tt := range ambiguous {
		if got, ok := ResolveDistrict(tt.name, tt.province); ok {
			t.Errorf("ResolveDistrict(%q, %q) = %s, want none", tt.name, tt.province, got.Code)
		}
	}
}

func TestResolveWard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		names  []string
		parent string
		want   string
	}{
		{[]string{"Phường Bến Nghé", "P. Ben Nghe", "P.Bến Nghé", "Ben Nghe", "BẾN NGHÉ", "Ben Nghe Ward", "phuong ben nghe"}, "760", "26740"},
		{[]string{"Phường Bến Nghé", "P. Ben Nghe"}, "79", "26740"},
		{[]string{"Phường 7", "P7", "P.07", "P 07", "F7", "F.07", "Phường 07", "phuong7", "7", "07", "Ward 7"}, "776", "27433"},
		{[]string{"Xã Vạn Yên", "X. Vạn Yên", "X.Van Yen", "Vạn Yên", "xa van yen"}, "203", "07003"},
		{[]string{"Thị trấn Khoái Châu", "TT. Khoái Châu", "TT Khoai Chau"}, "33", "12205"},
		{[]string{"Phường Phúc Xá", "Phuc Xa"}, "", "00001"},
		{[]string{"Phường Đúc", "Phường Phường Đúc", "Đúc"}, "474", "19780"},
		{[]string{"Thị trấn N.T Phong Hải", "NT Phong Hải", "Nông trường Phong Hải"}, "086", "02902"},
		{[]string{"Xã Laêê", "La Êê", "Laêê", "La Ee"}, "510", "20698"},
		{[]string{"Xã Hoằng Phụ"}, "399", "16003"}, // and Xã Hoằng Phú: the diacritics decide
		{[]string{"Xã Hoằng Phú"}, "399", "15883"},
		{[]string{"Phường Sa Pả"}, "088", "03002"}, // and Phường Sa Pa
		{[]string{"Thị trấn Yên Viên", "TT Yên Viên"}, "018", "00526"},
		{[]string{"Xã Yên Viên", "X. Yen Vien"}, "018", "00532"},
		{[]string{"Xã Hòa Lộc", "Xã Hoà Lộc"}, "400", "16075"}, // and Xã Hoa Lộc
	}
	for _, tt := range tests {
		for _, name := range tt.names {
			if got, ok := ResolveWard(name, tt.parent); !ok || got.Code != tt.want {
				t.Errorf("ResolveWard(%q, %q) = %s, %v; want %s", name, tt.parent, got.Code, ok, tt.want)
			}
		}
	}
	ambiguous := []struct{ name, parent string }{
		{"Phường 7", ""},       // in dozens of districts
		{"Phường 7", "79"},     // in several districts of HCMC
		{"Tân Thành", ""},      // 51 wards
		{"Hoang Phu", "399"},   // Hoằng Phú or Hoằng Phụ
		{"Sa Pa", "088"},       // Sa Pa or Sa Pả
		{"Yên Viên", "018"},    // Thị trấn or Xã
		{"Bến Nghé", "761"},    // not in that district
		{"Bến Nghé", "26740x"}, // no such parent
		{"Số 5 ngõ 12", "001"},
	}
	for _, tt := range ambiguous {
		if got, ok := ResolveWard(tt.name, tt.parent); ok {
			t.Errorf("ResolveWard(%q, %q) = %s, want none", tt.name, tt.parent, got.Code)
		}
	}
}

// Every unit of the table must be found by its own name inside its
// parent; where two units of one parent share a name, by its full name.
// A name must never resolve to a different unit.
func TestResolveEveryUnit(t *testing.T) {
	t.Parallel()
	u := AdminUnits()
	var dups []string
	for level := LevelProvince; level <= LevelWard; level++ {
		for _, x := range u.units[level] {
			scope := x.ParentCode
			got, ok := u.resolve(level, x.Name, scope)
			if !ok {
				dups = append(dups, x.FullName+" ("+x.Code+" in "+scope+")")
				got, ok = u.resolve(level, x.FullName, scope)
			}
			if !ok || got.Code != x.Code {
				t.Errorf("%s %s %q in %q resolves to %q, %v", level, x.Code, x.FullName, scope, got.Code, ok)
			}
			for _, variant := range []string{FoldName(x.Name), strings.ToUpper(x.FullName), x.NameEn} {
				if got, ok := u.resolve(level, variant, scope); ok && got.Code != x.Code {
					t.Errorf("%s %s: %q in %q resolves to the other unit %s", level, x.Code, variant, scope, got.Code)
				}
			}
			if level == LevelWard {
				prov := u.placeOf(x.Code).ProvinceCode
				if got, ok := u.resolve(level, x.FullName, prov); ok && got.Code != x.Code {
					t.Errorf("ward %s: %q in province %s resolves to %s", x.Code, x.FullName, prov, got.Code)
				}
			}
		}
	}
	// Units of one parent sharing a name differ by type (Huyện and Thị xã
	// Cai Lậy, Thị trấn and Xã Yên Viên), and three wards are named without
	// diacritics beside a namesake with them (Phường Sa Pa and Sa Pả, Xã Nga
	// Thanh and Nga Thành, Xã Ia Bang and Ia Băng), so their bare name is
	// ambiguous. Report them; the count guards against a changed table.
	t.Logf("%d units share their name with another of the same parent:\n%s", len(dups), strings.Join(dups, "\n"))
	if len(dups) != 12+41+3 {
		t.Errorf("%d units share a name inside their parent, want 56", len(dups))
	}
}

func TestResolvePlace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		province, district, ward string
		want                     Place
	}{
		{"tỉnh Quảng Ninh", "Huyện Vân Đồn", "Xã Vạn Yên", Place{"22", "203", "07003"}},
		{"Thành phố Hà Nội", "Quận Ba Đình", "Phường Phúc Xá", Place{"01", "001", "00001"}},
		{"HN", "Q.Ba Dinh", "P.Phuc Xa", Place{"01", "001", "00001"}},
		{"TP.HCM", "Q.1", "P. Ben Nghe", Place{"79", "760", "26740"}},
		{"Tp HCM", "Quận 8", "P.07", Place{"79", "776", "27433"}},
		{"", "", "Phường Phúc Xá", Place{"01", "001", "00001"}},
		{"", "Quận Ba Đình", "", Place{"01", "001", ""}},
		{"Hà Nội", "", "", Place{"01", "", ""}},
		{"Hà Nội", "Quận 1", "Phúc Xá", Place{"01", "001", "00001"}},   // district wrong: ward found in the province
		{"Hà Nội", "Ba Đình", "Bến Nghé", Place{"01", "001", ""}},      // ward elsewhere: left out
		{"Ha Nooi", "Ba Đình", "Phúc Xá", Place{"01", "001", "00001"}}, // province typo
		{"Tiền Giang", "Cai Lậy", "", Place{"82", "", ""}},             // two districts named Cai Lậy
		{"Tiền Giang", "Cai Lậy", "Phường 1", Place{"82", "817", "28435"}},
		{"Tiền Giang", "Cai Lậy", "Xã Bình Phú", Place{"82", "820", "28471"}},
		{"Lạng Sơn", "Huyện Chi Lăng", "Chi Lăng", Place{"20", "187", ""}}, // Thị trấn or Xã Chi Lăng
		{"Hồ Chí Minh", "Quận 2", "Phường Thảo Điền", Place{"79", "769", "27088"}},
		{"", "", "", Place{}},
		{"Mars", "Olympus", "Mons", Place{}},
	}
	for _, tt := range tests {
		if got := ResolvePlace(tt.province, tt.district, tt.ward); got != tt.want {
			t.Errorf("ResolvePlace(%q, %q, %q) = %+v, want %+v", tt.province, tt.district, tt.ward, got, tt.want)
		}
	}
	if p := (Place{"01", "001", "00001"}); p.Code() != "00001" || p.Level() != LevelWard || p.IsZero() {
		t.Errorf("Place methods: %q %v", p.Code(), p.Level())
	}
	if p := (Place{}); p.Code() != "" || p.Level() != LevelNone || !p.IsZero() {
		t.Errorf("zero Place methods: %q %v", p.Code(), p.Level())
	}
}

func TestResolveAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, scope string
		want      string
	}{
		{"Thon 3, Phu Hung, Ben Tre", "", "28786"},
		{"Số 5 ngõ 12, Phúc Xá, Ba Đình", "", "00001"},
		{"Số 5 ngõ 12, Phúc Xá, Ba Đình, Hà Nội", "", "00001"},
		{"Số 5 ngõ 12, Phúc Xá, Ba Đình, Hà Nội, Việt Nam", "", "00001"},
		{"Xa An Bình, Phu Giao, Bình Dương", "", "25870"},
		{"X.An Binh, H.Phú Giáo, Bình Dương", "", "25870"},
		{"Phường 12, 5, Hồ Chí Minh", "", "27310"},
		{"P1, Duyên Hải, Trà Vinh", "", "29512"}, // Thị xã Duyên Hải: the huyện has no Phường 1
		{"Số 77, tổ 6, Bình Thủy, Bình Thuỷ", "92", "31168"},
		{"Số 77, tổ 6, Bình Thủy, Bình Thuỷ", "", "31168"},
		{"Xóm 1, Laêê, Nam Giang", "", "20698"},
		{"Số 121 đường Ngô Quyền, An Hòa, Huế", "", "19803"},
		{"193/84 Lac Long Quan, Phuong 06, Quan 10", "", "27202"},
		{"Phường Bến Nghé; Quận 1; TP.HCM", "", "26740"},
		{"Thôn 3, Quảng Ninh", "", "22"},
		{"Khách sạn Sài Gòn, Hà Nội", "", "01"},
		{"Thôn Y Tịch, Chi Lăng, Chi Lăng", "20", "187"},
		{"Số 36 đường Nguyễn Thị Minh Khai, thị trấn Phúc Thọ, Hà Nội", "", "09715"}, // the township, not Huyện Phúc Thọ around it
		{"Thị xã Phúc Thọ, Hà Nội", "", "272"},
		{"Xã Vạn Yên - Huyện Vân Đồn - Tỉnh Quảng Ninh", "", "07003"},
		{"Phường 7 – Quận 8 – TP.HCM", "", "27433"},
		{"Phường 1, TP Vũng Tàu, Bà Rịa - Vũng Tàu", "", "26506"},
		{"Phường 1 - TP Vũng Tàu - Bà Rịa - Vũng Tàu", "", "26506"},
		{"Bà Rịa - Vũng Tàu", "", "77"},
		{"Ward 7, District 8, Ho Chi Minh City", "", "27433"},
		{"Phường 7 Quận 8 TP HCM", "", "27433"},
		{"P.7 Q.8 TP.HCM", "", "27433"},
		{"Thôn 3 xã Vạn Yên huyện Vân Đồn tỉnh Quảng Ninh", "", "07003"},
		{"Số 86 đường Xã Đàn Phường Quang Trung TP Nam Định", "", "13645"},
		{"Phúc Xá", "01", "00001"},
		{"Phúc Xá", "79", "79"},
		{"", "", ""},
		{",,,", "", ""},
		{"Số 5 ngõ 12", "", ""},
		{"Phúc Xá, Ba Đình", "99", ""},
	}
	for _, tt := range tests {
		if got := AdminUnits().ResolveAddressWithin(tt.in, tt.scope); got.Code() != tt.want {
			t.Errorf("ResolveAddressWithin(%q, %q) = %+v, want %s", tt.in, tt.scope, got, tt.want)
		}
	}
	if got := ResolveAddress("Phúc Xá, Ba Đình"); got != (Place{"01", "001", "00001"}) {
		t.Errorf("ResolveAddress = %+v", got)
	}
}

// The place names of the legacy sample exports (testdata/sample_places.tsv,
// copied from /work/shared/legacy/sample) resolve to the ward the
// population registry gives the person, except the few that are ambiguous
// in the table itself.
func TestResolveSamplePlaces(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/sample_places.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := AdminUnits()
	levels := map[string][]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 5 {
			t.Fatalf("bad fixture line %q", sc.Text())
		}
		var got Place
		switch c[0] {
		case "ncovi":
			got = u.ResolvePlace(c[1], c[2], c[3])
		case "lab":
			got = u.ResolveAddress(c[1])
		case "hb":
			got = u.ResolveAddressWithin(c[1], c[2])
		}
		if got.Code() != c[4] {
			t.Errorf("%s %q %q %q resolves to %+v, want %s", c[0], c[1], c[2], c[3], got, c[4])
		}
		if levels[c[0]] == nil {
			levels[c[0]] = make([]int, 4)
		}
		levels[c[0]][got.Level()]++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("resolved levels (none, province, district, ward) by source: %v", levels)
	if n := levels["ncovi"]; n[LevelWard] < 500 || slices.Max(n[:LevelWard]) > 3 {
		t.Errorf("ncovi places: %v", n)
	}
}
