package vn

import (
	"strings"
	"testing"
)

func TestAdminUnitsTable(t *testing.T) {
	t.Parallel()
	u := AdminUnits()
	if u != AdminUnits() {
		t.Fatal("AdminUnits loads twice")
	}
	counts := [4]int{LevelProvince: 63, LevelDistrict: 705, LevelWard: 10599}
	for level := LevelProvince; level <= LevelWard; level++ {
		if got := len(u.units[level]); got != counts[level] {
			t.Errorf("%d %ss, want %d", got, level, counts[level])
		}
		for _, x := range u.units[level] {
			if x.Name == "" || x.FullName == "" || x.NameEn == "" || x.Kind == "" || x.Level != level ||
				len(x.Code) != level.codeLen() || (level > LevelProvince) != (x.ParentCode != "") {
				t.Errorf("incomplete unit %+v", x)
			}
			if x.Name != strings.TrimSpace(x.Name) || strings.Contains(x.Name, "  ") {
				t.Errorf("unit %s: name %q not trimmed", x.Code, x.Name)
			}
			if kindHint(x.Kind) == 0 {
				t.Errorf("unit %s: unknown kind %q", x.Code, x.Kind)
			}
		}
	}
	if !strings.Contains(u.Source(), "GSO") {
		t.Errorf("Source() = %q", u.Source())
	}
}

func TestUnitLookups(t *testing.T) {
	t.Parallel()
	u := AdminUnits()
	want := Unit{Code: "00001", Name: "Phúc Xá", FullName: "Phường Phúc Xá", NameEn: "Phuc Xa",
		Kind: KindWard, ParentCode: "001", Level: LevelWard}
	if got, ok := u.Ward("00001"); !ok || got != want {
		t.Errorf("Ward(00001) = %+v, %v", got, ok)
	}
	if got, ok := u.Ward("1"); ok {
		t.Errorf("Ward(1) = %+v; codes must be exact", got)
	}
	if got, ok := u.Lookup("00001"); !ok || got != want {
		t.Errorf("Lookup(00001) = %+v, %v", got, ok)
	}
	if got, ok := u.Province("01"); !ok || got.Name != "Hà Nội" || got.Kind != KindMunicipality || got.NameEn != "Ha Noi" {
		t.Errorf("Province(01) = %+v, %v", got, ok)
	}
	if got, ok := u.District("760"); !ok || got.FullName != "Quận 1" || got.ParentCode != "79" {
		t.Errorf("District(760) = %+v, %v", got, ok)
	}
	for _, bad := range []string{"", "03", "999", "99999", "0001", "abc", "001x"} {
		if x, ok := u.Lookup(bad); ok {
			t.Errorf("Lookup(%q) = %+v", bad, x)
		}
	}
	if _, ok := u.Province("001"); ok {
		t.Error("Province(001) found a district")
	}
	if p, ok := u.Parent("00001"); !ok || p.Code != "001" {
		t.Errorf("Parent(00001) = %+v, %v", p, ok)
	}
	if _, ok := u.Parent("01"); ok {
		t.Error("a province has a parent")
	}
	p, d, w, ok := u.WardPath("26740")
	if !ok || p.Code != "79" || d.Code != "760" || w.Name != "Bến Nghé" {
		t.Errorf("WardPath(26740) = %v %v %v %v", p.Code, d.Code, w.Code, ok)
	}
	if _, _, _, ok := u.WardPath("760"); ok {
		t.Error("WardPath of a district code")
	}
}

func TestChildren(t *testing.T) {
	t.Parallel()
	u := AdminUnits()
	if got := u.Children(""); len(got) != 63 || got[0].Code != "01" {
		t.Errorf("Children(\"\"): %d units", len(got))
	}
	if got := u.Children("VN"); len(got) != 63 {
		t.Errorf("Children(VN): %d units", len(got))
	}
	hn := u.Children("01")
	if len(hn) != 30 {
		t.Errorf("Hà Nội has %d districts, want 30", len(hn))
	}
	hn[0].Name = "changed"
	if again := u.Children("01"); again[0].Name == "changed" {
		t.Error("Children returns the table's own slice")
	}
	if got := u.Children("001"); len(got) != 14 || got[0].Code != "00001" {
		t.Errorf("Children(001): %d wards", len(got))
	}
	for _, none := range []string{"00001", "999", "xx"} {
		if got := u.Children(none); got != nil {
			t.Errorf("Children(%q) = %d units", none, len(got))
		}
	}
	total := 0
	for _, p := range u.Children("") {
		for _, d := range u.Children(p.Code) {
			if d.ParentCode != p.Code {
				t.Errorf("district %s under %s has parent %s", d.Code, p.Code, d.ParentCode)
			}
			total += len(u.Children(d.Code))
		}
	}
	if total != 10599 {
		t.Errorf("walking the tree finds %d wards", total)
	}
}

func TestWithin(t *testing.T) {
	t.Parallel()
	u := AdminUnits()
	tests := []struct {
		scope, code string
		want        bool
	}{
		{"", "26740", true},
		{"VN", "26740", true},
		{"79", "26740", true},
		{"760", "26740", true},
		{"26740", "26740", true},
		{"01", "26740", false},
		{"761", "26740", false},
		{"26743", "26740", false},
		{"79", "760", true},
		{"79", "79", true},
		{"760", "79", false},
		{"", "99999", false},
		{"79", "", false},
		{"7", "26740", false},
	}
	for _, tt := range tests {
		if got := u.Within(tt.scope, tt.code); got != tt.want {
			t.Errorf("Within(%q, %q) = %v, want %v", tt.scope, tt.code, got, tt.want)
		}
	}
}

func TestLoadUnitsRejectsBadTables(t *testing.T) {
	t.Parallel()
	bad := []string{
		`not json`,
		`{"provinces":[{"code":"1","name":"X","full_name":"Tỉnh X","unit":"province"}]}`,
		`{"provinces":[{"code":"01","name":"X","full_name":"Tỉnh X","unit":"province"},{"code":"01","name":"Y","full_name":"Tỉnh Y","unit":"province"}]}`,
		`{"districts":[{"code":"001","name":"X","full_name":"Quận X","province_code":"01","unit":"urban_district"}]}`,
	}
	for _, doc := range bad {
		if _, err := loadUnits([]byte(doc)); err == nil {
			t.Errorf("loadUnits(%s) accepted", doc)
		}
	}
}
