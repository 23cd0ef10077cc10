package legacy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

const (
	labHeader   = "ma_mau,ho_ten,nam_sinh,gioi_tinh,sdt,cccd,dia_chi,loai_xet_nghiem,ket_qua,ngay_lay_mau,ngay_tra_ket_qua\n"
	doseHeader  = "ma_mui;ma_doi_tuong;ho_va_ten;ngay_sinh;gioi_tinh;so_dinh_danh;so_dien_thoai;mui_tiem;ten_vac_xin;so_lo;ngay_tiem;co_so_tiem;ma_tinh\r\n"
	vhdHeader   = "declaration_id,declaration_type,full_name,date_of_birth,gender,id_type,id_number,nationality,phone,province_code,district_code,ward_code,address,from_place,to_place,transport,transport_no,seat_no,departure_date,symptoms,declared_at\n"
	labFile     = "labtests/LAB.csv"
	bzHeader    = "bluezone_id,phone_number,full_name,created_at,platform\n"
	contactHead = "bluezone_id,contact_bluezone_id,first_seen,last_seen,rssi_max\n"
)

// labRow returns a good line of a lab's list with the sample id id.
func labRow(id string) string {
	return id + `,Nguyễn Văn An,1985,Nam,0912345678,001085012345,"Phúc Xá, Ba Đình, Hà Nội",RT-PCR,Âm tính,12/08/2021 08:15,12/08/2021 20:00` + "\n"
}

// doseRow returns a good dose row, in UTF-8 (encode it for the file).
func doseRow(id, vaccine, date string) string {
	return id + ";DT-1;NGUYỄN THỊ HÀ;01/02/1985;0;001185012345;0912345678;1;" + vaccine + ";A1;" + date + ";TYT Phúc Xá;01\r\n"
}

// cp1258 encodes s as the vaccination portal does: letters Windows-1258
// has whole as one byte, the others as a letter and a combining tone mark.
func cp1258(t *testing.T, s string) string {
	t.Helper()
	enc := charmap.Windows1258.NewEncoder()
	var b strings.Builder
	for _, r := range s {
		out, err := enc.String(string(r))
		if err != nil {
			d := []rune(norm.NFD.String(string(r)))
			out, err = enc.String(norm.NFC.String(string(d[:2])) + string(d[2:]))
			if len(d) < 2 {
				err = fmt.Errorf("cannot encode %q", r)
			}
			if err != nil {
				out, err = enc.String(string(d))
			}
		}
		if err != nil {
			t.Fatalf("%q: %v", r, err)
		}
		b.WriteString(out)
	}
	return b.String()
}

func ncoviLineJSON(key string) string {
	return `{"ma_khai_bao":"` + key + `","ho_ten":"NGUYỄN VĂN AN","nam_sinh":1985,"gioi_tinh":"Nam","so_cmnd":"001085012345",` +
		`"so_dien_thoai":"0912345678","tinh_thanh":"Thành phố Hà Nội","quan_huyen":"Quận Ba Đình","phuong_xa":"Phường Phúc Xá",` +
		`"dia_chi":"Số 5 ngõ 12","trieu_chung":{"sot":true,"ho":false,"kho_tho":false,"dau_hong":true,"mat_vi_giac":false},` +
		`"tiep_xuc":{"nguoi_benh":false,"tu_vung_dich":true},"thoi_gian":"2020-04-12 08:15:00"}` + "\n"
}

func profileJSON(id string) string {
	return `{"profileId":"` + id + `","fullName":"Nguyễn Văn An","birthDate":"1985-02-01","sex":1,"identityNumber":"001085012345",` +
		`"phoneNumber":"84912345678","healthInsuranceNumber":"DN4010123456789","provinceCode":"01","address":"Số 5 ngõ 12, Phúc Xá, Ba Đình",` +
		`"managedBy":null,"chronicConditions":["diabetes"],"vaccinations":[{"dose":1,"vaccine":"AstraZeneca","date":"2021-07-01","lot":"A1234","facility":"TYT Phúc Xá"}],` +
		`"testResults":[{"type":"RT-PCR","result":"NEGATIVE","sampledAt":"2021-07-20T08:00:00+07:00","lab":"HCDC"}]}`
}

func keysOf(recs []Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Key)
	}
	return out
}

