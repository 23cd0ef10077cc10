package inbox_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
)

var now = time.Date(2021, 10, 1, 9, 0, 0, 0, time.UTC)

// A father and daughter in Phường Phúc Xá (Hà Nội), a neighbour in Phường
// Trúc Bạch (same district), a man in Hồ Chí Minh City.
const people = `cccd,old_id,full_name,birth_date,sex,ward_code,address,household_id,phone
001085012345,,Nguyễn Văn An,1985-02-01,M,00001,Số 5 ngõ 12,H1,0912345678
001315012346,,Nguyễn Thị Bình,2015-06-01,F,00001,Số 5 ngõ 12,H1,
001188012349,,Phạm Thị Hoa,1988-01-01,F,00004,7 Trúc Bạch,H4,0912000111
079090012347,,Trần Văn Cường,1990-03-04,M,26734,12 Hai Bà Trưng,H2,0987654321
`

type fixture struct {
	db                   *db.DB
	clock                *clock.Fake
	trail                *access.Trail
	inbox                *inbox.Store
	an, binh, hoa, cuong string
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
	f.trail = access.NewTrail(d, s, f.clock)
	g := access.NewGuard(f.trail)
	persons := identity.NewStore(d, s, g, f.clock)
	f.inbox = inbox.NewStore(d, s, g, persons, f.clock)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "people.csv"), []byte(people), 0o600)
	if _, err := persons.LoadExtract(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	f.an, f.binh = persons.RegistryID("001085012345"), persons.RegistryID("001315012346")
	f.hoa, f.cuong = persons.RegistryID("001188012349"), persons.RegistryID("079090012347")
	if err := persons.AddManager(context.Background(), f.binh, f.an, "test", ""); err != nil {
		t.Fatal(err)
	}
	return f
}

func own(personID string) access.Request {
	return access.Request{Actor: access.Actor{Kind: access.KindCitizen, ID: "acct-" + personID, Name: "citizen",
		Role: access.RoleCitizen, Scope: access.Country, PersonID: personID}, Purpose: access.PurposeOwn}
}

func officer(name string, role access.Role, scope string, purpose access.Purpose) access.Request {
	return access.Request{Actor: access.Actor{Kind: access.KindOfficial, ID: "off-" + name, Name: name, Role: role,
		Scope: access.Scope(scope)}, Purpose: purpose, Ref: "test"}
}

func (f *fixture) unread(t *testing.T, personID string) int {
	t.Helper()
	n, err := f.inbox.Unread(context.Background(), own(personID), personID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) list(t *testing.T, personID string) []inbox.Item {
	t.Helper()
	items, err := f.inbox.List(context.Background(), own(personID), personID)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func result(key string) inbox.Message {
	return inbox.Message{Key: key, Category: inbox.CategoryResult, TitleKey: "inbox.test_result", Params: []string{"RT-PCR"},
		Body: inbox.Text{Vi: "Âm tính", En: "Negative"}, Link: "/results"}
}

func TestSendIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		for range 3 {
			if err := f.inbox.Send(ctx, f.an, result("result/lab1/42")); err != nil {
				t.Fatal(err)
			}
		}
		items := f.list(t, f.an)
		if len(items) != 1 || f.unread(t, f.an) != 1 {
			t.Fatalf("after sending one key 3 times: %d items, %d unread", len(items), f.unread(t, f.an))
		}
		got := items[0]
		if got.Key != "result/lab1/42" || got.Category != inbox.CategoryResult || got.TitleKey != "inbox.test_result" ||
			len(got.Params) != 1 || got.Body.In("en") != "Negative" || got.Body.In("vi") != "Âm tính" || got.Read || !got.At.Equal(now) {
			t.Errorf("item = %+v", got)
		}
		f.clock.Advance(time.Minute)
		if err := f.inbox.Send(ctx, f.an, result("result/lab1/43")); err != nil {
			t.Fatal(err)
		}
		if items := f.list(t, f.an); len(items) != 2 || items[0].Key != "result/lab1/43" || f.unread(t, f.an) != 2 {
			t.Fatalf("second key: %+v, unread %d", items, f.unread(t, f.an))
		}
		// The same key for another person is another message.
		if err := f.inbox.Send(ctx, f.cuong, result("result/lab1/42")); err != nil || f.unread(t, f.cuong) != 1 {
			t.Fatalf("Cường: %v, %d unread", err, f.unread(t, f.cuong))
		}
		// Senders' mistakes are refused.
		for _, m := range []inbox.Message{{Category: inbox.CategoryResult, Title: inbox.Text{Vi: "x"}},
			{Key: "k", Category: "gossip", Title: inbox.Text{Vi: "x"}}, {Key: "k", Category: inbox.CategoryNotice},
			{Key: "k", Category: inbox.CategoryNotice, Title: inbox.Text{Vi: "x"}, Link: "https://evil.example"}} {
			if err := f.inbox.Send(ctx, f.an, m); !errors.Is(err, problem.ErrInvalid) {
				t.Errorf("Send(%+v) = %v", m, err)
			}
		}
	})
}

