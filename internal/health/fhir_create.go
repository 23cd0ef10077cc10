package health

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pccovid/pccovid/internal/facility"
	"github.com/pccovid/pccovid/internal/problem"
)

// FHIR create: a lab POSTs an Observation, a vaccination site an
// Immunization. The subject is either a Patient of this server
// ("Patient/<id>", found with a Patient search) or a contained Patient
// ("#p") with the person's identifiers, name and birth date, to be matched
// like any incoming record. The resource's identifier (system and value)
// is the facility's id of the sample or dose: posting it again changes
// nothing.

// fhirField is a field error at a FHIRPath expression.
func fhirField(path, vi, en string) *problem.FieldError { return problem.Field(path, vi, en) }

// decodeFHIR decodes a FHIR JSON body strictly into v.
func decodeFHIR(b []byte, v any, resource string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fhirField(resource, "Nội dung không phải tài nguyên "+resource+" FHIR R4 mà máy chủ nhận: "+err.Error(),
			"the body is not a FHIR R4 "+resource+" this server takes: "+err.Error())
	}
	return nil
}

// subjectOf reads who a resource is about: a reference to a Patient of
// this server, or a contained Patient.
func subjectOf(ref *Reference, contained []Patient, path string) (PersonInput, string, error) {
	if ref == nil || ref.Reference == "" {
		return PersonInput{}, "", fhirField(path, "Thiếu người được xét nghiệm/tiêm (Patient/<id> hoặc #Patient chứa trong)",
			"the subject is missing: reference Patient/<id> of this server, or a contained Patient (#id)")
	}
	if id, ok := strings.CutPrefix(ref.Reference, "Patient/"); ok && id != "" && !strings.Contains(id, "/") {
		return PersonInput{}, id, nil
	}
	if id, ok := strings.CutPrefix(ref.Reference, "#"); ok {
		for _, p := range contained {
			if p.ID == id {
				return personOfPatient(p), "", nil
			}
		}
	}
	return PersonInput{}, "", fhirField(path, "Tham chiếu người bệnh không hợp lệ", "the subject reference is neither Patient/<id> nor a contained Patient")
}

// personOfPatient reads the identity evidence of a contained Patient.
func personOfPatient(p Patient) PersonInput {
	var in PersonInput
	for _, id := range p.Identifier {
		switch id.System {
		case SystemCCCD, SystemCMND:
			in.IDNumber = id.Value
		case SystemPassport:
			in.Passport = id.Value
		}
	}
	if len(p.Name) > 0 {
		n := p.Name[0]
		in.FullName = n.Text
		if in.FullName == "" {
			in.FullName = strings.TrimSpace(n.Family + " " + strings.Join(n.Given, " "))
		}
	}
	in.BirthDate = p.BirthDate
	in.Sex = map[string]string{"male": "M", "female": "F", "other": "O"}[p.Gender]
	for _, t := range p.Telecom {
		if t.System == "phone" {
			in.Phone = t.Value
			break
		}
	}
	if len(p.Address) > 0 {
		in.Address = p.Address[0].Text
		if in.Address == "" {
			in.Address = strings.Join(append(p.Address[0].Line, p.Address[0].City, p.Address[0].District, p.Address[0].State), ", ")
		}
	}
	return in
}

// TestOfObservation reads an Observation a lab posts: the test, and the
// person's id when the subject is a reference to one.
func TestOfObservation(b []byte) (TestInput, string, error) {
	var o Observation
	if err := decodeFHIR(b, &o, "Observation"); err != nil {
		return TestInput{}, "", err
	}
	var errs problem.Fields
	if o.ResourceType != "Observation" {
		errs.Add(fhirField("Observation.resourceType", "Phải là Observation", "must be Observation"))
	}
	if o.Status != "final" && o.Status != "amended" && o.Status != "corrected" {
		errs.Add(fhirField("Observation.status", "Chỉ nhận kết quả cuối cùng (final)", "only final results are taken"))
	}
	in := TestInput{SampledAt: o.EffectiveDateTime, ResultAt: o.Issued}
	in.SampleID = identifierValue(o.Identifier)
	if in.SampleID == "" {
		errs.Add(fhirField("Observation.identifier", "Cần mã mẫu (identifier)", "the sample id (identifier) is required"))
	}
	in.Type = codeIn(o.Code, SystemLOINC, loincTypes)
	if in.Type == "" {
		errs.Add(fhirField("Observation.code", "Mã LOINC không phải xét nghiệm SARS-CoV-2 PCR hoặc kháng nguyên nhanh",
			"the LOINC code is not a SARS-CoV-2 PCR or rapid antigen test"))
	}
	if o.ValueCodeableConcept != nil {
		in.Result = codeIn(*o.ValueCodeableConcept, SystemSNOMED, map[string]string{snomedDetected: "positive",
			"10828004": "positive", snomedNotDetected: "negative", "260385009": "negative"})
	}
	if in.Result == "" {
		errs.Add(fhirField("Observation.valueCodeableConcept", "Kết quả là SNOMED 260373001 (phát hiện) hoặc 260415000 (không phát hiện)",
			"the value is SNOMED 260373001 (detected) or 260415000 (not detected)"))
	}
	person, ref, err := subjectOf(o.Subject, o.Contained, "Observation.subject")
	errs.Add(err)
	in.Person = person
	return in, ref, errs.Err()
}