// wantProblem checks that rep lists exactly one problem, of the kind and
// with the reason given, at the line given.
func wantProblem(t *testing.T, rep *FileReport, line int, kind, reason string) {
	t.Helper()
	if len(rep.Problems) != 1 {
		t.Fatalf("problems %v, want one %q", rep.Problems, kind)
	}
	p := rep.Problems[0]
	if p.Kind != kind || p.Line != line || !strings.Contains(p.Reason, reason) || p.File != rep.File {
		t.Errorf("problem %+v, want kind %q at line %d with reason containing %q", p, kind, line, reason)
	}
}

// A JSON array cut off before its end: the batches read before are
// delivered, the batch it cut is not, and the report says where.
func TestTruncatedJSONArray(t *testing.T) {
	t.Parallel()
	var whole strings.Builder
	whole.WriteString("[\n")
	for i := range 5 {
		whole.WriteString(profileJSON("P" + strconv.Itoa(i)))
		whole.WriteString(",\n")
	}
	full := whole.String() + profileJSON("P5") + "\n]\n"
	// The file is found truncated when the element after the last whole
	// one is read: the batch that element would have joined is withheld.
	for _, tt := range []struct {
		cut, whole int
	}{
		{len(full) - 3, 6},             // no closing bracket
		{len(full) - 40, 5},            // inside the last element
		{len(whole.String()), 5},       // after a comma
		{len(whole.String()) - 2, 5},   // before a comma
		{len(whole.String()) - 300, 4}, // inside the fifth element
	} {
		data := full[:tt.cut]
		got := readBytes(fileHealthbook, []byte(data), 2)
		if got.err != nil {
			t.Fatal(got.err)
		}
		f := got.rep.Fatal
		if f == nil || f.Kind != kindTruncated || !strings.Contains(f.Reason, "truncated JSON array at byte "+strconv.Itoa(len(data))) {
			t.Fatalf("cut at %d: fatal %+v", tt.cut, f)
		}
		delivered := tt.whole - tt.whole%2
		if len(got.records) != delivered || got.batches != delivered/2 || got.rep.Read != delivered || got.rep.Withheld != tt.whole%2 {
			t.Errorf("cut at %d: delivered %v in %d batches, withheld %d; want %d whole elements in batches of 2",
				tt.cut, keysOf(got.records), got.batches, got.rep.Withheld, tt.whole)
		}
	}
}

// A JSON Lines file whose last line is cut off.
func TestTruncatedJSONLine(t *testing.T) {
	t.Parallel()
	data := ncoviLineJSON("NC-1") + ncoviLineJSON("NC-2") + ncoviLineJSON("NC-3")
	last := ncoviLineJSON("NC-4")
	data += last[:len(last)/2]
	got := readBytes(fileNCOVI, []byte(data), 2)
	f := got.rep.Fatal
	if f == nil || f.Kind != kindTruncated || f.Line != 4 || f.Offset != int64(len(data)) ||
		!strings.Contains(f.Reason, "line, 4, is cut off at byte "+strconv.Itoa(len(data))) {
		t.Fatalf("fatal %+v", f)
	}
	if !slices.Equal(keysOf(got.records), []string{"NC-1", "NC-2"}) || got.rep.Withheld != 1 {
		t.Errorf("delivered %v, withheld %d; want NC-1, NC-2 and NC-3 withheld", keysOf(got.records), got.rep.Withheld)
	}
	// A last line without a line break that is whole is no truncation.
	whole := readBytes(fileNCOVI, []byte(strings.TrimSuffix(ncoviLineJSON("NC-1")+ncoviLineJSON("NC-2"), "\n")), 2)
	if whole.rep.Fatal != nil || len(whole.records) != 2 {
		t.Errorf("whole file without final line break: %+v", whole.rep)
	}
}

