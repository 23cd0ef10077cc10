package health

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
)

// Symptoms a case at home reports, by code.
var Symptoms = []string{"fever", "cough", "breath", "chest_pain", "sore_throat", "taste_loss", "fatigue", "diarrhoea", "confusion"}

// Warning signs (Ministry of Health guidance for F0 treated at home,
// Decision 4156/QĐ-BYT): each alerts the commune health station.
const (
	SignLowSpO2      = "spo2_low"   // SpO2 below LowSpO2Threshold
	SignHighFever    = "fever_high" // HighFeverAt or more
	SignBreathless   = "breathless" // shortness of breath
	SignChestPain    = "chest_pain" // chest pain or tightness
	SignConfusion    = "confusion"  // confusion, drowsiness
	LowSpO2Threshold = 95           // percent
	HighFeverAt      = 39.0         // degrees Celsius
)

// ReportInput is a daily report as typed: temperature in °C, SpO2 in
// percent, symptom codes. ID, when given, makes a resend change nothing.
type ReportInput struct {
	ID          string   `json:"id,omitempty" doc:"a key the device chose, so a resend changes nothing"`
	Temperature string   `json:"temperature" doc:"degrees Celsius, e.g. 37.8"`
	SpO2        string   `json:"spo2" doc:"oxygen saturation in percent, e.g. 97"`
	Symptoms    []string `json:"symptoms,omitempty"`
}

// DailyReport is one report of a case treated at home.
type DailyReport struct {
	ID          string
	At          time.Time
	By          string // "citizen" or the official's id
	Temperature float64
	SpO2        int
	Symptoms    []string
	Signs       []string // the warning signs it shows
}

// Warning reports whether the report shows a warning sign.
func (r DailyReport) Warning() bool { return len(r.Signs) > 0 }

type reportDetails struct {
	Temperature float64  `json:"t"`
	SpO2        int      `json:"s"`
	Symptoms    []string `json:"y,omitempty"`
	Signs       []string `json:"w,omitempty"`
}

var reportIDRE = regexp.MustCompile(`^[a-z0-9]{8,40}$`)

// parse checks a report, naming each bad field.
func (in ReportInput) parse() (DailyReport, error) {
	var errs problem.Fields
	var r DailyReport
	t, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(in.Temperature), ",", "."), 64)
	if err != nil || math.IsNaN(t) || t < 34 || t > 43 {
		errs.Add(problem.Field("temperature", "Nhiệt độ từ 34 đến 43 °C, ví dụ 37,5", "the temperature is 34 to 43 °C, e.g. 37.5"))
	}
	r.Temperature = math.Round(t*10) / 10
	s, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(in.SpO2), "%"))
	if err != nil || s < 50 || s > 100 {
		errs.Add(problem.Field("spo2", "SpO2 là số phần trăm từ 50 đến 100", "SpO2 is a percentage from 50 to 100"))
	}
	r.SpO2 = s
	for _, c := range in.Symptoms {
		if !slices.Contains(Symptoms, c) {
			errs.Add(problem.Field("symptoms", "Triệu chứng không có trong danh sách", "a symptom is not on the list"))
			break
		}
		if !slices.Contains(r.Symptoms, c) {
			r.Symptoms = append(r.Symptoms, c)
		}
	}
	if in.ID != "" && !reportIDRE.MatchString(in.ID) {
		errs.Add(problem.Field("id", "Mã báo cáo không hợp lệ", "the report id must be 8–40 lower-case letters or digits"))
	}
	r.ID = in.ID
	r.Signs = warningSigns(r)
	return r, errs.Err()
}

// warningSigns are the signs of a report that call for the health station.
func warningSigns(r DailyReport) []string {
	var signs []string
	if r.SpO2 > 0 && r.SpO2 < LowSpO2Threshold {
		signs = append(signs, SignLowSpO2)
	}
	if r.Temperature >= HighFeverAt {
		signs = append(signs, SignHighFever)
	}
	for sym, sign := range map[string]string{"breath": SignBreathless, "chest_pain": SignChestPain, "confusion": SignConfusion} {
		if slices.Contains(r.Symptoms, sym) {
			signs = append(signs, sign)
		}
	}
	slices.Sort(signs)
	return signs
}

