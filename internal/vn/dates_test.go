package vn

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/problem"
)

func TestParseDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Date
		iso  string
	}{
		{"01/02/1985", Date{1985, 2, 1}, "1985-02-01"},
		{"1/2/1985", Date{1985, 2, 1}, "1985-02-01"},
		{"01-02-1985", Date{1985, 2, 1}, "1985-02-01"},
		{"01.02.1985", Date{1985, 2, 1}, "1985-02-01"},
		{"1985-02-01", Date{1985, 2, 1}, "1985-02-01"},
		{"1985/02/01", Date{1985, 2, 1}, "1985-02-01"},
		{" 29/02/2020 ", Date{2020, 2, 29}, "2020-02-29"},
		{"31/12/2099", Date{2099, 12, 31}, "2099-12-31"},
		{"1985", Date{1985, 0, 0}, "1985"},
		{"02/1985", Date{1985, 2, 0}, "1985-02"},
		{"1985-02", Date{1985, 2, 0}, "1985-02"},
		{"00/00/1985", Date{1985, 0, 0}, "1985"},
		{"00/05/1985", Date{1985, 5, 0}, "1985-05"},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if err != nil || got != tt.want || got.String() != tt.iso {
			t.Errorf("ParseDate(%q) = %v (%s), %v; want %v (%s)", tt.in, got, got, err, tt.want, tt.iso)
		}
	}
}

func TestParseDateRejects(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, vi, en string }{
		{"", "chưa có ngày", "empty"},
		{"31/02/2021", "ngày 31/02/2021 không có thật", "31/02/2021 is not a real date"},
		{"29/02/2021", "không có thật", "not a real date"},
		{"31/04/2021", "không có thật", "not a real date"},
		{"00/13/2021", "tháng 13", "month 13 does not exist"},
		{"12/13/2021", "tháng 13", "month 13"},
		{"15/00/2021", "tháng 0", "month 0"},
		{"2021-13-01", "tháng 13", "month 13"},
		{"01/02/85", "không đọc được", "cannot read"},
		{"85", "không đọc được", "cannot read"},
		{"1/2/3/2021", "không đọc được", "cannot read"},
		{"01/02-1985", "không đọc được", "cannot read"},
		{"01 02 1985", "không đọc được", "cannot read"},
		{"1985-02-01T00:00:00Z", "không đọc được", "cannot read"},
		{"ngày 1/2/1985", "không đọc được", "cannot read"},
		{"01/02/1850", "năm 1850", "year 1850 is outside 1900–2100"},
		{"2101", "năm 2101", "outside"},
		{"/02/1985", "không đọc được", "cannot read"},
		{"01/02/", "không đọc được", "cannot read"},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		var fe *problem.FieldError
		if !errors.As(err, &fe) || fe.Field != "date" || !strings.Contains(fe.Vi, tt.vi) || !strings.Contains(fe.En, tt.en) {
			t.Errorf("ParseDate(%q) = %v, %v; want date error %q / %q", tt.in, got, err, tt.vi, tt.en)
		}
	}
}

func TestParseBirthDate(t *testing.T) {
	t.Parallel()
	if d, err := ParseBirthDate("14/02/1987"); err != nil || d != (Date{1987, 2, 14}) {
		t.Errorf("ParseBirthDate = %v, %v", d, err)
	}
	for _, in := range []string{"01/01/2031", "1899", "31/02/2000"} {
		var fe *problem.FieldError
		if _, err := ParseBirthDate(in); !errors.As(err, &fe) || fe.Field != "birth_date" {
			t.Errorf("ParseBirthDate(%q) error = %v, want a birth_date FieldError", in, err)
		}
	}
}

