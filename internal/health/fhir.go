package health

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// FHIR R4 for electronic health records systems: PC-Covid's persons as
// Patient, doses as Immunization, SARS-CoV-2 tests as Observation (LOINC),
// searches as Bundle, errors as OperationOutcome. The types here carry only
// the elements PC-Covid fills; their JSON is valid FHIR R4 (the tests check
// it against the official FHIR JSON schema).

// FHIR code systems and identifier systems.
const (
	SystemCCCD       = "https://pccovid.gov.vn/fhir/sid/cccd"
	SystemCMND       = "https://pccovid.gov.vn/fhir/sid/cmnd"
	SystemPassport   = "https://pccovid.gov.vn/fhir/sid/passport"
	SystemSample     = "https://pccovid.gov.vn/fhir/sid/sample"
	SystemDose       = "https://pccovid.gov.vn/fhir/sid/dose"
	SystemLOINC      = "http://loinc.org"
	SystemSNOMED     = "http://snomed.info/sct"
	SystemEUProducts = "https://ec.europa.eu/health/documents/community-register/html/"
	systemCategory   = "http://terminology.hl7.org/CodeSystem/observation-category"
)

// Test types as stored (health.go: "PCR" or "RAT").
const (
	typePCR = "PCR"
	typeRAT = "RAT"
)

// LOINC codes of the SARS-CoV-2 tests PC-Covid records.
const (
	LOINCPCR = "94500-6" // SARS-CoV-2 RNA [Presence] in Respiratory specimen by NAA with probe detection
	LOINCRAT = "94558-4" // SARS-CoV-2 Ag [Presence] in Respiratory specimen by Rapid immunoassay
)

// loincTypes maps the LOINC codes a lab may send to PCR or RAT.
var loincTypes = map[string]string{
	LOINCPCR: typePCR, "94309-2": typePCR, "94534-5": typePCR, "94533-7": typePCR, "94759-8": typePCR,
	"94845-5": typePCR, "94502-2": typePCR, "95406-5": typePCR,
	LOINCRAT: typeRAT, "95209-3": typeRAT, "97097-0": typeRAT, "94661-6": typeRAT,
}

// SNOMED CT codes of results, and of the disease.
const (
	snomedDetected    = "260373001"
	snomedNotDetected = "260415000"
	snomedCOVID       = "840539006"
)

// FHIR data types, with only the elements PC-Covid uses.
type (
	Coding struct {
		System  string `json:"system,omitempty"`
		Code    string `json:"code,omitempty"`
		Display string `json:"display,omitempty"`
	}
	CodeableConcept struct {
		Coding []Coding `json:"coding,omitempty"`
		Text   string   `json:"text,omitempty"`
	}
	Identifier struct {
		Use    string `json:"use,omitempty"`
		System string `json:"system,omitempty"`
		Value  string `json:"value,omitempty"`
	}
	Reference struct {
		Reference  string      `json:"reference,omitempty"`
		Identifier *Identifier `json:"identifier,omitempty"`
		Display    string      `json:"display,omitempty"`
	}
	HumanName struct {
		Use    string   `json:"use,omitempty"`
		Text   string   `json:"text,omitempty"`
		Family string   `json:"family,omitempty"`
		Given  []string `json:"given,omitempty"`
	}
	ContactPoint struct {
		System string `json:"system,omitempty"`
		Value  string `json:"value,omitempty"`
		Use    string `json:"use,omitempty"`
	}
	Address struct {
		Use      string   `json:"use,omitempty"`
		Text     string   `json:"text,omitempty"`
		Line     []string `json:"line,omitempty"`
		City     string   `json:"city,omitempty"`
		District string   `json:"district,omitempty"`
		State    string   `json:"state,omitempty"`
		Country  string   `json:"country,omitempty"`
	}
	Meta struct {
		LastUpdated string `json:"lastUpdated,omitempty"`
	}
)

