package health

// This file holds what an official records by hand in the console — a dose,
// a test result — with its validation, the vaccine product list (EU value
// set) and the de-duplicated view a citizen's wallet shows. Facility APIs
// build on RecordDose and RecordTest.

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// VaccineProduct is a COVID-19 vaccine of the EU value set
// vaccine-medicinal-product.
type VaccineProduct struct {
	Code string // the value-set code, e.g. "EU/1/21/1529"
	Name string // the maker people know, then the value set's name
}

// valueSetProducts is the EU value set vaccine-medicinal-product (version
// 2022-11-30, the copy embedded in internal/certificate), the vaccines
// Vietnam used first. Names put the maker people know first: an elderly
// person remembers "AstraZeneca", not "Vaxzevria". Kept here rather than
// read from the certificate package, which will import health.
var valueSetProducts = []VaccineProduct{
	{"EU/1/21/1529", "AstraZeneca (Vaxzevria)"},
	{"EU/1/20/1528", "Pfizer-BioNTech (Comirnaty)"},
	{"EU/1/20/1507", "Moderna (Spikevax)"},
	{"BBIBP-CorV", "Sinopharm Vero Cell (BBIBP-CorV)"},
	{"Sputnik-V", "Sputnik V (Gamaleya)"},
	{"Abdala", "Abdala (CIGB)"},
	{"Hayat-Vax", "Hayat-Vax"},
	{"EU/1/20/1525", "Janssen (Jcovden)"},
	{"Covishield", "Covishield (AstraZeneca — Serum Institute)"},
	{"CoronaVac", "Sinovac (CoronaVac)"},
	{"Sputnik-Light", "Sputnik Light (Gamaleya)"},
	{"Convidecia", "CanSino (Convidecia)"},
	{"EU/1/21/1618", "Novavax (Nuvaxovid)"},
	{"Covaxin", "Bharat Biotech (Covaxin)"},
	{"WIBP-CorV", "Sinopharm Vũ Hán (WIBP-CorV)"},
	{"Soberana-02", "Soberana 02"},
	{"Soberana-Plus", "Soberana Plus"},
	{"CVnCoV", "CureVac (CVnCoV)"},
	{"EpiVacCorona", "EpiVacCorona"},
	{"EpiVacCorona-N", "EpiVacCorona-N"},
	{"Covid-19-recombinant", "Covid-19 (recombinant)"},
	{"R-COVI", "R-COVI"},
	{"CoviVac", "CoviVac"},
	{"Sputnik-M", "Sputnik M"},
	{"MVC-COV1901", "MVC COVID-19 vaccine"},
	{"Covovax", "Covovax"},
	{"Covid-19-adsorvida-inativada", "Vacina adsorvida covid-19 (inativada)"},
	{"NVSI-06-08", "NVSI-06-08"},
	{"YS-SC2-010", "YS-SC2-010"},
	{"SCTV01C", "SCTV01C"},
	{"Covifenz", "Covifenz"},
	{"AZD2816", "AZD2816"},
	{"EU/1/21/1624", "COVID-19 Vaccine Valneva"},
	{"EU/1/21/1580", "VidPrevtyn Beta"},
	{"EU/1/22/1709", "Bimervax"},
	// Retired from the value set, still in old records.
	{"NVX-CoV2373", "NVX-CoV2373"},
	{"Inactivated-SARS-CoV-2-Vero-Cell", "Inactivated SARS-CoV-2 (Vero Cell)"},
	{"Vidprevtyn", "Vidprevtyn"},
	{"VLA2001", "VLA2001"},
}

// VaccineProducts lists the vaccines of the value set, those Vietnam used first.
// The slice is the caller's.
func VaccineProducts() []VaccineProduct { return slices.Clone(valueSetProducts) }

// IsVaccineProduct reports whether code is a product of the value set.
func IsVaccineProduct(code string) bool {
	return slices.ContainsFunc(valueSetProducts, func(p VaccineProduct) bool { return p.Code == code })
}

// VaccineProductName returns the name of a product code, or "" when the value set
// does not have it (an old app's own code).
func VaccineProductName(code string) string {
	for _, p := range valueSetProducts {
		if p.Code == code {
			return p.Name
		}
	}
	return ""
}

// FirstVaccinationDay is the day Vietnam gave its first COVID-19 dose
// (8 March 2021): no dose can be older.
var FirstVaccinationDay = vn.Date{Year: 2021, Month: 3, Day: 8}

// MaxDoses is the highest dose number recorded: two doses and two boosters.
const MaxDoses = 4

// SourceConsole is the source of what an official records in the console.
const SourceConsole = "console"