// Report records a daily report for the person's open treatment, for req:
// the citizen (or a family member managing the profile), or an official
// for treatment. A report with warning signs raises an alert for the
// commune health station, in the same transaction. It returns the report
// as stored (the earlier one, for a resend with the same ID).
func (ts *Treatments) Report(ctx context.Context, req access.Request, personID string, in ReportInput) (DailyReport, error) {
	r, err := in.parse()
	if err != nil {
		return r, err
	}
	if err := ts.check(ctx, req, "health.treatment.report", personID); err != nil {
		return r, err
	}
	t, err := ts.latest(ctx, ts.db, personID)
	if err != nil {
		return r, err
	}
	if t == nil || !t.Active {
		return r, problem.Field("treatment", "Không có đợt điều trị COVID-19 nào đang mở cho người này",
			"there is no open COVID-19 treatment for this person")
	}
	if r.ID == "" {
		r.ID = strings.ToLower(db.NewID())
	}
	r.At, r.By = ts.clock.Now().UTC().Truncate(time.Millisecond), reporter(req.Actor)
	err = ts.db.Transact(ctx, func(tx *db.DB) error { return ts.insertReport(ctx, tx, t, r) })
	if err != nil {
		return r, err
	}
	return r, nil
}

func reporter(a access.Actor) string {
	if a.Kind == access.KindCitizen {
		return "citizen"
	}
	return a.ID
}

func (ts *Treatments) insertReport(ctx context.Context, tx *db.DB, t *Treatment, r DailyReport) error {
	b, _ := json.Marshal(reportDetails{r.Temperature, r.SpO2, r.Symptoms, r.Signs})
	now := db.Millis(ts.clock.Now())
	res, err := tx.Exec(ctx, `INSERT INTO treatment_reports (id, treatment_id, reported_at, reported_by, warning,
		details_sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
		r.ID, t.ID, db.Millis(r.At), r.By, r.Warning(), ts.sealer.Seal(fieldReport, b), now)
	if err != nil {
		return fmt.Errorf("health: daily report: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 || !r.Warning() {
		return nil // a resend, or nothing to alert
	}
	signs, _ := json.Marshal(r.Signs)
	_, err = tx.Exec(ctx, `INSERT INTO treatment_alerts (id, treatment_id, report_id, person_id, ward_code, signs_sealed,
		created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, db.NewID(), t.ID, r.ID, t.PersonID, t.Ward,
		ts.sealer.Seal(fieldSigns, signs), now)
	if err != nil {
		return fmt.Errorf("health: alert: %w", err)
	}
	return nil
}

// reports lists a treatment's daily reports, newest first.
func (ts *Treatments) reports(ctx context.Context, treatmentID string) ([]DailyReport, error) {
	rows, err := ts.db.Query(ctx, `SELECT id, reported_at, reported_by, details_sealed FROM treatment_reports
		WHERE treatment_id = $1 ORDER BY reported_at DESC, id DESC`, treatmentID)
	if err != nil {
		return nil, fmt.Errorf("health: daily reports: %w", err)
	}
	defer rows.Close()
	var out []DailyReport
	for rows.Next() {
		var r DailyReport
		var at int64
		var sealed []byte
		if err := rows.Scan(&r.ID, &at, &r.By, &sealed); err != nil {
			return nil, err
		}
		var det reportDetails
		if err := openJSONWith(ts.sealer, fieldReport, sealed, &det); err != nil {
			return nil, err
		}
		r.At, r.Temperature, r.SpO2, r.Symptoms, r.Signs = db.TimeOf(at), det.Temperature, det.SpO2, det.Symptoms, det.Signs
		out = append(out, r)
	}
	return out, rows.Err()
}