// A CSV file whose last row is cut off is truncated; one whose last row
// lacks only the line break is not.
func TestTruncatedCSV(t *testing.T) {
	t.Parallel()
	data := labHeader + labRow("A") + labRow("B") + labRow("C")
	cut := data + labRow("D")[:30]
	got := readBytes(labFile, []byte(cut), 2)
	if f := got.rep.Fatal; f == nil || f.Kind != kindTruncated || f.Line != 5 || !strings.Contains(f.Reason, "cut off at byte "+strconv.Itoa(len(cut))) {
		t.Fatalf("fatal %+v", f)
	}
	if !slices.Equal(keysOf(got.records), []string{"LAB/A", "LAB/B"}) || got.rep.Withheld != 1 {
		t.Errorf("delivered %v, withheld %d", keysOf(got.records), got.rep.Withheld)
	}
	// An unterminated quote swallowing the rest of the file.
	open := labHeader + labRow("A") + `B,X,1985,Nam,,,"Phúc Xá, Ba Đình` + "\n" + "C,X,1985,Nam,,,Hà Nội,RT-PCR,NEG,12/08/2021 08:15,\n"
	got = readBytes(labFile, []byte(open), 10)
	if f := got.rep.Fatal; f == nil || f.Kind != "unterminated quoted field" || f.Line != 3 {
		t.Errorf("unterminated quote: fatal %+v", f)
	}
	whole := readBytes(labFile, []byte(strings.TrimSuffix(data, "\n")), 2)
	if whole.rep.Fatal != nil || len(whole.records) != 3 {
		t.Errorf("whole file without final line break: %+v", whole.rep)
	}
}

// A byte that is not UTF-8 sets its row aside, naming the byte's offset,
// in every UTF-8 source; the rest of the file is read.
func TestInvalidUTF8(t *testing.T) {
	t.Parallel()
	badLab := labHeader + labRow("A") + strings.Replace(labRow("B"), "Văn", "V\xe1n", 1) + labRow("C")
	badNCOVI := ncoviLineJSON("NC-1") + strings.Replace(ncoviLineJSON("NC-2"), "Số 5", "S\xc3\x28 5", 1) + ncoviLineJSON("NC-3")
	badHB := "[" + profileJSON("P0") + ",\n" + strings.Replace(profileJSON("P1"), "Ba Đình", "Ba \xffình", 1) + ",\n" + profileJSON("P2") + "]"
	badVHD := "\xef\xbb\xbf" + vhdHeader +
		"VHD1,DOMESTIC,Nguy\xe1\xbb n An,01/02/1985,MALE,CCCD,001085012345,VNM,+84912345678,01,001,00001,Số 5,Hà Nội,Huế,FLIGHT,VN244,12A,2021-08-03,,2021-08-03T09:12:45+07:00\n" +
		"VHD2,ENTRY,John Smith,01/02/1985,MALE,PASSPORT,X1234567,GBR,+447081795535,,,,,\"London, UK\",Hà Nội,FLIGHT,VN54,3C,2021-08-03,fever|cough,2021-08-03T09:12:45+07:00\n"
	tests := []struct {
		name, file, data string
		keys             []string
		line             int
		marker           string // the bad byte's context in data
		kind             string
	}{
		{"lab", labFile, badLab, []string{"LAB/A", "LAB/C"}, 3, "V\xe1n", "invalid UTF-8"},
		{"ncovi", fileNCOVI, badNCOVI, []string{"NC-1", "NC-3"}, 2, "S\xc3\x28", "invalid UTF-8"},
		{"healthbook", fileHealthbook, badHB, []string{"P0", "P2"}, 2, "Ba \xff", "invalid UTF-8"},
		{"vhd after a byte-order mark", fileVHD, badVHD, []string{"VHD2"}, 2, "Nguy\xe1\xbb ", "invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := readBytes(tt.file, []byte(tt.data), 1000)
			if !slices.Equal(keysOf(got.records), tt.keys) {
				t.Errorf("delivered %v, want %v", keysOf(got.records), tt.keys)
			}
			off := strings.Index(tt.data, tt.marker) + bytes.IndexFunc([]byte(tt.marker), func(r rune) bool { return r == '\uFFFD' })
			wantProblem(t, got.rep, tt.line, tt.kind, fmt.Sprintf("invalid UTF-8 at byte %d", off))
			if p := got.rep.Problems; len(p) == 1 && (p[0].Offset != int64(off) || !p[0].SetAside) {
				t.Errorf("problem offset %d, want %d", p[0].Offset, off)
			}
			for i := range got.records {
				checkRecord(t, &got.records[i])
			}
		})
	}
}

// The tracker finds bad bytes wherever the reads cut the text.
func TestTrackerOffsets(t *testing.T) {
	t.Parallel()
	text := "ab\nNguyễn\xe1\xbb\nx\xffy\n\xf0\x9f\x98\x80ok\xe1"
	want := []badByte{{off: 11, line: 2}, {off: 15, line: 3}, {off: 24, line: 4}}
	for _, r := range map[string]io.Reader{
		"whole":       strings.NewReader(text),
		"byte a read": iotest.OneByteReader(strings.NewReader(text)),
		"half reads":  iotest.HalfReader(strings.NewReader(text)),
	} {
		tr := newTracker(r, 0, encUTF8, 0)
		if _, err := io.ReadAll(tr); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(tr.bad, want) || tr.nl != 3 {
			t.Errorf("bad bytes %v, lines %d; want %v, 3", tr.bad, tr.nl, want)
		}
	}
}