// NewDose is a dose an official records, as typed in the form or sent in
// the API.
type NewDose struct {
	Number   string // 1–4
	Product  string // EU value-set code
	Date     string // DD/MM/YYYY or YYYY-MM-DD
	Lot      string
	Facility string // where it was given
	Province string // the facility's province code, optional
}

// Limits of free-text fields.
const (
	maxPlaceLen    = 200
	maxLotLen      = 40
	maxSampleIDLen = 64
)

// validate checks every field and returns all problems at once.
func (n NewDose) validate(today vn.Date) (Dose, error) {
	var errs problem.Fields
	d := Dose{Product: strings.TrimSpace(n.Product), Lot: oneLine(n.Lot), Facility: oneLine(n.Facility),
		Province: strings.TrimSpace(n.Province)}
	num, err := strconv.Atoi(strings.TrimSpace(n.Number))
	if err != nil || num < 1 || num > MaxDoses {
		errs.Add(problem.Field("number", fmt.Sprintf("Mũi số phải từ 1 đến %d", MaxDoses), fmt.Sprintf("the dose number must be 1 to %d", MaxDoses)))
	}
	d.Number = num
	if !IsVaccineProduct(d.Product) {
		errs.Add(problem.Field("product", "Hãy chọn loại vắc xin trong danh sách", "choose the vaccine from the list"))
	}
	d.ProductName = VaccineProductName(d.Product)
	errs.Add(checkDoseDate(n.Date, today, &d.Date))
	switch l := utf8.RuneCountInString(d.Facility); {
	case l == 0:
		errs.Add(problem.Field("facility", "Hãy nhập nơi tiêm", "enter where the dose was given"))
	case l > maxPlaceLen:
		errs.Add(problem.Field("facility", fmt.Sprintf("Nơi tiêm dài quá %d ký tự", maxPlaceLen), fmt.Sprintf("the place is longer than %d characters", maxPlaceLen)))
	}
	if utf8.RuneCountInString(d.Lot) > maxLotLen {
		errs.Add(problem.Field("lot", fmt.Sprintf("Số lô dài quá %d ký tự", maxLotLen), fmt.Sprintf("the lot number is longer than %d characters", maxLotLen)))
	}
	if d.Province != "" {
		if _, ok := vn.AdminUnits().Province(d.Province); !ok {
			errs.Add(problem.Field("province", "Tỉnh/thành phố không tồn tại", "no such province"))
		}
	}
	return d, errs.Err()
}

func checkDoseDate(s string, today vn.Date, out *vn.Date) error {
	d, err := vn.ParseDate(strings.TrimSpace(s))
	switch {
	case err != nil || d.Day == 0:
		return problem.Field("date", "Ngày tiêm phải có ngày, tháng, năm (ngày/tháng/năm)", "the date needs a day, month and year (DD/MM/YYYY)")
	case dayBefore(today, d):
		return problem.Field("date", "Ngày tiêm không thể sau hôm nay", "the date cannot be after today")
	case dayBefore(d, FirstVaccinationDay):
		return problem.Field("date", "Việt Nam bắt đầu tiêm vắc xin COVID-19 từ 08/03/2021: hãy kiểm tra lại ngày", "Vietnam's first COVID-19 dose was given on 8 March 2021: check the date")
	}
	*out = d
	return nil
}

// dayBefore reports whether a is an earlier day than b (both full dates).
func dayBefore(a, b vn.Date) bool { return a.String() < b.String() }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// recordDay is the current day in Vietnam.
func (s *Store) recordDay() vn.Date {
	t := s.clock.Now().In(vn.Location())
	return vn.Date{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}
}

// RecordDose records a dose an official gave or saw proof of, for req —
// which must be for vaccination management and cover the subject's area.
// The access is checked and audited before the person's doses are read. A
// dose already recorded — the same number, or another dose on the same
// day, from any source — is refused, naming the field.
func (s *Store) RecordDose(ctx context.Context, req access.Request, subject access.Subject, in NewDose) (Dose, error) {
	d, err := in.validate(s.recordDay())
	if err != nil {
		return Dose{}, err
	}
	if req.Purpose != access.PurposeVaccination {
		return Dose{}, fmt.Errorf("health: recording a dose is for vaccination management: %w", problem.ErrForbidden)
	}
	if err := s.guard.Read(ctx, req, "health.dose.record", subject); err != nil {
		return Dose{}, err
	}
	d.ID, d.PersonID, d.Source, d.RecordKey = db.NewID(), subject.PersonID, SourceConsole, req.Actor.ID
	err = s.db.Transact(ctx, func(tx *db.DB) error {
		if err := lockRecording(ctx, tx, subject.PersonID); err != nil {
			return err
		}
		have, err := recordedDoses(ctx, tx, subject.PersonID)
		if err != nil {
			return err
		}
		if err := checkNewDose(d, have); err != nil {
			return err
		}
		return s.InsertDoses(ctx, tx, []Dose{d})
	})
	if err != nil {
		return Dose{}, err
	}
	return d, nil
}

