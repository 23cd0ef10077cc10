package quarantine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/tracing"
	"github.com/pccovid/pccovid/internal/vn"
)

// Report is one day's health report of a person under an order.
type Report struct {
	Day         vn.Date
	FiledAt     time.Time
	Temperature float64  // °C
	Symptoms    []string // codes of declaration.Symptoms
	Note        string
	Flagged     bool // fever (38 °C or more) or a symptom
}

type reportDetails struct {
	Temperature float64  `json:"temperature"`
	Symptoms    []string `json:"symptoms,omitempty"`
	Note        string   `json:"note,omitempty"`
}

// ReportForm is what a person types.
type ReportForm struct {
	Temperature string // "37.2" or "37,2"
	Symptoms    []string
	Note        string
}

// feverAt is the temperature from which a report alerts the officer.
const feverAt = 38.0

func (f ReportForm) parse() (Report, error) {
	var errs problem.Fields
	var r Report
	t, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(f.Temperature), ",", "."), 64)
	switch {
	case strings.TrimSpace(f.Temperature) == "":
		errs.Add(problem.Field("temperature", "Hãy nhập nhiệt độ cơ thể", "enter your body temperature"))
	case err != nil || math.IsNaN(t):
		errs.Add(problem.Field("temperature", "Nhiệt độ là một số, ví dụ 36,8", "the temperature is a number, e.g. 36.8"))
	case t < 34 || t > 43:
		errs.Add(problem.Field("temperature", "Nhiệt độ phải từ 34 đến 43 °C: hãy đo lại", "the temperature must be 34 to 43 °C: measure again"))
	}
	r.Temperature = math.Round(t*10) / 10
	known := declaration.Symptoms()
	for _, s := range f.Symptoms {
		if !slices.Contains(known, s) {
			errs.Add(problem.Field("symptoms", "Hãy chọn triệu chứng trong danh sách", "choose symptoms from the list"))
			break
		}
		if !slices.Contains(r.Symptoms, s) {
			r.Symptoms = append(r.Symptoms, s)
		}
	}
	r.Note = strings.TrimSpace(f.Note)
	if utf8.RuneCountInString(r.Note) > 500 {
		errs.Add(problem.Field("note", "Ghi chú tối đa 500 ký tự", "a note has at most 500 characters"))
	}
	r.Flagged = r.Temperature >= feverAt || len(r.Symptoms) > 0
	return r, errs.Err()
}

// FileReport stores today's health report for an order of the person
// (their own, or a family member's they manage). Filing again the same
// day replaces the report. A report outside the order's days is refused.
// A fever or a symptom raises an alert for the ward's officers.
func (s *Service) FileReport(ctx context.Context, actor access.Actor, personID, orderID string, f ReportForm) (Report, error) {
	o, err := s.ownOrder(ctx, actor, personID, orderID)
	if err != nil {
		return Report{}, err
	}
	r, err := f.parse()
	if err != nil {
		return Report{}, err
	}
	today := s.Today()
	if o.Status != OrderActive || after(o.Start, today) || after(today, o.PlannedEnd) {
		return Report{}, problem.Field("order", "Hôm nay không nằm trong thời gian cách ly của quyết định này", "today is not a day of this order")
	}
	r.Day, r.FiledAt = today, s.Clock.Now().UTC().Truncate(time.Millisecond)
	b, _ := json.Marshal(reportDetails{r.Temperature, r.Symptoms, r.Note})
	err = s.DB.Transact(ctx, func(tx *db.DB) error {
		_, err := tx.Exec(ctx, `INSERT INTO quarantine_reports (order_id, day, filed_at, report_sealed, flagged) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (order_id, day) DO UPDATE SET filed_at = excluded.filed_at, report_sealed = excluded.report_sealed, flagged = excluded.flagged`,
			o.ID, today.String(), db.Millis(r.FiledAt), s.Sealer.Seal(fieldReport, b), r.Flagged)
		if err != nil || !r.Flagged {
			return err
		}
		return s.raise(ctx, tx, o, AlertSymptoms, today)
	})
	return r, err
}

