package tracing

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// Rule names a kind of close contact; each piece of evidence names the rule
// that found it.
type Rule string

// The rules.
const (
	RuleVenue     Rule = "venue"     // checked in at the same venue close in time
	RuleTransport Rule = "transport" // the same flight, train car or bus on the same day
	RuleHousehold Rule = "household" // the same household
	RuleBluetooth Rule = "bluetooth" // phones near each other (Bluezone logs)
	RuleDeclared  Rule = "declared"  // named by the case, or entered by an official
)

// AllRules lists the rules in the order the console shows them.
func AllRules() []Rule {
	return []Rule{RuleVenue, RuleTransport, RuleHousehold, RuleBluetooth, RuleDeclared}
}

// Rules is one version of the rules that decide who is a close contact.
// Every parameter is data: an authority changes one by adding a version.
type Rules struct {
	Version       string  `json:"-"`
	EffectiveFrom vn.Date `json:"-"`
	Title         string  `json:"-"`

	// Window: the case is infectious from DaysBefore days before the
	// earlier of onset and sampling until the result.
	Window struct {
		DaysBefore int `json:"days_before"`
	} `json:"window"`
	// Venue: a check-in at the same venue within WithinMinutes of one of
	// the case's (PC-Covid warned for a scan within an hour).
	Venue struct {
		Enabled       bool `json:"enabled"`
		WithinMinutes int  `json:"within_minutes"`
	} `json:"venue"`
	// Transport: the same vehicle on the same day; on a flight only
	// within FlightRows rows, on a train only in the same car when
	// TrainSameCar. UnknownSeat counts a traveller whose seat (or the
	// case's) is not known, since proximity cannot be ruled out.
	Transport struct {
		Enabled      bool `json:"enabled"`
		FlightRows   int  `json:"flight_rows"`
		TrainSameCar bool `json:"train_same_car"`
		UnknownSeat  bool `json:"unknown_seat"`
	} `json:"transport"`
	Household struct {
		Enabled bool `json:"enabled"`
	} `json:"household"`
	// Bluetooth: a logged contact lasting at least MinMinutes with a
	// signal of at least MinRSSI dBm (about two metres).
	Bluetooth struct {
		Enabled    bool `json:"enabled"`
		MinMinutes int  `json:"min_minutes"`
		MinRSSI    int  `json:"min_rssi"`
	} `json:"bluetooth"`
	Declared struct {
		Enabled bool `json:"enabled"`
	} `json:"declared"`
	// EpisodeGapDays: a positive result sampled this many days or more
	// after a case's first is a new episode (a new case); a closer one
	// joins the case.
	EpisodeGapDays int `json:"episode_gap_days"`
}

// ParseRules reads the JSON form of a version of the rules and checks it.
func ParseRules(version string, from vn.Date, data []byte) (Rules, error) {
	var r Rules
	if err := json.Unmarshal(data, &r); err != nil {
		return r, problem.Field("rules", "Quy tắc không đúng định dạng JSON: "+err.Error(), "the rules are not valid JSON: "+err.Error())
	}
	r.Version, r.EffectiveFrom = version, from
	return r, r.check()
}

func (r Rules) check() error {
	var errs problem.Fields
	bad := func(field, vi, en string) { errs.Add(problem.Field(field, vi, en)) }
	if r.Version == "" {
		bad("version", "Cần tên phiên bản", "a version needs a name")
	}
	if r.EffectiveFrom.Day == 0 {
		bad("effective_from", "Cần ngày hiệu lực đầy đủ", "a full effective date is needed")
	}
	if r.Window.DaysBefore < 0 || r.Window.DaysBefore > 21 {
		bad("window.days_before", "Số ngày trước khởi phát phải từ 0 đến 21", "days before onset must be 0 to 21")
	}
	if r.Venue.Enabled && (r.Venue.WithinMinutes <= 0 || r.Venue.WithinMinutes > 24*60) {
		bad("venue.within_minutes", "Khoảng thời gian tại địa điểm phải từ 1 phút đến 24 giờ", "the venue window must be 1 minute to 24 hours")
	}
	if r.Transport.FlightRows < 0 || r.Transport.FlightRows > 99 {
		bad("transport.flight_rows", "Số hàng ghế phải từ 0 đến 99", "flight rows must be 0 to 99")
	}
	if r.Bluetooth.Enabled && (r.Bluetooth.MinMinutes < 0 || r.Bluetooth.MinRSSI > 0 || r.Bluetooth.MinRSSI < -127) {
		bad("bluetooth", "Ngưỡng Bluetooth không hợp lệ (phút ≥ 0, RSSI từ -127 đến 0)", "bad Bluetooth thresholds (minutes ≥ 0, RSSI -127 to 0)")
	}
	if r.EpisodeGapDays < 1 {
		bad("episode_gap_days", "Khoảng cách giữa hai đợt bệnh phải từ 1 ngày", "the gap between episodes must be at least 1 day")
	}
	return errs.Err()
}

