package legacy

import (
	"encoding/hex"
	"io"
	"strconv"
	"time"

	"github.com/pccovid/pccovid/internal/vn"
)

// profile is one electronic health book profile as the app exported it,
// its values as text.
type profile struct {
	id, name, birthDate, sex, idNumber, phone string
	insurance, province, address, managedBy   string
	chronic                                   []string
	vaccines                                  []hbDose
	tests                                     []hbTest
}

type hbDose struct{ dose, vaccine, date, lot, facility string }

type hbTest struct{ typ, result, sampledAt, lab string }

// decodeProfile reads one element of the array into p, reusing its
// slices.
func decodeProfile(src *jsrc, p *profile) error {
	*p = profile{chronic: p.chronic[:0], vaccines: p.vaccines[:0], tests: p.tests[:0]}
	return eachMember(src, func(k []byte, x jvalue) error {
		var err error
		switch string(k) {
		case "profileid":
			p.id, err = x.text()
		case "fullname":
			p.name, err = x.text()
		case "birthdate":
			p.birthDate, err = x.text()
		case "sex":
			p.sex, err = x.text()
		case "identitynumber":
			p.idNumber, err = x.text()
		case "phonenumber":
			p.phone, err = x.text()
		case "healthinsurancenumber":
			p.insurance, err = x.text()
		case "provincecode":
			p.province, err = x.text()
		case "address":
			p.address, err = x.text()
		case "managedby":
			p.managedBy, err = x.text()
		case "chronicconditions":
			err = x.list("chronicConditions", func(_ []byte, y jvalue) error {
				c, err := y.text()
				if c != "" {
					p.chronic = append(p.chronic, c)
				}
				return named(err, "chronicConditions")
			})
		case "vaccinations":
			err = x.list("vaccinations", func(_ []byte, y jvalue) error {
				var d hbDose
				err := y.textMembers("vaccinations", func(k []byte) *string {
					switch string(k) {
					case "dose":
						return &d.dose
					case "vaccine":
						return &d.vaccine
					case "date":
						return &d.date
					case "lot":
						return &d.lot
					case "facility":
						return &d.facility
					}
					return nil
				})
				p.vaccines = append(p.vaccines, d)
				return err
			})
		case "testresults":
			err = x.list("testResults", func(_ []byte, y jvalue) error {
				var t hbTest
				err := y.textMembers("testResults", func(k []byte) *string {
					switch string(k) {
					case "type":
						return &t.typ
					case "result":
						return &t.result
					case "sampledat":
						return &t.sampledAt
					case "lab":
						return &t.lab
					}
					return nil
				})
				p.tests = append(p.tests, t)
				return err
			})
		}
		if err != nil {
			return named(err, string(k))
		}
		return nil
	})
}

// list reads an array (or null, for none) element by element.
func (v jvalue) list(field string, fn func(_ []byte, v jvalue) error) error {
	switch v.kind {
	case jNull:
		return nil
	case jArray:
		return v.elements(fn)
	}
	return &fieldError{field: field, found: v.kind, want: "an array"}
}

// textMembers reads the members of an object as text, each into the
// string dst returns for its key (in lower case), or nowhere for nil.
func (v jvalue) textMembers(field string, dst func(k []byte) *string) error {
	if v.kind != jObject {
		return &fieldError{field: field, found: v.kind, want: "an object"}
	}
	return v.members(func(k []byte, x jvalue) error {
		p := dst(k)
		if p == nil {
			return nil
		}
		var err error
		*p, err = x.text()
		if err != nil {
			return named(err, field, k)
		}
		return nil
	})
}

// readHealthbook reads healthbook/profiles.json. A profile with bytes
// that are not UTF-8, or that is not an object of the expected shape, is
// set aside; JSON that breaks the syntax, or ends before the array does,
// stops the file.
func readHealthbook(in *input, out *batcher[Record], cache *caches) error {
	a, err := openJSONArray(in)
	if err != nil {
		return err
	}
	r := &row{c: cache, file: in.name}
	var p profile
	var src jsrc
	for {
		raw, err := a.next(r)
		switch {
		case err == io.EOF:
			return nil
		case err == errAfterArray:
			out.rep.add(r.aside)
			return nil
		case err != nil:
			return err
		}
		rec := out.next()
		rec.File, rec.Line = r.file, r.line
		kept := false
		if raw != nil {
			if err := decodeProfile(src.reset(raw), &p); err != nil {
				r.rejectJSON(err, a.start)
			} else {
				kept = parseProfile(r, &p, rec)
			}
		}
		r.report(out.rep, kept)
		if !kept {
			out.drop()
			continue
		}
		if err := out.keep(); err != nil {
			return err
		}
	}
}

