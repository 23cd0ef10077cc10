package certificate

import (
	"encoding/base64"
	"fmt"
	"math"

	"github.com/fxamacker/cbor/v2"
)

// SchemaVersion is the version of the DCC JSON schema that PC-Covid issues
// and validates against.
const SchemaVersion = "1.3.3"

// DCC is the EU Digital COVID Certificate payload: the hcert claim's key 1.
// The JSON (and CBOR) member names are those of the DCC JSON schema. A DCC
// holds exactly one of Vaccinations, Tests or Recoveries, with one entry.
type DCC struct {
	Version      string        `json:"ver"`
	Name         Name          `json:"nam"`
	DateOfBirth  string        `json:"dob"` // YYYY-MM-DD, YYYY-MM, YYYY or ""
	Vaccinations []Vaccination `json:"v,omitempty"`
	Tests        []Test        `json:"t,omitempty"`
	Recoveries   []Recovery    `json:"r,omitempty"`
}

// Name is the holder's name as written (fn, gn) and transliterated by ICAO
// 9303 rules (fnt, gnt); see [Transliterate].
type Name struct {
	FamilyName    string `json:"fn,omitempty"`
	FamilyNameStd string `json:"fnt,omitempty"`
	GivenName     string `json:"gn,omitempty"`
	GivenNameStd  string `json:"gnt,omitempty"`
}

// Vaccination is one dose, coded with the EU value sets.
type Vaccination struct {
	Target       string `json:"tg"` // disease-agent-targeted, 840539006 for COVID-19
	Prophylaxis  string `json:"vp"` // vaccine-prophylaxis
	Product      string `json:"mp"` // vaccine-medicinal-product
	Manufacturer string `json:"ma"` // vaccine-mah-manf
	DoseNumber   int    `json:"dn"`
	TotalDoses   int    `json:"sd"`
	Date         string `json:"dt"` // YYYY-MM-DD
	Country      string `json:"co"`
	Issuer       string `json:"is"`
	ID           string `json:"ci"` // UVCI
}

// Test is one test result.
type Test struct {
	Target     string `json:"tg"`
	Type       string `json:"tt"`           // test-type: LP6464-4 NAAT, LP217198-3 RAT
	Name       string `json:"nm,omitempty"` // NAAT test name
	Device     string `json:"ma,omitempty"` // RAT device, test-manf
	SampleTime string `json:"sc"`           // RFC 3339 date-time
	Result     string `json:"tr"`           // test-result
	Centre     string `json:"tc,omitempty"`
	Country    string `json:"co"`
	Issuer     string `json:"is"`
	ID         string `json:"ci"`
}

// Recovery is one statement of recovery.
type Recovery struct {
	Target        string `json:"tg"`
	FirstPositive string `json:"fr"` // YYYY-MM-DD
	Country       string `json:"co"`
	Issuer        string `json:"is"`
	ValidFrom     string `json:"df"`
	ValidUntil    string `json:"du"`
	ID            string `json:"ci"`
}

// Type is the kind of a certificate, named by its group's member name.
type Type string

// Certificate types.
const (
	TypeVaccination Type = "v"
	TypeTest        Type = "t"
	TypeRecovery    Type = "r"
)

// Type returns the kind of certificate d holds, or "" if it holds none or
// more than one kind.
func (d *DCC) Type() Type {
	var t Type
	n := 0
	if len(d.Vaccinations) > 0 {
		t, n = TypeVaccination, n+1
	}
	if len(d.Tests) > 0 {
		t, n = TypeTest, n+1
	}
	if len(d.Recoveries) > 0 {
		t, n = TypeRecovery, n+1
	}
	if n != 1 {
		return ""
	}
	return t
}

// ID returns the UVCI of the first entry, or "".
func (d *DCC) ID() string {
	switch {
	case len(d.Vaccinations) > 0:
		return d.Vaccinations[0].ID
	case len(d.Tests) > 0:
		return d.Tests[0].ID
	case len(d.Recoveries) > 0:
		return d.Recoveries[0].ID
	}
	return ""
}

// jsonValue turns a value decoded from CBOR into the value encoding/json
// would produce for the same data: objects with string keys, arrays, numbers,
// strings, booleans and null. Objects and arrays are converted in place.
// Tags give way to their content and byte strings become base64 text, as
// JSON has neither; other CBOR types are refused.
func jsonValue(v any) (any, error) {
	var err error
	switch x := v.(type) {
	case nil, bool, string, int64, float64:
		return x, nil
	case uint64:
		if x > math.MaxInt64 {
			return float64(x), nil
		}
		return int64(x), nil
	case float32:
		return float64(x), nil
	case []byte:
		return base64.StdEncoding.EncodeToString(x), nil
	case cbor.Tag:
		return jsonValue(x.Content)
	case []any:
		for i, e := range x {
			if x[i], err = jsonValue(e); err != nil {
				return nil, err
			}
		}
		return x, nil
	case map[string]any:
		for k, e := range x {
			if x[k], err = jsonValue(e); err != nil {
				return nil, err
			}
		}
		return x, nil
	case map[any]any:
		return jsonObject(x)
	}
	return nil, fmt.Errorf("CBOR value of type %T has no JSON form", v)
}

func jsonObject(m map[any]any) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, e := range m {
		ks, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("CBOR map key %v is not a string", k)
		}
		var err error
		if out[ks], err = jsonValue(e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// dccFromDoc reads a DCC from its JSON value, as decoded for the schema
// check, rather than decoding the CBOR a second time. Members of the wrong
// type read as zero values; the schema check reports them.
func dccFromDoc(doc any) *DCC {
	m, _ := doc.(map[string]any)
	n, _ := m["nam"].(map[string]any)
	d := &DCC{
		Version:     str(m, "ver"),
		DateOfBirth: str(m, "dob"),
		Name: Name{
			FamilyName: str(n, "fn"), FamilyNameStd: str(n, "fnt"),
			GivenName: str(n, "gn"), GivenNameStd: str(n, "gnt"),
		},
	}
	for _, e := range entries(m, "v") {
		d.Vaccinations = append(d.Vaccinations, Vaccination{
			Target: str(e, "tg"), Prophylaxis: str(e, "vp"), Product: str(e, "mp"),
			Manufacturer: str(e, "ma"), DoseNumber: integer(e, "dn"), TotalDoses: integer(e, "sd"),
			Date: str(e, "dt"), Country: str(e, "co"), Issuer: str(e, "is"), ID: str(e, "ci"),
		})
	}
	for _, e := range entries(m, "t") {
		d.Tests = append(d.Tests, Test{
			Target: str(e, "tg"), Type: str(e, "tt"), Name: str(e, "nm"), Device: str(e, "ma"),
			SampleTime: str(e, "sc"), Result: str(e, "tr"), Centre: str(e, "tc"),
			Country: str(e, "co"), Issuer: str(e, "is"), ID: str(e, "ci"),
		})
	}
	for _, e := range entries(m, "r") {
		d.Recoveries = append(d.Recoveries, Recovery{
			Target: str(e, "tg"), FirstPositive: str(e, "fr"), Country: str(e, "co"),
			Issuer: str(e, "is"), ValidFrom: str(e, "df"), ValidUntil: str(e, "du"), ID: str(e, "ci"),
		})
	}
	return d
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func integer(m map[string]any, k string) int {
	switch n := m[k].(type) {
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return 0
}

// entries returns the objects of the array m[k].
func entries(m map[string]any, k string) []map[string]any {
	list, _ := m[k].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		if o, ok := e.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}