func TestMarkRead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		f.inbox.Send(ctx, f.an, result("a"))
		f.inbox.Send(ctx, f.an, result("b"))
		f.inbox.Send(ctx, f.cuong, result("c"))
		items := f.list(t, f.an)
		if err := f.inbox.MarkRead(ctx, own(f.an), f.an, items[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := f.inbox.MarkRead(ctx, own(f.an), f.an, items[0].ID); err != nil {
			t.Fatalf("marking again: %v", err)
		}
		if n := f.unread(t, f.an); n != 1 {
			t.Fatalf("unread = %d, want 1", n)
		}
		if items := f.list(t, f.an); !items[0].Read || items[1].Read {
			t.Errorf("read flags: %v %v", items[0].Read, items[1].Read)
		}
		theirs := f.list(t, f.cuong)[0].ID
		if err := f.inbox.MarkRead(ctx, own(f.an), f.an, theirs); !errors.Is(err, problem.ErrNotFound) {
			t.Errorf("marking someone else's message: %v", err)
		}
		if err := f.inbox.MarkRead(ctx, own(f.an), f.cuong, theirs); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("marking in someone else's inbox: %v", err)
		}
		if err := f.inbox.MarkAllRead(ctx, own(f.an), f.an); err != nil || f.unread(t, f.an) != 0 || f.unread(t, f.cuong) != 1 {
			t.Errorf("mark all: %v; unread An %d, Cường %d", err, f.unread(t, f.an), f.unread(t, f.cuong))
		}
	})
}

func TestAreaNoticesReachResidents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		m := inbox.Message{Key: "k1", Category: inbox.CategoryNotice, Title: inbox.Text{Vi: "Phun khử khuẩn", En: "Disinfection"}}
		for range 2 {
			if err := f.inbox.SendArea(ctx, "00001", m); err != nil {
				t.Fatal(err)
			}
		}
		m.Key = "k2"
		if err := f.inbox.SendArea(ctx, "001", m); err != nil { // the district
			t.Fatal(err)
		}
		m.Key = "k3"
		if err := f.inbox.SendArea(ctx, "VN", m); err != nil {
			t.Fatal(err)
		}
		if err := f.inbox.SendArea(ctx, "99999", m); !errors.Is(err, problem.ErrInvalid) {
			t.Errorf("unknown area: %v", err)
		}
		for _, c := range []struct {
			who  string
			want int
		}{{f.an, 3}, {f.binh, 3}, {f.hoa, 2}, {f.cuong, 1}} {
			if n := f.unread(t, c.who); n != c.want || len(f.list(t, c.who)) != c.want {
				t.Errorf("%s: %d unread, %d listed; want %d", c.who, n, len(f.list(t, c.who)), c.want)
			}
		}
		// Each resident reads on their own.
		ward := f.list(t, f.an)
		for _, it := range ward {
			if err := f.inbox.MarkRead(ctx, own(f.an), f.an, it.ID); err != nil {
				t.Fatal(err)
			}
		}
		if f.unread(t, f.an) != 0 || f.unread(t, f.binh) != 3 {
			t.Errorf("after An read: An %d, Bình %d", f.unread(t, f.an), f.unread(t, f.binh))
		}
		// A notice of another ward cannot be marked.
		for _, it := range ward {
			if it.Area == "00001" {
				if err := f.inbox.MarkRead(ctx, own(f.cuong), f.cuong, it.ID); !errors.Is(err, problem.ErrNotFound) {
					t.Errorf("marking another ward's notice: %v", err)
				}
			}
		}
	})
}

func TestFamilyReadsAChildsInbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		f.inbox.Send(ctx, f.binh, result("b1"))
		items, err := f.inbox.List(ctx, own(f.an), f.binh)
		if err != nil || len(items) != 1 {
			t.Fatalf("parent: %v, %v", items, err)
		}
		es, _ := f.trail.ForSubject(ctx, f.binh, 10)
		if len(es) != 1 || es[0].Action != "inbox.list" || es[0].Purpose != access.PurposeFamily {
			t.Errorf("child's access log: %+v", es)
		}
		if _, err := f.inbox.List(ctx, own(f.cuong), f.binh); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("stranger: %v", err)
		}
		if _, err := f.inbox.Unread(ctx, own(f.cuong), f.binh); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("stranger's count: %v", err)
		}
	})
}

func TestSendInATransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		boom := errors.New("the change failed")
		err := d.Transact(ctx, func(tx *db.DB) error {
			if err := f.inbox.WithTx(tx).Send(ctx, f.an, result("tx")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || f.unread(t, f.an) != 0 {
			t.Fatalf("rolled back: %v, %d unread", err, f.unread(t, f.an))
		}
		d.Transact(ctx, func(tx *db.DB) error { return f.inbox.WithTx(tx).Send(ctx, f.an, result("tx")) })
		if f.unread(t, f.an) != 1 {
			t.Fatal("committed message missing")
		}
	})
}

func TestOfficialNotices(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		n := inbox.Notice{Key: "form-1", Title: inbox.Text{Vi: " Lịch tiêm chủng "}, Body: inbox.Text{Vi: "Thứ bảy tại trạm y tế", En: "Saturday at the health station"}}
		phucxa := officer("phuong.phucxa", access.RoleCommuneOfficer, "00001", access.PurposeCitizenSupport)
		for range 2 { // the form submitted twice
			if err := f.inbox.NotifyPerson(ctx, phucxa, f.an, n); err != nil {
				t.Fatal(err)
			}
		}
		items := f.list(t, f.an)
		if len(items) != 1 || items[0].Title.Vi != "Lịch tiêm chủng" || items[0].Sender != "commune_officer" || items[0].SenderArea != "00001" ||
			items[0].Category != inbox.CategoryNotice {
			t.Fatalf("An's inbox: %+v", items)
		}
		es, _ := f.trail.ForSubject(ctx, f.an, 10)
		if len(es) < 1 || es[0].Action != "inbox.notice" || es[0].Actor.Name != "phuong.phucxa" {
			t.Errorf("An's access log: %+v", es)
		}
		// Outside the officer's ward: refused, nothing sent.
		if err := f.inbox.NotifyPerson(ctx, phucxa, f.cuong, n); !errors.Is(err, problem.ErrForbidden) || f.unread(t, f.cuong) != 0 {
			t.Errorf("outside the area: %v", err)
		}
		// A role that cannot use the purpose: refused.
		police := officer("ca", access.RolePoliceOfficer, "VN", access.PurposeCitizenSupport)
		if err := f.inbox.NotifyPerson(ctx, police, f.cuong, n); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("wrong purpose: %v", err)
		}
		// An empty notice names its fields.
		var fe *problem.FieldError
		if err := f.inbox.NotifyPerson(ctx, phucxa, f.an, inbox.Notice{}); !errors.As(err, &fe) {
			t.Errorf("empty notice: %v", err)
		}

		n.Key = "form-2"
		if err := f.inbox.NotifyWard(ctx, phucxa, "00001", n); err != nil {
			t.Fatal(err)
		}
		if f.unread(t, f.binh) != 1 || f.unread(t, f.hoa) != 0 {
			t.Errorf("ward notice: Bình %d, Hoa %d", f.unread(t, f.binh), f.unread(t, f.hoa))
		}
		if err := f.inbox.NotifyWard(ctx, phucxa, "00004", n); !errors.Is(err, problem.ErrForbidden) || f.unread(t, f.hoa) != 0 {
			t.Errorf("another ward: %v", err)
		}
		var sent, refused int
		d.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE action = 'inbox.notice_area' AND detail LIKE 'ward 00001%'").Scan(&sent)
		d.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE action = 'inbox.notice_area.refused'").Scan(&refused)
		if sent != 1 || refused != 1 {
			t.Errorf("audit: %d sent, %d refused", sent, refused)
		}
		citizen := own(f.an)
		if err := f.inbox.NotifyWard(ctx, citizen, "00001", n); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("citizen: %v", err)
		}
	})
}
