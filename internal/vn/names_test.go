package vn

import (
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestNormalizeName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"Nguyen Van An", "Nguyen Van An"},
		{"  Nguyễn   Văn\tAn \n", "Nguyễn Văn An"},
		{"Nguyễn\u00a0Thị\u2003Hoà", "Nguyễn Thị Hoà"},
		{"NGUYỄN VĂN AN", "NGUYỄN VĂN AN"}, // case kept
		// Tone placement variants become one.
		{"Hòa", "Hoà"},
		{"Hoà", "Hoà"},
		{"HÒA", "HOÀ"},
		{"Thủy", "Thuỷ"},
		{"Thuỷ", "Thuỷ"},
		{"Khỏe", "Khoẻ"},
		{"Khoẻ", "Khoẻ"},
		{"Thúy", "Thuý"},
		{"Lũy", "Luỹ"},
		{"Xóa", "Xoá"},
		{"Qúy", "Quý"},     // tone typed on the u of qu
		{"Qùynh", "Quỳnh"}, // idem
		{"gịa", "giạ"},     // tone typed on the i of gi
		{"Hoàng", "Hoàng"}, // closed syllable: already on the a
		{"Hòang", "Hoàng"},
		{"Thủyết", "Thủyết"}, // two tone marks: not a syllable, left alone
		{"Thuyết", "Thuyết"},
		{"Khuỷu", "Khuỷu"},
		{"Ngoẹo", "Ngoẹo"},
		{"Hoài", "Hoài"},
		{"Hòai", "Hoài"},
		{"Mùa", "Mùa"},
		{"Túi", "Túi"},
		{"Giữa", "Giữa"},
		{"Hướng", "Hướng"},
		{"Hưóng", "Hứong"},   // typo for Hướng: the vowel with a quality mark (ư) wins
		{"Nguyêñ", "Nguyêñ"}, // ñ is not Vietnamese: left alone
		// NFD input.
		{norm.NFD.String("Nguyễn Thị Hòa"), "Nguyễn Thị Hoà"},
		{"Nguye\u0302\u0303n", "Nguyễn"},
		{"Ho\u0300a", "Hoà"},
		// Look-alikes of Đ.
		{"Ðặng", "Đặng"},
		{"ɖoàn", "đoàn"},
		// Format characters vanish; foreign names pass through.
		{"Ng\u200buyễn", "Nguyễn"},
		{"\ufeffAn", "An"},
		{"José María", "José María"},
		{"Chloé", "Chloé"},
		{"H'Hen Niê", "H'Hen Niê"},
		{"Phan Rang-Tháp Chàm", "Phan Rang-Tháp Chàm"},
	}
	for _, tt := range tests {
		if got := NormalizeName(tt.in); got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := NormalizeName(tt.want); got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, not idempotent", tt.want, got)
		}
	}
}

func TestNormalizeNameNoAllocWhenNormal(t *testing.T) {
	for _, s := range []string{"Nguyen Van An", "Nguyễn Thị Hoà"} {
		if n := testing.AllocsPerRun(100, func() { NormalizeName(s) }); n != 0 {
			t.Errorf("NormalizeName(%q) allocates %v times", s, n)
		}
	}
}