// reportsOf reads an order's reports, oldest first.
func (s *Service) reportsOf(ctx context.Context, orderID string) ([]Report, error) {
	rows, err := s.DB.Query(ctx, "SELECT day, filed_at, report_sealed, flagged FROM quarantine_reports WHERE order_id = $1 ORDER BY day", orderID)
	if err != nil {
		return nil, fmt.Errorf("quarantine: reports: %w", err)
	}
	defer rows.Close()
	var out []Report
	for rows.Next() {
		var r Report
		var day string
		var filed int64
		var sealed []byte
		if err := rows.Scan(&day, &filed, &sealed, &r.Flagged); err != nil {
			return nil, err
		}
		r.Day, _ = vn.ParseDate(day)
		r.FiledAt = db.TimeOf(filed)
		b, err := s.Sealer.Open(fieldReport, sealed)
		if err != nil {
			return nil, err
		}
		var det reportDetails
		if err := json.Unmarshal(b, &det); err != nil {
			return nil, err
		}
		r.Temperature, r.Symptoms, r.Note = det.Temperature, det.Symptoms, det.Note
		out = append(out, r)
	}
	return out, rows.Err()
}

// Test is a test appointment of an order and what came of it.
type Test struct {
	Day       int
	Due       vn.Date
	Type      string
	Done      bool
	Result    string // "negative" or "positive" once done
	SampledAt time.Time
	TestID    string
}

// Test results.
const (
	ResultNegative = "negative"
	ResultPositive = "positive"
)

// Overdue reports whether the test was due before today and not taken.
func (t Test) Overdue(today vn.Date) bool { return !t.Done && after(today, t.Due) }

