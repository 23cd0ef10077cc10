package legacy

// Columns of labtests/<lab_code>.csv, in the order of labCols.
const (
	labSample = iota
	labName
	labBirthYear
	labSex
	labPhone
	labIDNumber
	labAddress
	labType
	labResult
	labSampledAt
	labResultAt
)

var labCols = []column{
	{"ma_mau", true}, {"ho_ten", true}, {"nam_sinh", false}, {"gioi_tinh", false}, {"sdt", false},
	{"cccd", false}, {"dia_chi", false}, {"loai_xet_nghiem", true}, {"ket_qua", true},
	{"ngay_lay_mau", true}, {"ngay_tra_ket_qua", false},
}

// readLab reads the line list of the lab whose code is lab.
func readLab(in *input, lab string, out *batcher[Record], cache *caches) error {
	c, err := openCSV(in, ',', encUTF8, labCols)
	if err != nil {
		return err
	}
	return eachCSVRow(c, out, cache, recordParser(func(r *row, f []string, rec *Record) bool {
		return parseLabRow(r, lab, f, rec)
	}))
}

// parseLabRow turns a line of a lab's list into a record with one test.
// Test type, result and sampling time make the test: a row without them is
// set aside.
func parseLabRow(r *row, lab string, f []string, rec *Record) bool {
	if f[labSample] == "" {
		return r.reject("ma_mau", "no record key", "")
	}
	if !r.setKey("ma_mau", lab+"/"+f[labSample]) {
		return false
	}
	rec.Source, rec.Key = Labtests, r.key
	at, ok := r.eventTime("ngay_lay_mau", parseTime, f[labSampledAt])
	if !ok {
		return false
	}
	typ, ok := lookup(testTypes, f[labType])
	if !ok {
		return r.reject("loai_xet_nghiem", "unknown test type", "")
	}
	res, ok := lookup(testResults, f[labResult])
	if !ok {
		return r.reject("ket_qua", "unknown test result", "")
	}
	rec.At = at
	rec.FullName = r.c.name(f[labName])
	rec.BirthDate = r.birthDate("nam_sinh", f[labBirthYear])
	rec.Sex = r.sex("gioi_tinh", f[labSex])
	rec.Phone = r.phone("sdt", f[labPhone])
	r.idNumber("cccd", f[labIDNumber], rec)
	rec.Address = cleanText(f[labAddress])
	r.c.address(rec, rec.Address, "")
	test := TestResult{Type: typ, Positive: res == "P", SampledAt: at, Lab: lab, SampleID: f[labSample]}
	if f[labResultAt] != "" {
		resAt, err := parseTime(f[labResultAt])
		switch {
		case err != nil:
			r.drop("ngay_tra_ket_qua", "invalid date or time", "")
		case resAt.Before(at) || !resAt.Before(lastEvent):
			r.drop("ngay_tra_ket_qua", "result before sampling, or after 2022", "")
		default:
			test.ResultAt = resAt
		}
	}
	rec.Tests = []TestResult{test}
	return true
}
