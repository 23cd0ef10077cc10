package vn

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/problem"
)

// ict is Vietnam's time zone, UTC+7 all year: Vietnam has kept no daylight
// saving time since 1975, so a fixed zone is exact for every date PC-Covid
// handles and needs no tzdata on the server.
var ict = time.FixedZone("ICT", 7*3600)

// Location returns Vietnam's time zone (ICT, UTC+7). It is a function, not
// a variable, so no package can replace it; the *time.Location it returns
// is shared and immutable.
func Location() *time.Location { return ict }

// Date is a calendar date that may be known only to the year (Month 0) or
// to the month (Day 0), as legacy records often give only a birth year.
// The zero value is no date.
type Date struct {
	Year, Month, Day int
}

// Plausible years: ParseDate takes 1900–2100, ParseBirthDate 1900–2030.
const (
	minYear          = 1900
	maxYear          = 2100
	maxBirthYear     = 2030
	fieldDate        = "date"
	fieldBirthDate   = "birth_date"
	fieldTime        = "time"
	expectDateFormat = "DD/MM/YYYY, YYYY-MM-DD or YYYY"
)

// ParseDate reads a date in one of the forms legacy sources use:
//
//	DD/MM/YYYY  D/M/YYYY  DD-MM-YYYY  DD.MM.YYYY   day first
//	YYYY-MM-DD  YYYY/MM/DD                         year first
//	MM/YYYY     YYYY-MM                            month only
//	YYYY                                           year only (also a JSON number)
//
// A day or month written 00 is unknown, as some registries write it:
// 00/00/1985 is the year 1985 and 00/05/1985 May 1985. ParseDate refuses
// dates that do not exist (31/02/2021), two-digit years and years outside
// 1900–2100, with a *problem.FieldError for field "date".
func ParseDate(s string) (Date, error) {
	return parseDate(fieldDate, s, minYear, maxYear)
}

// ParseBirthDate is ParseDate for a birth date: the year must lie in
// 1900–2030, and errors name the field "birth_date".
func ParseBirthDate(s string) (Date, error) {
	return parseDate(fieldBirthDate, s, minYear, maxBirthYear)
}

func parseDate(field, s string, lo, hi int) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, problem.Field(field, "chưa có ngày", "date is empty")
	}
	d, ok := scanDate(s)
	if !ok {
		return Date{}, problem.Field(field,
			"không đọc được ngày “"+s+"” (viết DD/MM/YYYY, YYYY-MM-DD hoặc YYYY)",
			"cannot read date “"+s+"” (write "+expectDateFormat+")")
	}
	return d, d.check(field, s, lo, hi)
}

// scanDate reads the numbers of s by their widths: a 4-digit number is the
// year, the others month and day in the order of the form.
func scanDate(s string) (Date, bool) {
	nums, n, sep, ok := splitDate(s)
	if !ok {
		return Date{}, false
	}
	atoi := func(x string, widths ...int) (int, bool) {
		for _, w := range widths {
			if len(x) == w {
				v, err := strconv.Atoi(x)
				return v, err == nil
			}
		}
		return 0, false
	}
	var d Date
	check := func(v int, good bool) int { ok = ok && good; return v }
	switch {
	case n == 1:
		d.Year = check(atoi(nums[0], 4))
	case n == 2 && len(nums[0]) == 4 && sep == '-':
		d.Year, d.Month = check(atoi(nums[0], 4)), check(atoi(nums[1], 1, 2))
	case n == 2:
		d.Month, d.Year = check(atoi(nums[0], 1, 2)), check(atoi(nums[1], 4))
	case len(nums[0]) == 4:
		d.Year, d.Month, d.Day = check(atoi(nums[0], 4)), check(atoi(nums[1], 1, 2)), check(atoi(nums[2], 1, 2))
	default:
		d.Day, d.Month, d.Year = check(atoi(nums[0], 1, 2)), check(atoi(nums[1], 1, 2)), check(atoi(nums[2], 4))
	}
	return d, ok
}