func TestTitleName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"NGUYỄN VĂN AN", "Nguyễn Văn An"},
		{"nguyễn thị hòa", "Nguyễn Thị Hoà"},
		{"ĐẶNG  THỊ   THUỶ", "Đặng Thị Thuỷ"},
		{"ÐẶNG VĂN ÂN", "Đặng Văn Ân"},
		{"h'hen niê", "H'Hen Niê"},
		{"phan rang-tháp chàm", "Phan Rang-Tháp Chàm"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := TitleName(tt.in); got != tt.want {
			t.Errorf("TitleName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFoldName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Nguyễn  Thị Hoà", "nguyen thi hoa"},
		{"NGUYEN THI HOA", "nguyen thi hoa"},
		{"Nguyễn Thị Hòa", "nguyen thi hoa"},
		{norm.NFD.String("Nguyễn Thị Hòa"), "nguyen thi hoa"},
		{"Đặng Ðức ɖũng Ɖạt", "dang duc dung dat"},
		{"  Lê-Văn   Tám. ", "le van tam"},
		{"O'Brien", "o brien"},
		{"Trần_Văn,Bảy", "tran van bay"},
		{"Phường 07", "phuong 07"},
		{"Ng\u200buyễn", "nguyen"},
		{"Ｎｇｕｙｅｎ", "nguyen"},
		{"Æsir Straße", "aesir strasse"},
		{"Søren Łukasz", "soren lukasz"},
		{"张伟", "u5f20u4f1f"},
		{"Иван", "u418u432u430u43d"},
		{"\xff\xfeAn", "an"},
		{"", ""},
		{"...", ""},
	}
	for _, tt := range tests {
		if got := FoldName(tt.in); got != tt.want {
			t.Errorf("FoldName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := string(AppendFold([]byte("x:"), tt.in)); got != "x:"+tt.want {
			t.Errorf("AppendFold(x:, %q) = %q, want %q", tt.in, got, "x:"+tt.want)
		}
	}
}

func TestAppendFoldNoAlloc(t *testing.T) {
	buf := make([]byte, 0, 64)
	for _, s := range []string{"Nguyễn Thị Hoà", "NGUYEN VAN AN", norm.NFD.String("Trần Thị Thuỷ")} {
		if n := testing.AllocsPerRun(100, func() { buf = AppendFold(buf[:0], s) }); n != 0 {
			t.Errorf("AppendFold(%q) allocates %v times", s, n)
		}
	}
	if n := testing.AllocsPerRun(100, func() { FoldName("nguyen van an") }); n != 0 {
		t.Errorf("FoldName of a folded name allocates %v times", n)
	}
}

func TestNameParts(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, family, middle, given string }{
		{"Nguyễn Văn An", "Nguyễn", "Văn", "An"},
		{"nguyen thi thu ha", "nguyen", "thi thu", "ha"},
		{"Lê  Hòa", "Lê", "", "Hoà"},
		{"An", "", "", "An"},
		{"", "", "", ""},
		{"Âu Dương Lân", "Âu Dương", "", "Lân"},
		{"Tôn Thất Thuyết", "Tôn Thất", "", "Thuyết"},
		{"Tôn Nữ Thị Ninh", "Tôn Nữ", "Thị", "Ninh"},
		{"Công Tằng Tôn Nữ Thị Bích", "Công Tằng Tôn Nữ", "Thị", "Bích"},
		{"AU DUONG", "AU", "", "DUONG"}, // a compact family name needs a given name after it
	}
	for _, tt := range tests {
		f, m, g := NameParts(tt.in)
		if f != tt.family || m != tt.middle || g != tt.given {
			t.Errorf("NameParts(%q) = %q, %q, %q; want %q, %q, %q", tt.in, f, m, g, tt.family, tt.middle, tt.given)
		}
	}
}

func TestTransliterate(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Nguyễn Văn An", "NGUYEN<VAN<AN"},
		{"Đặng Thị Thuỷ", "DANG<THI<THUY"},
		{"  Trần   Hưng  Đạo ", "TRAN<HUNG<DAO"},
		{"Phan Rang-Tháp Chàm", "PHAN<RANG<THAP<CHAM"},
		{"H'Hen Niê", "HHEN<NIE"},
		{"Nguyễn Văn An 2", "NGUYEN<VAN<AN"},
		{norm.NFD.String("Lê Thị Hòa"), "LE<THI<HOA"},
		{"Ðỗ", "DO"},
		{"Straße", "STRASSE"},
		{"张伟 Li", "LI"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Transliterate(tt.in); got != tt.want {
			t.Errorf("Transliterate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStripDiacritics(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Bà Rịa - Vũng Tàu", "Ba Ria - Vung Tau"},
		{"Đắk R'Lấp", "Dak R'Lap"},
		{norm.NFD.String("Hoà Bình"), "Hoa Binh"},
	}
	for _, tt := range tests {
		if got := StripDiacritics(tt.in); got != tt.want {
			t.Errorf("StripDiacritics(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
