package checkin_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/problem"
)

func TestVenueQRSignAndForgery(t *testing.T) {
	t.Parallel()
	d := dbtest.SQLite(t)
	f := newFixture(t, d, nil)
	other := newFixture(t, d, nil) // another deployment's key
	content := f.svc.VenueQRContent("https://pccovid.example/", "ABCD2345")
	if !strings.HasPrefix(content, "https://pccovid.example/c/ABCD2345.") {
		t.Fatalf("content %q", content)
	}
	if code, err := f.svc.ParseVenueQR(content); err != nil || code != "ABCD2345" {
		t.Fatalf("own QR: %q %v", code, err)
	}
	payload := content[strings.LastIndex(content, "/")+1:]
	for _, ok := range []string{payload, "http://other.host/c/" + payload, content + "?utm=x", strings.ToLower(payload)} {
		if _, err := f.svc.ParseVenueQR(ok); err != nil {
			t.Errorf("ParseVenueQR(%q): %v", ok, err)
		}
	}
	forged := []string{
		"", "hello", "ABCD2345",
		strings.Replace(content, "ABCD2345", "ABCD2346", 1),      // code altered
		content[:len(content)-1] + flip(content[len(content)-1]), // signature altered
		content[:len(content)-2],                                 // truncated
		other.svc.VenueQRContent("https://pccovid.example", "ABCD2345"),
	}
	for _, bad := range forged {
		if _, err := f.svc.ParseVenueQR(bad); !errors.Is(err, checkin.ErrForgedQR) {
			t.Errorf("ParseVenueQR(%q) = %v, want ErrForgedQR", bad, err)
		}
	}
}

func TestCheckInByCodeAndQR(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, nil)
		ctx := context.Background()
		v := f.venue(t, operator)
		res, err := f.svc.CheckIn(ctx, citizenA, "person-a", checkin.Scan{ID: "req-00000001", Code: strings.ToLower(checkin.FormatCode(v.Code))})
		if err != nil {
			t.Fatal(err)
		}
		if res.Repeat != checkin.New || res.Venue.ID != v.ID || res.CheckIn.Method != checkin.MethodCode || !res.CheckIn.At.Equal(start) {
			t.Fatalf("result %+v", res)
		}
		// A parent checks a child in: the profile is the child's.
		f.clock.Advance(2 * time.Minute)
		qr := f.svc.VenueQRContent("https://x", v.Code)
		res, err = f.svc.CheckIn(ctx, citizenA, "child-of-a", checkin.Scan{ID: "req-00000002", QR: qr})
		if err != nil || res.CheckIn.PersonID != "child-of-a" || res.CheckIn.RecordedBy != citizenA.ID || res.CheckIn.Method != checkin.MethodVenueQR {
			t.Fatalf("child check-in %+v %v", res, err)
		}
		for _, bad := range []checkin.Scan{
			{Code: "ZZZZZZZZ"},                         // bad check symbol
			{QR: qr[:len(qr)-1] + flip(qr[len(qr)-1])}, // forged
			{Code: validCodeNotStored(t)},              // unknown venue
			{ID: "short", Code: v.Code},                // bad id
			{Code: v.Code, Age: 73 * time.Hour},
		} {
			if _, err := f.svc.CheckIn(ctx, citizenA, "person-a", bad); !errors.Is(err, problem.ErrInvalid) {
				t.Errorf("CheckIn(%+v) = %v, want a refusal", bad, err)
			}
		}
		if _, err := f.svc.CheckIn(ctx, citizenA, "", checkin.Scan{Code: v.Code}); !errors.Is(err, checkin.ErrNoProfile) {
			t.Errorf("no profile: %v", err)
		}
		if got := count(t, d); got != 2 {
			t.Fatalf("%d check-ins stored, want 2", got)
		}
	})
}

// validCodeNotStored returns a well-formed code no venue has.
func validCodeNotStored(t *testing.T) string {
	for _, c := range "23456789ABCDEFGHJKMNPQRSTVWXYZ" {
		if code, err := checkin.ParseCode("2222222" + string(c)); err == nil {
			return code
		}
	}
	t.Fatal("no valid code")
	return ""
}

