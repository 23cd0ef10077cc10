package health_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// fhirSchema is the official FHIR R4 JSON schema (testdata/README.md).
var fhirSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open("testdata/fhir.schema.json.gz")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(zr)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	const url = "http://hl7.org/fhir/json-schema/4.0"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
})

// ValidFHIR fails the test unless v's JSON is valid FHIR R4.
func validFHIR(t testing.TB, v any) []byte {
	t.Helper()
	sch, err := fhirSchema()
	if err != nil {
		t.Fatalf("FHIR schema: %v", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("not valid FHIR R4: %v\n%s", err, b)
	}
	return b
}

func TestFHIRResourcesAreValidR4(t *testing.T) {
	t.Parallel()
	p := identity.Person{ID: "p123", Verified: true, CCCD: "001085012345", OldID: "012345678", FullName: "Nguyễn Văn An",
		BirthDate: vn.Date{Year: 1985, Month: 2, Day: 1}, Sex: vn.SexMale, WardCode: "00001", Address: "Số 5 ngõ 12",
		Phone: "+84912345678", UpdatedAt: now}
	pat := health.PatientOf(p)
	validFHIR(t, pat)
	if pat.Name[0].Family != "Nguyễn" || strings.Join(pat.Name[0].Given, " ") != "Văn An" || pat.Identifier[0].Value != "001085012345" {
		t.Fatalf("patient %+v", pat)
	}
	yearOnly := health.PatientOf(identity.Person{ID: "u1", FullName: "Kim", BirthDate: vn.Date{Year: 1990}})
	if b := validFHIR(t, yearOnly); !strings.Contains(string(b), `"birthDate":"1990"`) {
		t.Fatalf("year-only birth date: %s", b)
	}
	dose := health.Dose{ID: "fac/TYT/v/1", PersonID: "p123", Source: "facility", RecordKey: "TYT/1", Number: 2,
		Date: vn.Date{Year: 2021, Month: 7, Day: 1}, Product: "EU/1/21/1529", Lot: "A1234", Facility: "TYT Phúc Xá"}
	im := health.ImmunizationOf(dose)
	validFHIR(t, im)
	if im.ProtocolApplied[0].DoseNumberPositiveInt != 2 || im.ProtocolApplied[0].SeriesDosesPositiveInt != 2 ||
		im.VaccineCode.Coding[0].Code != "EU/1/21/1529" {
		t.Fatalf("immunization %+v", im)
	}
	for _, typ := range []string{"PCR", "RAT"} {
		test := health.Test{ID: "fac/HCDC/t/X1", PersonID: "p123", Source: "facility", RecordKey: "HCDC/X1", Type: typ,
			Positive: typ == "PCR", SampledAt: now.Add(-time.Hour), ResultAt: now, Lab: "HCDC", SampleID: "X1"}
		obs := health.ObservationOf(test)
		validFHIR(t, obs)
		wantCode, wantValue := map[string]string{"PCR": "94500-6", "RAT": "94558-4"}[typ], map[string]string{"PCR": "260373001", "RAT": "260415000"}[typ]
		if obs.Code.Coding[0].System != "http://loinc.org" || obs.Code.Coding[0].Code != wantCode ||
			obs.ValueCodeableConcept.Coding[0].Code != wantValue || obs.Subject.Reference != "Patient/p123" || obs.Status != "final" {
			t.Fatalf("%s observation %+v", typ, obs)
		}
	}
	b := health.SearchBundle("https://x/fhir/R4", "https://x/fhir/R4/Patient?identifier=1", now, pat, im)
	validFHIR(t, b)
	validFHIR(t, health.SearchBundle("https://x/fhir/R4", "https://x/fhir/R4/Observation?patient=1", now))
	validFHIR(t, health.NewOutcome("error", "not-found", "Không tìm thấy", "not found"))
	validFHIR(t, health.OutcomeOf(problem.Fields{problem.Field("Observation.status", "vi", "en")}, "Observation"))
}

// observationJSON is an Observation as a lab's system posts it.
func observationJSON(p map[string]string, sample, value string) []byte {
	return []byte(`{"resourceType":"Observation","status":"final",
	"contained":[{"resourceType":"Patient","id":"p","identifier":[{"system":"` + health.SystemCCCD + `","value":"` + p["cccd"] + `"}],
	  "name":[{"text":"` + p["full_name"] + `"}],"gender":"` + map[string]string{"M": "male", "F": "female"}[p["sex"]] + `",
	  "birthDate":"` + p["birth_date"] + `","telecom":[{"system":"phone","value":"` + p["phone"] + `"}]}],
	"identifier":[{"system":"https://lab.example/sample","value":"` + sample + `"}],
	"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
	"code":{"coding":[{"system":"http://loinc.org","code":"94500-6"}]},
	"subject":{"reference":"#p"},
	"effectiveDateTime":"2022-03-20T08:00:00+07:00","issued":"2022-03-20T20:00:00+07:00",
	"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"` + value + `"}]}}`)
}

func TestFHIRCreateObservation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		p := f.personWithPhone(t, 2)
		body := observationJSON(p, "S-77", "260373001")
		var asPosted any
		json.Unmarshal(body, &asPosted)
		validFHIR(t, asPosted)
		in, ref, err := health.TestOfObservation(body)
		if err != nil || ref != "" {
			t.Fatalf("parse: %v %q", err, ref)
		}
		o, err := f.ingest.SubmitFHIRTest(ctx, f.lab, in, ref)
		if err != nil || o.Status != health.StatusLinked || o.PersonID != f.id(p) || !o.Positive {
			t.Fatalf("%+v %v", o, err)
		}
		got, err := f.store.Test(ctx, access.Request{Actor: f.lab.Actor(), Purpose: access.PurposeTesting}, f.persons, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		validFHIR(t, health.ObservationOf(got))
		// By reference to the Patient found with a search.
		byRef := strings.Replace(string(observationJSON(p, "S-78", "260415000")), `"subject":{"reference":"#p"}`,
			`"subject":{"reference":"Patient/`+f.id(p)+`"}`, 1)
		in, ref, err = health.TestOfObservation([]byte(byRef))
		if err != nil || ref != f.id(p) {
			t.Fatalf("by reference: %v %q", err, ref)
		}
		if o, err := f.ingest.SubmitFHIRTest(ctx, f.lab, in, ref); err != nil || o.PersonID != f.id(p) {
			t.Fatalf("by reference: %+v %v", o, err)
		}
		in, ref, _ = health.TestOfObservation([]byte(strings.Replace(strings.Replace(byRef, f.id(p), "nobody", 1), "S-78", "S-79", 1)))
		if _, err := f.ingest.SubmitFHIRTest(ctx, f.lab, in, ref); !errors.Is(err, problem.ErrNotFound) {
			t.Fatalf("a reference to nobody: %v", err)
		}
	})
}