// A byte Windows-1258 leaves undefined sets its row aside.
func TestUndecodableCP1258(t *testing.T) {
	t.Parallel()
	bad := strings.Replace(cp1258(t, doseRow("M2", "Moderna", "02/08/2021")), "TH", "T\x81H", 1)
	data := cp1258(t, doseHeader+doseRow("M1", "Moderna", "01/08/2021")) + bad + cp1258(t, doseRow("M3", "Moderna", "03/08/2021"))
	got := readBytes(fileDoses, []byte(data), 1000)
	if !slices.Equal(keysOf(got.records), []string{"M1", "M3"}) {
		t.Errorf("delivered %v", keysOf(got.records))
	}
	off := strings.Index(data, "\x81")
	wantProblem(t, got.rep, 3, "undecodable Windows-1258 byte", fmt.Sprintf("undecodable Windows-1258 byte at byte %d (line 3)", off))
	if got.records[0].FullName != "Nguyễn Thị Hà" || got.records[0].Doses[0].Facility != "TYT Phúc Xá" {
		t.Errorf("decoded %q, %q", got.records[0].FullName, got.records[0].Doses[0].Facility)
	}
}

// The vaccination export re-saved as UTF-8, with or without a byte-order
// mark, is read as UTF-8.
func TestDosesSavedAsUTF8(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{"", "\xef\xbb\xbf"} {
		data := prefix + doseHeader + doseRow("M1", "Pfizer", "01/08/2021")
		got := readBytes(fileDoses, []byte(data), 1000)
		if len(got.records) != 1 || got.records[0].FullName != "Nguyễn Thị Hà" {
			t.Errorf("prefix %q: %+v %v", prefix, got.records, got.rep.Problems)
		}
	}
}

