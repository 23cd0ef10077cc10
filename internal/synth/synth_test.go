package synth

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/vn"
	"golang.org/x/text/unicode/norm"
)

// population returns a population of n persons from seed, failing the
// test on error.
func population(t testing.TB, seed int64, n int) *Population {
	t.Helper()
	p, err := NewPopulation(seed, n)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// csvBytes returns the two files of a population.
func csvBytes(t testing.TB, seed int64, n int) (people, insurance []byte) {
	t.Helper()
	var pb, ib bytes.Buffer
	if _, err := population(t, seed, n).WriteCSV(&pb, &ib); err != nil {
		t.Fatal(err)
	}
	return pb.Bytes(), ib.Bytes()
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	p1, i1 := csvBytes(t, 7, 20_000)
	p2, i2 := csvBytes(t, 7, 20_000)
	if !bytes.Equal(p1, p2) || !bytes.Equal(i1, i2) {
		t.Fatal("the same seed gave different files")
	}
	p3, i3 := csvBytes(t, 8, 20_000)
	if bytes.Equal(p1, p3) || bytes.Equal(i1, i3) {
		t.Fatal("different seeds gave the same files")
	}
	if n := bytes.Count(p1, []byte("\n")); n != 20_001 {
		t.Errorf("people.csv has %d lines, want 20001", n)
	}
}

// A smaller population is the start of a larger one with the same seed:
// demos and benchmarks of different sizes see the same first people.
func TestSmallerPopulationIsPrefix(t *testing.T) {
	t.Parallel()
	var small, large []Person
	for m := range population(t, 3, 5_000).All() {
		small = append(small, m)
	}
	for m := range population(t, 3, 8_000).All() {
		large = append(large, m)
	}
	last := small[len(small)-1].HouseholdIndex
	for i, m := range small {
		if m.HouseholdIndex == last {
			break
		}
		if !samePerson(m, large[i]) {
			t.Fatalf("person %d differs:\n%+v\n%+v", i, m, large[i])
		}
	}
}

func samePerson(a, b Person) bool {
	if (a.Insurance == nil) != (b.Insurance == nil) || a.Insurance != nil && *a.Insurance != *b.Insurance {
		return false
	}
	a.Insurance, b.Insurance = nil, nil
	return a == b
}

func TestNewPopulationRefusesBadSizes(t *testing.T) {
	t.Parallel()
	for _, n := range []int{-1, MaxPersons + 1} {
		if _, err := NewPopulation(1, n); err == nil {
			t.Errorf("NewPopulation(1, %d) succeeded", n)
		}
	}
	var count int
	for range population(t, 1, 0).All() {
		count++
	}
	if count != 0 {
		t.Errorf("empty population yielded %d persons", count)
	}
}

// TestRowsValidAndUnique checks every person of 200,000 against the vn
// parsers and the format, and that identifiers are unique.
func TestRowsValidAndUnique(t *testing.T) {
	t.Parallel()
	const n = 200_000
	units := vn.AdminUnits()
	cccd := make(map[string]bool, n)
	cmnd := make(map[string]bool, n)
	bhxh := make(map[string]bool, n)
	phones := make(map[string][]Person)
	households := map[string]int{}
	count := 0
	for h := range population(t, 11, n).Households() {
		if prev, ok := households[h.ID]; ok {
			t.Fatalf("household id %s used by households %d and %d", h.ID, prev, h.Index)
		}
		households[h.ID] = h.Index
		for _, m := range h.Members {
			if m.Index != count {
				t.Fatalf("person %d has Index %d", count, m.Index)
			}
			count++
			checkPerson(t, units, m)
			if cccd[m.CCCD] {
				t.Fatalf("CCCD %s issued twice", m.CCCD)
			}
			cccd[m.CCCD] = true
			if m.OldID != "" {
				if cmnd[m.OldID] {
					t.Fatalf("CMND %s issued twice", m.OldID)
				}
				cmnd[m.OldID] = true
			}
			if c := m.Insurance; c != nil {
				if bhxh[c.BHXHCode] {
					t.Fatalf("BHXH code %s issued twice", c.BHXHCode)
				}
				bhxh[c.BHXHCode] = true
			}
			if m.Phone != "" {
				phones[m.Phone] = append(phones[m.Phone], m)
			}
		}
	}
	if count != n {
		t.Fatalf("got %d persons, want %d", count, n)
	}
	checkPhonesUnique(t, phones)
}

func checkPerson(t *testing.T, units *vn.Units, m Person) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("person %d (%s): %s", m.Index, m.CCCD, fmt.Sprintf(format, args...))
	}
	c, err := vn.ParseCCCD(m.CCCD)
	if err != nil || string(c) != m.CCCD {
		fail("CCCD refused: %v", err)
	}
	sex := vn.SexMale
	if m.Sex == 'F' {
		sex = vn.SexFemale
	} else if m.Sex != 'M' {
		fail("sex %q", m.Sex)
	}
	if bad := c.Contradicts(sex, m.BirthDate.Year); len(bad) > 0 {
		fail("CCCD contradicts %v", bad)
	}
	if c.ProvinceCode() != m.BirthProvince {
		fail("CCCD province %s, birth province %s", c.ProvinceCode(), m.BirthProvince)
	}
	if m.OldID != "" {
		if id, err := vn.ParseCMND(m.OldID); err != nil || string(id) != m.OldID {
			fail("CMND %q refused: %v", m.OldID, err)
		}
	}
	if m.Phone != "" {
		ph, err := vn.ParsePhone(m.Phone)
		if err != nil || !ph.IsMobile() || ph.National() != m.Phone {
			fail("phone %q: %v", m.Phone, err)
		}
	}
	prov, _, _, ok := units.WardPath(m.WardCode)
	if !ok || prov.Code != m.ProvinceCode {
		fail("ward %s is not in province %s", m.WardCode, m.ProvinceCode)
	}
	if len(m.HouseholdID) != 10 || !allDigits(m.HouseholdID) || m.HouseholdID[:2] != m.ProvinceCode {
		fail("household id %q", m.HouseholdID)
	}
	if m.Address == "" || !norm.NFC.IsNormalString(m.Address) {
		fail("address %q", m.Address)
	}
	checkName(t, m)
	checkDate(t, m.BirthDate, true)
	if m.Insurance != nil {
		checkCard(t, m)
	}
}

