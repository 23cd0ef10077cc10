package legacy

import (
	"strconv"
)

// Columns of vaccination/doses.csv, in the order of doseCols.
const (
	vxID = iota
	vxPortalID
	vxName
	vxBirth
	vxSex
	vxIDNumber
	vxPhone
	vxNumber
	vxProduct
	vxLot
	vxDate
	vxFacility
	vxProvince
)

var doseCols = []column{
	{"ma_mui", true}, {"ma_doi_tuong", false}, {"ho_va_ten", true}, {"ngay_sinh", false}, {"gioi_tinh", false},
	{"so_dinh_danh", false}, {"so_dien_thoai", false}, {"mui_tiem", true}, {"ten_vac_xin", true},
	{"so_lo", false}, {"ngay_tiem", true}, {"co_so_tiem", false}, {"ma_tinh", false},
}

// readDoses reads vaccination/doses.csv: Windows-1258 and semicolons by
// contract. A file that starts with a UTF-8 byte-order mark, or whose
// first 64 KiB are UTF-8 with non-ASCII letters, was re-saved as UTF-8 and
// is read so: decoding it as Windows-1258 would turn every name into
// mojibake that no check downstream could tell from a real name.
func readDoses(in *input, out *batcher[Record], cache *caches) error {
	enc := encCP1258
	if in.bom || in.looksUTF8() {
		enc = encUTF8
	}
	c, err := openCSV(in, ';', enc, doseCols)
	if err != nil {
		return err
	}
	return eachCSVRow(c, out, cache, recordParser(func(r *row, f []string, rec *Record) bool {
		if enc == encCP1258 {
			for i, s := range f {
				f[i] = decodeCP1258(s)
			}
		}
		return parseDose(r, f, rec)
	}))
}

// parseDose turns a dose row into a record with one dose. Number,
// product and date make the dose: a row without them is set aside.
func parseDose(r *row, f []string, rec *Record) bool {
	if !r.setKey("ma_mui", f[vxID]) {
		return false
	}
	rec.Source, rec.Key = Vaccination, r.key
	date, ok := r.eventDate("ngay_tiem", f[vxDate])
	if !ok {
		return false
	}
	n, err := strconv.Atoi(f[vxNumber])
	if err != nil || n < 1 || n > 4 {
		return r.reject("mui_tiem", "dose number not 1–4", "")
	}
	product, ok := lookup(vaccineSpellings, f[vxProduct])
	if !ok {
		return r.reject("ten_vac_xin", "unknown vaccine product", vaccineDetail(f[vxProduct]))
	}
	rec.At = date.Time().UTC()
	rec.PortalID = cleanText(f[vxPortalID])
	rec.FullName = r.c.name(f[vxName])
	rec.BirthDate = r.birthDate("ngay_sinh", f[vxBirth])
	rec.Sex = r.sexCode("gioi_tinh", f[vxSex], "1", "0")
	r.idNumber("so_dinh_danh", f[vxIDNumber], rec)
	rec.Phone = r.phone("so_dien_thoai", f[vxPhone])
	rec.Doses = []Dose{{
		Number:      n,
		Product:     product,
		ProductName: cleanText(f[vxProduct]),
		Lot:         cleanText(f[vxLot]),
		Date:        date,
		Facility:    cleanText(f[vxFacility]),
		Province:    r.provinceCode("ma_tinh", f[vxProvince]),
	}}
	return true
}
