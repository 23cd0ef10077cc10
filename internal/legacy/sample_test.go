package legacy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/vn"
)

// sampleDir is the synthetic sample dump, copied from the legacy
// contract's sample (see testdata/README.md).
const sampleDir = "testdata/sample"

// readSample reads the whole sample dump once per test.
func readSample(t *testing.T, batchSize int) ([]Record, *Report) {
	t.Helper()
	d, err := Open(sampleDir)
	if err != nil {
		t.Fatal(err)
	}
	var recs []Record
	rep, err := d.Read(context.Background(), batchSize, func(b []Record) error {
		if len(b) > batchSize {
			t.Errorf("batch of %d records, more than %d", len(b), batchSize)
		}
		recs = append(recs, b...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs, rep
}

// countRows counts the records of a sample file independently of the
// readers: CSV rows after the header, JSON Lines lines, array elements.
func countRows(t *testing.T, name string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sampleDir, name))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case strings.HasSuffix(name, ".jsonl"):
		return bytes.Count(bytes.TrimSpace(data), []byte("\n")) + 1
	case strings.HasSuffix(name, ".json"):
		var all []json.RawMessage
		if err := json.Unmarshal(data, &all); err != nil {
			t.Fatal(err)
		}
		return len(all)
	}
	r := csv.NewReader(bytes.NewReader(data))
	if name == fileDoses {
		r.Comma = ';'
	}
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return len(rows) - 1
}

// Every row of every sample file is read, and only the values the sample
// gets wrong are left out.
func TestSampleEveryRowRead(t *testing.T) {
	t.Parallel()
	recs, rep := readSample(t, 500)
	if len(rep.Files) != 10 {
		t.Fatalf("%d files read, want 10", len(rep.Files))
	}
	perFile := map[string]int{}
	for i := range recs {
		perFile[recs[i].File]++
		checkRecord(t, &recs[i])
	}
	for _, f := range rep.Files {
		want := countRows(t, f.File)
		if f.Read != want || perFile[f.File] != want || f.SetAside != 0 || f.Withheld != 0 || f.Fatal != nil {
			t.Errorf("%s: read %d (delivered %d), set aside %d, withheld %d, fatal %v; the file has %d rows",
				f.File, f.Read, perFile[f.File], f.SetAside, f.Withheld, f.Fatal, want)
		}
		for _, p := range f.Problems {
			t.Logf("sample value left out: %s", p)
		}
	}
	// The sample's own faults: three identity numbers that cannot be
	// (province 003 does not exist; digit 4 = 8 is a birth after 2100),
	// and three ward names that are ambiguous within their district.
	wantCounts := map[string]map[string]int{
		fileDoses: {"so_dinh_danh: invalid identity number": 3},
		fileNCOVI: {"phuong_xa: place not recognised or ambiguous": 3},
	}
	for _, f := range rep.Files {
		if want := wantCounts[f.File]; len(want)+len(f.Counts) > 0 && !reflect.DeepEqual(f.Counts, want) {
			t.Errorf("%s: problems %v, want %v", f.File, f.Counts, want)
		}
	}
	if rep.Read != len(recs) || rep.Dropped != 6 {
		t.Errorf("totals: read %d of %d, dropped %d", rep.Read, len(recs), rep.Dropped)
	}
}

// The record keys are exactly those of FORMATS.md, as the sample's truth
// file names them.
func TestSampleKeys(t *testing.T) {
	t.Parallel()
	recs, _ := readSample(t, 1000)
	f, err := os.Open(filepath.Join(sampleDir, "keys.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "source,record_key" {
			want[line] = true
		}
	}
	got := map[string]bool{}
	for _, r := range recs {
		k := string(r.Source) + "," + r.Key
		if got[k] {
			t.Errorf("key %s read twice", k)
		}
		got[k] = true
	}
	for k := range want {
		if !got[k] {
			t.Errorf("key %s not read", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("key %s read, not in the truth file", k)
		}
	}
}

// Reading the same dump twice gives the same records in the same order,
// whatever the batch size.
func TestSampleDeterministic(t *testing.T) {
	t.Parallel()
	a, _ := readSample(t, 7)
	b, _ := readSample(t, 1000)
	if len(a) != len(b) {
		t.Fatalf("%d records, then %d", len(a), len(b))
	}
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			t.Fatalf("record %d differs:\n%+v\n%+v", i, a[i], b[i])
		}
	}
}

