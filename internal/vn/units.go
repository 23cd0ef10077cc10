package vn

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// adminUnitsJSON is the GSO table of administrative units as of 2021-11-01
// (before the 2025 merger), from github.com/thanglequoc/vietnamese-provinces-database
// under the MIT licence in admin-units-LICENSE.txt beside it.
//
//go:embed admin-units-2021.json
var adminUnitsJSON []byte

// Level is the tier of an administrative unit.
type Level uint8

// Levels. The zero value is no unit.
const (
	LevelNone     Level = iota
	LevelProvince       // tỉnh, thành phố trực thuộc trung ương: 2-digit code
	LevelDistrict       // quận, huyện, thị xã, thành phố thuộc tỉnh: 3 digits
	LevelWard           // phường, xã, thị trấn: 5 digits
)

// String returns "province", "district", "ward" or "".
func (l Level) String() string {
	switch l {
	case LevelProvince:
		return "province"
	case LevelDistrict:
		return "district"
	case LevelWard:
		return "ward"
	}
	return ""
}

// codeLen is the length of a unit code of the level.
func (l Level) codeLen() int {
	return [...]int{0, 2, 3, 5}[l]
}

// Kind is the type of an administrative unit, as the GSO table names it.
type Kind string

// Unit kinds.
const (
	KindMunicipality      Kind = "municipality"        // thành phố trực thuộc trung ương
	KindProvince          Kind = "province"            // tỉnh
	KindUrbanDistrict     Kind = "urban_district"      // quận
	KindDistrict          Kind = "district"            // huyện
	KindDistrictLevelTown Kind = "district_level_town" // thị xã
	KindProvincialCity    Kind = "provincial_city"     // thành phố thuộc tỉnh
	KindMunicipalCity     Kind = "municipal_city"      // thành phố thuộc thành phố (Thủ Đức)
	KindWard              Kind = "ward"                // phường
	KindCommune           Kind = "commune"             // xã
	KindCommuneLevelTown  Kind = "commune_level_town"  // thị trấn
)

// Unit is one province, district or ward of the GSO table.
type Unit struct {
	Code       string // GSO code: 2, 3 or 5 digits, zero-padded
	Name       string // name without the unit type: "Ba Đình", "1" for Quận 1
	FullName   string // name with the unit type: "Quận Ba Đình"
	NameEn     string // name without diacritics: "Ba Dinh"
	Kind       Kind   // type of unit
	ParentCode string // code of the province of a district, the district of a ward; "" for a province
	Level      Level  // province, district or ward
}

// Units is the immutable table of administrative units, with the indexes
// the lookups and the name resolver use. Get it from AdminUnits.
type Units struct {
	source string
	units  [4][]Unit          // by level
	code   map[string]int32   // code → index in units[level of the code]
	kids   map[string][]int32 // parent code ("" for the country) → child indexes
	names  [4]*nameIndex      // resolver index by level
}

// AdminUnits returns the administrative units of 2021 (GSO codes before the
// 2025 merger), parsed from the embedded table on first use (about 0.1 s)
// and shared afterwards. Units is read-only, so it is safe for concurrent
// use.
func AdminUnits() *Units { return adminUnits() }

var adminUnits = sync.OnceValue(func() *Units {
	u, err := loadUnits(adminUnitsJSON)
	if err != nil {
		panic("vn: embedded admin-units-2021.json: " + err.Error())
	}
	return u
})

type jsonUnit struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	NameEn       string `json:"name_en"`
	FullName     string `json:"full_name"`
	Unit         string `json:"unit"`
	ProvinceCode string `json:"province_code"`
	DistrictCode string `json:"district_code"`
}