func TestFHIRCreateRefusesBadResources(t *testing.T) {
	t.Parallel()
	p := map[string]string{"cccd": "001085012345", "full_name": "Nguyễn Văn An", "sex": "M", "birth_date": "1985-02-01", "phone": "0912345678"}
	good := string(observationJSON(p, "S-1", "260373001"))
	for name, c := range map[string]struct{ body, field string }{
		"not json":      {`{"resourceType":`, "Observation"},
		"unknown field": {strings.Replace(good, `"status":"final"`, `"status":"final","colour":"red"`, 1), "Observation"},
		"preliminary":   {strings.Replace(good, `"status":"final"`, `"status":"preliminary"`, 1), "Observation.status"},
		"other loinc":   {strings.Replace(good, "94500-6", "2345-7", 1), "Observation.code"},
		"no value":      {strings.Replace(good, "260373001", "123", 1), "Observation.valueCodeableConcept"},
		"no subject":    {strings.Replace(good, `"subject":{"reference":"#p"},`, "", 1), "Observation.subject"},
		"no identifier": {strings.Replace(good, `"identifier":[{"system":"https://lab.example/sample","value":"S-1"}],`, "", 1), "Observation.identifier"},
	} {
		_, _, err := health.TestOfObservation([]byte(c.body))
		var fe *problem.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%s: want a field error at %s, got %v", name, c.field, err)
		}
	}
}

func TestFHIRCreateImmunization(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		p := f.personWithPhone(t, 3)
		body := `{"resourceType":"Immunization","status":"completed","identifier":[{"value":"D-1"}],
		"vaccineCode":{"coding":[{"system":"` + health.SystemEUProducts + `","code":"EU/1/20/1528"}]},
		"patient":{"reference":"Patient/` + f.id(p) + `"},"occurrenceDateTime":"2021-09-01","lotNumber":"FF1630",
		"protocolApplied":[{"doseNumberPositiveInt":1}]}`
		var asPosted any
		json.Unmarshal([]byte(body), &asPosted)
		validFHIR(t, asPosted)
		in, ref, err := health.DoseOfImmunization([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		o, err := f.ingest.SubmitFHIRDose(ctx, f.site, in, ref)
		if err != nil || o.Status != health.StatusLinked {
			t.Fatalf("%+v %v", o, err)
		}
		dose, err := f.store.Dose(ctx, access.Request{Actor: f.site.Actor(), Purpose: access.PurposeVaccination}, f.persons, o.ID)
		if err != nil || dose.Product != "EU/1/20/1528" || dose.Number != 1 || dose.Lot != "FF1630" {
			t.Fatalf("%+v %v", dose, err)
		}
		validFHIR(t, health.ImmunizationOf(dose))
		if _, err := f.store.Dose(ctx, access.Request{Actor: f.site.Actor()}, f.persons, o.ID); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("a read without a purpose: %v", err)
		}
	})
}

func TestFHIRIDRoundTrip(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"habc123", "labtests/HCDC/XN000001", "vaccination/MM_1", "a-b.c", "x/-/y"} {
		f := health.FHIRID(id)
		for _, c := range f {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
				t.Fatalf("%q → %q has %q", id, f, c)
			}
		}
		if back, ok := health.ParseFHIRID(f); !ok || back != id {
			t.Errorf("%q → %q → %q %v", id, f, back, ok)
		}
	}
	for _, bad := range []string{"a-", "a-2", "a-ZZ"} {
		if _, ok := health.ParseFHIRID(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func ExampleFHIRID() {
	fmt.Println(health.FHIRID("labtests/HCDC/XN000001"))
	// Output: labtests-2FHCDC-2FXN000001
}