func TestDateMethods(t *testing.T) {
	t.Parallel()
	d := Date{1985, 2, 1}
	if got := d.Time(); !got.Equal(time.Date(1985, 1, 31, 17, 0, 0, 0, time.UTC)) || got.Location() != Location() {
		t.Errorf("Time() = %v", got)
	}
	if got := (Date{Year: 1985}).Time(); !got.Equal(time.Date(1985, 1, 1, 0, 0, 0, 0, Location())) {
		t.Errorf("year-only Time() = %v", got)
	}
	swaps := []struct {
		d    Date
		want Date
		ok   bool
	}{
		{Date{1990, 4, 3}, Date{1990, 3, 4}, true},
		{Date{1990, 12, 13}, Date{}, false},
		{Date{1990, 5, 5}, Date{}, false},
		{Date{1990, 5, 0}, Date{}, false},
		{Date{Year: 1990}, Date{}, false},
	}
	for _, tt := range swaps {
		if got, ok := tt.d.SwappedDayMonth(); got != tt.want || ok != tt.ok {
			t.Errorf("%v.SwappedDayMonth() = %v, %v; want %v, %v", tt.d, got, ok, tt.want, tt.ok)
		}
	}
	if !(Date{}).IsZero() || (Date{}).String() != "" || !(Date{Year: 1990}).YearOnly() || d.YearOnly() {
		t.Error("IsZero/String/YearOnly wrong")
	}
	b, err := json.Marshal(struct{ D Date }{d})
	if err != nil || string(b) != `{"D":"1985-02-01"}` {
		t.Errorf("json.Marshal = %s, %v", b, err)
	}
	var back struct{ D Date }
	if err := json.Unmarshal([]byte(`{"D":"01/02/1985"}`), &back); err != nil || back.D != d {
		t.Errorf("json.Unmarshal = %v, %v", back.D, err)
	}
}

func TestLocation(t *testing.T) {
	t.Parallel()
	_, off := time.Date(2021, 7, 1, 0, 0, 0, 0, Location()).Zone()
	_, offWinter := time.Date(2021, 1, 1, 0, 0, 0, 0, Location()).Zone()
	if off != 7*3600 || offWinter != 7*3600 || Location() != Location() {
		t.Errorf("Location offsets %d, %d", off, offWinter)
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2021-08-03T09:12:45+07:00", utc(2021, 8, 3, 2, 12, 45)},
		{"2021-08-03T02:12:45Z", utc(2021, 8, 3, 2, 12, 45)},
		{"2021-08-03T09:12:45.5+07:00", utc(2021, 8, 3, 2, 12, 45).Add(500 * time.Millisecond)},
		{"2021-08-03T04:12:45+02:00", utc(2021, 8, 3, 2, 12, 45)},
		{"2021-08-03T00:12:45-0200", utc(2021, 8, 3, 2, 12, 45)},
		{"2021-08-03T09:12:45", utc(2021, 8, 3, 2, 12, 45)},
		{"2020-04-12 08:15:00", utc(2020, 4, 12, 1, 15, 0)},
		{"2020-04-12 08:15", utc(2020, 4, 12, 1, 15, 0)},
		{"2020-04-12 03:15:00", utc(2020, 4, 11, 20, 15, 0)},
		{"11/03/2022 09:21", utc(2022, 3, 11, 2, 21, 0)},
		{"1/3/2022 9:21", utc(2022, 3, 1, 2, 21, 0)},
		{"11/03/2022 09:21:30", utc(2022, 3, 11, 2, 21, 30)},
		{"1597624708935", time.UnixMilli(1597624708935).UTC()},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseTimeRejects(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, en string }{
		{"", "empty"},
		{"2021-08-03", "cannot read"},
		{"31/02/2021 08:00", "not a real date"},
		{"2021-08-03 24:00", "cannot read"},
		{"2021-08-03 09:60", "cannot read"},
		{"2021-08-03 09:12:61", "cannot read"},
		{"2021-08-03T09:12:45+25:00", "cannot read"},
		{"2021-08-03T09:12:45+7", "cannot read"},
		{"03/08/21 09:12", "cannot read"},
		{"1597624708", "looks like seconds"},
		{"15976247089350", "13 digits"},
		{"hôm qua", "cannot read"},
		{"1800-01-01 00:00", "outside"},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		var fe *problem.FieldError
		if !errors.As(err, &fe) || fe.Field != "time" || !strings.Contains(fe.En, tt.en) || fe.Vi == "" {
			t.Errorf("ParseTime(%q) = %v, %v; want time error about %q", tt.in, got, err, tt.en)
		}
	}
}