// parseProfile turns a health book profile into a record, with its doses
// and tests. A dose or test that cannot be read is left out, and the rest
// of the profile delivered.
func parseProfile(r *row, p *profile, rec *Record) bool {
	if !r.setKey("profileId", p.id) {
		return false
	}
	rec.Source, rec.Key = Healthbook, r.key
	rec.At = objectIDTime(rec.Key)
	rec.FullName = r.c.name(p.name)
	rec.BirthDate = r.birthDate("birthDate", p.birthDate)
	rec.Sex = r.sexCode("sex", p.sex, "1", "2")
	r.idNumber("identityNumber", p.idNumber, rec)
	rec.Phone = r.phone("phoneNumber", p.phone)
	rec.InsuranceCard = r.insuranceCard("healthInsuranceNumber", p.insurance)
	province := r.provinceCode("provinceCode", p.province)
	rec.Address = cleanText(p.address)
	r.c.address(rec, rec.Address, province)
	switch {
	case p.managedBy == "":
	case p.managedBy == rec.Key:
		r.drop("managedBy", "profile manages itself", "")
	case !isKey(p.managedBy):
		r.drop("managedBy", "not a profile id", "")
	default:
		rec.ManagedBy = p.managedBy
	}
	for _, c := range p.chronic {
		if c = cleanText(c); c != "" {
			rec.Conditions = append(rec.Conditions, c)
		}
	}
	for _, v := range p.vaccines {
		if d, ok := r.dose("vaccinations", v.dose, v.vaccine, v.date); ok {
			d.Lot, d.Facility = cleanText(v.lot), cleanText(v.facility)
			rec.Doses = append(rec.Doses, d)
		}
	}
	for _, x := range p.tests {
		if t, ok := r.test("testResults", x.typ, x.result, x.sampledAt); ok {
			t.Lab = cleanText(x.lab)
			rec.Tests = append(rec.Tests, t)
		}
	}
	return true
}

// objectIDTime returns the creation time a MongoDB ObjectId (24 hex
// digits, the first 8 a Unix time in seconds) holds, when key is one and
// the time lies in the years of the epidemic; the zero time otherwise.
// The health book gives no other date for a profile.
func objectIDTime(key string) time.Time {
	if len(key) != 24 {
		return time.Time{}
	}
	var b [12]byte
	if _, err := hex.Decode(b[:], []byte(key)); err != nil {
		return time.Time{}
	}
	t := time.Unix(int64(b[0])<<24|int64(b[1])<<16|int64(b[2])<<8|int64(b[3]), 0).UTC()
	if t.Before(firstEvent) || !t.Before(lastEvent) {
		return time.Time{}
	}
	return t
}

// dose reads one vaccine dose: its number (1–4), product and date, which
// make the dose what it is. A dose missing one is left out with a note
// naming col.
func (r *row) dose(col, number, product, date string) (Dose, bool) {
	n, err := strconv.Atoi(number)
	if err != nil || n < 1 || n > 4 {
		r.drop(col, "dose with a number not 1–4", "")
		return Dose{}, false
	}
	code, ok := lookup(vaccineSpellings, product)
	if !ok {
		r.drop(col, "dose with unknown vaccine product", vaccineDetail(product))
		return Dose{}, false
	}
	d, err := vn.ParseDate(date)
	if err != nil || d.Day == 0 || d.Time().Before(firstEvent) || !d.Time().Before(lastEvent) {
		r.drop(col, "dose with an invalid date", "")
		return Dose{}, false
	}
	return Dose{Number: n, Product: code, ProductName: cleanText(product), Date: d}, true
}

// vaccineDetail quotes an unknown vaccine spelling for the report: a
// product name is no personal data, and the report is how the table of
// spellings grows.
func vaccineDetail(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return " “" + cleanText(s) + "”"
}

// test reads one test result; a test whose type, result or sampling time
// cannot be read is left out with a note naming col.
func (r *row) test(col, typ, result, sampledAt string) (TestResult, bool) {
	t, ok := lookup(testTypes, typ)
	if !ok {
		r.drop(col, "test of unknown type", "")
		return TestResult{}, false
	}
	res, ok := lookup(testResults, result)
	if !ok {
		r.drop(col, "test with unknown result", "")
		return TestResult{}, false
	}
	at, err := parseTime(sampledAt)
	if err != nil || at.Before(firstEvent) || !at.Before(lastEvent) {
		r.drop(col, "test with an invalid sampling time", "")
		return TestResult{}, false
	}
	return TestResult{Type: t, Positive: res == "P", SampledAt: at}, true
}