// lockRecording serialises recordings for one person on PostgreSQL, so two
// officials cannot record the same dose at once; SQLite has one writer.
func lockRecording(ctx context.Context, tx *db.DB, personID string) error {
	if tx.Engine() != db.Postgres {
		return nil
	}
	_, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(7267930, hashtext($1))", personID)
	return err
}

type recordedDose struct {
	number int
	date   vn.Date
}

func recordedDoses(ctx context.Context, tx *db.DB, personID string) ([]recordedDose, error) {
	rows, err := tx.Query(ctx, "SELECT dose_number, vaccinated_on FROM vaccinations WHERE person_id = $1", personID)
	if err != nil {
		return nil, fmt.Errorf("health: doses: %w", err)
	}
	defer rows.Close()
	var out []recordedDose
	for rows.Next() {
		var x recordedDose
		var date string
		if err := rows.Scan(&x.number, &date); err != nil {
			return nil, err
		}
		x.date, _ = vn.ParseDate(date)
		out = append(out, x)
	}
	return out, rows.Err()
}

// checkNewDose refuses a dose the person already has, and a dose dated
// before the one numbered below it.
func checkNewDose(d Dose, have []recordedDose) error {
	for _, h := range have {
		switch {
		case h.number == d.Number:
			return problem.Field("number", fmt.Sprintf("Mũi %d đã được ghi nhận (ngày %s)", d.Number, dayMonthYear(h.date)),
				fmt.Sprintf("dose %d is already recorded (on %s)", d.Number, dayMonthYear(h.date)))
		case h.date == d.Date:
			return problem.Field("date", fmt.Sprintf("Ngày %s đã có mũi %d", dayMonthYear(h.date), h.number),
				fmt.Sprintf("dose %d was already given on %s", h.number, dayMonthYear(h.date)))
		case h.number == d.Number-1 && h.date.Day != 0 && dayBefore(d.Date, h.date):
			return problem.Field("date", fmt.Sprintf("Mũi %d phải tiêm sau mũi %d (ngày %s)", d.Number, h.number, dayMonthYear(h.date)),
				fmt.Sprintf("dose %d must come after dose %d (%s)", d.Number, h.number, dayMonthYear(h.date)))
		}
	}
	return nil
}

func dayMonthYear(d vn.Date) string {
	if d.Day == 0 {
		return d.String()
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year)
}

// Test types.
const (
	PCR = "PCR"
	RAT = "RAT"
)

// TestTypes are the test types PC-Covid records.
var TestTypes = []string{PCR, RAT}

// FirstTestDay is the earliest sample a result may have: Vietnam confirmed
// its first cases in January 2020.
var FirstTestDay = time.Date(2020, 1, 1, 0, 0, 0, 0, vn.Location())

// NewTest is a test result an official records, as typed.
type NewTest struct {
	Type      string // PCR or RAT
	Result    string // "positive" or "negative"
	SampledAt string // YYYY-MM-DDTHH:MM (Vietnam time, as a datetime-local field sends it) or RFC 3339
	ResultAt  string // the same forms
	Lab       string
	SampleID  string
}

// recordSkew is how far in the future a time may lie: a device's clock.
const recordSkew = 5 * time.Minute

func (n NewTest) validate(now time.Time) (Test, error) {
	var errs problem.Fields
	t := Test{Type: strings.ToUpper(strings.TrimSpace(n.Type)), Lab: oneLine(n.Lab), SampleID: oneLine(n.SampleID)}
	if !slices.Contains(TestTypes, t.Type) {
		errs.Add(problem.Field("type", "Hãy chọn loại xét nghiệm: PCR hoặc test nhanh kháng nguyên", "choose the test type: PCR or rapid antigen"))
	}
	switch strings.ToLower(strings.TrimSpace(n.Result)) {
	case "positive":
		t.Positive = true
	case "negative":
	default:
		errs.Add(problem.Field("result", "Hãy chọn kết quả: âm tính hoặc dương tính", "choose the result: negative or positive"))
	}
	var err error
	if t.SampledAt, err = parseTestTime("sampled_at", n.SampledAt, now); err != nil {
		errs.Add(err)
	}
	if t.ResultAt, err = parseTestTime("result_at", n.ResultAt, now); err != nil {
		errs.Add(err)
	} else if !t.SampledAt.IsZero() && t.ResultAt.Before(t.SampledAt) {
		errs.Add(problem.Field("result_at", "Thời gian có kết quả phải sau lúc lấy mẫu", "the result time must be after the sample time"))
	}
	switch l := utf8.RuneCountInString(t.Lab); {
	case l == 0:
		errs.Add(problem.Field("lab", "Hãy nhập nơi xét nghiệm", "enter the laboratory"))
	case l > maxPlaceLen:
		errs.Add(problem.Field("lab", fmt.Sprintf("Nơi xét nghiệm dài quá %d ký tự", maxPlaceLen), fmt.Sprintf("the laboratory is longer than %d characters", maxPlaceLen)))
	}
	if utf8.RuneCountInString(t.SampleID) > maxSampleIDLen {
		errs.Add(problem.Field("sample_id", fmt.Sprintf("Mã mẫu dài quá %d ký tự", maxSampleIDLen), fmt.Sprintf("the sample id is longer than %d characters", maxSampleIDLen)))
	}
	return t, errs.Err()
}