// Patient is a person as FHIR shows them.
type Patient struct {
	ResourceType string         `json:"resourceType"`
	ID           string         `json:"id,omitempty"`
	Meta         *Meta          `json:"meta,omitempty"`
	Identifier   []Identifier   `json:"identifier,omitempty"`
	Active       *bool          `json:"active,omitempty"`
	Name         []HumanName    `json:"name,omitempty"`
	Telecom      []ContactPoint `json:"telecom,omitempty"`
	Gender       string         `json:"gender,omitempty"`
	BirthDate    string         `json:"birthDate,omitempty"`
	Address      []Address      `json:"address,omitempty"`
}

// ProtocolApplied is the dose's place in its series.
type ProtocolApplied struct {
	TargetDisease          []CodeableConcept `json:"targetDisease,omitempty"`
	DoseNumberPositiveInt  int               `json:"doseNumberPositiveInt,omitempty"`
	SeriesDosesPositiveInt int               `json:"seriesDosesPositiveInt,omitempty"`
}

// Performer is who gave a dose.
type Performer struct {
	Actor Reference `json:"actor"`
}

// Immunization is a vaccine dose.
type Immunization struct {
	ResourceType       string            `json:"resourceType"`
	ID                 string            `json:"id,omitempty"`
	Meta               *Meta             `json:"meta,omitempty"`
	Contained          []Patient         `json:"contained,omitempty"`
	Identifier         []Identifier      `json:"identifier,omitempty"`
	Status             string            `json:"status"`
	VaccineCode        CodeableConcept   `json:"vaccineCode"`
	Patient            Reference         `json:"patient"`
	OccurrenceDateTime string            `json:"occurrenceDateTime,omitempty"`
	PrimarySource      *bool             `json:"primarySource,omitempty"`
	LotNumber          string            `json:"lotNumber,omitempty"`
	Performer          []Performer       `json:"performer,omitempty"`
	ProtocolApplied    []ProtocolApplied `json:"protocolApplied,omitempty"`
}

// Observation is a SARS-CoV-2 test result.
type Observation struct {
	ResourceType         string            `json:"resourceType"`
	ID                   string            `json:"id,omitempty"`
	Meta                 *Meta             `json:"meta,omitempty"`
	Contained            []Patient         `json:"contained,omitempty"`
	Identifier           []Identifier      `json:"identifier,omitempty"`
	Status               string            `json:"status"`
	Category             []CodeableConcept `json:"category,omitempty"`
	Code                 CodeableConcept   `json:"code"`
	Subject              *Reference        `json:"subject,omitempty"`
	EffectiveDateTime    string            `json:"effectiveDateTime,omitempty"`
	Issued               string            `json:"issued,omitempty"`
	Performer            []Reference       `json:"performer,omitempty"`
	ValueCodeableConcept *CodeableConcept  `json:"valueCodeableConcept,omitempty"`
}

