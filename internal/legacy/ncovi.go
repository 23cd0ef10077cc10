package legacy

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
)

// ncoviLine is one NCOVI declaration as the app wrote it, its values as
// text.
type ncoviLine struct {
	key, name, birthYear, sex, id, phone  string
	province, district, ward, address, at string
	symptoms                              uint8 // bit i: symptomCodes[i]
	contactWithCase, fromEpidemicArea     bool
}

// ncoviSymptoms are the keys of trieu_chung, in the order of symptomCodes.
var ncoviSymptoms = [...]string{"sot", "ho", "kho_tho", "dau_hong", "mat_vi_giac"}

// decodeNCOVI reads one line of JSON into d.
func decodeNCOVI(src *jsrc, d *ncoviLine) error {
	*d = ncoviLine{}
	return eachMember(src, func(k []byte, x jvalue) error {
		var err error
		switch string(k) {
		case "ma_khai_bao":
			d.key, err = x.text()
		case "ho_ten":
			d.name, err = x.text()
		case "nam_sinh":
			d.birthYear, err = x.text()
		case "gioi_tinh":
			d.sex, err = x.text()
		case "so_cmnd":
			d.id, err = x.text()
		case "so_dien_thoai":
			d.phone, err = x.text()
		case "tinh_thanh":
			d.province, err = x.text()
		case "quan_huyen":
			d.district, err = x.text()
		case "phuong_xa":
			d.ward, err = x.text()
		case "dia_chi":
			d.address, err = x.text()
		case "thoi_gian":
			d.at, err = x.text()
		case "trieu_chung":
			err = x.flags("trieu_chung", func(k []byte, yes bool) {
				for i, name := range ncoviSymptoms {
					if string(k) == name && yes {
						d.symptoms |= 1 << i
					}
				}
			})
		case "tiep_xuc":
			err = x.flags("tiep_xuc", func(k []byte, yes bool) {
				switch string(k) {
				case "nguoi_benh":
					d.contactWithCase = yes
				case "tu_vung_dich":
					d.fromEpidemicArea = yes
				}
			})
		}
		if err != nil {
			return named(err, string(k))
		}
		return nil
	})
}

// flags reads an object of yes/no answers (or null, for none).
func (v jvalue) flags(field string, fn func(k []byte, yes bool)) error {
	if v.kind == jNull {
		return nil
	}
	if v.kind != jObject {
		return &fieldError{field: field, found: v.kind, want: "an object"}
	}
	return v.members(func(k []byte, x jvalue) error {
		yes, err := x.flag()
		fn(k, yes)
		if err != nil {
			return named(err, field, k)
		}
		return nil
	})
}

// readNCOVI reads ncovi/declarations.jsonl. A line that is not one JSON
// object is set aside; a last line cut off before its end means the file
// was truncated.
func readNCOVI(in *input, out *batcher[Record], cache *caches) error {
	lr := newLineReader(in)
	r := &row{c: cache, file: in.name}
	var d ncoviLine
	var src jsrc
	for {
		b, start, tooLong, err := lr.next()
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return fatal(lr.line+1, lr.off, "read error", ": "+err.Error())
		}
		r.reset(lr.line)
		if bytes.HasPrefix(b, utf8BOM) { // files joined with their marks
			b, start = b[len(utf8BOM):], start+int64(len(utf8BOM))
		}
		if p, bad := checkLine(r, b, start, tooLong); bad {
			if p.Kind == kindTruncated {
				return &fatalError{p}
			}
			out.rep.add(p)
			continue
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		rec := out.next()
		kept := false
		if err := decodeNCOVI(src.reset(b), &d); err != nil {
			r.rejectJSON(err, start)
		} else {
			rec.File, rec.Line = r.file, r.line
			kept = parseNCOVI(r, &d, rec)
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

const kindTruncated = "truncated file"

// checkLine finds what makes a line of JSON Lines unreadable before it is
// parsed: its length, a cut-off end, bytes that are not UTF-8.
func checkLine(r *row, b []byte, start int64, tooLong bool) (Problem, bool) {
	p := Problem{File: r.file, Line: r.line, Offset: start, SetAside: true}
	switch {
	case tooLong:
		p.Kind = "line longer than " + strconv.Itoa(maxJSONLine>>20) + " MiB"
		p.Reason = p.Kind
	case len(b) > 0 && b[len(b)-1] != '\n' && !json.Valid(b) && len(bytes.TrimSpace(b)) > 0:
		end := start + int64(len(b))
		p.Kind, p.Offset = kindTruncated, end
		p.Reason = "truncated file: the last line, " + strconv.Itoa(r.line) + ", is cut off at byte " + strconv.FormatInt(end, 10)
	default:
		i := invalidUTF8(b)
		if i < 0 {
			return p, false
		}
		p.Offset = start + int64(i)
		p.Kind = "invalid UTF-8"
		p.Reason = "invalid UTF-8 at byte " + strconv.FormatInt(p.Offset, 10) + " (line " + strconv.Itoa(r.line) + ")"
	}
	return p, true
}

// rejectJSON sets the row aside for a JSON error; start is the file
// offset of the JSON text.
func (r *row) rejectJSON(err error, start int64) {
	what, detail, at := jsonProblem(err)
	if at >= 0 {
		detail = " at byte " + strconv.FormatInt(start+int64(at), 10) + detail
	}
	r.reject("", what, detail)
	if at >= 0 {
		r.aside.Offset = start + int64(at)
	}
}

// parseNCOVI turns a declaration into a record.
func parseNCOVI(r *row, d *ncoviLine, rec *Record) bool {
	if !r.setKey("ma_khai_bao", d.key) {
		return false
	}
	rec.Source, rec.Key = NCOVI, r.key
	at, ok := r.eventTime("thoi_gian", parseTime, d.at)
	if !ok {
		return false
	}
	rec.At = at
	rec.FullName = r.c.name(d.name)
	rec.BirthDate = r.birthDate("nam_sinh", d.birthYear)
	rec.Sex = r.sex("gioi_tinh", d.sex)
	r.idNumber("so_cmnd", d.id, rec)
	rec.Phone = r.phone("so_dien_thoai", d.phone)
	r.placeNames(rec, d.province, d.district, d.ward)
	rec.Address = cleanText(d.address)
	rec.Declaration = &Declaration{
		Type:             "NCOVI",
		DeclaredAt:       at,
		Symptoms:         symptomSet(d.symptoms),
		ContactWithCase:  d.contactWithCase,
		FromEpidemicArea: d.fromEpidemicArea,
	}
	return true
}

// placeNames resolves the place names of a declaration into rec, noting
// the names that did not resolve to a unit.
func (r *row) placeNames(rec *Record, province, district, ward string) {
	if province == "" && district == "" && ward == "" {
		return
	}
	p := r.c.place(province, district, ward)
	setPlace(rec, p)
	switch {
	case province != "" && p.ProvinceCode == "":
		r.drop("tinh_thanh", "place not recognised", "")
	case district != "" && p.DistrictCode == "":
		r.drop("quan_huyen", "place not recognised or ambiguous", "")
	case ward != "" && p.WardCode == "":
		r.drop("phuong_xa", "place not recognised or ambiguous", "")
	}
}
