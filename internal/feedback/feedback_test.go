package feedback_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/feedback"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
)

var now = time.Date(2021, 10, 1, 9, 0, 0, 0, time.UTC)

const people = `cccd,old_id,full_name,birth_date,sex,ward_code,address,household_id,phone
001085012345,,Nguyễn Văn An,1985-02-01,M,00001,Số 5 ngõ 12,H1,0912345678
079090012347,,Trần Văn Cường,1990-03-04,M,26734,12 Hai Bà Trưng,H2,0987654321
`

type fixture struct {
	db        *db.DB
	clock     *clock.Fake
	inbox     *inbox.Store
	store     *feedback.Store
	an, cuong string
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	kf, _ := seal.NewKeyFile(now)
	ring, err := kf.Ring()
	if err != nil {
		t.Fatal(err)
	}
	s := seal.NewSealer(ring)
	f := &fixture{db: d, clock: clock.NewFake(now)}
	g := access.NewGuard(access.NewTrail(d, s, f.clock))
	persons := identity.NewStore(d, s, g, f.clock)
	f.inbox = inbox.NewStore(d, s, g, persons, f.clock)
	f.store = feedback.NewStore(d, s, g, access.NewLimiter(d, f.clock), f.inbox, f.clock)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "people.csv"), []byte(people), 0o600)
	if _, err := persons.LoadExtract(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	f.an, f.cuong = persons.RegistryID("001085012345"), persons.RegistryID("079090012347")
	return f
}

func citizen(personID string) access.Actor {
	return access.Actor{Kind: access.KindCitizen, ID: "acct-" + personID, Name: "citizen", Role: access.RoleCitizen,
		Scope: access.Country, PersonID: personID}
}

func officer(name string, role access.Role, scope string) access.Actor {
	return access.Actor{Kind: access.KindOfficial, ID: "off-" + name, Name: name, Role: role, Scope: access.Scope(scope)}
}

// crowd is a report about Phường Trúc Bạch (Quận Ba Đình, Hà Nội).
var crowd = feedback.Form{Category: "crowding", Ward: "00004", Text: "Chợ Châu Long đông người, không giãn cách"}

func TestSubmitChecksTheForm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		for _, c := range []struct {
			form  feedback.Form
			field string
		}{
			{feedback.Form{Category: "noise", Ward: "00004", Text: crowd.Text}, "category"},
			{feedback.Form{Category: "no_mask", Ward: "", Text: crowd.Text}, "ward"},
			{feedback.Form{Category: "no_mask", Ward: "001", Text: crowd.Text}, "ward"},
			{feedback.Form{Category: "no_mask", Ward: "00004", Text: "đông"}, "text"},
			{feedback.Form{Category: "no_mask", Ward: "00004", Text: strings.Repeat("x", 2001)}, "text"},
		} {
			_, err := f.store.Submit(ctx, citizen(f.an), c.form)
			var fe *problem.FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || fe.Vi == "" || fe.En == "" {
				t.Errorf("%+v: %v, want a field error on %s", c.form, err, c.field)
			}
		}
		if _, err := f.store.Submit(ctx, access.Actor{Kind: access.KindCitizen, ID: "acct-x"}, crowd); !errors.Is(err, problem.ErrInvalid) {
			t.Errorf("an account without a profile: %v", err)
		}
		if _, err := f.store.Submit(ctx, officer("x", access.RoleCommuneOfficer, "VN"), crowd); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("an official: %v", err)
		}
		if mine, _ := f.store.Mine(ctx, citizen(f.an)); len(mine) != 0 {
			t.Fatalf("refused reports stored: %v", mine)
		}
	})
}

func TestSubmitIsRateLimited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		for i := range 5 {
			if _, err := f.store.Submit(ctx, citizen(f.an), crowd); err != nil {
				t.Fatalf("report %d: %v", i+1, err)
			}
		}
		_, err := f.store.Submit(ctx, citizen(f.an), crowd)
		var re *access.RateError
		if !errors.As(err, &re) || !errors.Is(err, problem.ErrRateLimited) {
			t.Fatalf("sixth report in an hour: %v", err)
		}
		// Another account is not held back; an hour later, An may report again.
		if _, err := f.store.Submit(ctx, citizen(f.cuong), crowd); err != nil {
			t.Fatalf("another account: %v", err)
		}
		f.clock.Advance(61 * time.Minute)
		if _, err := f.store.Submit(ctx, citizen(f.an), crowd); err != nil {
			t.Fatalf("an hour later: %v", err)
		}
		if mine, _ := f.store.Mine(ctx, citizen(f.an)); len(mine) != 6 {
			t.Fatalf("%d reports stored, want 6", len(mine))
		}
	})
}

