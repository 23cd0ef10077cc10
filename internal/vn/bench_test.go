package vn

import (
	"testing"

	"golang.org/x/text/unicode/norm"
)

// benchNames mixes the spellings legacy sources hold: NFC with diacritics,
// upper case without, NFD.
var benchNames = []string{
	"Nguyễn Thị Thu Hà",
	"NGUYEN VAN AN",
	"Trần  Thị Thuỷ",
	norm.NFD.String("Lê Hoàng Quốc Việt"),
}

func BenchmarkFoldName(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		FoldName(benchNames[i%len(benchNames)])
	}
}

func BenchmarkAppendFold(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 64)
	for i := 0; b.Loop(); i++ {
		buf = AppendFold(buf[:0], benchNames[i%len(benchNames)])
	}
}

func BenchmarkNormalizeName(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		NormalizeName(benchNames[i%len(benchNames)])
	}
}

func BenchmarkParsePhone(b *testing.B) {
	phones := []string{"0912 345 678", "+84912345678", "84912345678", "01682345678"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := ParsePhone(phones[i%len(phones)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolvePlace(b *testing.B) {
	u := AdminUnits()
	places := [][3]string{
		{"Thành phố Hà Nội", "Quận Ba Đình", "Phường Phúc Xá"},
		{"TP.HCM", "Q.1", "P. Ben Nghe"},
		{"Tinh Quang Ninh", "Huyen Van Don", "Xa Van Yen"},
		{"Tiền Giang", "Cai Lậy", "Phường 1"},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := places[i%len(places)]
		if u.ResolvePlace(p[0], p[1], p[2]).WardCode == "" {
			b.Fatal(p)
		}
	}
}

func BenchmarkResolveAddress(b *testing.B) {
	u := AdminUnits()
	b.ReportAllocs()
	for b.Loop() {
		u.ResolveAddress("Số 5 ngõ 12, Phúc Xá, Ba Đình, Hà Nội")
	}
}

func BenchmarkAdminUnitsLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := loadUnits(adminUnitsJSON); err != nil {
			b.Fatal(err)
		}
	}
}