// DoseOfImmunization reads an Immunization a vaccination site posts.
func DoseOfImmunization(b []byte) (DoseInput, string, error) {
	var im Immunization
	if err := decodeFHIR(b, &im, "Immunization"); err != nil {
		return DoseInput{}, "", err
	}
	var errs problem.Fields
	if im.ResourceType != "Immunization" {
		errs.Add(fhirField("Immunization.resourceType", "Phải là Immunization", "must be Immunization"))
	}
	if im.Status != "completed" {
		errs.Add(fhirField("Immunization.status", "Chỉ nhận mũi đã tiêm (completed)", "only completed doses are taken"))
	}
	in := DoseInput{DoseID: identifierValue(im.Identifier), Lot: im.LotNumber, Date: im.OccurrenceDateTime}
	if in.DoseID == "" {
		errs.Add(fhirField("Immunization.identifier", "Cần mã mũi tiêm (identifier)", "the dose id (identifier) is required"))
	}
	if len(in.Date) > 10 {
		in.Date = in.Date[:10] // a dateTime: the day is what a dose keeps
	}
	for _, c := range im.VaccineCode.Coding {
		if in.Vaccine == "" || c.System == SystemEUProducts {
			in.Vaccine = c.Code
		}
	}
	if in.Vaccine == "" {
		in.Vaccine = im.VaccineCode.Text
	}
	if len(im.ProtocolApplied) > 0 {
		in.DoseNumber = im.ProtocolApplied[0].DoseNumberPositiveInt
	}
	if len(im.Performer) > 0 {
		in.Site = im.Performer[0].Actor.Display
	}
	person, ref, err := subjectOf(&im.Patient, im.Contained, "Immunization.patient")
	errs.Add(err)
	in.Person = person
	return in, ref, errs.Err()
}

func identifierValue(ids []Identifier) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[0].Value
}

// codeIn returns what the first coding of system maps to in m, or "".
func codeIn(c CodeableConcept, system string, m map[string]string) string {
	for _, cd := range c.Coding {
		if cd.System == system {
			if v, ok := m[cd.Code]; ok {
				return v
			}
		}
	}
	return ""
}

// SubmitFHIRTest takes in one test a lab posted as an Observation; ref is
// the person's id when the Observation named them by reference.
func (in *Ingest) SubmitFHIRTest(ctx context.Context, f facility.Facility, t TestInput, ref string) (Outcome, error) {
	if !f.Kind.SendsTests() {
		return Outcome{}, fmt.Errorf("health: facility %s does not send test results: %w", f.Code, problem.ErrForbidden)
	}
	r, err := parseTest(t, f.Province, ref, in.clock.Now())
	if err != nil {
		return Outcome{}, err
	}
	res, err := in.submit(ctx, f, ViaFHIR, "", []incoming{r})
	if err != nil {
		return Outcome{}, err
	}
	return res.Outcomes[0], nil
}

// SubmitFHIRDose takes in one dose a vaccination site posted as an
// Immunization.
func (in *Ingest) SubmitFHIRDose(ctx context.Context, f facility.Facility, d DoseInput, ref string) (Outcome, error) {
	if !f.Kind.SendsDoses() {
		return Outcome{}, fmt.Errorf("health: facility %s does not send vaccine doses: %w", f.Code, problem.ErrForbidden)
	}
	r, err := parseDose(d, f.Province, ref, in.clock.Now())
	if err != nil {
		return Outcome{}, err
	}
	res, err := in.submit(ctx, f, ViaFHIR, "", []incoming{r})
	if err != nil {
		return Outcome{}, err
	}
	return res.Outcomes[0], nil
}
