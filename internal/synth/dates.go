package synth

import "github.com/pccovid/pccovid/internal/vn"

// Dates are handled as day numbers (days since 1970-01-01) while
// generating, which makes ages and gaps plain arithmetic.

// extractDay is the day the synthetic extract is taken: every birth lies
// before it, and ages (which decide phones and insurance groups) are counted
// at it.
var extractDay = dayOf(2021, 11, 1)

// ExtractDate returns the day the synthetic extract is taken, 2021-11-01:
// every person is born before it and is as old, phoned and insured as on
// that day.
func ExtractDate() vn.Date { return dateOf(extractDay) }

const daysPerYear = 365.2425

// dayOf returns the day number of a proleptic Gregorian date (Howard
// Hinnant's days_from_civil). Days past the end of a month roll over, so
// 29 February of a common year is 1 March.
func dayOf(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// dateOf is the inverse of dayOf (civil_from_days).
func dateOf(z int) vn.Date {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return vn.Date{Year: y, Month: m, Day: d}
}

// ageYears returns the age in completed years on the extract day of a
// person born on day birth.
func ageYears(birth int) int {
	b, e := dateOf(birth), dateOf(extractDay)
	age := e.Year - b.Year
	if e.Month < b.Month || e.Month == b.Month && e.Day < b.Day {
		age--
	}
	return age
}

// appendDate appends d as YYYY-MM-DD without going through fmt.
func appendDate(dst []byte, d vn.Date) []byte {
	dst = append(dst, byte('0'+d.Year/1000), byte('0'+d.Year/100%10), byte('0'+d.Year/10%10), byte('0'+d.Year%10), '-')
	dst = append(dst, byte('0'+d.Month/10), byte('0'+d.Month%10), '-')
	return append(dst, byte('0'+d.Day/10), byte('0'+d.Day%10))
}