// Bundle is a search result.
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	Type         string        `json:"type"`
	Timestamp    string        `json:"timestamp,omitempty"`
	Total        int           `json:"total"`
	Link         []BundleLink  `json:"link,omitempty"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}

// BundleLink is a link of a Bundle ("self").
type BundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// BundleEntry is one resource of a Bundle.
type BundleEntry struct {
	FullURL  string       `json:"fullUrl,omitempty"`
	Resource any          `json:"resource"`
	Search   *EntrySearch `json:"search,omitempty"`
}

// EntrySearch says why an entry is in a searchset.
type EntrySearch struct {
	Mode string `json:"mode"`
}

// OperationOutcome is an error (or information) for a FHIR client.
type OperationOutcome struct {
	ResourceType string  `json:"resourceType"`
	Issue        []Issue `json:"issue"`
}

// Issue is one issue of an OperationOutcome.
type Issue struct {
	Severity    string           `json:"severity"`
	Code        string           `json:"code"`
	Details     *CodeableConcept `json:"details,omitempty"`
	Diagnostics string           `json:"diagnostics,omitempty"`
	Expression  []string         `json:"expression,omitempty"`
}

// FHIRID is the FHIR id of a record id: ids of taken-over records carry
// their source's path ("labtests/HCDC/XN000001"), and FHIR ids are only
// letters, digits, "-" and ".", so any other byte is written "-" and two
// hex digits. ParseFHIRID reverses it.
func FHIRID(id string) string {
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "-%02X", c)
		}
	}
	return b.String()
}

// ParseFHIRID returns the record id of a FHIR id, or false when it is not
// one FHIRID writes.
func ParseFHIRID(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '-' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", false
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), true
}

func fhirInstant(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z")
}

// fhirDate writes a vn.Date as a FHIR date: YYYY, YYYY-MM or YYYY-MM-DD.
func fhirDate(d vn.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// PatientOf is a person as a FHIR Patient.
func PatientOf(p identity.Person) Patient {
	active := true
	out := Patient{ResourceType: "Patient", ID: p.ID, Active: &active, BirthDate: fhirDate(p.BirthDate),
		Gender: fhirGender(p.Sex)}
	if !p.UpdatedAt.IsZero() {
		out.Meta = &Meta{LastUpdated: fhirInstant(p.UpdatedAt)}
	}
	if p.CCCD != "" {
		out.Identifier = append(out.Identifier, Identifier{Use: "official", System: SystemCCCD, Value: p.CCCD})
	}
	if p.OldID != "" {
		out.Identifier = append(out.Identifier, Identifier{Use: "old", System: SystemCMND, Value: p.OldID})
	}
	if p.FullName != "" {
		family, middle, given := vn.NameParts(p.FullName)
		n := HumanName{Use: "official", Text: p.FullName, Family: family}
		for _, g := range strings.Fields(middle + " " + given) {
			n.Given = append(n.Given, g)
		}
		out.Name = []HumanName{n}
	}
	if p.Phone != "" {
		out.Telecom = []ContactPoint{{System: "phone", Value: string(p.Phone), Use: "mobile"}}
	}
	if a := fhirAddress(p); a != nil {
		out.Address = []Address{*a}
	}
	return out
}

func fhirGender(s vn.Sex) string {
	switch s {
	case vn.SexMale:
		return "male"
	case vn.SexFemale:
		return "female"
	case vn.SexOther:
		return "other"
	}
	return "unknown"
}

func fhirAddress(p identity.Person) *Address {
	if p.WardCode == "" && p.Address == "" {
		return nil
	}
	a := &Address{Use: "home", Country: "VN"}
	if p.Address != "" {
		a.Line = []string{p.Address}
	}
	parts := []string{p.Address}
	if pr, di, wa, ok := vn.AdminUnits().WardPath(p.WardCode); ok {
		a.City, a.District, a.State = wa.FullName, di.FullName, pr.FullName
		parts = append(parts, wa.FullName, di.FullName, pr.FullName)
	}
	a.Text = strings.Trim(strings.Join(parts, ", "), ", ")
	return a
}

// ImmunizationOf is a dose as a FHIR Immunization.
func ImmunizationOf(d Dose) Immunization {
	primary := d.Source == "facility" || d.Source == "console"
	out := Immunization{ResourceType: "Immunization", ID: FHIRID(d.ID), Status: "completed",
		Patient: Reference{Reference: "Patient/" + d.PersonID}, OccurrenceDateTime: fhirDate(d.Date),
		PrimarySource: &primary, LotNumber: d.Lot,
		Identifier: []Identifier{{System: SystemDose, Value: d.Source + "/" + d.RecordKey}}}
	v, known := LookupVaccine(d.Product)
	code := d.Product
	name := d.ProductName
	if known {
		code, name = v.Product, v.Name
	}
	out.VaccineCode = CodeableConcept{Coding: []Coding{{System: SystemEUProducts, Code: code, Display: name}}, Text: name}
	if d.Facility != "" {
		out.Performer = []Performer{{Actor: Reference{Display: d.Facility}}}
	}
	pa := ProtocolApplied{DoseNumberPositiveInt: d.Number, TargetDisease: []CodeableConcept{covidConcept()}}
	if known {
		pa.SeriesDosesPositiveInt = max(v.Series, d.Number)
	}
	out.ProtocolApplied = []ProtocolApplied{pa}
	return out
}

func covidConcept() CodeableConcept {
	return CodeableConcept{Coding: []Coding{{System: SystemSNOMED, Code: snomedCOVID, Display: "COVID-19"}}}
}

// ObservationOf is a test result as a FHIR Observation, LOINC-coded.
func ObservationOf(t Test) Observation {
	out := Observation{ResourceType: "Observation", ID: FHIRID(t.ID), Status: "final",
		Category: []CodeableConcept{{Coding: []Coding{{System: systemCategory, Code: "laboratory", Display: "Laboratory"}}}},
		Subject:  &Reference{Reference: "Patient/" + t.PersonID}, EffectiveDateTime: fhirInstant(t.SampledAt)}
	if t.SampleID != "" {
		out.Identifier = []Identifier{{System: SystemSample, Value: t.Source + "/" + t.RecordKey}}
	}
	if t.Type == typeRAT {
		out.Code = CodeableConcept{Coding: []Coding{{System: SystemLOINC, Code: LOINCRAT,
			Display: "SARS-CoV-2 (COVID-19) Ag [Presence] in Respiratory specimen by Rapid immunoassay"}}}
	} else {
		out.Code = CodeableConcept{Coding: []Coding{{System: SystemLOINC, Code: LOINCPCR,
			Display: "SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory specimen by NAA with probe detection"}}}
	}
	if !t.ResultAt.IsZero() {
		out.Issued = fhirInstant(t.ResultAt)
	}
	if t.Lab != "" {
		out.Performer = []Reference{{Display: t.Lab}}
	}
	v := Coding{System: SystemSNOMED, Code: snomedNotDetected, Display: "Not detected"}
	if t.Positive {
		v = Coding{System: SystemSNOMED, Code: snomedDetected, Display: "Detected"}
	}
	out.ValueCodeableConcept = &CodeableConcept{Coding: []Coding{v}}
	return out
}

// SearchBundle wraps resources found by a search; base is the server's
// FHIR base URL, self the search's URL.
func SearchBundle(base, self string, now time.Time, resources ...any) Bundle {
	b := Bundle{ResourceType: "Bundle", Type: "searchset", Timestamp: fhirInstant(now), Total: len(resources),
		Link: []BundleLink{{Relation: "self", URL: self}}, Entry: []BundleEntry{}}
	for _, r := range resources {
		e := BundleEntry{Resource: r, Search: &EntrySearch{Mode: "match"}}
		switch x := r.(type) {
		case Patient:
			e.FullURL = base + "/Patient/" + x.ID
		case Immunization:
			e.FullURL = base + "/Immunization/" + x.ID
		case Observation:
			e.FullURL = base + "/Observation/" + x.ID
		}
		b.Entry = append(b.Entry, e)
	}
	if len(b.Entry) == 0 {
		b.Entry = nil
	}
	return b
}

// NewOutcome is an OperationOutcome of one issue; code is a FHIR issue type
// (invalid, not-found, forbidden, login, conflict, throttled, exception,
// informational), text the message in both languages.
func NewOutcome(severity, code, vi, en string, expression ...string) OperationOutcome {
	is := Issue{Severity: severity, Code: code, Diagnostics: en, Expression: expression}
	if vi != "" {
		is.Details = &CodeableConcept{Text: vi}
	}
	return OperationOutcome{ResourceType: "OperationOutcome", Issue: []Issue{is}}
}

// OutcomeOf is the OperationOutcome of field errors: one issue per field,
// with the field as the expression.
func OutcomeOf(fs problem.Fields, resource string) OperationOutcome {
	out := OperationOutcome{ResourceType: "OperationOutcome"}
	for _, f := range fs {
		is := Issue{Severity: "error", Code: "invalid", Diagnostics: f.En, Details: &CodeableConcept{Text: f.Vi}}
		switch {
		case f.Field != "" && resource != "":
			is.Expression = []string{resource + "." + f.Field}
		case f.Field != "":
			is.Expression = []string{f.Field}
		}
		out.Issue = append(out.Issue, is)
	}
	return out
}