func checkName(t *testing.T, m Person) {
	t.Helper()
	if !norm.NFC.IsNormalString(m.FullName) || vn.NormalizeName(m.FullName) != m.FullName {
		t.Fatalf("name %q is not normal", m.FullName)
	}
	family, middle, given := vn.NameParts(m.FullName)
	if family != m.FamilyName || middle != m.MiddleName || given != m.GivenName {
		t.Fatalf("name %q: parts %q/%q/%q, vn.NameParts says %q/%q/%q",
			m.FullName, m.FamilyName, m.MiddleName, m.GivenName, family, middle, given)
	}
	if words := strings.Fields(m.FullName); len(words) < 2 || len(words) > 4 {
		t.Fatalf("name %q has %d words", m.FullName, len(words))
	}
}

func checkDate(t *testing.T, d vn.Date, birth bool) {
	t.Helper()
	parse := vn.ParseDate
	if birth {
		parse = vn.ParseBirthDate
	}
	s := string(appendDate(nil, d))
	if got, err := parse(s); err != nil || got != d || s != d.String() {
		t.Fatalf("date %s: %v", s, err)
	}
	if birth && dayOf(d.Year, d.Month, d.Day) >= extractDay {
		t.Fatalf("born %s, after the extract", s)
	}
}

func checkCard(t *testing.T, m Person) {
	t.Helper()
	c := m.Insurance
	want := c.Group() + string(rune('0'+c.Level())) + m.ProvinceCode + c.BHXHCode
	switch {
	case len(c.BHXHCode) != 10 || !allDigits(c.BHXHCode) || c.BHXHCode[:2] != m.ProvinceCode,
		len(c.CardNumber) != 15 || c.CardNumber != want,
		c.Level() < 1 || c.Level() > 5,
		strings.Trim(c.Group(), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "":
		t.Fatalf("card %+v of person in province %s", *c, m.ProvinceCode)
	}
	checkDate(t, c.ValidTo, false)
}

// checkPhonesUnique allows a number on two rows only for a couple who share
// it, both marked PhoneShared.
func checkPhonesUnique(t *testing.T, phones map[string][]Person) {
	t.Helper()
	shared := 0
	for number, ms := range phones {
		switch {
		case len(ms) == 1 && !ms[0].PhoneShared:
		case len(ms) == 2 && ms[0].PhoneShared && ms[1].PhoneShared &&
			ms[0].HouseholdIndex == ms[1].HouseholdIndex &&
			ms[0].FamilyRole == RoleHead && ms[1].FamilyRole == RoleSpouse:
			shared++
		default:
			t.Fatalf("phone %s is on %d rows (shared flags %v)", number, len(ms), ms[0].PhoneShared)
		}
	}
	if shared == 0 {
		t.Fatal("no couple shares a phone")
	}
}

func allDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

func TestCSVFormat(t *testing.T) {
	t.Parallel()
	people, insurance := csvBytes(t, 5, 5_000)
	for name, data := range map[string][]byte{"people.csv": people, "insurance.csv": insurance} {
		if bytes.Contains(data, []byte("\r")) {
			t.Errorf("%s has CR line ends", name)
		}
		if !norm.NFC.IsNormal(data) {
			t.Errorf("%s is not NFC", name)
		}
		if bytes.HasPrefix(data, []byte("\uFEFF")) {
			t.Errorf("%s starts with a byte-order mark", name)
		}
	}
	if want := "cccd,old_id,full_name,birth_date,sex,ward_code,address,household_id,phone\n"; !bytes.HasPrefix(people, []byte(want)) {
		t.Errorf("people.csv header: %q", people[:80])
	}
	if want := "cccd,bhxh_code,card_number,valid_to\n"; !bytes.HasPrefix(insurance, []byte(want)) {
		t.Errorf("insurance.csv header: %q", insurance[:40])
	}
	// Addresses with a comma are quoted, as RFC 4180 requires.
	if !bytes.Contains(people, []byte(`,"Số `)) {
		t.Error("no quoted address with a comma")
	}
}

// The CSV rows carry exactly the values of the stream.
func TestCSVMatchesStream(t *testing.T) {
	t.Parallel()
	const n = 3_000
	people, insurance := csvBytes(t, 9, n)
	rows := readCSV(t, people, 9)
	cards := readCSV(t, insurance, 4)
	i, j := 1, 1
	for m := range population(t, 9, n).All() {
		want := []string{m.CCCD, m.OldID, m.FullName, m.BirthDate.String(), string(m.Sex), m.WardCode, m.Address, m.HouseholdID, m.Phone}
		if !slices.Equal(rows[i], want) {
			t.Fatalf("row %d: %q, want %q", i, rows[i], want)
		}
		i++
		if c := m.Insurance; c != nil {
			want := []string{m.CCCD, c.BHXHCode, c.CardNumber, c.ValidTo.String()}
			if !slices.Equal(cards[j], want) {
				t.Fatalf("card row %d: %q, want %q", j, cards[j], want)
			}
			j++
		}
	}
	if i != len(rows) || j != len(cards) {
		t.Fatalf("%d people rows and %d card rows, stream had %d and %d", len(rows), len(cards), i, j)
	}
}