// Rows broken in their structure are set aside, and the rest read.
func TestBadRows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, data string
		keys             []string
		line             int
		kind, reason     string
	}{
		{"too few fields", labFile, labHeader + labRow("A") + "B,Lê Văn C,1990,Nam\n" + labRow("C"),
			[]string{"LAB/A", "LAB/C"}, 3, "wrong number of fields", "4 where the header has 11"},
		{"too many fields", labFile, labHeader + strings.Replace(labRow("B"), "RT-PCR", "RT-PCR,x", 1) + labRow("C"),
			[]string{"LAB/C"}, 2, "wrong number of fields", "12 where the header has 11"},
		{"bare quote", labFile, labHeader + labRow("A") + strings.Replace(labRow("B"), "Nam,", `Na"m,`, 1) + labRow("C"),
			[]string{"LAB/A", "LAB/C"}, 3, "bad quoting", `bare "`},
		{"no key", labFile, labHeader + labRow("") + labRow("C"),
			[]string{"LAB/C"}, 2, "ma_mau: no record key", ""},
		{"unknown result", labFile, labHeader + strings.Replace(labRow("B"), "Âm tính", "Nghi ngờ", 1) + labRow("C"),
			[]string{"LAB/C"}, 2, "ket_qua: unknown test result", ""},
		{"impossible sampling date", labFile, labHeader + strings.Replace(labRow("B"), "12/08/2021 08:15", "31/02/2021 08:15", 1) + labRow("C"),
			[]string{"LAB/C"}, 2, "ngay_lay_mau: invalid date or time", ""},
		{"dose date outside the epidemic", fileDoses, doseHeader + doseRow("M1", "Moderna", "01/08/2019") + doseRow("M2", "Moderna", "01/08/2021"),
			[]string{"M2"}, 2, "ngay_tiem: date outside 2020–2022", ""},
		{"impossible dose date", fileDoses, doseHeader + doseRow("M1", "Moderna", "31/02/2021") + doseRow("M2", "Moderna", "01/08/2021"),
			[]string{"M2"}, 2, "ngay_tiem: invalid date or time", ""},
		{"unknown vaccine", fileDoses, doseHeader + doseRow("M1", "Covaxin", "01/08/2021") + doseRow("M2", "astra-zeneca", "01/08/2021"),
			[]string{"M2"}, 2, "ten_vac_xin: unknown vaccine product", "“Covaxin”"},
		{"dose number", fileDoses, doseHeader + strings.Replace(doseRow("M1", "Moderna", "01/08/2021"), ";1;Moderna", ";5;Moderna", 1) + doseRow("M2", "Moderna", "01/08/2021"),
			[]string{"M2"}, 2, "mui_tiem: dose number not 1–4", ""},
		{"ncovi not JSON", fileNCOVI, ncoviLineJSON("NC-1") + "{\"ma_khai_bao\":\"NC-2\",}\n" + ncoviLineJSON("NC-3"),
			[]string{"NC-1", "NC-3"}, 2, "invalid JSON", "invalid character '}'"},
		{"ncovi wrong type", fileNCOVI, strings.Replace(ncoviLineJSON("NC-1"), `"ho_ten":"NGUYỄN VĂN AN"`, `"ho_ten":{"x":1}`, 1) + ncoviLineJSON("NC-3"),
			[]string{"NC-3"}, 1, "field ho_ten: wrong type", "an object where text is expected"},
		{"ncovi not an object", fileNCOVI, "[1,2]\n" + ncoviLineJSON("NC-3"),
			[]string{"NC-3"}, 1, "not a JSON object", ""},
		{"vhd unknown type", fileVHD, vhdHeader + "VHD1,TRANSIT,A,01/02/1985,MALE,,,VNM,,,,,,,,,,,,,2021-08-03T09:12:45+07:00\n",
			nil, 2, "declaration_type: unknown declaration type", ""},
		{"bluezone bad phone", fileBluezoneUsers, bzHeader + "AAAAAA,0111 234 567,,1597624708935,ios\nBBBBBB,0912345678,,1597624708935,android\n",
			[]string{"BBBBBB"}, 2, "phone_number: invalid phone number", "too few digits"},
		{"bluezone seconds", fileBluezoneUsers, bzHeader + "AAAAAA,0912345678,,1597624708,ios\n",
			nil, 2, "created_at: invalid date or time", ""},
		{"health book element not an object", fileHealthbook, "[" + profileJSON("P0") + ",42," + profileJSON("P2") + "]",
			[]string{"P0", "P2"}, 1, "not a JSON object", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := readBytes(tt.file, []byte(tt.data), 1000)
			if !slices.Equal(keysOf(got.records), tt.keys) {
				t.Errorf("delivered %v, want %v", keysOf(got.records), tt.keys)
			}
			wantProblem(t, got.rep, tt.line, tt.kind, tt.reason)
			if got.rep.SetAside != 1 || got.rep.Fatal != nil {
				t.Errorf("report %+v", got.rep)
			}
		})
	}
}

