package vn_test

import (
	"fmt"

	"github.com/pccovid/pccovid/internal/vn"
)

func ExampleFoldName() {
	fmt.Println(vn.FoldName("Nguyễn  Thị Hoà"))
	fmt.Println(vn.FoldName("NGUYEN THI HÒA"))
	fmt.Println(vn.FoldName("Ðặng Văn-Ân"))
	// Output:
	// nguyen thi hoa
	// nguyen thi hoa
	// dang van an
}

func ExampleNormalizeName() {
	fmt.Println(vn.NormalizeName("  Trần  Thị Thủy "))
	fmt.Println(vn.NormalizeName("Lê Hòa") == vn.NormalizeName("Lê Hoà"))
	fmt.Println(vn.TitleName("NGUYỄN VĂN AN"))
	// Output:
	// Trần Thị Thuỷ
	// true
	// Nguyễn Văn An
}

func ExampleTransliterate() {
	fmt.Println(vn.Transliterate("Nguyễn Văn An"))
	// Output: NGUYEN<VAN<AN
}

func ExampleParsePhone() {
	for _, s := range []string{"0912 345 678", "84912345678", "01682345678", "(+84) 912-345-678", "0111 234 5678"} {
		p, err := vn.ParsePhone(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p, p.National(), vn.MaskPhone(p))
	}
	// Output:
	// +84912345678 0912345678 091****678
	// +84912345678 0912345678 091****678
	// +84382345678 0382345678 038****678
	// +84912345678 0912345678 091****678
	// phone: unknown network prefix 0111
}

func ExampleParseCCCD() {
	c, err := vn.ParseCCCD("001 185 012 345")
	if err != nil {
		panic(err)
	}
	fmt.Println(c, c.ProvinceCode(), c.Sex(), c.BirthYear())
	fmt.Println(c.Contradicts(vn.SexMale, 1985))
	// Output:
	// 001185012345 01 F 1985
	// [sex]
}

func ExampleResolvePlace() {
	p := vn.ResolvePlace("TP.HCM", "Q.1", "P. Ben Nghe")
	fmt.Println(p.ProvinceCode, p.DistrictCode, p.WardCode)

	// Two districts of Tiền Giang are called Cai Lậy; only the Thị xã has
	// a Phường 1.
	p = vn.ResolvePlace("Tiền Giang", "Cai Lậy", "Phường 1")
	fmt.Println(p.ProvinceCode, p.DistrictCode, p.WardCode)

	// Without the ward, the district stays unknown rather than guessed.
	p = vn.ResolvePlace("Tiền Giang", "Cai Lậy", "")
	fmt.Printf("%q %q\n", p.ProvinceCode, p.DistrictCode)
	// Output:
	// 79 760 26740
	// 82 817 28435
	// "82" ""
}

func ExampleResolveAddress() {
	p := vn.ResolveAddress("Số 5 ngõ 12, Phúc Xá, Ba Đình")
	_, d, w, _ := vn.AdminUnits().WardPath(p.WardCode)
	fmt.Println(w.FullName, "-", d.FullName)
	// Output: Phường Phúc Xá - Quận Ba Đình
}

func ExampleParseDate() {
	d, _ := vn.ParseDate("03/04/1990")
	s, _ := d.SwappedDayMonth()
	fmt.Println(d, s)
	_, err := vn.ParseDate("31/02/2021")
	fmt.Println(err)
	// Output:
	// 1990-04-03 1990-03-04
	// date: 31/02/2021 is not a real date
}
