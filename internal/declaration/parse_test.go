package declaration_test

import (
	"errors"
	"testing"

	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// parseCase is an input and the canonical value it reads as, or "" when it
// must be refused.
type parseCase struct{ in, want string }

func checkParser(t *testing.T, field string, parse func(string) (string, error), cases []parseCase) {
	t.Helper()
	for _, c := range cases {
		got, err := parse(c.in)
		if c.want == "" {
			var fe *problem.FieldError
			if !errors.As(err, &fe) || fe.Field != field {
				t.Errorf("%q: got %q, %v; want a field error on %s", c.in, got, err, field)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: got %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestParseFlightNumber(t *testing.T) {
	t.Parallel()
	checkParser(t, "transport_no", declaration.ParseFlightNumber, []parseCase{
		{"VN244", "VN244"}, {"vn 0244", "VN244"}, {"VJ-123", "VJ123"}, {"QH1521", "QH1521"}, {"5J5752", "5J5752"},
		{"HVN244", "HVN244"}, {"VN244A", "VN244A"}, {" bl 6010 ", "BL6010"},
		{"", ""}, {"VN", ""}, {"244", ""}, {"VN12345", ""}, {"12345", ""}, {"VN0", ""}, {"VN-0000", ""},
		{"SE3 tàu", ""}, {"ABCD12", ""},
	})
}

func TestParseTrainNumber(t *testing.T) {
	t.Parallel()
	checkParser(t, "transport_no", declaration.ParseTrainNumber, []parseCase{
		{"SE3", "SE3"}, {"se 3", "SE3"}, {"SNT2", "SNT2"}, {"TN1", "TN1"},
		{"3", ""}, {"SE", ""}, {"tàu SE3", ""},
	})
}

func TestParsePlate(t *testing.T) {
	t.Parallel()
	vnOnly := func(s string) (string, error) { return declaration.ParsePlate(s, false) }
	checkParser(t, "transport_no", vnOnly, []parseCase{
		{"29A-123.45", "29A12345"}, {"51F-1234", "51F1234"}, {"29-B1 123.45", "29B112345"}, {"30ld 012.34", "30LD01234"},
		{"ABC", ""}, {"29A", ""}, {"09A12345", ""}, {"29A1234567", ""},
	})
	foreign := func(s string) (string, error) { return declaration.ParsePlate(s, true) }
	checkParser(t, "transport_no", foreign, []parseCase{{"桂A-12345", ""}, {"LAO 1234", "LAO1234"}, {"ABCDEF", ""}})
}

func TestParseSeat(t *testing.T) {
	t.Parallel()
	for _, tr := range []struct {
		transport string
		cases     []parseCase
	}{
		{"FLIGHT", []parseCase{{"12A", "12A"}, {"07c", "7C"}, {" 1 K ", "1K"}, {"12Z", ""}, {"0A", ""}, {"123A", ""}, {"A12", ""}}},
		{"TRAIN", []parseCase{{"3-24", "3-24"}, {"03 / 024", "3-24"}, {"3.24", "3-24"}, {"324", ""}, {"0-1", ""}, {"3-", ""}}},
		{"BUS", []parseCase{{"12", "12"}, {"a5", "A5"}, {"12B", "12B"}, {"123", ""}, {"hàng 2", ""}}},
		{"SHIP", []parseCase{{"B12", "B12"}, {"cabin 12!", ""}}},
	} {
		checkParser(t, "seat", func(s string) (string, error) { return declaration.ParseSeat(tr.transport, s) }, tr.cases)
	}
	// No seat is fine; a car has none, whatever is typed.
	for _, c := range [][2]string{{"FLIGHT", ""}, {"CAR", "12"}, {"OTHER", "x"}} {
		if got, err := declaration.ParseSeat(c[0], c[1]); got != "" || err != nil {
			t.Errorf("ParseSeat(%s, %q) = %q, %v", c[0], c[1], got, err)
		}
	}
}

func TestParseDay(t *testing.T) {
	t.Parallel()
	ok := map[string]vn.Date{"2021-10-02": {Year: 2021, Month: 10, Day: 2}, "02/10/2021": {Year: 2021, Month: 10, Day: 2}, "2/10/2021": {Year: 2021, Month: 10, Day: 2}}
	for in, want := range ok {
		if got, err := declaration.ParseDay("departure_date", in); err != nil || got != want {
			t.Errorf("%q: %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "2021", "10/2021", "31/02/2021", "2021-13-01", "tomorrow", "02/10/21"} {
		_, err := declaration.ParseDay("arrival_date", in)
		var fe *problem.FieldError
		if !errors.As(err, &fe) || fe.Field != "arrival_date" {
			t.Errorf("%q: %v, want a field error on arrival_date", in, err)
		}
	}
}

func TestParsePassport(t *testing.T) {
	t.Parallel()
	checkParser(t, "id_number", func(s string) (string, error) { return declaration.ParsePassport(s, "VNM") }, []parseCase{
		{"C1234567", "C1234567"}, {"c 123 4567", "C1234567"}, {"12345678", ""}, {"CC123456", ""},
	})
	checkParser(t, "id_number", func(s string) (string, error) { return declaration.ParsePassport(s, "USA") }, []parseCase{
		{"561234567", "561234567"}, {"M12345678", "M12345678"}, {"ABCDEFG", ""}, {"12345", ""}, {"1234567890", ""},
	})
}

func TestReferenceData(t *testing.T) {
	t.Parallel()
	units := vn.AdminUnits()
	seen := map[string]bool{}
	airports := 0
	for _, g := range declaration.BorderGates() {
		if seen[g.Code] {
			t.Errorf("gate %s twice", g.Code)
		}
		seen[g.Code] = true
		if _, ok := units.Province(g.Province); !ok {
			t.Errorf("gate %s: province %q unknown", g.Code, g.Province)
		}
		if g.NameVi == "" || g.NameEn == "" {
			t.Errorf("gate %s lacks a name", g.Code)
		}
		if g.Kind == declaration.GateAir {
			airports++
			if len(g.Code) != 3 {
				t.Errorf("airport %s: want its IATA code", g.Code)
			}
		}
		if g.Neighbour != "" {
			if _, ok := declaration.CountryByCode(g.Neighbour); !ok {
				t.Errorf("gate %s: neighbour %q unknown", g.Code, g.Neighbour)
			}
		}
	}
	if airports < 8 || len(seen) < 40 {
		t.Errorf("%d gates, %d airports: the list is too short", len(seen), airports)
	}
	vi, en := declaration.Countries("vi"), declaration.Countries("en")
	if len(vi) != 249 || len(en) != 249 || vi[0].Code != "VNM" || en[0].Code != "VNM" {
		t.Fatalf("%d/%d countries, first %s/%s: want ISO 3166-1's 249, Việt Nam first", len(vi), len(en), vi[0].Code, en[0].Code)
	}
	if c, ok := declaration.CountryByCode("KOR"); !ok || c.NameVi != "Hàn Quốc" || c.NameEn != "South Korea" {
		t.Errorf("KOR = %+v", c)
	}
}