func TestResendAndDoubleScan(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, nil)
		ctx := context.Background()
		v := f.venue(t, operator)
		first, err := f.svc.CheckIn(ctx, citizenA, "person-a", checkin.Scan{ID: "offline-0001", Code: v.Code, Age: 10 * time.Minute})
		if err != nil || first.Repeat != checkin.New || !first.CheckIn.At.Equal(start.Add(-10*time.Minute)) {
			t.Fatalf("first %+v %v", first, err)
		}
		// The offline queue sends it again an hour later: the age grew with
		// the clock, and nothing changes.
		f.clock.Advance(time.Hour)
		again, err := f.svc.CheckIn(ctx, citizenA, "person-a", checkin.Scan{ID: "offline-0001", Code: v.Code, Age: 70 * time.Minute})
		if err != nil || again.Repeat != checkin.Resent || again.CheckIn.ID != first.CheckIn.ID || !again.CheckIn.At.Equal(first.CheckIn.At) {
			t.Fatalf("resend %+v %v", again, err)
		}
		// Scanning twice within a minute is one check-in, said so.
		one, _ := f.svc.CheckIn(ctx, citizenA, "person-a", checkin.Scan{ID: "scan-000001", Code: v.Code})
		f.clock.Advance(40 * time.Second)
		two, err := f.svc.CheckIn(ctx, citizenA, "person-a", checkin.Scan{ID: "scan-000002", Code: v.Code})
		if err != nil || two.Repeat != checkin.Double || two.CheckIn.ID != one.CheckIn.ID {
			t.Fatalf("double scan %+v %v", two, err)
		}
		// After a minute it is a new visit.
		f.clock.Advance(30 * time.Second)
		three, _ := f.svc.CheckIn(ctx, citizenA, "person-a", checkin.Scan{ID: "scan-000003", Code: v.Code})
		if three.Repeat != checkin.New {
			t.Fatalf("after a minute: %+v", three)
		}
		// A resend whose time is far from the first (its age was lost):
		// still found, by its id.
		f.clock.Advance(2 * time.Hour)
		late, err := f.svc.CheckIn(ctx, citizenA, "person-a", checkin.Scan{ID: "offline-0001", Code: v.Code})
		if err != nil || late.Repeat != checkin.Resent || !late.CheckIn.At.Equal(first.CheckIn.At) {
			t.Fatalf("late resend %+v %v", late, err)
		}
		if _, err := f.svc.CheckIn(ctx, citizenA, "person-b", checkin.Scan{ID: "offline-0001", Code: v.Code}); !errors.Is(err, checkin.ErrIDReused) {
			t.Fatalf("late reused id: %v", err)
		}
		// An id reused for another person is refused.
		if _, err := f.svc.CheckIn(ctx, citizenA, "person-b", checkin.Scan{ID: "scan-000003", Code: v.Code}); !errors.Is(err, checkin.ErrIDReused) {
			t.Fatalf("reused id: %v", err)
		}
		if got := count(t, d); got != 3 {
			t.Fatalf("%d rows, want 3", got)
		}
	})
}

// TestConcurrentCheckInsGroupCommit sends many check-ins at once, each
// twice: every one is recorded exactly once, whatever batch it fell in.
func TestConcurrentCheckInsGroupCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, nil)
		ctx := context.Background()
		v := f.venue(t, operator)
		const n = 600
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for i := range 2 * n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := fmt.Sprintf("person-%04d", i%n)
				res, err := f.svc.CheckIn(ctx, citizenA, p, checkin.Scan{ID: fmt.Sprintf("id-%08d", i%n), Code: v.Code})
				if err == nil && res.CheckIn.PersonID != p {
					err = fmt.Errorf("answer for %s is %s's", p, res.CheckIn.PersonID)
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := count(t, d); got != n {
			t.Fatalf("%d rows, want %d", got, n)
		}
		at, err := f.svc.At(ctx, v.ID, start.Add(-time.Hour), start.Add(time.Hour))
		if err != nil || len(at) != n {
			t.Fatalf("At: %d, %v", len(at), err)
		}
		mine, err := f.svc.ForPerson(ctx, "person-0007", start.Add(-time.Hour), start.Add(time.Hour))
		if err != nil || len(mine) != 1 || mine[0].VenueID != v.ID {
			t.Fatalf("ForPerson: %v %v", mine, err)
		}
	})
}