// Values that cannot be read are left out of a record that is delivered.
func TestValuesLeftOut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, data string
		kinds            []string
		check            func(r *Record) bool
	}{
		{"impossible birth date", fileDoses, doseHeader + strings.Replace(doseRow("M1", "Moderna", "01/08/2021"), "01/02/1985", "30/02/1985", 1),
			[]string{"ngay_sinh: invalid birth date"}, func(r *Record) bool { return r.BirthDate.IsZero() && r.CCCD == "001185012345" }},
		{"bad phone and id", labFile, labHeader + strings.Replace(strings.Replace(labRow("A"), "0912345678", "0912 34x 678", 1), "001085012345", "00108501234", 1),
			[]string{"sdt: invalid phone number", "cccd: invalid identity number"}, func(r *Record) bool { return r.Phone == "" && r.CCCD == "" && r.CMND == "" }},
		{"result before sampling", labFile, labHeader + strings.Replace(labRow("A"), "12/08/2021 20:00", "11/08/2021 20:00", 1),
			[]string{"ngay_tra_ket_qua: result before sampling, or after 2022"}, func(r *Record) bool { return r.Tests[0].ResultAt.IsZero() }},
		{"unknown sex code", fileDoses, doseHeader + strings.Replace(doseRow("M1", "Moderna", "01/08/2021"), ";0;001185012345", ";2;001185012345", 1),
			[]string{"gioi_tinh: unknown sex code"}, func(r *Record) bool { return r.Sex == vn.SexUnknown }},
		{"health book dose of unknown vaccine", fileHealthbook, "[" + strings.Replace(profileJSON("P0"), `"vaccine":"AstraZeneca"`, `"vaccine":"Covaxin"`, 1) + "]",
			[]string{"vaccinations: dose with unknown vaccine product"}, func(r *Record) bool { return len(r.Doses) == 0 && len(r.Tests) == 1 }},
		{"vhd codes that disagree", fileVHD, vhdHeader + "VHD1,DOMESTIC,A,01/02/1985,MALE,,,VNM,,01,001,26734,,,,,,,,,2021-08-03T09:12:45+07:00\n",
			[]string{"ward_code: code not inside the unit of the other codes"}, func(r *Record) bool { return r.District == "001" && r.Ward == "" }},
		{"vhd codes that lost their zeros", fileVHD, vhdHeader + "VHD1,DOMESTIC,A,01/02/1985,MALE,,,VNM,,1,1,1,,,,,,,,,2021-08-03T09:12:45+07:00\n",
			nil, func(r *Record) bool { return r.Province == "01" && r.District == "001" && r.Ward == "00001" }},
		{"vhd province code one digit short", fileVHD, vhdHeader + "VHD1,DOMESTIC,A,01/02/1985,MALE,,,VNM,,7,,,,,,,,,,,2021-08-03T09:12:45+07:00\n",
			[]string{"province_code: unknown code"}, func(r *Record) bool { return r.Province == "" }},
		{"vhd symptoms and passport", fileVHD, vhdHeader + "VHD1,ENTRY,John Smith,01/02/1985,MALE,passport,x 123-4567,gbr,,,,,,London,Hà Nội,flight,VN54,3C,2021-08-03,Cough|FEVER|sneeze,2021-08-03T09:12:45+07:00\n",
			[]string{"symptoms: unknown symptom code"}, func(r *Record) bool {
				d := r.Declaration
				return r.Passport == "X1234567" && r.Nationality == "GBR" && d.Transport == "FLIGHT" && d.IDType == "PASSPORT" &&
					slices.Equal(d.Symptoms, []string{"fever", "cough"}) && d.DepartureDate == vn.Date{Year: 2021, Month: 8, Day: 3}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := readBytes(tt.file, []byte(tt.data), 1000)
			if len(got.records) != 1 || got.rep.SetAside != 0 {
				t.Fatalf("delivered %d, problems %v", len(got.records), got.rep.Problems)
			}
			if !slices.Equal(problemKinds(got.rep), tt.kinds) || got.rep.Dropped != len(tt.kinds) {
				t.Errorf("problems %v, want %v", problemKinds(got.rep), tt.kinds)
			}
			for _, p := range got.rep.Problems {
				if p.SetAside || p.Line != 2 && tt.file != fileHealthbook || p.Key == "" {
					t.Errorf("problem %+v", p)
				}
			}
			checkRecord(t, &got.records[0])
			if !tt.check(&got.records[0]) {
				t.Errorf("record %+v", got.records[0])
			}
		})
	}
}

// Byte-order marks, CRLF, a semicolon where a comma was expected, extra
// white space and quoted fields.
func TestTolerated(t *testing.T) {
	t.Parallel()
	lab := "\xef\xbb\xbf\xef\xbb\xbf" + strings.ReplaceAll(strings.ReplaceAll(labHeader+
		labRow("A")+"\n"+
		`  B ; "NGUYEN  VAN  AN";1985; Nam ;+84 912 345 678; 001.085.012.345 ;"Q.1, TP HCM"; Test nhanh kháng nguyên ;POS; 12/08/2021 08:15 ;`+"\n",
		",", ";"), "\n", "\r\n")
	lab = strings.Replace(lab, `"Phúc Xá; Ba Đình; Hà Nội"`, `"Phúc Xá, Ba Đình, Hà Nội"`, 1)
	got := readBytes(labFile, []byte(lab), 1000)
	if len(got.records) != 2 || len(got.rep.Problems) != 0 {
		t.Fatalf("records %d, problems %v", len(got.records), got.rep.Problems)
	}
	b := got.records[1]
	if b.Key != "LAB/B" || b.Line != 4 || b.FullName != "Nguyen Van An" || b.Phone != "+84912345678" || b.CCCD != "001085012345" ||
		b.District != "760" || !b.Tests[0].Positive || b.Tests[0].Type != TestRAT {
		t.Errorf("record %+v", b)
	}
	if a := got.records[0]; a.Ward != "00001" || a.Line != 2 {
		t.Errorf("record %+v", a)
	}
	// NCOVI's many spellings of one value.
	line := strings.NewReplacer(`"nam_sinh":1985`, `"nam_sinh":"1985"`, `"so_cmnd":"001085012345"`, `"so_cmnd":"001 085 012 345"`,
		`"tinh_thanh":"Thành phố Hà Nội"`, `"tinh_thanh":"HN"`, `"quan_huyen":"Quận Ba Đình"`, `"quan_huyen":"Q. Ba Dinh"`,
		`"sot":true`, `"sot":1`, `"MA_KHAI_BAO"`, `"ma_khai_bao"`).Replace(ncoviLineJSON("NC-1"))
	got = readBytes(fileNCOVI, []byte("\xef\xbb\xbf"+strings.ReplaceAll(line, "\n", "\r\n")+"\r\n"), 1000)
	if len(got.records) != 1 || len(got.rep.Problems) != 0 {
		t.Fatalf("ncovi: records %d, problems %v", len(got.records), got.rep.Problems)
	}
	r := got.records[0]
	if r.BirthDate != (vn.Date{Year: 1985}) || r.CCCD != "001085012345" || r.Ward != "00001" || r.FullName != "Nguyễn Văn An" ||
		!slices.Equal(r.Declaration.Symptoms, []string{"fever", "sore_throat"}) || !r.Declaration.FromEpidemicArea || r.Declaration.ContactWithCase {
		t.Errorf("ncovi record %+v %+v", r, r.Declaration)
	}
}

