package legacy

import (
	"strings"

	"github.com/pccovid/pccovid/internal/vn"
)

// Columns of vhd/declarations.csv, in the order of vhdCols.
const (
	vhdID = iota
	vhdType
	vhdName
	vhdBirth
	vhdGender
	vhdIDType
	vhdIDNumber
	vhdNationality
	vhdPhone
	vhdProvince
	vhdDistrict
	vhdWard
	vhdAddress
	vhdFrom
	vhdTo
	vhdTransport
	vhdTransportNo
	vhdSeat
	vhdDeparture
	vhdSymptoms
	vhdDeclaredAt
)

var vhdCols = []column{
	{"declaration_id", true}, {"declaration_type", true}, {"full_name", true}, {"date_of_birth", false},
	{"gender", false}, {"id_type", false}, {"id_number", false}, {"nationality", false}, {"phone", false},
	{"province_code", false}, {"district_code", false}, {"ward_code", false}, {"address", false},
	{"from_place", false}, {"to_place", false}, {"transport", false}, {"transport_no", false},
	{"seat_no", false}, {"departure_date", false}, {"symptoms", false}, {"declared_at", true},
}

var vhdPlaceCols = [3]string{"province_code", "district_code", "ward_code"}

// readVHD reads vhd/declarations.csv.
func readVHD(in *input, out *batcher[Record], cache *caches) error {
	c, err := openCSV(in, ',', encUTF8, vhdCols)
	if err != nil {
		return err
	}
	return eachCSVRow(c, out, cache, recordParser(parseVHD))
}

// parseVHD turns a VHD declaration into a record. The declaration type and
// time make the declaration what it is: a row without them is set aside.
func parseVHD(r *row, f []string, rec *Record) bool {
	if !r.setKey("declaration_id", f[vhdID]) {
		return false
	}
	rec.Source, rec.Key = VHD, r.key
	at, ok := r.eventTime("declared_at", parseTime, f[vhdDeclaredAt])
	if !ok {
		return false
	}
	typ := strings.ToUpper(f[vhdType])
	if typ != "DOMESTIC" && typ != "ENTRY" {
		return r.reject("declaration_type", "unknown declaration type", " (DOMESTIC or ENTRY expected)")
	}
	rec.At = at
	rec.FullName = r.c.name(f[vhdName])
	rec.BirthDate = r.birthDate("date_of_birth", f[vhdBirth])
	rec.Sex = r.sex("gender", f[vhdGender])
	rec.Phone = r.phone("phone", f[vhdPhone])
	decl := &Declaration{Type: typ, DeclaredAt: at}
	decl.IDType = r.vhdIdentity(f, rec)
	setPlace(rec, r.codePlace(vhdPlaceCols, [3]string{f[vhdProvince], f[vhdDistrict], f[vhdWard]}))
	rec.Address = cleanText(f[vhdAddress])
	decl.FromPlace, decl.ToPlace = cleanText(f[vhdFrom]), cleanText(f[vhdTo])
	decl.Transport = r.transport(f[vhdTransport])
	decl.TransportNo, decl.SeatNo = cleanText(f[vhdTransportNo]), cleanText(f[vhdSeat])
	decl.DepartureDate = r.optionalDate("departure_date", f[vhdDeparture])
	decl.Symptoms = r.symptomList("symptoms", f[vhdSymptoms])
	rec.Declaration = decl
	return true
}

// vhdIdentity reads id_type, id_number and nationality into rec and
// returns the declared id type. CCCD and CMND numbers are told apart by
// their digits, not by the declared type, which people confuse.
func (r *row) vhdIdentity(f []string, rec *Record) string {
	if nat := strings.ToUpper(f[vhdNationality]); nat != "" {
		if isAlpha3(nat) {
			rec.Nationality = nat
		} else {
			r.drop("nationality", "not an ISO 3166-1 alpha-3 code", "")
		}
	}
	idType := strings.ToUpper(f[vhdIDType])
	switch idType {
	case "PASSPORT":
		rec.Passport = r.passport("id_number", f[vhdIDNumber])
	case "CCCD", "CMND", "":
		r.idNumber("id_number", f[vhdIDNumber], rec)
	default:
		r.drop("id_type", "unknown identity document type", " (CCCD, CMND or PASSPORT expected)")
		idType = ""
		r.idNumber("id_number", f[vhdIDNumber], rec)
	}
	return idType
}

func isAlpha3(s string) bool {
	return len(s) == 3 && isUpper(s[0]) && isUpper(s[1]) && isUpper(s[2])
}

// passport reads a passport number: letters and digits, upper case,
// without the spaces and dashes people type.
func (r *row) passport(col, s string) string {
	if s == "" {
		return ""
	}
	var buf [32]byte
	out := buf[:0]
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-' || c == '.':
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case '0' <= c && c <= '9':
			digits++
		case !isUpper(c):
			r.drop(col, "invalid passport number", "")
			return ""
		}
		if len(out) == cap(out) {
			break
		}
		out = append(out, c)
	}
	if len(out) < 5 || len(out) > 20 || digits == 0 {
		r.drop(col, "invalid passport number", "")
		return ""
	}
	if string(out) == s {
		return s
	}
	return string(out)
}

// transports are the means of travel VHD knows.
var transports = map[string]string{
	"FLIGHT": "FLIGHT", "TRAIN": "TRAIN", "BUS": "BUS", "CAR": "CAR", "SHIP": "SHIP", "OTHER": "OTHER",
}

func (r *row) transport(s string) string {
	if s == "" {
		return ""
	}
	t, ok := transports[strings.ToUpper(s)]
	if !ok {
		r.drop("transport", "unknown means of transport", "")
	}
	return t
}

// optionalDate reads a date that is part of the payload but not essential
// to it; one that cannot be read, or lies outside 2020–2022, is left out.
func (r *row) optionalDate(col, s string) vn.Date {
	if s == "" {
		return vn.Date{}
	}
	d, err := vn.ParseDate(s)
	switch {
	case err != nil:
		r.drop(col, "invalid date", "")
		return vn.Date{}
	case d.Time().Before(firstEvent) || !d.Time().Before(lastEvent):
		r.drop(col, "date outside 2020–2022", "")
		return vn.Date{}
	}
	return d
}

// symptomBits indexes symptomCodes.
var symptomBits = map[string]uint8{"fever": 1, "cough": 2, "breath": 4, "sore_throat": 8, "taste_loss": 16}

// symptomList reads '|'-separated symptom codes, in any case; unknown
// codes are left out.
func (r *row) symptomList(col, s string) []string {
	if s == "" {
		return nil
	}
	var set uint8
	unknown := false
	for part := range strings.SplitSeq(s, "|") {
		part = strings.ToLower(strings.TrimSpace(part))
		if part == "" {
			continue
		}
		bit, ok := symptomBits[part]
		if !ok {
			unknown = true
		}
		set |= bit
	}
	if unknown {
		r.drop(col, "unknown symptom code", "")
	}
	return symptomSet(set)
}
