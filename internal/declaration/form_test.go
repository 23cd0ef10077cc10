package declaration_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// fieldsOf returns the fields an error names.
func fieldsOf(err error) []string {
	var fs problem.Fields
	if errors.As(err, &fs) {
		var out []string
		for _, f := range fs {
			out = append(out, f.Field)
		}
		return out
	}
	var fe *problem.FieldError
	if errors.As(err, &fe) {
		return []string{fe.Field}
	}
	return nil
}

func TestValidateRefusesEachBadField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		base  func() declaration.Form
		edit  func(*declaration.Form)
		field string
	}{
		{"no kind", domesticForm, func(f *declaration.Form) { f.Kind = "" }, "kind"},
		{"unknown kind", domesticForm, func(f *declaration.Form) { f.Kind = "HOLIDAY" }, "kind"},
		{"unknown symptom", domesticForm, func(f *declaration.Form) { f.Symptoms = []string{"headache"} }, "symptoms"},
		{"no origin", domesticForm, func(f *declaration.Form) { f.From = "" }, "from"},
		{"unknown origin", domesticForm, func(f *declaration.Form) { f.From = "99" }, "from"},
		{"no destination", domesticForm, func(f *declaration.Form) { f.Ward = "" }, "ward"},
		{"destination not a ward", domesticForm, func(f *declaration.Form) { f.Ward = "001" }, "ward"},
		{"unknown destination", domesticForm, func(f *declaration.Form) { f.Ward = "99999" }, "ward"},
		{"no transport", domesticForm, func(f *declaration.Form) { f.Transport = "" }, "transport"},
		{"unknown transport", domesticForm, func(f *declaration.Form) { f.Transport = "ROCKET" }, "transport"},
		{"bad flight number", domesticForm, func(f *declaration.Form) { f.TransportNo = "flight 12" }, "transport_no"},
		{"flight number 0", domesticForm, func(f *declaration.Form) { f.TransportNo = "VN0" }, "transport_no"},
		{"no flight number", domesticForm, func(f *declaration.Form) { f.TransportNo = "" }, "transport_no"},
		{"bad plate", domesticForm, func(f *declaration.Form) { f.Transport, f.TransportNo, f.Seat = "CAR", "ABC", "" }, "transport_no"},
		{"bad train", domesticForm, func(f *declaration.Form) { f.Transport, f.TransportNo, f.Seat = "TRAIN", "3", "" }, "transport_no"},
		{"bad flight seat", domesticForm, func(f *declaration.Form) { f.Seat = "12Z" }, "seat"},
		{"bad train seat", domesticForm, func(f *declaration.Form) { f.Transport, f.TransportNo, f.Seat = "TRAIN", "SE3", "324" }, "seat"},
		{"no departure", domesticForm, func(f *declaration.Form) { f.DepartureDate = "" }, "departure_date"},
		{"impossible departure", domesticForm, func(f *declaration.Form) { f.DepartureDate = "31/02/2021" }, "departure_date"},
		{"departure year only", domesticForm, func(f *declaration.Form) { f.DepartureDate = "2021" }, "departure_date"},
		{"departure too far ahead", domesticForm, func(f *declaration.Form) { f.DepartureDate, f.ArrivalDate = "2021-10-16", "" }, "departure_date"},
		{"departure too long ago", domesticForm, func(f *declaration.Form) { f.DepartureDate, f.ArrivalDate = "2021-09-16", "" }, "departure_date"},
		{"arrival before departure", domesticForm, func(f *declaration.Form) { f.ArrivalDate = "2021-10-01" }, "arrival_date"},
		{"journey too long", domesticForm, func(f *declaration.Form) { f.ArrivalDate = "2021-10-07" }, "arrival_date"},
		{"too long address", domesticForm, func(f *declaration.Form) { f.Address = strings.Repeat("ở ", 101) }, "address"},
		{"entry without document", entryForm, func(f *declaration.Form) { f.IDType, f.IDNumber = "", "" }, "id_number"},
		{"entry with bad CCCD", entryForm, func(f *declaration.Form) { f.IDNumber = "001085" }, "id_number"},
		{"foreigner with CCCD", entryForm, func(f *declaration.Form) { f.Nationality = "KOR" }, "id_type"},
		{"bad passport", entryForm, func(f *declaration.Form) { f.IDType, f.IDNumber = "PASSPORT", "12" }, "id_number"},
		{"bad Vietnamese passport", entryForm, func(f *declaration.Form) { f.IDType, f.IDNumber = "PASSPORT", "AB123456" }, "id_number"},
		{"unknown nationality", entryForm, func(f *declaration.Form) { f.Nationality = "XYZ" }, "nationality"},
		{"no origin country", entryForm, func(f *declaration.Form) { f.FromCountry = "" }, "from_country"},
		{"entry from Vietnam", entryForm, func(f *declaration.Form) { f.FromCountry = "VNM" }, "from_country"},
		{"unknown origin country", entryForm, func(f *declaration.Form) { f.FromCountry = "ATL" }, "from_country"},
		{"no border gate", entryForm, func(f *declaration.Form) { f.BorderGate = "" }, "border_gate"},
		{"unknown border gate", entryForm, func(f *declaration.Form) { f.BorderGate = "LHR" }, "border_gate"},
		{"car at an airport", entryForm, func(f *declaration.Form) { f.Transport, f.TransportNo, f.Seat = "CAR", "29A12345", "" }, "transport"},
		{"flight at a land gate", entryForm, func(f *declaration.Form) { f.BorderGate = "LAND-MOC-BAI" }, "transport"},
		{"entry without arrival", entryForm, func(f *declaration.Form) { f.ArrivalDate = "" }, "arrival_date"},
		{"entry arriving before leaving", entryForm, func(f *declaration.Form) { f.ArrivalDate = "2021-09-29" }, "arrival_date"},
		{"entry without stay", entryForm, func(f *declaration.Form) { f.Ward = "" }, "ward"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.base()
			tt.edit(&f)
			_, err := declaration.Validate(f, today)
			if !errors.Is(err, problem.ErrInvalid) {
				t.Fatalf("Validate accepted it: err = %v", err)
			}
			if got := fieldsOf(err); !slices.Contains(got, tt.field) {
				t.Fatalf("error names %v, want %s: %v", got, tt.field, err)
			}
			var fe *problem.FieldError
			errors.As(err, &fe)
			if fe.Vi == "" || fe.En == "" || fe.Vi == fe.En {
				t.Fatalf("error is not bilingual: %+v", fe)
			}
		})
	}
}