func TestOnlyTheWardsOfficersHandleAReport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		r, err := f.store.Submit(ctx, citizen(f.an), crowd)
		if err != nil {
			t.Fatal(err)
		}
		trucbach := officer("phuong.trucbach", access.RoleCommuneOfficer, "00004")
		badinh := officer("quan.badinh", access.RoleCommuneOfficer, "001")
		phucxa := officer("phuong.phucxa", access.RoleCommuneOfficer, "00001")
		health := officer("yte", access.RoleHealthOfficial, "VN")

		for _, a := range []access.Actor{trucbach, badinh} {
			list, err := f.store.ForOfficer(ctx, a, feedback.FilterOpen)
			if err != nil || len(list) != 1 || list[0].ID != r.ID || list[0].Text != crowd.Text {
				t.Errorf("%s sees %+v, %v", a.Name, list, err)
			}
		}
		if list, err := f.store.ForOfficer(ctx, phucxa, feedback.FilterAll); err != nil || len(list) != 0 {
			t.Errorf("another ward's officer sees %+v, %v", list, err)
		}
		if _, err := f.store.Get(ctx, phucxa, r.ID); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("another ward's officer opens it: %v", err)
		}
		if _, err := f.store.Answer(ctx, phucxa, r.ID, "Đã xử lý", true); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("another ward's officer answers it: %v", err)
		}
		if _, err := f.store.ForOfficer(ctx, health, feedback.FilterOpen); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("a health official: %v", err)
		}
		if _, err := f.store.Answer(ctx, trucbach, r.ID, "  ", false); !errors.Is(err, problem.ErrInvalid) {
			t.Errorf("an empty answer: %v", err)
		}

		got, err := f.store.Answer(ctx, trucbach, r.ID, "Đã cử tổ công tác đến nhắc nhở", false)
		if err != nil || got.Status != feedback.StatusAnswered {
			t.Fatalf("answer: %+v, %v", got, err)
		}
		f.clock.Advance(time.Hour)
		if got, err = f.store.Answer(ctx, badinh, r.ID, "Chợ đã thực hiện giãn cách", true); err != nil || got.Status != feedback.StatusClosed {
			t.Fatalf("close: %+v, %v", got, err)
		}
		if _, err := f.store.Answer(ctx, trucbach, r.ID, "Thêm", false); !errors.Is(err, problem.ErrInvalid) {
			t.Errorf("answering a closed report: %v", err)
		}
		// The citizen sees the status and the last answer, and has both
		// answers in the inbox.
		mine, _ := f.store.Mine(ctx, citizen(f.an))
		if len(mine) != 1 || mine[0].Status != feedback.StatusClosed || mine[0].Answer != "Chợ đã thực hiện giãn cách" ||
			!mine[0].AnsweredAt.Equal(now.Add(time.Hour)) {
			t.Errorf("the citizen sees %+v", mine)
		}
		items, err := f.inbox.List(ctx, access.Request{Actor: citizen(f.an), Purpose: access.PurposeOwn}, f.an)
		if err != nil || len(items) != 2 || items[0].Category != inbox.CategoryFeedback || items[0].Body.Vi != "Chợ đã thực hiện giãn cách" {
			t.Errorf("inbox: %+v, %v", items, err)
		}
		if open, _ := f.store.ForOfficer(ctx, trucbach, feedback.FilterOpen); len(open) != 0 {
			t.Errorf("a closed report is still open: %+v", open)
		}
		if closed, _ := f.store.ForOfficer(ctx, trucbach, feedback.FilterClosed); len(closed) != 1 {
			t.Errorf("closed: %+v", closed)
		}
		var n int
		d.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE action = 'feedback.answer' AND purpose = 'citizen_support'").Scan(&n)
		if n != 2 {
			t.Errorf("%d answers recorded, want 2", n)
		}
	})
}