// A file that cannot be read at all stops, and the next file is read.
func TestUnreadableFiles(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, file, data, kind string }{
		{"empty CSV", labFile, "", "empty file"},
		{"empty array file", fileHealthbook, "", "empty file"},
		{"header without a required column", labFile, "ma_mau,ho_ten\nA,B\n", "header row has no column loai_xet_nghiem"},
		{"not an array", fileHealthbook, profileJSON("P0"), "not a JSON array"},
		{"broken array", fileHealthbook, "[" + profileJSON("P0") + " " + profileJSON("P1") + "]", "invalid JSON"},
		{"binary", labFile, labHeader + strings.Repeat("\x00\x01", maxCSVLine), "read error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := readBytes(tt.file, []byte(tt.data), 1000)
			if f := got.rep.Fatal; f == nil || f.Kind != tt.kind || len(got.records) != 0 {
				t.Errorf("fatal %+v, %d records", f, len(got.records))
			}
		})
	}
	dir := writeDump(t, map[string]string{
		"labtests/A.csv": "",
		"labtests/B.csv": labHeader + labRow("X"),
	})
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	rep, err := d.Read(context.Background(), 10, func(b []Record) error { keys = append(keys, keysOf(b)...); return nil })
	if err != nil || !slices.Equal(keys, []string{"B/X"}) || rep.Failed != 1 || rep.Err() == nil || !errors.Is(rep.Err(), problem.ErrInvalid) {
		t.Errorf("keys %v, err %v, report %+v", keys, err, rep)
	}
}

// Extra data after the health book's array is reported, the array read.
func TestDataAfterArray(t *testing.T) {
	t.Parallel()
	got := readBytes(fileHealthbook, []byte("["+profileJSON("P0")+"]\n[]"), 10)
	if len(got.records) != 1 || got.rep.Fatal != nil {
		t.Fatalf("%+v", got.rep)
	}
	wantProblem(t, got.rep, 2, "data after the JSON array", "not read")
}