// splitDate cuts s into one to three runs of digits separated by one kind
// of separator: '/', '-' or '.'.
func splitDate(s string) (nums [3]string, n int, sep byte, ok bool) {
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			continue
		}
		if i == start || n == len(nums) {
			return nums, 0, 0, false
		}
		nums[n] = s[start:i]
		n++
		if i < len(s) {
			c := s[i]
			if c != '/' && c != '-' && c != '.' || sep != 0 && c != sep {
				return nums, 0, 0, false
			}
			sep = c
		}
		start = i + 1
	}
	return nums, n, sep, true
}

// check reports a date that does not exist or lies outside lo..hi.
func (d Date) check(field, s string, lo, hi int) error {
	switch {
	case d.Month > 12 || d.Month == 0 && d.Day != 0:
		return problem.Field(field,
			fmt.Sprintf("tháng %d không có thật (ngày %s)", d.Month, s),
			fmt.Sprintf("month %d does not exist (%s)", d.Month, s))
	case d.Day != 0 && (d.Month == 0 || d.Day > daysIn(d.Year, d.Month)):
		return problem.Field(field,
			"ngày "+s+" không có thật",
			s+" is not a real date")
	case d.Year < lo || d.Year > hi:
		return problem.Field(field,
			fmt.Sprintf("năm %d nằm ngoài khoảng %d–%d", d.Year, lo, hi),
			fmt.Sprintf("year %d is outside %d–%d", d.Year, lo, hi))
	}
	return nil
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// IsZero reports whether d is no date.
func (d Date) IsZero() bool { return d == Date{} }

// YearOnly reports whether only the year of d is known.
func (d Date) YearOnly() bool { return d.Year != 0 && d.Month == 0 }

// String returns d in ISO 8601 form at its precision: "1985-02-01",
// "1985-02" or "1985"; "" for the zero Date. ParseDate reads it back.
func (d Date) String() string {
	switch {
	case d.IsZero():
		return ""
	case d.Month == 0:
		return fmt.Sprintf("%04d", d.Year)
	case d.Day == 0:
		return fmt.Sprintf("%04d-%02d", d.Year, d.Month)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Time returns midnight at the start of d in Vietnam time; a date known
// only to the year or month starts on its first day.
func (d Date) Time() time.Time {
	return time.Date(d.Year, time.Month(max(d.Month, 1)), max(d.Day, 1), 0, 0, 0, 0, ict)
}

// SwappedDayMonth returns d with day and month exchanged, and whether that
// is a different real date: 03/04/1990 and 04/03/1990 are easily confused,
// so record linkage tries both. ok is false for partial dates, for a day
// above 12 and when day equals month.
func (d Date) SwappedDayMonth() (Date, bool) {
	if d.Day == 0 || d.Month == 0 || d.Day > 12 || d.Day == d.Month {
		return Date{}, false
	}
	return Date{Year: d.Year, Month: d.Day, Day: d.Month}, true
}

// MarshalText returns String, so that a Date is an ISO string in JSON.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads any form ParseDate accepts; empty text is the zero
// Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseTime reads a timestamp in one of the forms legacy sources use and
// returns it in UTC:
//
//	2021-08-03T09:12:45+07:00  RFC 3339 with an offset (or Z)
//	2021-08-03T09:12:45        RFC 3339 without offset: Vietnam time
//	2020-04-12 08:15:00        Vietnam time, seconds optional
//	11/03/2022 09:21           Vietnam time, D/M/YYYY, seconds optional
//	1597624708935              Unix milliseconds (13 digits)
//
// The year must lie in 1900–2100. Errors are *problem.FieldError for field
// "time".
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, problem.Field(fieldTime, "chưa có thời gian", "time is empty")
	}
	if strings.Trim(s, "0123456789") == "" {
		return ParseUnixMillis(s)
	}
	datePart, clock, ok := strings.Cut(s, " ")
	if !ok {
		datePart, clock, ok = strings.Cut(s, "T")
	}
	if !ok {
		return time.Time{}, badTime(s)
	}
	d, ok := scanDate(datePart)
	if !ok || d.Day == 0 {
		return time.Time{}, badTime(s)
	}
	if err := d.check(fieldTime, datePart, minYear, maxYear); err != nil {
		return time.Time{}, err
	}
	clock = strings.TrimSpace(clock)
	loc := ict
	if i := strings.LastIndexAny(clock, "Z+-"); i >= 0 {
		off, err := parseOffset(clock[i:])
		if err != nil {
			return time.Time{}, badTime(s)
		}
		clock, loc = strings.TrimSpace(clock[:i]), off
	}
	h, m, sec, nsec, ok := scanClock(clock)
	if !ok {
		return time.Time{}, badTime(s)
	}
	return time.Date(d.Year, time.Month(d.Month), d.Day, h, m, sec, nsec, loc).UTC(), nil
}

// scanClock reads HH:MM, HH:MM:SS or HH:MM:SS.fraction.
func scanClock(s string) (h, m, sec, nsec int, ok bool) {
	hh, rest, _ := strings.Cut(s, ":")
	mm, ss, hasSec := strings.Cut(rest, ":")
	num := func(x string, hi int) (int, bool) {
		if len(x) < 1 || len(x) > 2 || strings.Trim(x, "0123456789") != "" {
			return 0, false
		}
		v, _ := strconv.Atoi(x)
		return v, v <= hi
	}
	var ok1, ok2, ok3 bool
	h, ok1 = num(hh, 23)
	m, ok2 = num(mm, 59)
	ok3 = true
	if hasSec {
		whole, frac, hasFrac := strings.Cut(ss, ".")
		sec, ok3 = num(whole, 59)
		if hasFrac {
			if len(frac) == 0 || len(frac) > 9 || strings.Trim(frac, "0123456789") != "" {
				return 0, 0, 0, 0, false
			}
			nsec, _ = strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
		}
	}
	return h, m, sec, nsec, ok1 && ok2 && ok3
}

// parseOffset reads "Z", "+07:00", "+0700" or "+07".
func parseOffset(s string) (*time.Location, error) {
	if s == "Z" {
		return time.UTC, nil
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(s[1:], ":", "")
	if len(digits) != 2 && len(digits) != 4 || strings.Trim(digits, "0123456789") != "" {
		return nil, problem.ErrInvalid
	}
	hh, _ := strconv.Atoi(digits[:2])
	mm := 0
	if len(digits) == 4 {
		mm, _ = strconv.Atoi(digits[2:])
	}
	if hh > 14 || mm > 59 {
		return nil, problem.ErrInvalid
	}
	off := sign * (hh*3600 + mm*60)
	if off == 7*3600 {
		return ict, nil
	}
	return time.FixedZone("", off), nil
}

func badTime(s string) error {
	return problem.Field(fieldTime,
		"không đọc được thời gian “"+s+"” (viết YYYY-MM-DD HH:MM:SS hoặc DD/MM/YYYY HH:MM)",
		"cannot read time “"+s+"” (write YYYY-MM-DD HH:MM:SS, DD/MM/YYYY HH:MM or RFC 3339)")
}

// ParseUnixMillis reads a Unix time in milliseconds written as 13 digits
// (September 2001 to 2286) and returns it in UTC. Ten digits are refused
// as Unix seconds rather than read as a date in 1970.
func ParseUnixMillis(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if strings.Trim(s, "0123456789") != "" || s == "" {
		return time.Time{}, problem.Field(fieldTime,
			"thời gian “"+s+"” không phải là số mili giây Unix",
			"time “"+s+"” is not a Unix time in milliseconds")
	}
	if len(s) != 13 {
		vi, en := "số mili giây Unix phải có 13 chữ số", "a Unix time in milliseconds has 13 digits"
		if len(s) == 10 {
			vi, en = vi+" (số này có vẻ là giây)", en+" (this looks like seconds)"
		}
		return time.Time{}, problem.Field(fieldTime, vi, en)
	}
	ms, _ := strconv.ParseInt(s, 10, 64)
	return time.UnixMilli(ms).UTC(), nil
}
