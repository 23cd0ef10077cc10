package health

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/problem"
)

// The parsers of what facilities and citizens send: every input is either
// taken or refused with field errors, never a panic.

func FuzzParseTest(f *testing.F) {
	f.Add("XN-1", "Nguyễn Văn An", "1985", "M", "001085012345", "0912345678", "00001", "RT-PCR", "positive", "2022-03-20T08:00:00+07:00", "")
	f.Add("", "", "", "", "12", "+84", "99999", "x", "maybe", "yesterday", "2019-01-01T00:00:00Z")
	now := time.Date(2022, 4, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, id, name, birth, sex, idn, phone, ward, typ, result, sampled, resulted string) {
		in := TestInput{SampleID: id, Type: typ, Result: result, SampledAt: sampled, ResultAt: resulted,
			Person: PersonInput{FullName: name, BirthDate: birth, Sex: sex, IDNumber: idn, Phone: phone, WardCode: ward, Address: name}}
		r, err := parseTest(in, "01", "", now)
		if err != nil {
			if !errors.Is(err, problem.ErrInvalid) {
				t.Fatalf("refused without field errors: %v", err)
			}
			return
		}
		if r.ExternalID == "" || r.Subject.FullName == "" || r.SampledAt.IsZero() || r.SampledAt.After(now.Add(ingestSlack)) {
			t.Fatalf("took %+v", r)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzParseDose(f *testing.F) {
	f.Add("D1", "Trần Thị B", "01/02/1990", "F", "012345678", 2, "Pfizer", "2021-09-01")
	f.Add("!", "", "x", "?", "", 9, "Nope", "31/02/2021")
	now := time.Date(2022, 4, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, id, name, birth, sex, idn string, n int, vaccine, date string) {
		in := DoseInput{DoseID: id, DoseNumber: n, Vaccine: vaccine, Date: date,
			Person: PersonInput{FullName: name, BirthDate: birth, Sex: sex, IDNumber: idn}}
		r, err := parseDose(in, "", "", now)
		if err != nil {
			if !errors.Is(err, problem.ErrInvalid) {
				t.Fatalf("refused without field errors: %v", err)
			}
			return
		}
		if _, ok := LookupVaccine(r.Product); !ok || r.DoseNumber < 1 || r.Date.Day == 0 {
			t.Fatalf("took %+v", r)
		}
	})
}

func FuzzFHIRCreate(f *testing.F) {
	f.Add([]byte(`{"resourceType":"Observation","status":"final","identifier":[{"value":"S"}],"code":{"coding":[{"system":"http://loinc.org","code":"94500-6"}]},"subject":{"reference":"Patient/p1"},"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"260373001"}]}}`))
	f.Add([]byte(`{"resourceType":"Immunization","status":"completed","patient":{"reference":"#x"},"contained":[{"resourceType":"Patient","id":"x"}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, parse := range []func([]byte) error{
			func(b []byte) error { _, _, err := TestOfObservation(b); return err },
			func(b []byte) error { _, _, err := DoseOfImmunization(b); return err },
		} {
			if err := parse(b); err != nil && !errors.Is(err, problem.ErrInvalid) {
				t.Fatalf("refused without field errors: %v", err)
			}
		}
	})
}

func FuzzReportInput(f *testing.F) {
	f.Add("", "37,5", "97", "cough")
	f.Add("abc", "NaN", "100%", "x")
	f.Fuzz(func(t *testing.T, id, temp, spo2, symptom string) {
		r, err := ReportInput{ID: id, Temperature: temp, SpO2: spo2, Symptoms: []string{symptom}}.parse()
		if err != nil {
			if !errors.Is(err, problem.ErrInvalid) {
				t.Fatalf("refused without field errors: %v", err)
			}
			return
		}
		if r.SpO2 < 50 || r.SpO2 > 100 || r.Temperature < 34 || r.Temperature > 43 {
			t.Fatalf("took %+v", r)
		}
	})
}