func TestPersonalQRExpiryAndHiding(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, nil)
		ctx := context.Background()
		v := f.venue(t, operator)
		qr, err := f.svc.PersonalQR(ctx, "person-a")
		if err != nil || qr.Hidden || !qr.ExpiresAt.Equal(start.Add(5*time.Minute)) {
			t.Fatalf("issue: %+v %v", qr, err)
		}
		if strings.Contains(qr.Token, "person-a") {
			t.Fatal("the personal QR shows the person id in clear")
		}
		res, err := f.svc.RecordAtVenue(ctx, operator, v.ID, checkin.Scan{ID: "venue-scan-1", QR: qr.Token})
		if err != nil || res.CheckIn.PersonID != "person-a" || res.CheckIn.Method != checkin.MethodPersonalQR || res.CheckIn.RecordedBy != operator.ID {
			t.Fatalf("scan: %+v %v", res, err)
		}
		// Tampered.
		tampered := qr.Token[:20] + flip(qr.Token[20]) + qr.Token[21:]
		if _, err := f.svc.RecordAtVenue(ctx, operator, v.ID, checkin.Scan{QR: tampered}); !errors.Is(err, checkin.ErrPersonalQRInvalid) {
			t.Fatalf("tampered: %v", err)
		}
		// Five minutes later it has expired.
		f.clock.Advance(5 * time.Minute)
		if _, err := f.svc.RecordAtVenue(ctx, operator, v.ID, checkin.Scan{QR: qr.Token}); !errors.Is(err, checkin.ErrPersonalQRExpired) {
			t.Fatalf("expired: %v", err)
		}
		// Hiding voids codes already shown, and issues none.
		fresh, _ := f.svc.PersonalQR(ctx, "person-a")
		if err := f.svc.SetPersonalQRHidden(ctx, "person-a", true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RecordAtVenue(ctx, operator, v.ID, checkin.Scan{QR: fresh.Token}); !errors.Is(err, checkin.ErrPersonalQRHidden) {
			t.Fatalf("hidden: %v", err)
		}
		if hidden, _ := f.svc.PersonalQR(ctx, "person-a"); !hidden.Hidden || hidden.Token != "" {
			t.Fatalf("issued while hidden: %+v", hidden)
		}
		// Shown again: new codes work, the old one stays void.
		f.svc.SetPersonalQRHidden(ctx, "person-a", false)
		again, _ := f.svc.PersonalQR(ctx, "person-a")
		if _, err := f.svc.RecordAtVenue(ctx, operator, v.ID, checkin.Scan{QR: again.Token}); err != nil {
			t.Fatalf("shown again: %v", err)
		}
		if _, err := f.svc.RecordAtVenue(ctx, operator, v.ID, checkin.Scan{QR: fresh.Token}); !errors.Is(err, checkin.ErrPersonalQRHidden) {
			t.Fatalf("old code after showing again: %v", err)
		}
		// Only the venue's owner scans for it.
		if _, err := f.svc.RecordAtVenue(ctx, citizenA, v.ID, checkin.Scan{QR: again.Token}); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("not the owner: %v", err)
		}
	})
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func TestCardCheckIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		known := fakePersons{"001099012345": {"p-001099012345", "u-legacy"}, "079301000123": {"u-only"}}
		f := newFixture(t, d, known)
		ctx := context.Background()
		v := f.venue(t, citizenA) // a citizen's own shop
		res, err := f.svc.RecordAtVenue(ctx, citizenA, v.ID, checkin.Scan{QR: "001099012345|123456789|Nguyễn Văn An|01021999|Nam|Số 1 Phố Huế, Hà Nội|15082021"})
		if err != nil || res.CheckIn.PersonID != "p-001099012345" || res.Card == nil || res.Card.FullName != "Nguyễn Văn An" {
			t.Fatalf("card: %+v %v", res, err)
		}
		res, err = f.svc.RecordAtVenue(ctx, citizenA, v.ID, checkin.Scan{QR: "079301000123||Trần Thị Bình|05052001|Nữ|12 Lê Lợi, TP HCM|01072021"})
		if err != nil || res.CheckIn.PersonID != "u-only" {
			t.Fatalf("card of a taken-over person: %+v %v", res, err)
		}
		for qr, want := range map[string]error{
			"001099099999|123456789|Lê Văn Cường|01021999|Nam|Hà Nội|15082021": checkin.ErrUnknownCard,
			"001099012345|123456789|Nguyễn Văn An|01021999|Nam|Hà Nội":         problem.ErrInvalid,
			"hello": checkin.ErrNotPersonQR,
		} {
			if _, err := f.svc.RecordAtVenue(ctx, citizenA, v.ID, checkin.Scan{QR: qr}); !errors.Is(err, want) {
				t.Errorf("RecordAtVenue(%q) = %v, want %v", qr, err, want)
			}
		}
		if got := count(t, d); got != 2 {
			t.Fatalf("%d rows, want 2", got)
		}
	})
}

func TestRetentionPurge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, nil)
		ctx := context.Background()
		v := f.venue(t, operator)
		// One check-in a day for 30 days.
		for day := range 30 {
			if _, err := f.svc.CheckIn(ctx, citizenA, "person-a", checkin.Scan{ID: fmt.Sprintf("day-%04d", day), Code: v.Code}); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(24 * time.Hour)
		}
		// Now is day 30 at 08:00; the window keeps days 9..29.
		rows, days, err := f.svc.Purge(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := count(t, d); got != 21 {
			t.Fatalf("after purge %d rows, want 21 (deleted %d rows, dropped %d days)", got, rows, days)
		}
		if d.Engine() == db.Postgres && days < 8 {
			t.Fatalf("dropped %d day partitions, want at least 8", days)
		}
		left, _ := f.svc.ForPerson(ctx, "person-a", start.Add(-time.Hour), start.Add(40*24*time.Hour))
		if !left[0].At.Equal(start.Add(9 * 24 * time.Hour)) {
			t.Fatalf("oldest kept is %v", left[0].At)
		}
		// Purging again changes nothing; check-ins still work.
		if _, _, err := f.svc.Purge(ctx); err != nil || count(t, d) != 21 {
			t.Fatalf("second purge: %v, %d rows", err, count(t, d))
		}
		if _, err := f.svc.CheckIn(ctx, citizenA, "person-a", checkin.Scan{Code: v.Code}); err != nil {
			t.Fatal(err)
		}
	})
}

func count(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), "SELECT count(*) FROM checkins").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
