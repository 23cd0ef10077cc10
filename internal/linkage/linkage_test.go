package linkage

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/vn"
)

func profile(name, birth, sex, cccd, phone, ward string) Profile {
	var p Profile
	p.SetName(name)
	p.Birth, _ = vn.ParseDate(birth)
	p.Sex, _ = vn.ParseSex(sex)
	p.CCCD = cccd
	if phone != "" {
		p.Phones = []string{phone}
	}
	if ward != "" {
		pr, d, w, _ := vn.AdminUnits().WardPath(ward)
		p.Ward, p.District, p.Province = w.Code, d.Code, pr.Code
	}
	return p
}

func person(id string, p Profile, household string) Person {
	p.Household = household
	return Person{ID: id, Verified: true, Profile: p}
}

func TestCompareNames(t *testing.T) {
	tests := []struct {
		a, b string
		want Level
	}{
		{"Nguyễn Văn An", "NGUYỄN VĂN AN", NameMarked},
		{"Nguyễn Văn An", "NGUYEN VAN AN", NameSame},
		{"Nguyễn Thị Hoà", "Nguyễn Thị Hòa", NameMarked},
		{"Nguyễn Văn Hùng", "Nguyễn Văn Hưng", NameConflict},
		{"Nguyễn Văn An", "Nguyen Van Ann", NameTypo},
		{"Nguyễn Văn Thanh", "Nguyen Van Thnah", NameTypo},
		{"Nguyễn Văn An", "Nguyen An", NameMiddle},
		{"Nguyễn Văn An", "An Nguyen Van", NameReorder},
		{"Nguyễn Văn An", "Trần Thị An", NameGiven},
		{"Nguyễn Văn An", "Lê Bình", NameOther},
		{"Nguyễn Văn An", "", Missing},
	}
	for _, tt := range tests {
		var a, b Profile
		a.SetName(tt.a)
		b.SetName(tt.b)
		if got := compareNames(&a, &b); got != tt.want {
			t.Errorf("compareNames(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCompareBirth(t *testing.T) {
	d := func(s string) vn.Date { x, _ := vn.ParseDate(s); return x }
	tests := []struct {
		a, b string
		want Level
	}{
		{"1985-02-01", "01/02/1985", BirthSame},
		{"1985-02-01", "1985-01-02", BirthSwapped},
		{"1985-02-01", "1985", BirthYear},
		{"1985-02-01", "1986", BirthNear},
		{"1985-02-01", "1985-07-19", BirthSameYr},
		{"1985-02-01", "1970-02-01", BirthOther},
		{"", "1985", Missing},
	}
	for _, tt := range tests {
		if got := compareBirth(d(tt.a), d(tt.b)); got != tt.want {
			t.Errorf("compareBirth(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// household builds a small registry: a family with twins on one phone, a
// neighbour whose CCCD is one digit from the father's, and a namesake.
func household(t *testing.T) *Engine {
	e := NewEngine()
	e.AddPerson(person("father", profile("Nguyễn Văn Hùng", "1980-03-04", "M", "001080000123", "+84912000001", "00004"), "h1"))
	e.AddPerson(person("mother", profile("Trần Thị Mai", "1982-05-06", "F", "001182000456", "+84912000002", "00004"), "h1"))
	e.AddPerson(person("twinA", profile("Nguyễn Văn Minh", "2010-07-08", "M", "001210000777", "", "00004"), "h1"))
	e.AddPerson(person("twinB", profile("Nguyễn Văn Linh", "2010-07-08", "M", "001210000778", "", "00004"), "h1"))
	e.AddPerson(person("neighbour", profile("Lê Thị Lan", "1990-01-01", "F", "001080000124", "+84912000009", "00004"), "h2"))
	e.AddPerson(person("namesake", profile("Nguyễn Văn Hùng", "1980-11-12", "M", "079080555555", "+84987000000", "26734"), "h3"))
	return e
}

func rec(key string, p Profile) Record { return Record{Source: "ncovi", Key: key, Profile: p} }

func TestLinkHardCases(t *testing.T) {
	e := household(t)
	recs := []Record{
		// 0: the father, upper case without diacritics, no id, his phone.
		rec("r0", profile("NGUYEN VAN HUNG", "1980", "M", "", "+84912000001", "")),
		// 1: the father's CCCD with one wrong digit: the neighbour's number.
		rec("r1", profile("Nguyễn Văn Hùng", "1980-03-04", "M", "001080000124", "", "00004")),
		// 2: twin A with the family phone.
		rec("r2", profile("Nguyễn Văn Minh", "2010-07-08", "M", "", "+84912000001", "00004")),
		// 3: twin B, day and month swapped.
		rec("r3", profile("Nguyễn Văn Linh", "2010-08-07", "M", "", "+84912000001", "00004")),
		// 4: "Nguyễn Văn Hùng 1980" with nothing else: many people.
		rec("r4", profile("Nguyễn Văn Hùng", "1980", "M", "", "", "")),
		// 5: a foreigner.
		{Source: "vhd", Key: "r5", Profile: func() Profile {
			p := profile("John Smith", "1975-04-05", "M", "", "+14155550100", "")
			p.Passport, p.Nationality = "X1234567", "USA"
			return p
		}()},
		// 6: the same foreigner at a lab, no passport, same phone.
		{Source: "labtests", Key: "r6", Profile: profile("JOHN SMITH", "1975", "M", "", "+14155550100", "")},
		// 7: a Bluezone registration with no name on the family phone.
		{Source: "bluezone", Key: "r7", Profile: Profile{Phones: []string{"+84912000001"}}},
		// 8: a Bluezone registration with no name on the mother's own phone:
		// still possibly a child's — it waits for its owner.
		{Source: "bluezone", Key: "r8", Profile: Profile{Phones: []string{"+84912000002"}}},
	}
	ds := e.Link(recs)
	want := []string{"father", "father", "twinA", "twinB", "", "", "", "", ""}
	for i, d := range ds {
		if d.PersonID != want[i] {
			t.Errorf("record %s: person %q, want %q (evidence: %s)", recs[i].Key, d.PersonID, want[i], d.Evidence)
		}
	}
	if ds[5].Group != ds[6].Group || ds[5].Group < 0 {
		t.Errorf("the foreigner's two records are groups %d and %d, want one", ds[5].Group, ds[6].Group)
	}
	if ds[4].Group == ds[5].Group {
		t.Error("unrelated records grouped together")
	}
	for _, i := range []int{7, 8} {
		if ds[i].Evidence.Note == "" || ds[i].Group != i {
			t.Errorf("a Bluezone record with only a phone should stay apart and say why: %+v", ds[i])
		}
	}
	if ds[1].Evidence.Method != MethodScore {
		t.Errorf("typo'd CCCD record decided by %s", ds[1].Evidence.Method)
	}
}

func TestLinkIsDeterministic(t *testing.T) {
	var first []Decision
	for range 3 {
		e := household(t)
		ds := e.Link([]Record{
			rec("a", profile("Nguyễn Văn Hùng", "1980", "M", "", "", "")),
			rec("b", profile("Nguyễn Văn Hùng", "1980", "M", "", "+84900000001", "")),
			rec("c", profile("Nguyen Van Hung", "1980", "M", "", "+84900000001", "")),
		})
		if first == nil {
			first = ds
			continue
		}
		for i := range ds {
			if ds[i].PersonID != first[i].PersonID || ds[i].Group != first[i].Group {
				t.Fatalf("run differs at %d: %+v vs %+v", i, ds[i], first[i])
			}
		}
	}
}

func TestManagedProfileFoundInManagersHousehold(t *testing.T) {
	e := household(t)
	e.AddLinked(Record{Source: "healthbook", Key: "hb-mother", Profile: profile("Trần Thị Mai", "1982-05-06", "F", "", "+84912000002", "")}, "mother")
	child := Record{Source: "healthbook", Key: "hb-child", ManagedBy: "hb-mother",
		Profile: profile("Nguyễn Văn Minh", "2010", "M", "", "", "")} // name and year alone are not enough
	ds := e.Link([]Record{child})
	if ds[0].PersonID != "twinA" || ds[0].Evidence.Method != MethodManaged {
		t.Fatalf("managed profile: %q by %s", ds[0].PersonID, ds[0].Evidence)
	}
}

func TestEvidenceJSONRoundTrip(t *testing.T) {
	ev := Evidence{Method: MethodScore, Score: 31.5, Comparisons: []Comparison{
		{FieldName, NameTypo, 7.2}, {FieldBirth, BirthOther, -6.6}, {FieldCCCD, IDTypo, 11.5},
		{FieldPhone, PhoneOther, -1.3}, {FieldPlace, PlaceWard, 12.4}}}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `["cccd","onedigit",11.5]`) {
		t.Fatalf("stored evidence should name fields and levels: %s", b)
	}
	var back Evidence
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for i, c := range back.Comparisons {
		if c != ev.Comparisons[i] {
			t.Fatalf("comparison %d read back as %+v, want %+v", i, c, ev.Comparisons[i])
		}
	}
	// Evidence stored before stop 11 wrote each comparison as an object.
	old := `{"m":"score","s":31.5,"c":[{"f":"cccd","l":"onedigit","w":11.5},{"f":"place","l":"ward","w":12.4}]}`
	var older Evidence
	if err := json.Unmarshal([]byte(old), &older); err != nil {
		t.Fatal(err)
	}
	if len(older.Comparisons) != 2 || older.Comparisons[0] != ev.Comparisons[2] || older.Comparisons[1] != ev.Comparisons[4] {
		t.Fatalf("older evidence read as %+v", older)
	}
}

// FuzzEvidenceJSON: whatever the method, note and numbers, the hand-written
// encoding is valid JSON that reads back to the same evidence.
func FuzzEvidenceJSON(f *testing.F) {
	f.Add("score", "", 31.5, 2.5, float32(-6.6))
	f.Add("single", "phone shared by 2 people: \"kept\" <apart> & é", 0.0, 0.0, float32(1e-9))
	f.Fuzz(func(t *testing.T, method, note string, score, margin float64, weight float32) {
		// Scores are finite, and JSON has no NaN or infinities: such
		// inputs are not evidence, so there is nothing to check.
		if math.IsNaN(score) || math.IsInf(score, 0) || math.IsNaN(margin) || math.IsInf(margin, 0) ||
			math.IsNaN(float64(weight)) || math.IsInf(float64(weight), 0) {
			return
		}
		ev := Evidence{Method: method, Note: note, Score: score, Margin: margin,
			Comparisons: []Comparison{{FieldName, NameTypo, weight}, {FieldPhone, PhoneSame, -weight}}}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(b) {
			t.Fatalf("invalid JSON %s", b)
		}
		var back Evidence
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !utf8.ValidString(method) || !utf8.ValidString(note) {
			return // encoding/json replaces invalid UTF-8
		}
		if back.Method != ev.Method || back.Note != ev.Note || back.Score != ev.Score || back.Margin != ev.Margin ||
			len(back.Comparisons) != 2 || back.Comparisons[0] != ev.Comparisons[0] || back.Comparisons[1] != ev.Comparisons[1] {
			t.Fatalf("%s read back as %+v, want %+v", b, back, ev)
		}
	})
}
