package web

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/vn"
)

func TestPlaceFromForm(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ prov, dist, ward, want string }{
		{"01", "001", "00001", "00001"},
		{"01", "001", "", "001"},
		{"01", "", "", "01"},
		{"", "001", "00001", ""},
		{"79", "001", "00001", "79"},   // the province changed without the script: the rest is dropped
		{"01", "001", "26734", "001"},  // a ward of another district
		{"01", "0011", "00001", "01"},  // not a code
		{"1", "001", "00001", ""},      // a code that lost its zero
		{"01", "001", "00001 ", "001"}, // codes are exact
	} {
		form := url.Values{"ward_province": {c.prov}, "ward_district": {c.dist}, "ward_ward": {c.ward}}
		r := httptest.NewRequest("POST", "/", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if got := placeFromForm(r, "ward"); got != c.want {
			t.Errorf("%q %q %q → %q, want %q", c.prov, c.dist, c.ward, got, c.want)
		}
	}
	p := newPlacePicker("vi", "ward", "decl.to", "00001")
	if p.Province != "01" || p.District != "001" || p.Ward != "00001" || len(p.Districts) == 0 || len(p.Wards) == 0 {
		t.Errorf("picker = %+v", p)
	}
}

// FuzzPlaceFromForm: whatever the three selects post, the place read is
// empty or a real unit whose parents are the ones chosen.
func FuzzPlaceFromForm(f *testing.F) {
	f.Add("01", "001", "00001")
	f.Add("79", "001", "26734")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, prov, dist, ward string) {
		form := url.Values{"x_province": {prov}, "x_district": {dist}, "x_ward": {ward}}
		r := httptest.NewRequest("POST", "/", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		got := placeFromForm(r, "x")
		if got == "" {
			return
		}
		units := vn.AdminUnits()
		u, ok := units.Lookup(got)
		if !ok || got != map[vn.Level]string{vn.LevelProvince: prov, vn.LevelDistrict: dist, vn.LevelWard: ward}[u.Level] {
			t.Fatalf("%q %q %q → %q", prov, dist, ward, got)
		}
		if !units.Within(prov, got) || u.Level == vn.LevelWard && !units.Within(dist, got) {
			t.Fatalf("%q %q %q → %q is not within the choices", prov, dist, ward, got)
		}
	})
}
