package access_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/vn"
)

var start = time.Date(2021, 10, 1, 9, 0, 0, 0, time.UTC)

type fixture struct {
	db    *db.DB
	clock *clock.Fake
	seal  *seal.Sealer
	trail *access.Trail
	guard *access.Guard
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	kf, _ := seal.NewKeyFile(start)
	ring, _ := kf.Ring()
	s := seal.NewSealer(ring)
	c := clock.NewFake(start)
	tr := access.NewTrail(d, s, c)
	return &fixture{db: d, clock: c, seal: s, trail: tr, guard: access.NewGuard(tr)}
}

func TestScopeCovers(t *testing.T) {
	// 00004 is Phường Phúc Xá, Quận Ba Đình (001), Hà Nội (01).
	tests := []struct {
		scope access.Scope
		area  string
		want  bool
	}{
		{access.Country, "00004", true},
		{access.Country, "", true},
		{"01", "00004", true},
		{"001", "00004", true},
		{"00004", "00004", true},
		{"79", "00004", false},
		{"002", "00004", false},
		{"00007", "00004", false},
		{"01", "", false},
		{"00004", "01", false},
	}
	for _, tt := range tests {
		if got := tt.scope.Covers(tt.area); got != tt.want {
			t.Errorf("%q.Covers(%q) = %v, want %v", tt.scope, tt.area, got, tt.want)
		}
	}
}

func TestRequestCheck(t *testing.T) {
	health := access.Actor{Kind: access.KindOfficial, ID: "o1", Role: access.RoleHealthOfficial, Scope: "001"}
	police := access.Actor{Kind: access.KindOfficial, ID: "o2", Role: access.RolePoliceOfficer, Scope: "01"}
	me := access.Actor{Kind: access.KindCitizen, ID: "a1", Role: access.RoleCitizen, PersonID: "p1"}
	inWard := access.Subject{PersonID: "p9", Area: "00004"}
	tests := []struct {
		name string
		req  access.Request
		sub  access.Subject
		ok   bool
	}{
		{"purpose and scope", access.Request{Actor: health, Purpose: access.PurposeTracing}, inWard, true},
		{"no purpose", access.Request{Actor: health}, inWard, false},
		{"purpose not of the role", access.Request{Actor: police, Purpose: access.PurposeTracing}, inWard, false},
		{"out of scope", access.Request{Actor: health, Purpose: access.PurposeTracing}, access.Subject{PersonID: "p8", Area: "26734"}, false},
		{"unknown residence needs country scope", access.Request{Actor: health, Purpose: access.PurposeTracing}, access.Subject{PersonID: "p7"}, false},
		{"citizen own", access.Request{Actor: me}, access.Subject{PersonID: "p1", Area: "00004"}, true},
		{"citizen family", access.Request{Actor: me}, access.Subject{PersonID: "p2", Managers: []string{"p1"}}, true},
		{"citizen stranger", access.Request{Actor: me, Purpose: access.PurposeTracing}, inWard, false},
	}
	for _, tt := range tests {
		err := tt.req.Check(tt.sub)
		if (err == nil) != tt.ok {
			t.Errorf("%s: Check = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("%s: error %v does not wrap ErrForbidden", tt.name, err)
		}
	}
}

func TestGuardRecordsReadsAndRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		off := access.Actor{Kind: access.KindOfficial, ID: "o1", Name: "yte.badinh", Role: access.RoleHealthOfficial, Scope: "001"}
		req := access.Request{Actor: off, Purpose: access.PurposeTracing, Ref: "case 42"}
		if err := f.guard.Read(ctx, req, "person.view", access.Subject{PersonID: "p1", Area: "00004"}); err != nil {
			t.Fatal(err)
		}
		err := f.guard.Read(ctx, req, "person.view", access.Subject{PersonID: "p2", Area: "26734"})
		if !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("out-of-scope read: %v, want forbidden", err)
		}
		got, err := f.trail.ForSubject(ctx, "p1", 10)
		if err != nil || len(got) != 1 {
			t.Fatalf("entries for p1: %v %v", got, err)
		}
		e := got[0]
		if e.Actor.Name != "yte.badinh" || e.Purpose != access.PurposeTracing || e.Ref != "case 42" || e.Action != "person.view" {
			t.Fatalf("entry = %+v", e)
		}
		refused, _ := f.trail.ForSubject(ctx, "p2", 10)
		if len(refused) != 1 || refused[0].Detail != "refused" {
			t.Fatalf("refusal not recorded: %+v", refused)
		}
		// A citizen reading their own data is not another person's read.
		me := access.Actor{Kind: access.KindCitizen, ID: "a1", Role: access.RoleCitizen, PersonID: "p3"}
		if err := f.guard.Read(ctx, access.Request{Actor: me}, "person.view", access.Subject{PersonID: "p3"}); err != nil {
			t.Fatal(err)
		}
		if own, _ := f.trail.ForSubject(ctx, "p3", 10); len(own) != 0 {
			t.Fatalf("own read recorded: %+v", own)
		}
	})
}

