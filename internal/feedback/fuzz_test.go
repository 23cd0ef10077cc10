package feedback

import (
	"errors"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

// FuzzCheck feeds the report form to its checks: a report passes only with
// a listed category, a real ward and a text within the limits; anything
// else is a field error, never a panic.
func FuzzCheck(f *testing.F) {
	f.Add("crowding", "00004", "Chợ đông người, không giãn cách")
	f.Add("", "", "")
	f.Add("other", "001", "\xff\xfe mười ký tự")
	f.Fuzz(func(t *testing.T, category, ward, text string) {
		r, err := check(Form{Category: category, Ward: ward, Text: text})
		if err != nil {
			if !errors.Is(err, problem.ErrInvalid) {
				t.Fatalf("%v is not a field error", err)
			}
			return
		}
		if _, ok := vn.AdminUnits().Ward(r.Ward); !ok || !slices.Contains(Categories(), r.Category) ||
			utf8.RuneCountInString(r.Text) < minText || utf8.RuneCountInString(r.Text) > maxText {
			t.Fatalf("passed: %+v", r)
		}
	})
}
