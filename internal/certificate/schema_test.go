package certificate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/problem"
)

// TestSchemaTestCases runs the schema's own valid and invalid test cases
// and examples.
func TestSchemaTestCases(t *testing.T) {
	t.Parallel()
	v := testValidator(t)
	for _, pattern := range []string{"test/valid/*.json", "test/invalid/*.json", "examples/*/*.json"} {
		files, err := filepath.Glob(filepath.Join("testdata/schema", pattern))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %d files, %v", pattern, len(files), err)
		}
		wantValid := !strings.Contains(pattern, "invalid")
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			err = v.ValidateJSON(data)
			if (err == nil) != wantValid {
				t.Errorf("%s: valid = %v (%v), want %v", f, err == nil, err, wantValid)
			}
			if err != nil && !errors.Is(err, problem.ErrInvalid) {
				t.Errorf("%s: error %v does not wrap ErrInvalid", f, err)
			}
		}
	}
}

// TestLegacyProfile checks the relaxations for payloads older than 1.3.0,
// and that they do not apply to current ones.
func TestLegacyProfile(t *testing.T) {
	t.Parallel()
	v := testValidator(t)
	entry := `{"tg":"840539006","vp":"1119349007","mp":"EU/1/20/1528","ma":"ORG-100030215","dn":1,"sd":2,"dt":"2021-06-11","co":"NL","is":"Ministry","ci":"URN:UVCI:01:NL:1"}`
	doc := func(ver, dob, extra string) string {
		return `{"ver":"` + ver + `","nam":{"fnt":"SMITH"},"dob":"` + dob + `","v":[` + entry + extra + `]}`
	}
	long := strings.Repeat("x", 90)
	tests := []struct {
		name, json string
		valid      bool
	}{
		{"1.3.0 one entry", doc("1.3.0", "1964", ""), true},
		{"1.3.0 two entries", doc("1.3.0", "1964", ","+entry), false},
		{"1.0.0 two entries", doc("1.0.0", "1964", ","+entry), true},
		{"1.2.1 two entries", doc("1.2.1", "1964", ","+entry), true},
		{"1.3.0 time in dob", doc("1.3.0", "1964-01-26T00:00:00", ""), false},
		{"1.0.0 time in dob", doc("1.0.0", "1964-01-26T00:00:00", ""), true},
		{"1.0.0 bad dob", doc("1.0.0", "26.01.1964", ""), false},
		{"1.0.0 null groups", strings.Replace(doc("1.0.0", "1964", ""), `"v":`, `"t":null,"r":null,"v":`, 1), true},
		{"1.3.0 null group", strings.Replace(doc("1.3.0", "1964", ""), `"v":`, `"t":null,"v":`, 1), false},
		{"1.0.0 long issuer", strings.Replace(doc("1.0.0", "1964", ""), `"Ministry"`, `"`+long+`"`, 1), true},
		{"1.3.0 long issuer", strings.Replace(doc("1.3.0", "1964", ""), `"Ministry"`, `"`+long+`"`, 1), false},
		{"1.0.0 two types", strings.Replace(doc("1.0.0", "1964", ""), `"v":`, `"r":[{}],"v":`, 1), false},
		{"1.0.0 missing dn", strings.Replace(doc("1.0.0", "1964", ""), `"dn":1,`, ``, 1), false},
	}
	for _, tc := range tests {
		err := v.ValidateJSON([]byte(tc.json))
		if (err == nil) != tc.valid {
			t.Errorf("%s: valid = %v (%v), want %v", tc.name, err == nil, err, tc.valid)
		}
	}
}

// TestSchemaErrorsHideValues checks that a schema error names the field but
// does not repeat personal data.
func TestSchemaErrorsHideValues(t *testing.T) {
	t.Parallel()
	v := testValidator(t)
	err := v.ValidateJSON([]byte(`{"ver":"1.3.0","nam":{"fnt":"SMITH"},"dob":"31.12.1964","r":[{"tg":"840539006","fr":"2021-01-01","co":"VN","is":"MoH","df":"2021-01-01","du":"2021-06-01","ci":"x"}]}`))
	var fe *problem.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a FieldError", err)
	}
	if fe.Field != "dcc/dob" || strings.Contains(err.Error(), "1964") {
		t.Errorf("error %q: want field dcc/dob and no date of birth", err)
	}
	if fe.Vi == "" || fe.En == "" {
		t.Errorf("error %+v lacks a Vietnamese or English reason", fe)
	}
}

func TestCheckValueSets(t *testing.T) {
	t.Parallel()
	v := testValidator(t)
	d := vaccination()
	if err := v.CheckValueSets(&d); err != nil {
		t.Fatalf("sample vaccination: %v", err)
	}
	d.Vaccinations[0].Product = "Sinopharm"
	d.Vaccinations[0].Country = "XX"
	err := v.CheckValueSets(&d)
	var fields problem.Fields
	if !errors.As(err, &fields) || len(fields) != 2 || !errors.Is(err, problem.ErrInvalid) {
		t.Fatalf("error %v, want two field errors", err)
	}
	if fields[0].Field != "dcc/v/0/mp" || fields[1].Field != "dcc/v/0/co" {
		t.Errorf("fields %s, %s", fields[0].Field, fields[1].Field)
	}
	test := DCC{Tests: []Test{{Target: "840539006", Type: "LP6464-4", Result: "260415000", Country: "VN"}}}
	if err := v.CheckValueSets(&test); err != nil {
		t.Errorf("NAAT test: %v", err)
	}
}
