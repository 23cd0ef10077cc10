package legacy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"unicode"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/vn"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// sampleLines returns up to n lines of a sample file after skip lines,
// as seeds.
func sampleLines(f *testing.F, name string, skip, n int) [][]byte {
	f.Helper()
	data, err := os.ReadFile(filepath.Join(sampleDir, name))
	if err != nil {
		f.Fatal(err)
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for i := 0; sc.Scan() && len(out) < n; i++ {
		if i >= skip {
			out = append(out, append([]byte(nil), sc.Bytes()...))
		}
	}
	return out
}

// fuzzRead reads data as the file name and checks that whatever is
// delivered is normal, and that the report adds up.
func fuzzRead(t *testing.T, name string, data []byte) {
	got := readBytes(name, data, 3)
	if got.err != nil {
		t.Fatalf("read stopped: %v", got.err)
	}
	for i := range got.records {
		checkRecord(t, &got.records[i])
	}
	if got.rep.Read != len(got.records) {
		t.Errorf("report says %d read, %d delivered", got.rep.Read, len(got.records))
	}
	total := 0
	for _, n := range got.rep.Counts {
		total += n
	}
	if fatal := got.rep.Fatal != nil; total != got.rep.SetAside+got.rep.Dropped+map[bool]int{true: 1}[fatal] {
		t.Errorf("counts %v do not add up to %d set aside, %d left out", got.rep.Counts, got.rep.SetAside, got.rep.Dropped)
	}
	for _, p := range got.rep.Problems {
		if p.Kind == "" || !utf8.ValidString(p.Reason) || p.File != name {
			t.Errorf("problem %+v", p)
		}
	}
}

func FuzzNCOVILine(f *testing.F) {
	for _, l := range sampleLines(f, fileNCOVI, 0, 40) {
		f.Add(l)
	}
	f.Add([]byte(`{"ma_khai_bao":"K","thoi_gian":"2021-01-01 00:00","nam_sinh":"19x5","so_cmnd":"1 2","trieu_chung":null}`))
	f.Add([]byte(`{"ma_khai_bao":"K\u0000","thoi_gian":1597624708935,"ho_ten":"\u00e9\u0301"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		fuzzRead(t, fileNCOVI, line)
	})
}

func FuzzVHDRow(f *testing.F) {
	for _, l := range sampleLines(f, fileVHD, 1, 40) {
		f.Add(string(l))
	}
	f.Add("VHD1,ENTRY,John Smith,01/02/1985,MALE,PASSPORT,x 123-4567,gbr,,7,1,1,,London,Hà Nội,flight,VN54,3C,2021-08-03,Cough|FEVER,2021-08-03T09:12:45+07:00")
	f.Fuzz(func(t *testing.T, row string) {
		fuzzRead(t, fileVHD, []byte("\xef\xbb\xbf"+vhdHeader+row+"\n"))
	})
}

func FuzzHealthbook(f *testing.F) {
	for _, l := range sampleLines(f, fileHealthbook, 1, 20) {
		f.Add(append(append([]byte("[\n"), bytes.TrimSuffix(l, []byte(","))...), "\n]"...))
	}
	f.Add([]byte("[" + profileJSON("P0") + "," + profileJSON("P1")))
	f.Add([]byte(`[{"profileId":"x","sex":"3","vaccinations":[{"dose":"9"}],"testResults":{},"chronicConditions":[1,null]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, fileHealthbook, data)
	})
}

func FuzzDoses(f *testing.F) {
	for _, l := range sampleLines(f, fileDoses, 1, 40) {
		f.Add(l)
	}
	f.Add([]byte("M1;DT;NGUYE\xcaN \xdd;1985;1;;;1;Vero Cell;A;01/02/2021;TYT;7"))
	header := []byte(doseHeader)
	f.Fuzz(func(t *testing.T, row []byte) {
		fuzzRead(t, fileDoses, append(append(header[:len(header):len(header)], row...), '\r', '\n'))
	})
}

func FuzzLabRow(f *testing.F) {
	for _, l := range sampleLines(f, "labtests/HCDC.csv", 1, 40) {
		f.Add(string(l))
	}
	f.Add(`B,"NGUYEN  VAN  AN",1985, Nam ,+84 912 345 678,001.085.012.345,"Q.1, TP HCM",Test nhanh,POS,12/08/2021 08:15,`)
	f.Fuzz(func(t *testing.T, row string) {
		fuzzRead(t, labFile, []byte(labHeader+row+"\n"))
	})
}

func FuzzBluezoneRow(f *testing.F) {
	for _, l := range sampleLines(f, fileBluezoneUsers, 1, 20) {
		f.Add(string(l))
	}
	f.Fuzz(func(t *testing.T, row string) {
		fuzzRead(t, fileBluezoneUsers, []byte(bzHeader+row+"\n"))
	})
}

func FuzzContactRow(f *testing.F) {
	for _, l := range sampleLines(f, fileContacts, 1, 10) {
		f.Add(string(l))
	}
	f.Fuzz(func(t *testing.T, row string) {
		rep := &FileReport{}
		var got []Contact
		out := newBatcher(t.Context(), 2, func(c []Contact) error { got = append(got, c...); return nil }, rep)
		err := readContacts(newInput(fileContacts, strings.NewReader(contactHead+row+"\n")), out, nil)
		if err = settle(err, out, rep); err != nil {
			t.Fatal(err)
		}
		for _, c := range got {
			if c.BluezoneID == "" || c.ContactID == "" || c.LastSeen.Before(c.FirstSeen) || c.RSSIMax > 0 {
				t.Errorf("contact %+v", c)
			}
		}
	})
}

// The JSON reader accepts exactly what encoding/json accepts, and reads
// string values as it does.
func FuzzJSONScan(f *testing.F) {
	for _, l := range sampleLines(f, fileNCOVI, 0, 10) {
		f.Add(l)
	}
	for _, s := range []string{`{"a":"\u00e9\ud83d\ude00","b":-0.5e+3,"c":[true,false,null,{}],"d":""}`, `[1,]`, `{"a" 1}`, `"\x"`, `01`, `-`, `1.`, `1e`, "\"\x01\"", ` {} `, `{}x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := scanTop(b)
		if valid := json.Valid(b); valid != (err == nil) {
			t.Fatalf("json.Valid %v, scanTop error %v", valid, err)
		}
		var src jsrc
		want := map[string]any{}
		if !utf8.Valid(b) || json.Unmarshal(b, &want) != nil {
			return // the readers set rows that are not UTF-8 aside first
		}
		got := map[string]string{}
		err = eachMember(src.reset(b), func(k []byte, v jvalue) error {
			if v.kind == jString {
				s, err := v.text()
				got[string(k)] = s
				return err
			}
			delete(got, string(k))
			return nil
		})
		if err != nil {
			t.Fatalf("eachMember: %v", err)
		}
		for k, v := range want {
			if s, ok := v.(string); ok && strings.ToLower(k) == k && !hasCaseTwin(want, k) {
				if g, ok := got[k]; !ok || g != strings.TrimSpace(s) {
					t.Errorf("member %q: got %q, want %q", k, g, s)
				}
			}
		}
	})
}

// hasCaseTwin reports whether m has another key equal to k but for case:
// then which value wins depends on order, not on the reader.
func hasCaseTwin(m map[string]any, k string) bool {
	for x := range m {
		if x != k && strings.EqualFold(x, k) {
			return true
		}
	}
	return false
}

// referenceName is the rule the name cache must follow.
func referenceName(s string) string {
	n := vn.NormalizeName(s)
	if isAllUpperSlow(n) {
		return vn.TitleName(n)
	}
	return n
}

// The word cache gives exactly what vn gives for the whole name.
func FuzzName(f *testing.F) {
	for _, s := range []string{"NGUYỄN VĂN AN", "  Trần  Thị Thuỷ ", norm.NFD.String("Hồ Văn Phát"), "Lê\u200b Hòa", "ĐẶNG\tVĂN  HÙNG", "h'hen niê", "ǅ Ǆ", "A\u0301 B", ""} {
		f.Add(s)
	}
	c := newCaches()
	f.Fuzz(func(t *testing.T, s string) {
		want := referenceName(s)
		for range 2 { // a miss, then a hit
			if got := c.name(s); got != want {
				t.Fatalf("name(%q) = %q, want %q", s, got, want)
			}
		}
	})
}

// Free text is cleaned as the rule says, and the fast path agrees.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"Số 5 ngõ 12", " a  b ", "Ha\u0300", "x\ty\u00a0z", "\x00", "Ω Å ǅ", "ế\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // readers set such rows aside before
		}
		want := strings.Join(strings.Fields(norm.NFC.String(strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, s))), " ")
		if got := cleanText(s); got != want {
			t.Fatalf("cleanText(%q) = %q, want %q", s, got, want)
		}
	})
}

// The Windows-1258 decoder gives what x/text and NFC give.
func FuzzDecodeCP1258(f *testing.F) {
	f.Add([]byte("NGUYE\xcaN \xd0\xc6\xd5\xccNG Ha\xcc a\xf2\xcc e\xde\xde \xc3\xec n\xde"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, c := range b {
			if cp1258Undefined[c] {
				return // the tracker sets these rows aside
			}
		}
		plain, err := charmap.Windows1258.NewDecoder().Bytes(b)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := decodeCP1258(string(b)), norm.NFC.String(string(plain)); got != want {
			t.Fatalf("decodeCP1258(%q) = %q, want %q", b, got, want)
		}
	})
}

// The tracker finds the first bad byte of each line wherever the reads
// cut the text.
func FuzzTracker(f *testing.F) {
	f.Add([]byte("ab\nNguyễn\xe1\xbb\nx\xffy\n\xf0\x9f\x98\x80ok\xe1"), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, chunk uint8) {
		var want []badByte
		line := 1
		for i := 0; i < len(b); {
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 && (len(want) == 0 || want[len(want)-1].line != line) {
				want = append(want, badByte{off: int64(i), line: line})
			}
			if b[i] == '\n' {
				line++
			}
			i += size
		}
		r := io.Reader(bytes.NewReader(b))
		if chunk%2 == 0 {
			r = iotest.OneByteReader(r)
		} else {
			r = iotest.HalfReader(r)
		}
		tr := newTracker(r, 0, encUTF8, 0)
		if _, err := io.ReadAll(tr); err != nil {
			t.Fatal(err)
		}
		if len(tr.bad) != len(want) || len(want) > 0 && !reflect.DeepEqual(tr.bad, want) {
			t.Fatalf("bad bytes %v, want %v", tr.bad, want)
		}
	})
}

// The fast path of parseTime gives what vn.ParseTime gives.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2020-04-12 08:15:00", "11/03/2022 09:21", "2021-08-03T09:12:45+07:00", "2021-02-29 00:00:00",
		"31/04/2021 10:00", "2100-12-31 23:59:59", "1899-01-01 00:00:00", "2021-08-03T24:00:00+07:00", "2021-0a-03 00:00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, gotErr := parseTime(s)
		want, wantErr := vn.ParseTime(s)
		if !got.Equal(want) || (gotErr == nil) != (wantErr == nil) || got.Location() != want.Location() {
			t.Fatalf("parseTime(%q) = %v, %v; vn.ParseTime = %v, %v", s, got, gotErr, want, wantErr)
		}
	})
}