// parseTestTime reads a time typed in Vietnam time, or an RFC 3339 time.
func parseTestTime(field, s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t, err = time.ParseInLocation("2006-01-02T15:04", s, vn.Location())
	}
	switch {
	case err != nil:
		return time.Time{}, problem.Field(field, "Thời gian phải có dạng ngày/tháng/năm giờ:phút", "the time must be a date and hour:minute")
	case t.After(now.Add(recordSkew)):
		return time.Time{}, problem.Field(field, "Thời gian không thể sau bây giờ", "the time cannot be in the future")
	case t.Before(FirstTestDay):
		return time.Time{}, problem.Field(field, "Thời gian trước năm 2020: hãy kiểm tra lại", "the time is before 2020: check it")
	}
	return t.Truncate(time.Millisecond), nil
}

// RecordTest records a test result for req, which must be for test
// management and cover the subject's area. A result for a sample taken at
// the same moment is refused as already recorded (the type is sealed, so
// the sample time is what identifies a test).
func (s *Store) RecordTest(ctx context.Context, req access.Request, subject access.Subject, in NewTest) (Test, error) {
	t, err := in.validate(s.clock.Now())
	if err != nil {
		return Test{}, err
	}
	if req.Purpose != access.PurposeTesting {
		return Test{}, fmt.Errorf("health: recording a test is for test management: %w", problem.ErrForbidden)
	}
	if err := s.guard.Read(ctx, req, "health.test.record", subject); err != nil {
		return Test{}, err
	}
	t.ID, t.PersonID, t.Source, t.RecordKey = db.NewID(), subject.PersonID, SourceConsole, req.Actor.ID
	err = s.db.Transact(ctx, func(tx *db.DB) error {
		if err := lockRecording(ctx, tx, subject.PersonID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM test_results WHERE person_id = $1 AND sampled_at = $2",
			subject.PersonID, db.Millis(t.SampledAt)).Scan(&n); err != nil {
			return fmt.Errorf("health: tests: %w", err)
		}
		if n > 0 {
			return problem.Field("sampled_at", "Đã có kết quả xét nghiệm với mẫu lấy lúc này", "a result for a sample taken at this time is already recorded")
		}
		return s.InsertTests(ctx, tx, []Test{t})
	})
	if err != nil {
		return Test{}, err
	}
	return t, nil
}

// SourcedDose is one dose as the wallet shows it: the copies several old
// apps sent of the same dose (same number, same day) appear once, with
// every source.
type SourcedDose struct {
	Dose
	Sources []string
}

// SourcedTest is one test result with every source that sent it.
type SourcedTest struct {
	Test
	Sources []string
}

// Distinct merges the copies of each dose and test in r: doses in the order
// given (oldest first), tests newest first.
func Distinct(r Records) ([]SourcedDose, []SourcedTest) {
	var doses []SourcedDose
	for _, d := range r.Doses {
		i := slices.IndexFunc(doses, func(x SourcedDose) bool { return x.Number == d.Number && x.Date == d.Date })
		if i < 0 {
			doses = append(doses, SourcedDose{Dose: d, Sources: []string{d.Source}})
			continue
		}
		doses[i].Sources = appendSource(doses[i].Sources, d.Source)
		if doses[i].Facility == "" {
			doses[i].Facility, doses[i].Province = d.Facility, d.Province
		}
	}
	var tests []SourcedTest
	for _, t := range r.Tests {
		i := slices.IndexFunc(tests, func(x SourcedTest) bool {
			return x.Type == t.Type && x.SampledAt.Equal(t.SampledAt) && x.Positive == t.Positive
		})
		if i < 0 {
			tests = append(tests, SourcedTest{Test: t, Sources: []string{t.Source}})
			continue
		}
		tests[i].Sources = appendSource(tests[i].Sources, t.Source)
	}
	slices.Reverse(tests)
	return doses, tests
}

func appendSource(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