func TestAuditTrailDetectsTampering(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		off := access.Actor{Kind: access.KindOfficial, ID: "o1", Name: "u", Role: access.RoleHealthOfficial, Scope: access.Country}
		for i := range 10 {
			_, err := f.trail.Append(ctx, access.Entry{Actor: off, Purpose: access.PurposeTracing, Action: "person.view",
				SubjectID: "p" + string(rune('0'+i))})
			if err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Second)
		}
		rep, err := f.trail.Verify(ctx)
		if err != nil || !rep.OK() || rep.Entries != 10 || rep.HeadSeq != 10 {
			t.Fatalf("intact trail: %+v %v", rep, err)
		}
		// The database itself refuses changes.
		if _, err := d.Exec(ctx, "UPDATE audit_log SET purpose = 'quarantine' WHERE seq = 3"); err == nil {
			t.Fatal("audit_log accepted an UPDATE")
		}
		if _, err := d.Exec(ctx, "DELETE FROM audit_log WHERE seq = 3"); err == nil {
			t.Fatal("audit_log accepted a DELETE")
		}
		// Someone with the power to drop the guard edits and deletes anyway.
		dropGuards(t, d)
		mustExec(t, d, "UPDATE audit_log SET subject_id = 'someone-else' WHERE seq = 3")
		mustExec(t, d, "DELETE FROM audit_log WHERE seq = 7")
		rep, err = f.trail.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(rep.Broken, "\n")
		if rep.OK() || !strings.Contains(joined, "entry 3 was changed") || !strings.Contains(joined, "entries 7 to 7 are missing") {
			t.Fatalf("tampering not found: %q", joined)
		}
	})
}

func dropGuards(t *testing.T, d *db.DB) {
	if d.Engine() == db.SQLite {
		mustExec(t, d, "DROP TRIGGER audit_log_no_update")
		mustExec(t, d, "DROP TRIGGER audit_log_no_delete")
		return
	}
	mustExec(t, d, "DROP TRIGGER audit_log_no_change ON audit_log")
}

func mustExec(t *testing.T, d *db.DB, q string) {
	t.Helper()
	if _, err := d.Exec(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestOfficials(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		o := access.NewOfficials(d, f.seal, f.clock)
		n := access.NewOfficial{Username: "YTe.BaDinh", Name: "Trần Văn Bình", Password: "correct horse battery",
			Role: access.RoleHealthOfficial, Scope: "001"}
		off, err := o.Create(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if off.Username != "yte.badinh" {
			t.Fatalf("username %q not normalised", off.Username)
		}
		if _, err := o.Create(ctx, n); !errors.Is(err, problem.ErrInvalid) || !strings.Contains(err.Error(), "taken") {
			t.Fatalf("duplicate: %v", err)
		}
		bad := access.NewOfficial{Username: "x", Password: "short", Role: "boss", Scope: "99999"}
		var fs problem.Fields
		if _, err := o.Create(ctx, bad); !errors.As(err, &fs) || len(fs) != 4 {
			t.Fatalf("bad official: %v (want 4 field errors)", err)
		}
		got, err := o.Authenticate(ctx, "yte.badinh", "correct horse battery")
		if err != nil || got.ID != off.ID || got.Name != "Trần Văn Bình" || got.Scope != "001" {
			t.Fatalf("authenticate: %+v %v", got, err)
		}
		if _, err := o.Authenticate(ctx, "yte.badinh", "wrong"); !errors.Is(err, access.ErrBadLogin) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, err := o.Authenticate(ctx, "nobody", "wrong"); !errors.Is(err, access.ErrBadLogin) {
			t.Fatalf("unknown user: %v", err)
		}
		for range 8 {
			o.Authenticate(ctx, "yte.badinh", "wrong")
		}
		if _, err := o.Authenticate(ctx, "yte.badinh", "correct horse battery"); !errors.Is(err, problem.ErrRateLimited) {
			t.Fatalf("after 8 failures: %v, want locked", err)
		}
		f.clock.Advance(16 * time.Minute)
		if _, err := o.Authenticate(ctx, "yte.badinh", "correct horse battery"); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
	})
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

func lastCode(t *testing.T, out *access.Outbox) string {
	t.Helper()
	msgs := out.Recent()
	if len(msgs) == 0 {
		t.Fatal("no SMS sent")
	}
	m := codeRE.FindStringSubmatch(msgs[0].Text)
	if m == nil {
		t.Fatalf("no code in %q", msgs[0].Text)
	}
	return m[1]
}

func TestOTPLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		out := &access.Outbox{}
		c := access.NewCitizens(d, f.seal, f.clock, out)
		phone := vn.Phone("+84912345678")
		if err := c.RequestCode(ctx, phone, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		code := lastCode(t, out)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		if _, err := c.VerifyCode(ctx, phone, wrong); !errors.Is(err, access.ErrCodeWrong) {
			t.Fatalf("wrong code: %v", err)
		}
		acct, err := c.VerifyCode(ctx, phone, code)
		if err != nil || acct.Phone != phone || acct.ID == "" {
			t.Fatalf("right code: %+v %v", acct, err)
		}
		if _, err := c.VerifyCode(ctx, phone, code); !errors.Is(err, access.ErrCodeExpired) {
			t.Fatalf("reused code: %v, want expired", err)
		}
		// Same phone again: same account.
		c.RequestCode(ctx, phone, "10.0.0.1")
		again, err := c.VerifyCode(ctx, phone, lastCode(t, out))
		if err != nil || again.ID != acct.ID {
			t.Fatalf("second login: %+v %v (want account %s)", again, err, acct.ID)
		}
		// The code is stored only as a MAC.
		var n int
		d.QueryRow(ctx, "SELECT count(*) FROM otp_codes").Scan(&n)
		if n != 0 {
			t.Fatalf("used codes left behind: %d", n)
		}
	})
}

func TestOTPExpiryTriesAndRateLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		out := &access.Outbox{}
		c := access.NewCitizens(d, f.seal, f.clock, out)
		phone := vn.Phone("+84987654321")
		c.RequestCode(ctx, phone, "10.0.0.2")
		code := lastCode(t, out)
		f.clock.Advance(5*time.Minute + time.Second)
		if _, err := c.VerifyCode(ctx, phone, code); !errors.Is(err, access.ErrCodeExpired) {
			t.Fatalf("expired code: %v", err)
		}
		f.clock.Advance(10 * time.Minute)
		c.RequestCode(ctx, phone, "10.0.0.2")
		code = lastCode(t, out)
		var err error
		for i := range 5 {
			_, err = c.VerifyCode(ctx, phone, "99999"+string(rune('0'+i)))
		}
		if !errors.Is(err, access.ErrCodeLocked) {
			t.Fatalf("fifth wrong try: %v, want locked", err)
		}
		if _, err := c.VerifyCode(ctx, phone, code); !errors.Is(err, access.ErrCodeLocked) {
			t.Fatalf("right code after 5 wrong tries: %v, want locked", err)
		}
		// Per phone: 3 codes per 15 minutes.
		f.clock.Advance(20 * time.Minute)
		for i := range 3 {
			if err := c.RequestCode(ctx, phone, "10.0.0.2"); err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
		}
		if err := c.RequestCode(ctx, phone, "10.0.0.2"); !errors.Is(err, problem.ErrRateLimited) {
			t.Fatalf("4th request: %v, want rate limited", err)
		}
		// Per address: 30 an hour, across phones.
		f.clock.Advance(2 * time.Hour)
		for i := range 30 {
			p := vn.Phone("+8490000" + string(rune('0'+i/10)) + string(rune('0'+i%10)) + "00")
			if err := c.RequestCode(ctx, p, "10.0.0.3"); err != nil {
				t.Fatalf("address request %d: %v", i, err)
			}
		}
		if err := c.RequestCode(ctx, "+84900009999", "10.0.0.3"); !errors.Is(err, problem.ErrRateLimited) {
			t.Fatalf("31st request from one address: %v", err)
		}
	})
}

func TestSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		s := access.NewSessions(d, f.clock)
		tok, _, err := s.Create(ctx, access.KindOfficial, "o1", "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Lookup(ctx, tok)
		if err != nil || got.SubjectID != "o1" || got.Kind != access.KindOfficial {
			t.Fatalf("lookup: %+v %v", got, err)
		}
		if _, err := s.Lookup(ctx, tok+"x"); !errors.Is(err, problem.ErrUnauthorized) {
			t.Fatalf("bad token: %v", err)
		}
		f.clock.Advance(access.OfficialSessionTTL + time.Second)
		if _, err := s.Lookup(ctx, tok); !errors.Is(err, problem.ErrUnauthorized) {
			t.Fatalf("expired session: %v", err)
		}
		ctok, _, _ := s.Create(ctx, access.KindCitizen, "a1", "p1")
		if err := s.SetPerson(ctx, ctok, "p2"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Lookup(ctx, ctok); got.PersonID != "p2" {
			t.Fatalf("switched profile = %q", got.PersonID)
		}
		s.Delete(ctx, ctok)
		if _, err := s.Lookup(ctx, ctok); err == nil {
			t.Fatal("deleted session still works")
		}
	})
}
