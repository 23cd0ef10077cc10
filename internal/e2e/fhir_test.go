package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/pccovid/pccovid/internal/access"
)

// fhirSchema is the official FHIR R4 JSON schema, kept with package health
// (internal/health/testdata/README.md).
var fhirSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open("../health/testdata/fhir.schema.json.gz")
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
	if err := c.AddResource("http://hl7.org/fhir/json-schema/4.0", doc); err != nil {
		return nil, err
	}
	return c.Compile("http://hl7.org/fhir/json-schema/4.0")
})

// fhirCall calls the FHIR endpoint and checks that the answer is FHIR JSON
// valid against the R4 schema; it returns the status and the resource.
func fhirCall(t *testing.T, s *system, method, path string, headers map[string]string, body string) (int, map[string]any, http.Header) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, s.srv.URL+path, r)
	req.Header.Set("Content-Type", "application/fhir+json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
		t.Fatalf("%s %s: content type %q: %s", method, path, ct, raw)
	}
	sch, err := fhirSchema()
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s %s: not JSON: %s", method, path, raw)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("%s %s: not valid FHIR R4: %v\n%s", method, path, err, raw)
	}
	var out map[string]any
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out, resp.Header
}

func outcomeCode(out map[string]any) string {
	if out["resourceType"] != "OperationOutcome" {
		return ""
	}
	return out["issue"].([]any)[0].(map[string]any)["code"].(string)
}

// TestFHIR: an electronic health records system (a lab's, with its key)
// finds a patient by CCCD with a purpose (audited), posts an Observation
// and an Immunization, reads and searches them; every answer, errors
// included, is valid FHIR R4.
func TestFHIR(t *testing.T) {
	each(t, func(t *testing.T, s *system) {
		p := s.peopleWithOwnPhones(t, 1)[0]
		s.addOfficial(t, "admin.fhir", access.RoleAdmin, "VN")
		admin := s.browser(t)
		consoleLogin(t, admin, "admin.fhir")
		_, key := facilityWithKey(t, s, admin, "BV_FHIR", "both")
		lab := map[string]string{"X-API-Key": key}
		withPurpose := map[string]string{"X-API-Key": key, "X-Purpose": "testing", "X-Purpose-Ref": "mẫu S-77"}

		if status, out, _ := fhirCall(t, s, "GET", "/fhir/R4/metadata", nil, ""); status != 200 || out["resourceType"] != "CapabilityStatement" {
			t.Fatalf("metadata: %d %v", status, out)
		}
		search := "/fhir/R4/Patient?identifier=" + "https://pccovid.gov.vn/fhir/sid/cccd%7C" + p["cccd"]
		if status, out, _ := fhirCall(t, s, "GET", search, lab, ""); status != 400 || outcomeCode(out) != "invalid" {
			t.Fatalf("search without a purpose: %d %v", status, out)
		}
		status, out, _ := fhirCall(t, s, "GET", search, withPurpose, "")
		if status != 200 || out["resourceType"] != "Bundle" || out["type"] != "searchset" || out["total"].(float64) != 1 {
			t.Fatalf("search: %d %v", status, out)
		}
		patient := out["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
		if patient["id"] != s.personID(p) {
			t.Fatalf("patient %v", patient)
		}
		log, _ := s.app.Trail.ForSubject(t.Context(), s.personID(p), 10)
		if len(log) == 0 || log[0].Purpose != access.PurposeTesting || log[0].Actor.Kind != access.KindIntegrator {
			t.Fatalf("the read is not in the audit trail: %+v", log)
		}

		obs := `{"resourceType":"Observation","status":"final","identifier":[{"value":"S-77"}],
		"code":{"coding":[{"system":"http://loinc.org","code":"94558-4"}]},
		"subject":{"reference":"Patient/` + s.personID(p) + `"},
		"effectiveDateTime":"` + time.Now().Add(-time.Hour).Format(time.RFC3339) + `",
		"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"260415000"}]}}`
		status, out, hdr := fhirCall(t, s, "POST", "/fhir/R4/Observation", lab, obs)
		if status != 201 || out["resourceType"] != "Observation" || hdr.Get("Location") == "" {
			t.Fatalf("create: %d %v", status, out)
		}
		if status, _, _ := fhirCall(t, s, "POST", "/fhir/R4/Observation", lab, obs); status != 200 {
			t.Fatalf("create again: %d, want 200 (nothing changed)", status)
		}
		loc := strings.TrimPrefix(hdr.Get("Location"), s.srv.URL)
		if status, out, _ := fhirCall(t, s, "GET", loc, withPurpose, ""); status != 200 || out["id"] == "" {
			t.Fatalf("read: %d %v", status, out)
		}
		status, out, _ = fhirCall(t, s, "GET", "/fhir/R4/Observation?patient="+s.personID(p), withPurpose, "")
		if status != 200 || out["total"].(float64) != 1 {
			t.Fatalf("search observations: %d %v", status, out)
		}
		imm := `{"resourceType":"Immunization","status":"completed","identifier":[{"value":"D-9"}],
		"vaccineCode":{"coding":[{"system":"https://ec.europa.eu/health/documents/community-register/html/","code":"EU/1/20/1528"}]},
		"patient":{"reference":"Patient/` + s.personID(p) + `"},"occurrenceDateTime":"2021-10-01",
		"protocolApplied":[{"doseNumberPositiveInt":1}]}`
		if status, out, _ := fhirCall(t, s, "POST", "/fhir/R4/Immunization", lab, imm); status != 201 {
			t.Fatalf("create immunization: %d %v", status, out)
		}
		vaccination := map[string]string{"X-API-Key": key, "X-Purpose": "vaccination"}
		if status, out, _ := fhirCall(t, s, "GET", "/fhir/R4/Immunization?patient="+s.personID(p), vaccination, ""); status != 200 || out["total"].(float64) != 1 {
			t.Fatalf("search immunizations: %d %v", status, out)
		}

		for name, c := range map[string]struct {
			method, path, body string
			headers            map[string]string
			status             int
			code               string
		}{
			"no key":          {"GET", "/fhir/R4/Patient/" + s.personID(p), "", map[string]string{"X-Purpose": "testing"}, 401, "login"},
			"tracing purpose": {"GET", "/fhir/R4/Patient/" + s.personID(p), "", map[string]string{"X-API-Key": key, "X-Purpose": "tracing"}, 400, "invalid"},
			"unknown patient": {"GET", "/fhir/R4/Patient/nobody", "", withPurpose, 404, "not-found"},
			"unsupported":     {"GET", "/fhir/R4/Encounter/1", "", withPurpose, 404, "not-supported"},
			"bad body":        {"POST", "/fhir/R4/Observation", `{"resourceType":"Observation"`, lab, 400, "invalid"},
			"bad code":        {"POST", "/fhir/R4/Observation", strings.Replace(obs, "94558-4", "1234-5", 1), lab, 400, "invalid"},
		} {
			status, out, _ := fhirCall(t, s, c.method, c.path, c.headers, c.body)
			if status != c.status || outcomeCode(out) != c.code {
				t.Errorf("%s: %d %v, want %d %s", name, status, out, c.status, c.code)
			}
		}
	})
}
