package certificate

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestTransliterate(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		// Vietnamese.
		{"Nguyễn", "NGUYEN"},
		{"Thị Đoan Trang", "THI<DOAN<TRANG"},
		{"Đặng Thùy Dương", "DANG<THUY<DUONG"},
		{"Trần  Quốc   Hưng", "TRAN<QUOC<HUNG"},
		{"Lê Ngọc Ánh", "LE<NGOC<ANH"},
		{"Phạm Ưng Ơn", "PHAM<UNG<ON"},
		{"  Bùi   ", "BUI"},
		{"Hồ-Nguyễn", "HO<NGUYEN"},
		{"", ""},
		// Decomposed input (NFD) gives the same result.
		{"Nguye\u0302\u0303n", "NGUYEN"},
		// The schema's examples and EU test data.
		{"d'Červenková Panklová", "DCERVENKOVA<PANKLOVA"},
		{"Jiřina-Maria Alena", "JIRINA<MARIA<ALENA"},
		{"Musterfrau-Gößinger", "MUSTERFRAU<GOESSINGER"},
		{"Jørgensen", "JOERGENSEN"},
		{"Åge", "AAGE"},
		{"Lövström", "LOEVSTROEM"},
		{"Matti Kari Yrjänä", "MATTI<KARI<YRJAENAE"},
		{"Þarf Að Prófa", "THARF<AD<PROFA"},
		{"Pavardenytė-Pavardenė", "PAVARDENYTE<PAVARDENE"},
		{"Ķelpis", "KELPIS"},
		{"Mārtiņš", "MARTINS"},
		{"Poľnohospodárska", "POLNOHOSPODARSKA"},
		{"PREZIME01", "PREZIME"},
		{"Marilù Teresa", "MARILU<TERESA"},
	}
	for _, tc := range tests {
		if got := Transliterate(tc.in); got != tc.want {
			t.Errorf("Transliterate(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTransliterateLength(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Nguyễn Văn ", 10)
	got := Transliterate(long)
	if len(got) > 80 || strings.HasSuffix(got, "<") || !strings.HasPrefix(got, "NGUYEN<VAN<NGUYEN") {
		t.Errorf("Transliterate(long) = %q (%d)", got, len(got))
	}
}

var icaoForm = regexp.MustCompile(`^([A-Z]+(<[A-Z]+)*)?$`)

func FuzzTransliterate(f *testing.F) {
	f.Add("Nguyễn Thị Đoan Trang")
	f.Add("d'Červenková Panklová")
	f.Add("ابو بكر")
	f.Fuzz(func(t *testing.T, s string) {
		got := Transliterate(s)
		if len(got) > 80 || !icaoForm.MatchString(got) {
			t.Fatalf("Transliterate(%q) = %q", s, got)
		}
	})
}

func ExampleTransliterate() {
	fmt.Println(Transliterate("Nguyễn Thị Đoan-Trang"))
	fmt.Println(Transliterate("Đặng Thùy Dương"))
	// Output:
	// NGUYEN<THI<DOAN<TRANG
	// DANG<THUY<DUONG
}
