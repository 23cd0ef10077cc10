package health

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// PersonInput is who a result or dose is about, as a facility sends it.
// Name and birth date (or year) are required; the more of the rest, the
// surer the tie to the right person.
type PersonInput struct {
	FullName      string `json:"full_name"`
	BirthDate     string `json:"birth_date" doc:"YYYY-MM-DD, DD/MM/YYYY, or the year alone"`
	Sex           string `json:"sex,omitempty" doc:"M, F or O (also Nam, Nữ)"`
	IDNumber      string `json:"id_number,omitempty" doc:"12-digit CCCD or 9-digit CMND"`
	Passport      string `json:"passport,omitempty"`
	Nationality   string `json:"nationality,omitempty" doc:"ISO 3166-1 alpha-3; empty for Vietnamese citizens"`
	Phone         string `json:"phone,omitempty"`
	WardCode      string `json:"ward_code,omitempty" doc:"5-digit GSO ward code of residence"`
	Address       string `json:"address,omitempty" doc:"free text; the ward and district are read from it when ward_code is empty"`
	InsuranceCard string `json:"insurance_card,omitempty" doc:"15-character health-insurance card number"`
}

// TestInput is a SARS-CoV-2 test result as a lab sends it.
type TestInput struct {
	SampleID  string      `json:"sample_id" doc:"the lab's id of the sample (mã mẫu): sending it again changes nothing"`
	Person    PersonInput `json:"person"`
	Type      string      `json:"type" doc:"PCR (RT-PCR) or RAT (rapid antigen)"`
	Result    string      `json:"result" doc:"positive or negative"`
	SampledAt string      `json:"sampled_at" doc:"RFC 3339, or DD/MM/YYYY HH:MM in Vietnam time"`
	ResultAt  string      `json:"result_at,omitempty"`
}

// DoseInput is a vaccine dose as a vaccination site sends it.
type DoseInput struct {
	DoseID     string      `json:"dose_id" doc:"the site's id of the dose (mã mũi): sending it again changes nothing"`
	Person     PersonInput `json:"person"`
	DoseNumber int         `json:"dose_number" doc:"1–5"`
	Vaccine    string      `json:"vaccine" doc:"EU product code (EU/1/20/1528) or a usual name (Pfizer, AstraZeneca, Sinopharm…)"`
	Lot        string      `json:"lot,omitempty"`
	Date       string      `json:"date" doc:"YYYY-MM-DD or DD/MM/YYYY"`
	Site       string      `json:"site,omitempty" doc:"the vaccination point, when it is not the facility itself"`
}

// Kind is the kind of an incoming record.
type Kind string

// Kinds of incoming records.
const (
	KindTest Kind = "test"
	KindDose Kind = "dose"
)

// subject is who a record says it is about, normalised. It is sealed with
// the record, for linking now and for an official's review later.
type subject struct {
	FullName    string   `json:"name"`
	BirthDate   vn.Date  `json:"birth,omitzero"`
	Sex         string   `json:"sex,omitempty"`
	CCCD        string   `json:"cccd,omitempty"`
	CMND        string   `json:"cmnd,omitempty"`
	Passport    string   `json:"passport,omitempty"`
	Nationality string   `json:"nationality,omitempty"`
	Phone       vn.Phone `json:"phone,omitempty"`
	Card        string   `json:"card,omitempty"`
	Address     string   `json:"address,omitempty"`
	Ward        string   `json:"ward,omitempty"`
	District    string   `json:"district,omitempty"`
	Province    string   `json:"province,omitempty"`
}

// incoming is one result or dose, validated and normalised: what is
// sealed in health_ingest and what becomes a Test or Dose once tied.
type incoming struct {
	Kind       Kind    `json:"kind"`
	ExternalID string  `json:"id"`
	Subject    subject `json:"subject"`
	// PersonRef is the person a FHIR client named by reference
	// (Patient/<id>): it is tied to them without matching.
	PersonRef string `json:"person_ref,omitempty"`
	// Test.
	TestType  string    `json:"test_type,omitempty"`
	Positive  bool      `json:"positive,omitempty"`
	SampledAt time.Time `json:"sampled_at,omitzero"`
	ResultAt  time.Time `json:"result_at,omitzero"`
	// Dose.
	DoseNumber  int     `json:"dose_number,omitempty"`
	Product     string  `json:"product,omitempty"`
	ProductName string  `json:"product_name,omitempty"`
	Lot         string  `json:"lot,omitempty"`
	Date        vn.Date `json:"date,omitzero"`
	Site        string  `json:"site,omitempty"`
}

var externalIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$`)

// firstIngestEvent is the earliest date a result or dose may carry: the epidemic
// reached Vietnam in January 2020.
var firstIngestEvent = time.Date(2020, 1, 1, 0, 0, 0, 0, vn.Location())

// ingestSlack allows for a facility's clock running a little ahead.
const ingestSlack = 10 * time.Minute

func checkExternalID(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if !externalIDRE.MatchString(s) {
		return s, problem.Field(field, "Mã phải có 1–64 ký tự: chữ, số, . _ : / -",
			"the id must be 1–64 characters: letters, digits, . _ : / -")
	}
	return s, nil
}

// parseSubject checks and normalises who a record is about; province is
// the facility's, to read a free-text address within. Name and birth date
// are required unless the record names its person by reference (byRef).
func parseSubject(p PersonInput, province string, byRef bool, errs *problem.Fields) subject {
	var s subject
	at := func(err error) {
		if fe, ok := err.(*problem.FieldError); ok {
			errs.Add(fe.At("person"))
		} else {
			errs.Add(err)
		}
	}
	s.FullName = vn.NormalizeName(p.FullName)
	if (vn.FoldName(s.FullName) == "" && !byRef) || len(s.FullName) > 100 {
		at(problem.Field("full_name", "Nhập họ tên (tối đa 100 ký tự)", "enter the full name (at most 100 characters)"))
	}
	switch bd := strings.TrimSpace(p.BirthDate); {
	case bd == "" && !byRef:
		at(problem.Field("birth_date", "Nhập ngày sinh hoặc năm sinh", "enter the birth date or year"))
	case bd != "":
		if d, err := vn.ParseBirthDate(bd); err != nil {
			at(err)
		} else {
			s.BirthDate = d
		}
	}
	if sex, err := vn.ParseSex(p.Sex); err != nil {
		at(err)
	} else {
		s.Sex = sex.String()
	}
	parseIDs(&s, p, at)
	if strings.TrimSpace(p.Phone) != "" {
		if ph, err := vn.ParsePhone(p.Phone); err != nil {
			at(err)
		} else {
			s.Phone = ph
		}
	}
	parsePlace(&s, p, province, at)
	return s
}

func parseIDs(s *subject, p PersonInput, at func(error)) {
	if strings.TrimSpace(p.IDNumber) != "" {
		kind, v, err := vn.ParseIDNumber(p.IDNumber)
		switch {
		case err != nil:
			at(err)
		case kind == vn.IDCCCD:
			s.CCCD = v
		default:
			s.CMND = v
		}
	}
	s.Passport = strings.ToUpper(strings.Join(strings.Fields(p.Passport), ""))
	if len(s.Passport) > 20 {
		at(problem.Field("passport", "Số hộ chiếu quá dài", "the passport number is too long"))
	}
	s.Nationality = strings.ToUpper(strings.TrimSpace(p.Nationality))
	if s.Nationality == "VNM" {
		s.Nationality = ""
	}
	if s.Nationality != "" && (len(s.Nationality) != 3 || strings.Trim(s.Nationality, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		at(problem.Field("nationality", "Quốc tịch là mã 3 chữ cái ISO, ví dụ KOR", "the nationality is a 3-letter ISO code, e.g. KOR"))
	}
	if c := strings.ToUpper(strings.TrimSpace(p.InsuranceCard)); c != "" {
		if len(c) != 15 {
			at(problem.Field("insurance_card", "Số thẻ BHYT gồm 15 ký tự", "the insurance card number has 15 characters"))
		}
		s.Card = c
	}
}

func parsePlace(s *subject, p PersonInput, province string, at func(error)) {
	s.Address = strings.Join(strings.Fields(p.Address), " ")
	if len(s.Address) > 300 {
		at(problem.Field("address", "Địa chỉ tối đa 300 ký tự", "the address is at most 300 characters"))
	}
	units := vn.AdminUnits()
	if w := strings.TrimSpace(p.WardCode); w != "" {
		pr, di, wa, ok := units.WardPath(w)
		if !ok {
			at(problem.Field("ward_code", "Mã phường/xã không tồn tại", "no ward has that code"))
			return
		}
		s.Ward, s.District, s.Province = wa.Code, di.Code, pr.Code
		return
	}
	if s.Address != "" {
		pl := units.ResolveAddressWithin(s.Address, province)
		if pl.ProvinceCode == "" {
			pl = units.ResolveAddress(s.Address)
		}
		s.Ward, s.District, s.Province = pl.WardCode, pl.DistrictCode, pl.ProvinceCode
	}
}

// testTypes and results: the spellings labs use (FORMATS.md).
var (
	testTypeWords = map[string]string{"pcr": "PCR", "rtpcr": "PCR", "realtimertpcr": "PCR", "naat": "PCR",
		"rat": "RAT", "testnhanhkhangnguyen": "RAT", "testnhanh": "RAT", "khangnguyen": "RAT", "antigen": "RAT",
		"rapidantigen": "RAT", "rapidantigentest": "RAT"}
	resultWords = map[string]bool{"positive": true, "pos": true, "duongtinh": true, "detected": true,
		"negative": false, "neg": false, "amtinh": false, "notdetected": false}
)

// parseTest checks a test result as a lab sent it, at the time now; the
// errors name each bad field.
func parseTest(in TestInput, province, ref string, now time.Time) (incoming, error) {
	var errs problem.Fields
	r := incoming{Kind: KindTest, PersonRef: ref}
	var err error
	r.ExternalID, err = checkExternalID("sample_id", in.SampleID)
	errs.Add(err)
	r.Subject = parseSubject(in.Person, province, ref != "", &errs)
	typ, ok := testTypeWords[vaccineKey(in.Type)]
	if !ok {
		errs.Add(problem.Field("type", "Loại xét nghiệm là PCR hoặc RAT (test nhanh kháng nguyên)", "the test type is PCR or RAT (rapid antigen)"))
	}
	r.TestType = typ
	pos, ok := resultWords[vaccineKey(in.Result)]
	if !ok {
		errs.Add(problem.Field("result", "Kết quả là dương tính (positive) hoặc âm tính (negative)", "the result is positive or negative"))
	}
	r.Positive = pos
	r.SampledAt = eventTime("sampled_at", in.SampledAt, true, now, &errs)
	r.ResultAt = eventTime("result_at", in.ResultAt, false, now, &errs)
	if !r.ResultAt.IsZero() && !r.SampledAt.IsZero() && r.ResultAt.Before(r.SampledAt) {
		errs.Add(problem.Field("result_at", "Thời gian trả kết quả trước thời gian lấy mẫu", "the result is dated before the sample was taken"))
	}
	return r, errs.Err()
}

// eventTime reads a time of a result: RFC 3339 or Vietnam local time,
// between January 2020 and now.
func eventTime(field, s string, required bool, now time.Time, errs *problem.Fields) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			errs.Add(problem.Field(field, "Thiếu thời gian", "the time is missing"))
		}
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = vn.ParseTime(s); err != nil {
			errs.Add(problem.Field(field, "Thời gian không đúng dạng (RFC 3339 hoặc DD/MM/YYYY HH:MM)",
				"the time is not RFC 3339 nor DD/MM/YYYY HH:MM"))
			return time.Time{}
		}
	}
	if t.Before(firstIngestEvent) || t.After(now.Add(ingestSlack)) {
		errs.Add(problem.Field(field, "Thời gian phải từ năm 2020 đến nay", "the time must lie between 2020 and now"))
		return time.Time{}
	}
	return t.UTC().Truncate(time.Second)
}

// parseDose checks a dose as a vaccination site sent it.
func parseDose(in DoseInput, province, ref string, now time.Time) (incoming, error) {
	var errs problem.Fields
	r := incoming{Kind: KindDose, PersonRef: ref}
	var err error
	r.ExternalID, err = checkExternalID("dose_id", in.DoseID)
	errs.Add(err)
	r.Subject = parseSubject(in.Person, province, ref != "", &errs)
	if in.DoseNumber < 1 || in.DoseNumber > 5 {
		errs.Add(problem.Field("dose_number", "Mũi tiêm thứ 1 đến 5", "the dose number is 1 to 5"))
	}
	r.DoseNumber = in.DoseNumber
	v, ok := LookupVaccine(in.Vaccine)
	if !ok {
		errs.Add(problem.Field("vaccine", "Không nhận ra loại vắc xin", fmt.Sprintf("unknown vaccine %q: use an EU product code or a usual name", shorten(in.Vaccine, 40))))
	}
	r.Product, r.ProductName = v.Product, v.Name
	r.Lot = strings.TrimSpace(in.Lot)
	r.Site = strings.Join(strings.Fields(in.Site), " ")
	if len(r.Lot) > 40 || len(r.Site) > 200 {
		errs.Add(problem.Field("lot", "Số lô tối đa 40 ký tự, điểm tiêm tối đa 200", "the lot is at most 40 characters, the site 200"))
	}
	d, err := vn.ParseDate(in.Date)
	switch {
	case err != nil || d.Day == 0:
		errs.Add(problem.Field("date", "Ngày tiêm không đúng (DD/MM/YYYY hoặc YYYY-MM-DD)", "the date is not DD/MM/YYYY or YYYY-MM-DD"))
	case d.Time().Before(firstIngestEvent) || d.Time().After(now.Add(24*time.Hour)):
		errs.Add(problem.Field("date", "Ngày tiêm phải từ năm 2020 đến nay", "the date must lie between 2020 and today"))
	default:
		r.Date = d
	}
	return r, errs.Err()
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
