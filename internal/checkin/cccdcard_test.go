package checkin_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/vn"
)

const goodCard = "001099012345|123456789|Nguyễn Văn An|01021999|Nam|Số 1 Phố Huế, Hai Bà Trưng, Hà Nội|15082021"

func TestParseCardQR(t *testing.T) {
	t.Parallel()
	c, err := checkin.ParseCardQR(goodCard)
	if err != nil {
		t.Fatal(err)
	}
	want := checkin.CardQR{CCCD: "001099012345", OldID: "123456789", FullName: "Nguyễn Văn An",
		BirthDate: vn.Date{Year: 1999, Month: 2, Day: 1}, Sex: vn.SexMale, Address: "Số 1 Phố Huế, Hai Bà Trưng, Hà Nội",
		IssueDate: vn.Date{Year: 2021, Month: 8, Day: 15}}
	if c != want {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
	// No old CMND; a woman born in 2001; a trailing newline from the scanner.
	if c, err := checkin.ParseCardQR("079301000123||Trần Thị Bình|05052001|Nữ|12 Lê Lợi, TP HCM|01072021\n"); err != nil || c.Sex != vn.SexFemale || c.OldID != "" {
		t.Fatalf("no CMND: %+v %v", c, err)
	}
	swap := func(i int, v string) string {
		p := strings.Split(goodCard, "|")
		p[i] = v
		return strings.Join(p, "|")
	}
	bad := []struct{ qr, field string }{
		{"", "card_qr"},
		{"hello world", "card_qr"},
		{goodCard + "|extra", "card_qr"},
		{strings.Join(strings.Split(goodCard, "|")[:6], "|"), "card_qr"},
		{swap(0, "00109901234"), "card_qr.cccd"},
		{swap(0, "001 99012345"), "card_qr.cccd"},
		{swap(0, "999099012345"), "card_qr.cccd"}, // no such province
		{swap(0, "001199012345"), "card_qr.cccd"}, // says female; card says Nam
		{swap(0, "001088012345"), "card_qr.cccd"}, // says born 1988; card says 1999
		{swap(1, "12345678"), "card_qr.cmnd"},     // 8 digits
		{swap(2, ""), "card_qr.full_name"},        // no name
		{swap(2, "Nguyễn  Văn An"), "card_qr.full_name"},
		{swap(2, "Nguyễn Văn 4n"), "card_qr.full_name"},
		{swap(3, "1021999"), "card_qr.birth_date"}, // 7 digits
		{swap(3, "31021999"), "card_qr.birth_date"},
		{swap(3, "1999-02-01"), "card_qr.birth_date"},
		{swap(4, "M"), "card_qr.sex"},
		{swap(5, " "), "card_qr.address"},
		{swap(6, "15082041x"), "card_qr.issue_date"},
		{swap(6, "15081998"), "card_qr.issue_date"}, // before birth
		{swap(6, "15082015"), "card_qr.issue_date"}, // before 2016
		{"\xff\xfe|||||", "card_qr"},
	}
	for _, tc := range bad {
		_, err := checkin.ParseCardQR(tc.qr)
		var fe *problem.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || fe.Vi == "" || fe.En == "" {
			t.Errorf("ParseCardQR(%q) = %v, want a bilingual error on %s", tc.qr, err, tc.field)
		}
	}
}

// FuzzCCCDCardQR: the parser never panics, refuses with a field error, and
// what it accepts is well formed.
func FuzzCCCDCardQR(f *testing.F) {
	f.Add(goodCard)
	f.Add("079301000123||Trần Thị Bình|05052001|Nữ|12 Lê Lợi, TP HCM|01072021")
	f.Add("||||||")
	f.Add("001099012345|123456789|A|29022000|Nữ|x|29022020")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := checkin.ParseCardQR(s)
		if err != nil {
			if !errors.Is(err, problem.ErrInvalid) {
				t.Fatalf("error %v is not a field error", err)
			}
			return
		}
		if len(c.CCCD) != 12 || c.FullName == "" || c.Address == "" || c.BirthDate.Day == 0 || c.IssueDate.Day == 0 {
			t.Fatalf("accepted %q as %+v", s, c)
		}
		if len(c.CCCD.Contradicts(c.Sex, c.BirthDate.Year)) > 0 {
			t.Fatalf("accepted a contradiction: %+v", c)
		}
	})
}