func ict(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, vn.Location())
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// Tricky rows of the sample come out as they should.
func TestSampleSpotChecks(t *testing.T) {
	t.Parallel()
	recs, _ := readSample(t, 1000)
	byKey := map[string]*Record{}
	for i := range recs {
		byKey[recs[i].Key] = &recs[i]
	}
	get := func(key string) *Record {
		r := byKey[key]
		if r == nil {
			t.Fatalf("no record %s", key)
		}
		return r
	}
	tests := []struct {
		name  string
		key   string
		check func(r *Record) bool
	}{
		{"pre-2018 phone 0122 → 077, upper-case name with a leading space", "NC-000025", func(r *Record) bool {
			return r.Phone == "+84770896063" && r.FullName == "Lâm Văn Duy" && r.CMND == "341022546"
		}},
		{"pre-2018 phone 0168 → 038", "NC-000040", func(r *Record) bool { return r.Phone == "+84381020186" }},
		{"Bluezone pre-2018 phone 0126 → 076", "MQY5IW", func(r *Record) bool { return r.Phone == "+84766081929" }},
		{"NFD name composed", "618496b45b94019c92ce5e69", func(r *Record) bool {
			return r.FullName == "Hồ Văn Phát" && r.ManagedBy == "616d64865b94019c923026f0"
		}},
		{"Windows-1258 name in capitals", "MM0000002", func(r *Record) bool { return r.FullName == "Nguyễn Phương Quân" }},
		{"Windows-1258 name with tone marks", "MM0000003", func(r *Record) bool {
			return r.FullName == "Phạm Thị Thanh Tâm" && r.Doses[0].Product == ProductAbdala && r.Doses[0].Facility == "TYT Phường 03"
		}},
		{"place names TP.HCM, Q11, P.07", "NC-000027", func(r *Record) bool {
			return r.Province == "79" && r.Ward == "27238"
		}},
		{"place names TP HCM, 11, 13", "NC-000019", func(r *Record) bool { return r.Ward == "27226" }},
		{"place names Ninh Binh, H.Yên Mô, X.Khánh Thượng", "NC-000057", func(r *Record) bool { return r.Ward == "14704" }},
		{"vaccine spelled Comirnaty", "MM0000004", func(r *Record) bool {
			return r.Doses[0].Product == ProductComirnaty && r.Doses[0].ProductName == "Comirnaty" && r.Doses[0].Number == 2
		}},
		{"year-only birth date, dose as record", "MM0000012", func(r *Record) bool {
			return r.BirthDate == vn.Date{Year: 1973} && r.PortalID == "DT-15220868" && r.CCCD == "079073792306" &&
				r.Sex == vn.SexMale && r.At.Equal(ict("2021-12-19 00:00")) && r.Doses[0].Province == "79"
		}},
		{"lab result DUONG TINH", "CDC_CANTHO/XN000001", func(r *Record) bool {
			x := r.Tests[0]
			return x.Positive && x.Type == TestPCR && x.Lab == "CDC_CANTHO" && x.SampleID == "XN000001" &&
				x.SampledAt.Equal(ict("2022-01-19 16:38")) && x.ResultAt.Equal(ict("2022-01-20 16:50")) &&
				r.FullName == "Phùng Thế Giang" && r.BirthDate == vn.Date{Year: 1961}
		}},
		{"lab test nhanh kháng nguyên, Âm tính, address resolved", "HCDC/XN000004", func(r *Record) bool {
			return r.Tests[0].Type == TestRAT && !r.Tests[0].Positive && r.Ward == "25870"
		}},
		{"health book profile with doses, card and CCCD", "61546fb65b94019c920ce25c", func(r *Record) bool {
			return len(r.Doses) == 3 && r.Doses[2].Product == ProductVaxzevria && r.InsuranceCard == "DN4929298830441" &&
				r.CCCD == "092035379619" && r.Phone == "+84380156421" && r.Ward == "31168" && r.Sex == vn.SexMale
		}},
		{"Bluezone registration", "UFJASV", func(r *Record) bool {
			return r.BluezoneApp.Platform == "ios" && r.At.UnixMilli() == 1597624708935 && r.FullName == "Trịnh Trâm Anh"
		}},
	}
	for _, tt := range tests {
		if r := get(tt.key); !tt.check(r) {
			t.Errorf("%s: %s gives %+v", tt.name, tt.key, *r)
		}
	}
	var passports int
	for _, r := range recs {
		if r.Passport != "" && r.Nationality != "VNM" && r.Nationality != "" {
			passports++
			if r.Declaration == nil || r.Declaration.IDType != "PASSPORT" || r.CCCD != "" {
				t.Errorf("foreign passport holder %s: %+v", r.Key, r)
			}
		}
	}
	if passports != 33 {
		t.Errorf("%d foreign passport holders, the sample has 33", passports)
	}
	if n := len(slices.DeleteFunc(slices.Clone(recs), func(r Record) bool { return r.Source != Vaccination || !r.BirthDate.YearOnly() })); n != 85 {
		t.Errorf("%d doses with a year-only birth date, the sample has 85", n)
	}
}
