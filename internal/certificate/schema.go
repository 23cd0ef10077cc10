package certificate

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/pccovid/pccovid/internal/problem"
)

//go:embed schema/DCC.combined-schema.json schema/valuesets/*.json
var schemaFS embed.FS

const schemaURL = "https://id.uvci.eu/DCC.combined-schema.json"

// Validator checks DCC payloads against the official EU DCC JSON schema
// (version [SchemaVersion], embedded) and, for what PC-Covid issues, against
// the EU value sets. It compiles its schemas once, in [NewValidator]; share
// one Validator, it is safe for concurrent use.
//
// Formats ("date", "date-time") are annotations in JSON Schema 2020-12 and
// are not asserted, as in the official validators: the schema's own valid
// test cases use offsets such as "+02" that RFC 3339 refuses.
//
// Payloads that declare a version before 1.3.0 (issued from May 2021 under
// schemas 1.0.0 to 1.2.1, which this package does not embed) are checked
// against a legacy profile of the current schema: the limits that changed
// between versions are not applied (several entries per group were allowed
// before 1.3.0, and the length limits moved from 50 to 80 characters), the
// date of birth may carry the "T00:00:00" time part that 1.0.0 allowed, and
// groups set to null, which 1.0.0 allowed, count as absent. Required
// members, types, patterns and the one-type rule still apply.
type Validator struct {
	current   *jsonschema.Schema
	legacy    *jsonschema.Schema
	valueSets map[string]map[string]bool // value set file name → codes
}

// legacyURL names the derived legacy profile; .invalid marks it as no real
// location.
const legacyURL = "https://pccovid.invalid/schema/DCC.legacy-profile.json"

// NewValidator compiles the embedded schema and its legacy profile, and
// loads the value sets.
func NewValidator() (*Validator, error) {
	raw, err := schemaFS.ReadFile("schema/DCC.combined-schema.json")
	if err != nil {
		return nil, err
	}
	current, err := compileSchema(raw, schemaURL, nil)
	if err != nil {
		return nil, err
	}
	legacy, err := compileSchema(raw, legacyURL, legacyProfile)
	if err != nil {
		return nil, err
	}
	vs, err := loadValueSets()
	if err != nil {
		return nil, err
	}
	return &Validator{current: current, legacy: legacy, valueSets: vs}, nil
}

// compileSchema compiles a schema document under the URL url, after
// applying edit to it when edit is not nil.
func compileSchema(raw []byte, url string, edit func(map[string]any)) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("certificate: DCC schema: %w", err)
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, errors.New("certificate: DCC schema is not an object")
	}
	if edit != nil {
		m["$id"] = url
		edit(m)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, m); err != nil {
		return nil, fmt.Errorf("certificate: DCC schema: %w", err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("certificate: DCC schema: %w", err)
	}
	return sch, nil
}

// legacyProfile turns the 1.3.3 schema into the profile for older payloads
// (see [Validator]).
func legacyProfile(doc map[string]any) {
	dropKeywords(doc, "maxItems", "maxLength")
	props, _ := doc["properties"].(map[string]any)
	if dob, ok := props["dob"].(map[string]any); ok {
		dob["pattern"] = `^((19|20)\d\d(-\d\d){0,2}(T\d\d:\d\d:\d\d)?){0,1}$`
	}
}

// dropKeywords removes the keywords from every schema object in v.
func dropKeywords(v any, keywords ...string) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range keywords {
			delete(x, k)
		}
		for _, e := range x {
			dropKeywords(e, keywords...)
		}
	case []any:
		for _, e := range x {
			dropKeywords(e, keywords...)
		}
	}
}

// loadValueSets reads the code lists of the embedded value set files.
func loadValueSets() (map[string]map[string]bool, error) {
	files, err := schemaFS.ReadDir("schema/valuesets")
	if err != nil {
		return nil, err
	}
	sets := make(map[string]map[string]bool, len(files))
	for _, f := range files {
		raw, err := schemaFS.ReadFile("schema/valuesets/" + f.Name())
		if err != nil {
			return nil, err
		}
		var vs struct {
			Values map[string]json.RawMessage `json:"valueSetValues"`
		}
		if err := json.Unmarshal(raw, &vs); err != nil {
			return nil, fmt.Errorf("certificate: value set %s: %w", f.Name(), err)
		}
		codes := make(map[string]bool, len(vs.Values))
		for code := range vs.Values {
			codes[code] = true
		}
		sets[strings.TrimSuffix(f.Name(), ".json")] = codes
	}
	return sets, nil
}