// The problem list is capped, the counts are not.
func TestProblemCap(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(labHeader)
	for i := range MaxProblems + 10 {
		b.WriteString(strconv.Itoa(i) + ",x\n")
	}
	got := readBytes(labFile, []byte(b.String()), 10)
	if len(got.rep.Problems) != MaxProblems || got.rep.SetAside != MaxProblems+10 || got.rep.Counts["wrong number of fields"] != MaxProblems+10 {
		t.Errorf("%d problems listed, %d set aside, counts %v", len(got.rep.Problems), got.rep.SetAside, got.rep.Counts)
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	if _, err := Open(t.TempDir()); !errors.Is(err, problem.ErrNotFound) {
		t.Errorf("empty folder: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("missing folder opened")
	}
	dir := writeDump(t, map[string]string{
		"labtests/Z_LAB.csv":       labHeader,
		"labtests/A_LAB.csv":       labHeader,
		"labtests/notes.txt":       "",
		"vaccination/doses.csv":    doseHeader,
		"ncovi/declarations.jsonl": "",
		"registry/people.csv":      "cccd\n",
	})
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Sources(), []Source{NCOVI, Vaccination, Labtests}) || !d.HasRegistry() || d.HasContacts() ||
		!slices.Equal(d.Files(), []string{fileNCOVI, fileDoses, "labtests/A_LAB.csv", "labtests/Z_LAB.csv"}) {
		t.Errorf("sources %v, files %v, registry %v", d.Sources(), d.Files(), d.HasRegistry())
	}
	only, err := Open(writeDump(t, map[string]string{"registry/people.csv": "cccd\n"}))
	if err != nil || len(only.Sources()) != 0 || !only.HasRegistry() {
		t.Errorf("registry only: %v %v", only, err)
	}
}

// An error from fn, or a cancelled context, stops Read at once.
func TestReadStops(t *testing.T) {
	t.Parallel()
	d, err := Open(sampleDir)
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	calls := 0
	rep, err := d.Read(context.Background(), 100, func([]Record) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 || rep.Read != 100 {
		t.Errorf("err %v after %d calls, %d read", err, calls, rep.Read)
	}
	ctx, cancel := context.WithCancel(context.Background())
	calls = 0
	_, err = d.Read(ctx, 100, func([]Record) error { calls++; cancel(); return nil })
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("err %v after %d calls", err, calls)
	}
	_, err = d.Contacts(ctx, func([]Contact) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("contacts: %v", err)
	}
}

func TestContacts(t *testing.T) {
	t.Parallel()
	d, err := Open(sampleDir)
	if err != nil {
		t.Fatal(err)
	}
	var all []Contact
	rep, err := d.Contacts(context.Background(), func(c []Contact) error { all = append(all, c...); return nil })
	if err != nil || len(all) != countRows(t, fileContacts) || rep.Read != len(all) || rep.SetAside != 0 {
		t.Fatalf("%d contacts, %v, %+v", len(all), err, rep)
	}
	if c := all[0]; c.BluezoneID != "B2BLCH" || c.ContactID != "ENQYMY" || c.RSSIMax != -90 || c.FirstSeen.UnixMilli() != 1635463254064 || c.LastSeen.UnixMilli() != 1635465441483 {
		t.Errorf("first contact %+v", c)
	}
	dir := writeDump(t, map[string]string{fileContacts: contactHead +
		"A,B,1635463254064,1635465441483,-90\nA,B,1635465441483,1635463254064,-90\nA,C,1635463254064,1635465441483,12\n"})
	d, _ = Open(dir)
	all = nil
	rep, _ = d.Contacts(context.Background(), func(c []Contact) error { all = append(all, c...); return nil })
	if len(all) != 1 || !slices.Equal(problemKinds(rep.Files[0]), []string{"last_seen: before first_seen", "rssi_max: not a signal strength in dBm (a negative integer)"}) {
		t.Errorf("%d contacts, problems %v", len(all), problemKinds(rep.Files[0]))
	}
}

// The end-of-run report names files, lines and reasons, never what the
// rows hold.
func TestWriteTextHoldsNoPersonalData(t *testing.T) {
	t.Parallel()
	secretName, secretPhone, secretID := "Bí Mật Người", "0912 34x 678", "001 085 01234"
	dir := writeDump(t, map[string]string{
		labFile: labHeader +
			strings.NewReplacer("Nguyễn Văn An", secretName, "0912345678", secretPhone, "001085012345", secretID, "12/08/2021 08:15", "31/02/2021 08:15").Replace(labRow("A")) +
			strings.NewReplacer("Nguyễn Văn An", secretName, "0912345678", secretPhone, "001085012345", secretID, "1985", "19x5").Replace(labRow("B")) + "C,x\n",
		fileHealthbook: "[" + profileJSON("P0"),
	})
	d, _ := Open(dir)
	rep, err := d.Read(context.Background(), 10, func([]Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, secret := range []string{secretName, secretPhone, secretID, "0912", "19x5", "31/02"} {
		if strings.Contains(text, secret) {
			t.Errorf("report shows %q:\n%s", secret, text)
		}
	}
	for _, want := range []string{labFile + ":2: [LAB/A] ngay_lay_mau: invalid date or time (set aside)", labFile + ":3: [LAB/B] sdt: invalid phone number",
		"nam_sinh: invalid birth date", "wrong number of fields", "STOPPED: truncated JSON array at byte", "NOT READ TO THE END"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if testing.Verbose() {
		os.Stdout.WriteString(text)
	}
}
