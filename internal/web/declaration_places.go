package web

import (
	"net/http"

	"github.com/pccovid/pccovid/internal/vn"
)

// placePicker is one place chosen with three selects, province → district
// → ward, from the real admin-unit lists, never typed. Its selects are
// named NAME_province, NAME_district, NAME_ward; the script of the
// check-in pages (checkin.js, select[data-units]) fills each from the one
// before it through /api/v1/admin-units, and without scripts a button
// reloads the form with the next list.
type placePicker struct {
	Lang  string
	Name  string // the place's form field: field errors about it use this name
	Label string // message key of its legend
	// The codes chosen, and the options of each select.
	Province, District, Ward    string
	Provinces, Districts, Wards []vn.Unit
}

// newPlacePicker shows the place code (a ward, district or province, or
// empty) in the selects.
func newPlacePicker(lang, name, label, code string) placePicker {
	units := vn.AdminUnits()
	p := placePicker{Lang: lang, Name: name, Label: label, Provinces: units.Children("")}
	u, ok := units.Lookup(code)
	for ok {
		switch u.Level {
		case vn.LevelWard:
			p.Ward = u.Code
		case vn.LevelDistrict:
			p.District = u.Code
		case vn.LevelProvince:
			p.Province = u.Code
		}
		u, ok = units.Parent(u.Code)
	}
	if p.Province != "" {
		p.Districts = units.Children(p.Province)
	}
	if p.District != "" {
		p.Wards = units.Children(p.District)
	}
	return p
}

// placeFromForm returns the most precise place the form's three selects
// name consistently: the ward if it lies in the district and the district
// in the province, else the district, else the province. A district left
// over from another province (the person changed the province without the
// script) is dropped rather than trusted.
func placeFromForm(r *http.Request, name string) string {
	units := vn.AdminUnits()
	prov, dist, ward := r.PostFormValue(name+"_province"), r.PostFormValue(name+"_district"), r.PostFormValue(name+"_ward")
	if _, ok := units.Province(prov); !ok {
		return ""
	}
	if d, ok := units.District(dist); !ok || d.ParentCode != prov {
		return prov
	}
	if w, ok := units.Ward(ward); !ok || w.ParentCode != dist {
		return dist
	}
	return ward
}