// Validate checks a decoded JSON value (as produced by encoding/json with
// map[string]any objects) against the schema. A failure is a
// *problem.FieldError naming the JSON pointer of the first bad member; it
// wraps [problem.ErrInvalid].
func (v *Validator) Validate(payload any) error {
	sch := v.current
	if isLegacy(payload) {
		sch, payload = v.legacy, withoutNulls(payload)
	}
	err := sch.Validate(payload)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("certificate: schema: %w", err)
	}
	field, msg := firstLeaf(ve)
	return problem.Field("dcc"+field,
		"chứng nhận không đúng lược đồ EU DCC: "+msg,
		"certificate does not match the EU DCC schema: "+msg)
}

// isLegacy reports whether a payload declares a schema version before 1.3.0.
func isLegacy(payload any) bool {
	m, _ := payload.(map[string]any)
	ver, _ := m["ver"].(string)
	major, rest, ok := strings.Cut(ver, ".")
	minor, _, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || major != "1" {
		return false
	}
	n, err := strconv.Atoi(minor)
	return err == nil && n < 3
}

// withoutNulls returns a copy of an object without its null members.
func withoutNulls(payload any) any {
	m, ok := payload.(map[string]any)
	if !ok {
		return payload
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		if e != nil {
			out[k] = e
		}
	}
	return out
}

// ValidateJSON checks a JSON document against the schema.
func (v *Validator) ValidateJSON(data []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return problem.Field("dcc", "không phải JSON hợp lệ", "not valid JSON: "+err.Error())
	}
	return v.Validate(doc)
}

// firstLeaf returns the instance location and message of the deepest first
// cause of a validation error: the most specific thing to tell a person.
func firstLeaf(ve *jsonschema.ValidationError) (string, string) {
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	loc := ""
	for _, p := range ve.InstanceLocation {
		loc += "/" + p
	}
	return loc, kindMessage(ve.ErrorKind)
}

// kindMessage describes a schema violation without repeating the value,
// which may be personal or health data (a date of birth, a dose number).
func kindMessage(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Pattern:
		return fmt.Sprintf("does not match the pattern %s", k.Want)
	case *kind.Format:
		return fmt.Sprintf("is not a valid %s", k.Want)
	case *kind.Enum, *kind.Const:
		return "is not an allowed value"
	case *kind.Minimum:
		return fmt.Sprintf("is below the minimum %s", k.Want.RatString())
	case *kind.Maximum:
		return fmt.Sprintf("is above the maximum %s", k.Want.RatString())
	}
	return k.LocalizedString(message.NewPrinter(language.English))
}

// CheckValueSets checks that the coded fields of d use codes of the EU value
// sets (version 2.12.0, embedded). The schema only names the value sets, so
// Verify does not apply this check to other issuers' certificates; Issue
// applies it to PC-Covid's own. The RAT device list (test-manf) lives on the
// EU gateway and is not checked here.
func (v *Validator) CheckValueSets(d *DCC) error {
	var errs problem.Fields
	check := func(field, set, code string) {
		if !v.valueSets[set][code] {
			errs.Add(problem.Field(field,
				fmt.Sprintf("mã %q không có trong danh mục %s của EU", code, set),
				fmt.Sprintf("code %q is not in the EU value set %s", code, set)))
		}
	}
	for i, e := range d.Vaccinations {
		p := fmt.Sprintf("dcc/v/%d/", i)
		check(p+"tg", "disease-agent-targeted", e.Target)
		check(p+"vp", "vaccine-prophylaxis", e.Prophylaxis)
		check(p+"mp", "vaccine-medicinal-product", e.Product)
		check(p+"ma", "vaccine-mah-manf", e.Manufacturer)
		check(p+"co", "country-2-codes", e.Country)
	}
	for i, e := range d.Tests {
		p := fmt.Sprintf("dcc/t/%d/", i)
		check(p+"tg", "disease-agent-targeted", e.Target)
		check(p+"tt", "test-type", e.Type)
		check(p+"tr", "test-result", e.Result)
		check(p+"co", "country-2-codes", e.Country)
	}
	for i, e := range d.Recoveries {
		p := fmt.Sprintf("dcc/r/%d/", i)
		check(p+"tg", "disease-agent-targeted", e.Target)
		check(p+"co", "country-2-codes", e.Country)
	}
	return errs.Err()
}