func (s *Service) testsOf(ctx context.Context, d *db.DB, orderID string) ([]Test, error) {
	rows, err := d.Query(ctx, `SELECT day, due_date, test_type, done, result_sealed, sampled_at, test_id FROM quarantine_tests
		WHERE order_id = $1 ORDER BY day`, orderID)
	if err != nil {
		return nil, fmt.Errorf("quarantine: tests: %w", err)
	}
	defer rows.Close()
	var out []Test
	for rows.Next() {
		var t Test
		var due string
		var sealed []byte
		var sampled int64
		if err := rows.Scan(&t.Day, &due, &t.Type, &t.Done, &sealed, &sampled, &t.TestID); err != nil {
			return nil, err
		}
		t.Due, _ = vn.ParseDate(due)
		t.SampledAt = db.TimeOf(sampled)
		if t.Result, err = s.Sealer.OpenString(fieldResult, sealed); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TestForm is a test result an officer records on an order.
type TestForm struct {
	Day       int // the appointment
	Type      string
	Result    string
	SampledAt time.Time
}

// RecordTest records the result of a test appointment — as the person's
// health record too — for an official whose area covers the order. A
// positive result of someone in quarantine registers their case (whose
// isolation then supersedes the quarantine); a positive release test of a
// case extends the isolation as the policy says.
func (s *Service) RecordTest(ctx context.Context, req access.Request, orderID string, f TestForm) (Order, error) {
	o, err := s.officialOrder(ctx, req, orderID, "quarantine.test.record")
	if err != nil {
		return o, err
	}
	if err := checkTest(o, f, s.Clock.Now()); err != nil {
		return o, err
	}
	tests, err := s.testsOf(ctx, s.DB, o.ID)
	if err != nil {
		return o, err
	}
	i := slices.IndexFunc(tests, func(t Test) bool { return t.Day == f.Day })
	if i < 0 {
		return o, problem.Field("day", "Quyết định này không có lịch xét nghiệm vào ngày đó", "this order has no test on that day")
	}
	testID := fmt.Sprintf("quarantine/%s/%d", o.ID, f.Day)
	err = s.DB.Transact(ctx, func(tx *db.DB) error {
		return s.storeTest(ctx, tx, o, f, testID, req.Actor.ID)
	})
	if err != nil {
		return o, err
	}
	return s.afterTest(ctx, o, f, testID)
}

func checkTest(o Order, f TestForm, now time.Time) error {
	var errs problem.Fields
	if f.Type != TestPCR && f.Type != TestRAT {
		errs.Add(problem.Field("type", "Hãy chọn loại xét nghiệm", "choose the kind of test"))
	}
	if f.Result != ResultNegative && f.Result != ResultPositive {
		errs.Add(problem.Field("result", "Hãy chọn kết quả âm tính hoặc dương tính", "choose negative or positive"))
	}
	switch {
	case f.SampledAt.IsZero():
		errs.Add(problem.Field("sampled_at", "Hãy nhập ngày lấy mẫu", "enter the day of sampling"))
	case f.SampledAt.After(now.Add(10 * time.Minute)):
		errs.Add(problem.Field("sampled_at", "Ngày lấy mẫu ở tương lai", "the sampling date is in the future"))
	case after(o.Start, DateOf(f.SampledAt)):
		errs.Add(problem.Field("sampled_at", "Ngày lấy mẫu trước ngày bắt đầu cách ly", "the sample was taken before the order began"))
	}
	if o.Status != OrderActive {
		errs.Add(problem.Field("order", "Quyết định này đã kết thúc", "this order has ended"))
	}
	return errs.Err()
}

func (s *Service) storeTest(ctx context.Context, tx *db.DB, o Order, f TestForm, testID, by string) error {
	_, err := tx.Exec(ctx, `UPDATE quarantine_tests SET done = $3, result_sealed = $4, sampled_at = $5, test_id = $6, recorded_by = $7
		WHERE order_id = $1 AND day = $2`, o.ID, f.Day, true, s.Sealer.SealString(fieldResult, f.Result),
		db.Millis(f.SampledAt), testID, by)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE quarantine_alerts SET resolved_at = $3, resolved_by = $4 WHERE order_id = $1 AND kind = $2 AND resolved_at = 0",
		o.ID, AlertOverdueTest, db.Millis(s.Clock.Now()), by); err != nil {
		return err
	}
	return s.Health.InsertTests(ctx, tx, []health.Test{{ID: testID, PersonID: o.PersonID, Source: "quarantine", RecordKey: o.ID,
		Type: f.Type, Positive: f.Result == ResultPositive, SampledAt: f.SampledAt, ResultAt: s.Clock.Now()}})
}

// afterTest follows a result: a positive in quarantine is a new case; a
// positive release test of a case extends the isolation.
func (s *Service) afterTest(ctx context.Context, o Order, f TestForm, testID string) (Order, error) {
	if f.Result != ResultPositive {
		return s.order(ctx, s.DB, o.ID)
	}
	if o.Kind == KindQuarantine {
		_, _, err := s.Cases.Register(ctx, access.System("quarantine-tests"), caseResult(o, f, testID, s.Clock.Now()))
		if err != nil {
			return o, err
		}
		return s.order(ctx, s.DB, o.ID)
	}
	rule, err := s.ruleOf(ctx, o)
	if err != nil {
		return o, err
	}
	if rule.Release.OtherwiseDays > 0 && f.Day >= rule.Release.TestDay {
		end := AddDays(o.Start, rule.Release.OtherwiseDays-1)
		if after(end, o.PlannedEnd) {
			_, err = s.DB.Exec(ctx, "UPDATE quarantine_orders SET planned_end = $2, monitor_until = $3, status_note = $4, updated_at = $5 WHERE id = $1",
				o.ID, end.String(), AddDays(end, rule.MonitorDays).String(), "extended: positive release test", db.Millis(s.Clock.Now()))
		}
	}
	if err != nil {
		return o, err
	}
	return s.order(ctx, s.DB, o.ID)
}

func (s *Service) ruleOf(ctx context.Context, o Order) (Rule, error) {
	p, err := s.policies.Get(ctx, o.Policy)
	if err != nil {
		return Rule{}, err
	}
	r, ok := p.Rule(o.Rule)
	if !ok {
		return Rule{}, fmt.Errorf("quarantine: policy %s has no rule %s: %w", o.Policy, o.Rule, problem.ErrNotFound)
	}
	return r, nil
}

func caseResult(o Order, f TestForm, testID string, now time.Time) tracing.Result {
	return tracing.Result{TestID: testID, PersonID: o.PersonID, Source: tracing.SourceOfficial, SampledAt: f.SampledAt, ResultAt: now}
}
