package declaration_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/problem"
)

// fuzzRefusal fails unless err is nil or a field error: a parser of outside
// data must never panic nor fail in another way.
func fuzzRefusal(t *testing.T, in string, err error) {
	t.Helper()
	var fe *problem.FieldError
	if err != nil && (!errors.As(err, &fe) || fe.Vi == "" || fe.En == "") {
		t.Fatalf("%q: %v is not a bilingual field error", in, err)
	}
}

func FuzzParseQR(f *testing.F) {
	s := testSealer(f)
	good := declaration.QRText(s, db.NewID())
	for _, seed := range []string{good, strings.ToLower(good), "", "PCCOVID-KB1:", "PCCOVID-KB1:.", "HC1:6BF", good[:40]} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		q, err := declaration.ParseQR(text)
		fuzzRefusal(t, text, err)
		if err != nil {
			return
		}
		// Whatever reads as a QR round-trips, and only a text this
		// platform signed verifies.
		if q.Verify(s) != (strings.ToUpper(strings.TrimSpace(text)) == good) {
			t.Fatalf("%q: verify = %v", text, q.Verify(s))
		}
		if declaration.QRText(s, q.ID) == "" || len(q.ID) != 26 {
			t.Fatalf("%q: id %q", text, q.ID)
		}
	})
}

func FuzzParseFlightNumber(f *testing.F) {
	for _, seed := range []string{"VN244", "vn 0244", "5J5752", "HVN244", "", "VN-0", "ĐV12"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := declaration.ParseFlightNumber(s)
		fuzzRefusal(t, s, err)
		if err == nil {
			if again, err := declaration.ParseFlightNumber(got); err != nil || again != got {
				t.Fatalf("%q → %q → %q, %v: not canonical", s, got, again, err)
			}
		}
	})
}

func FuzzParseSeat(f *testing.F) {
	for _, seed := range []string{"12A", "3-24", "03 / 024", "A5", "", "B12", "0A"} {
		for _, tr := range []string{"FLIGHT", "TRAIN", "BUS", "SHIP", "CAR", ""} {
			f.Add(tr, seed)
		}
	}
	f.Fuzz(func(t *testing.T, transport, s string) {
		got, err := declaration.ParseSeat(transport, s)
		fuzzRefusal(t, s, err)
		if err == nil {
			if again, err := declaration.ParseSeat(transport, got); err != nil || again != got {
				t.Fatalf("%s %q → %q → %q, %v: not canonical", transport, s, got, again, err)
			}
		}
	})
}

func FuzzParseTransportNumbers(f *testing.F) {
	for _, seed := range []string{"29A-123.45", "SE3", "LAO 1234", "", "桂A-12345", "30ld 012.34"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(string) (string, error){
			declaration.ParseTrainNumber,
			func(s string) (string, error) { return declaration.ParsePlate(s, false) },
			func(s string) (string, error) { return declaration.ParsePlate(s, true) },
			func(s string) (string, error) { return declaration.ParsePassport(s, "VNM") },
			func(s string) (string, error) { return declaration.ParsePassport(s, "") },
		} {
			got, err := parse(s)
			fuzzRefusal(t, s, err)
			if err == nil {
				if again, err := parse(got); err != nil || again != got {
					t.Fatalf("%q → %q → %q, %v: not canonical", s, got, again, err)
				}
			}
		}
	})
}

func FuzzParseDay(f *testing.F) {
	for _, seed := range []string{"2021-10-02", "02/10/2021", "31/02/2021", "2021", "", "0/0/0", "99999999-1-1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := declaration.ParseDay("departure_date", s)
		fuzzRefusal(t, s, err)
		if err == nil {
			if again, err := declaration.ParseDay("departure_date", d.String()); err != nil || again != d || d.Day == 0 {
				t.Fatalf("%q → %v → %v, %v", s, d, again, err)
			}
		}
	})
}

// FuzzValidate throws arbitrary forms at the validator: it must answer with
// a declaration or field errors, never panic.
func FuzzValidate(f *testing.F) {
	d, e := domesticForm(), entryForm()
	f.Add(d.Kind, d.From, d.Ward, d.Transport, d.TransportNo, d.Seat, d.DepartureDate, d.ArrivalDate, "", "", "", "", "cough")
	f.Add(e.Kind, "", e.Ward, e.Transport, e.TransportNo, e.Seat, e.DepartureDate, e.ArrivalDate, e.IDType, e.IDNumber, e.Nationality, e.BorderGate, "")
	f.Fuzz(func(t *testing.T, kind, from, ward, transport, no, seat, dep, arr, idType, idNumber, nat, gate, symptoms string) {
		form := declaration.Form{Kind: kind, From: from, Ward: ward, Transport: transport, TransportNo: no, Seat: seat,
			DepartureDate: dep, ArrivalDate: arr, IDType: idType, IDNumber: idNumber, Nationality: nat, FromCountry: "KOR",
			BorderGate: gate, Symptoms: []string{symptoms}}
		got, err := declaration.Validate(form, today)
		if err != nil {
			if !errors.Is(err, problem.ErrInvalid) {
				t.Fatalf("%+v: %v", form, err)
			}
			return
		}
		if got.Kind == "ENTRY" && got.Details.IDNumber == "" {
			t.Fatalf("an entry declaration without a document passed: %+v", form)
		}
	})
}