func loadUnits(data []byte) (*Units, error) {
	var doc struct {
		Source    string     `json:"source"`
		Provinces []jsonUnit `json:"provinces"`
		Districts []jsonUnit `json:"districts"`
		Wards     []jsonUnit `json:"wards"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	u := &Units{
		source: doc.Source,
		code:   make(map[string]int32, len(doc.Provinces)+len(doc.Districts)+len(doc.Wards)),
		kids:   make(map[string][]int32, len(doc.Provinces)+len(doc.Districts)+1),
	}
	levels := [...][]jsonUnit{LevelProvince: doc.Provinces, LevelDistrict: doc.Districts, LevelWard: doc.Wards}
	for level := LevelProvince; level <= LevelWard; level++ {
		for _, j := range levels[level] {
			if err := u.add(level, j); err != nil {
				return nil, err
			}
		}
	}
	u.buildNameIndexes()
	return u, nil
}

func (u *Units) add(level Level, j jsonUnit) error {
	parent := j.ProvinceCode + j.DistrictCode
	if len(j.Code) != level.codeLen() || strings.Trim(j.Code, "0123456789") != "" {
		return fmt.Errorf("%s %q: bad code", level, j.Code)
	}
	if _, dup := u.code[j.Code]; dup {
		return fmt.Errorf("%s %s: duplicate code", level, j.Code)
	}
	if level > LevelProvince {
		if i, ok := u.code[parent]; !ok || u.units[level-1][i].Code != parent {
			return fmt.Errorf("%s %s: unknown parent %q", level, j.Code, parent)
		}
	}
	unit := Unit{
		Code:       j.Code,
		Name:       strings.Join(strings.Fields(j.Name), " "),
		FullName:   strings.Join(strings.Fields(j.FullName), " "),
		NameEn:     j.NameEn,
		Kind:       Kind(j.Unit),
		ParentCode: parent,
		Level:      level,
	}
	if unit.NameEn == "" {
		unit.NameEn = StripDiacritics(unit.Name)
	}
	u.code[j.Code] = int32(len(u.units[level]))
	u.kids[parent] = append(u.kids[parent], int32(len(u.units[level])))
	u.units[level] = append(u.units[level], unit)
	return nil
}

// Source returns the attribution of the table.
func (u *Units) Source() string { return u.source }

// get returns the unit with the exact code, at any level.
func (u *Units) get(code string) (*Unit, bool) {
	i, ok := u.code[code]
	if !ok {
		return nil, false
	}
	return &u.units[levelOfCode(code)][i], true
}

func levelOfCode(code string) Level {
	switch len(code) {
	case 2:
		return LevelProvince
	case 3:
		return LevelDistrict
	case 5:
		return LevelWard
	}
	return LevelNone
}

// at returns the unit of the level with the code.
func (u *Units) at(level Level, code string) (Unit, bool) {
	if levelOfCode(code) != level {
		return Unit{}, false
	}
	p, ok := u.get(code)
	if !ok {
		return Unit{}, false
	}
	return *p, true
}

func (u *Units) isProvince(code string) bool {
	_, ok := u.code[code]
	return ok && len(code) == 2
}

// Province returns the province with the 2-digit code ("01"). Codes are
// exact: a code that lost its leading zeros in a spreadsheet ("1") is not
// found.
func (u *Units) Province(code string) (Unit, bool) { return u.at(LevelProvince, code) }

// District returns the district with the 3-digit code ("001").
func (u *Units) District(code string) (Unit, bool) { return u.at(LevelDistrict, code) }

// Ward returns the ward with the 5-digit code ("00001").
func (u *Units) Ward(code string) (Unit, bool) { return u.at(LevelWard, code) }

// Lookup returns the unit with the code, whose length says its level: 2
// digits a province, 3 a district, 5 a ward.
func (u *Units) Lookup(code string) (Unit, bool) {
	p, ok := u.get(code)
	if !ok {
		return Unit{}, false
	}
	return *p, true
}

// Parent returns the unit directly above the unit with the code: the
// province of a district, the district of a ward. ok is false for a
// province or an unknown code.
func (u *Units) Parent(code string) (Unit, bool) {
	p, ok := u.get(code)
	if !ok || p.ParentCode == "" {
		return Unit{}, false
	}
	return u.Lookup(p.ParentCode)
}

// WardsIn returns the codes of the wards within an area (a province,
// district or ward code), in GSO code order; nil for an unknown code.
func (u *Units) WardsIn(code string) []string {
	unit, ok := u.Lookup(code)
	if !ok {
		return nil
	}
	if unit.Level == LevelWard {
		return []string{unit.Code}
	}
	var out []string
	for _, c := range u.Children(unit.Code) {
		out = append(out, u.WardsIn(c.Code)...)
	}
	return out
}

// Children returns, in GSO code order, the units directly below code: the
// provinces for "" or "VN", the districts of a province, the wards of a
// district; nil for a ward or an unknown code. The slice is the caller's.
func (u *Units) Children(code string) []Unit {
	if code == "VN" {
		code = ""
	}
	level := levelOfCode(code) + 1
	if code == "" {
		level = LevelProvince
	} else if _, ok := u.code[code]; !ok || level > LevelWard {
		return nil
	}
	idx := u.kids[code]
	out := make([]Unit, len(idx))
	for i, j := range idx {
		out[i] = u.units[level][j]
	}
	return out
}

// WardPath returns the province, district and ward of a ward code.
func (u *Units) WardPath(wardCode string) (province, district, ward Unit, ok bool) {
	if ward, ok = u.Ward(wardCode); !ok {
		return Unit{}, Unit{}, Unit{}, false
	}
	district, _ = u.District(ward.ParentCode)
	province, _ = u.Province(district.ParentCode)
	return province, district, ward, true
}

// Within reports whether the unit with the code (normally a ward; a
// district or province works too) lies inside, or is, the unit scopeCode:
// a province, district or ward code, or "" or "VN" for the whole country
// (any existing unit is within it). Unknown codes are within nothing.
func (u *Units) Within(scopeCode, code string) bool {
	p, ok := u.get(code)
	if !ok {
		return false
	}
	if scopeCode == "" || scopeCode == "VN" {
		return true
	}
	for {
		if p.Code == scopeCode {
			return true
		}
		if len(p.Code) <= len(scopeCode) || p.ParentCode == "" {
			return false
		}
		p, _ = u.get(p.ParentCode)
	}
}