func TestValidateReportsEveryFaultAtOnce(t *testing.T) {
	t.Parallel()
	f := domesticForm()
	f.From, f.Ward, f.DepartureDate = "", "", "30/02/2021"
	_, err := declaration.Validate(f, today)
	got := fieldsOf(err)
	for _, want := range []string{"from", "ward", "departure_date"} {
		if !slices.Contains(got, want) {
			t.Errorf("fields %v lack %s", got, want)
		}
	}
}

func TestValidateNormalises(t *testing.T) {
	t.Parallel()
	d, err := declaration.Validate(domesticForm(), today)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != "DOMESTIC" || d.TransportNo != "VN113" || d.SeatNo != "7C" || d.Ward != "20194" {
		t.Errorf("journey = %s %s %s %s", d.Kind, d.TransportNo, d.SeatNo, d.Ward)
	}
	if d.DepartureDate != (vn.Date{Year: 2021, Month: 10, Day: 2}) || d.ArrivalDate != d.DepartureDate {
		t.Errorf("dates = %v → %v", d.DepartureDate, d.ArrivalDate)
	}
	if d.Details.FromArea != "00001" || d.Details.FromPlace != "Phường Phúc Xá, Quận Ba Đình, Thành phố Hà Nội" {
		t.Errorf("from = %q %q", d.Details.FromArea, d.Details.FromPlace)
	}
	if d.Details.ToPlace != "Phường Hòa Hiệp Bắc, Quận Liên Chiểu, Thành phố Đà Nẵng" {
		t.Errorf("to = %q", d.Details.ToPlace)
	}

	e, err := declaration.Validate(entryForm(), today)
	if err != nil {
		t.Fatal(err)
	}
	if e.BorderGate != "HAN" || e.Details.IDType != "CCCD" || e.Details.FromCountry != "KOR" || e.Details.FromPlace != "Hàn Quốc, Seoul" {
		t.Errorf("entry = %+v", e)
	}
	// The transport follows from the gate when it is left out; a
	// foreigner's passport passes.
	f := entryForm()
	f.Transport, f.IDType, f.IDNumber, f.Nationality = "", "", "m 1234 567", "KOR"
	e, err = declaration.Validate(f, today)
	if err != nil || e.Transport != "FLIGHT" || e.Details.IDType != "PASSPORT" || e.Details.IDNumber != "M1234567" {
		t.Errorf("foreigner: %+v, %v", e, err)
	}
	// A self-check needs only the health questions.
	s, err := declaration.Validate(declaration.Form{Kind: "selfcheck", Symptoms: []string{"fever|taste_loss", "none"}}, today)
	if err != nil || !slices.Equal(s.Details.Symptoms, []string{"fever", "taste_loss"}) {
		t.Errorf("self-check: %v, %v", s.Details.Symptoms, err)
	}
}