// VenueWithin is the venue rule's distance in time.
func (r Rules) VenueWithin() time.Duration { return time.Duration(r.Venue.WithinMinutes) * time.Minute }

// Window is when a case was infectious, or an F1 could have passed it on.
type Window struct {
	From, To time.Time
}

// Contains reports whether t lies within the window.
func (w Window) Contains(t time.Time) bool { return !t.Before(w.From) && t.Before(w.To) }

// Days lists the dates (Vietnam time) the window touches.
func (w Window) Days() (first, last vn.Date) {
	return dateOf(w.From), dateOf(w.To.Add(-time.Millisecond))
}

// InfectiousWindow applies the window rule: from DaysBefore days before the
// earlier of onset (when known) and sampling, to the result.
func (r Rules) InfectiousWindow(sampled, onset, confirmed time.Time) Window {
	start := sampled
	if !onset.IsZero() && onset.Before(start) {
		start = onset
	}
	return Window{From: start.Add(-time.Duration(r.Window.DaysBefore) * 24 * time.Hour), To: confirmed}
}

func dateOf(t time.Time) vn.Date {
	t = t.In(vn.Location())
	return vn.Date{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}
}

// RuleBook reads the versions of the rules.
type RuleBook struct {
	db *db.DB
}

// For returns the version of the rules in force on day: the one with the
// latest effective date not after it.
func (b RuleBook) For(ctx context.Context, day vn.Date) (Rules, error) {
	var version, from, title, data string
	err := b.db.QueryRow(ctx, `SELECT version, effective_from, title, rules FROM tracing_rules
		WHERE effective_from <= $1 ORDER BY effective_from DESC, version DESC LIMIT 1`, day.String()).Scan(&version, &from, &title, &data)
	if err != nil {
		return Rules{}, problem.Field("sampled_at", fmt.Sprintf("Chưa có quy tắc truy vết nào có hiệu lực vào ngày %s", day),
			fmt.Sprintf("no tracing rules were in force on %s", day))
	}
	return parseStored(version, from, title, data)
}

// Version returns a version of the rules by name.
func (b RuleBook) Version(ctx context.Context, version string) (Rules, error) {
	var from, title, data string
	err := b.db.QueryRow(ctx, "SELECT effective_from, title, rules FROM tracing_rules WHERE version = $1", version).Scan(&from, &title, &data)
	if err != nil {
		return Rules{}, fmt.Errorf("tracing: rules %s: %w", version, problem.ErrNotFound)
	}
	return parseStored(version, from, title, data)
}

// All returns every version, newest first.
func (b RuleBook) All(ctx context.Context) ([]Rules, error) {
	rows, err := b.db.Query(ctx, "SELECT version, effective_from, title, rules FROM tracing_rules ORDER BY effective_from DESC, version DESC")
	if err != nil {
		return nil, fmt.Errorf("tracing: rules: %w", err)
	}
	defer rows.Close()
	var out []Rules
	for rows.Next() {
		var version, from, title, data string
		if err := rows.Scan(&version, &from, &title, &data); err != nil {
			return nil, err
		}
		r, err := parseStored(version, from, title, data)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Add stores a new version of the rules. A version's name is never reused.
func (b RuleBook) Add(ctx context.Context, r Rules, data []byte, now time.Time) error {
	if err := r.check(); err != nil {
		return err
	}
	_, err := b.db.Exec(ctx, "INSERT INTO tracing_rules (version, effective_from, title, rules, created_at) VALUES ($1, $2, $3, $4, $5)",
		r.Version, r.EffectiveFrom.String(), r.Title, string(data), db.Millis(now))
	if db.IsUniqueViolation(err) {
		return problem.Field("version", "Phiên bản này đã có", "that version exists")
	}
	return err
}

func parseStored(version, from, title, data string) (Rules, error) {
	d, err := vn.ParseDate(from)
	if err != nil {
		return Rules{}, fmt.Errorf("tracing: rules %s: %w", version, err)
	}
	r, err := ParseRules(version, d, []byte(data))
	r.Title = title
	if err != nil {
		return r, fmt.Errorf("tracing: stored rules %s: %w", version, err)
	}
	return r, nil
}
