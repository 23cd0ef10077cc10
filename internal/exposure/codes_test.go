package exposure

import (
	"context"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/exposure/gaen"
	"github.com/pccovid/pccovid/internal/problem"
)

func TestIssueCode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, testConfig())
		ctx := context.Background()
		c, err := f.svc.IssueCode(ctx, f.official, CodeRequest{TestType: gaen.TestTypeConfirmed,
			SymptomDate: "2021-10-12", TestDate: "14/10/2021", Phone: "0912 345 678"})
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^\d{8}$`).MatchString(c.ShortCode) || !regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{16}$`).MatchString(c.LongCode) {
			t.Fatalf("codes %q %q", c.ShortCode, c.LongCode)
		}
		if !c.ShortExpiresAt.Equal(testNow.Add(time.Hour)) || !c.LongExpiresAt.Equal(testNow.Add(24*time.Hour)) {
			t.Fatalf("expiry %v %v", c.ShortExpiresAt, c.LongExpiresAt)
		}
		if c.TestDate != "2021-10-14" || c.Delivery != DeliveredSMS || c.SentTo == "" || strings.Contains(c.SentTo, "345 678") {
			t.Fatalf("issued %+v", c)
		}
		if len(f.delivery.sent) != 1 || f.delivery.sent[0].ShortCode != c.ShortCode {
			t.Fatalf("delivered %+v", f.delivery.sent)
		}
		// Only MACs are stored: neither code appears in the row.
		var short, long []byte
		if err := d.QueryRow(ctx, "SELECT short_mac, long_mac FROM exposure_codes WHERE id = $1", c.ID).Scan(&short, &long); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(short)+string(long), c.ShortCode) || len(short) != 32 {
			t.Fatal("the code is stored in the clear")
		}
		// Audited with the purpose and the case reference, never the phone.
		entries := auditEntries(t, f)
		if len(entries) != 1 || entries[0].Action != "exposure.code.issue" || entries[0].Purpose != access.PurposeTracing ||
			entries[0].Ref != "case 42" || !strings.Contains(entries[0].Detail, c.ID) || strings.Contains(entries[0].Detail, "678") {
			t.Fatalf("audit %+v", entries)
		}
		status, err := f.svc.RecentCodes(ctx, f.official.Actor, 10)
		if err != nil || len(status) != 1 || status[0].ID != c.ID || status[0].State(testNow) != "active" {
			t.Fatalf("recent %+v %v", status, err)
		}
	})
}

func auditEntries(t testing.TB, f *fixture) []access.Entry {
	t.Helper()
	rows, err := f.db.Query(context.Background(), "SELECT action, purpose, purpose_ref, detail, actor_id FROM audit_log ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []access.Entry
	for rows.Next() {
		var e access.Entry
		var purpose string
		rows.Scan(&e.Action, &purpose, &e.Ref, &e.Detail, &e.Actor.ID)
		e.Purpose = access.Purpose(purpose)
		out = append(out, e)
	}
	return out
}

func TestIssueCodeRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, testConfig())
		ctx := context.Background()
		commune := f.official
		commune.Actor.Role, commune.Actor.ID = access.RoleCommuneOfficer, "off-2"
		if _, err := f.svc.IssueCode(ctx, commune, CodeRequest{TestType: "confirmed"}); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("commune officer: %v", err)
		}
		if e := auditEntries(t, f); len(e) != 1 || e[0].Action != "exposure.code.issue.refused" {
			t.Fatalf("refusal not audited: %+v", e)
		}
		other := f.official
		other.Purpose = access.PurposeTesting
		if _, err := f.svc.IssueCode(ctx, other, CodeRequest{TestType: "confirmed"}); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("purpose testing: %v", err)
		}
		noRef := f.official
		noRef.Ref = " "
		_, err := f.svc.IssueCode(ctx, noRef, CodeRequest{TestType: "negative", SymptomDate: "2021-10-16",
			TestDate: "2021-08-01", Phone: "12ab"})
		fields := fieldNames(err)
		if want := "ref test_type symptom_date test_date phone"; fields != want {
			t.Fatalf("fields %q, want %q (%v)", fields, want, err)
		}
		if n := f.count(t, "exposure_codes"); n != 0 {
			t.Fatalf("%d codes stored by refused requests", n)
		}
	})
}

func fieldNames(err error) string {
	var fs problem.Fields
	var names []string
	if errors.As(err, &fs) {
		for _, f := range fs {
			names = append(names, f.Field)
		}
	}
	return strings.Join(names, " ")
}

func TestIssueCodeRateLimitPerOfficial(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cfg := testConfig()
		cfg.IssueLimit = access.Limit{Max: 3, Per: time.Hour}
		f := newFixture(t, d, cfg)
		for range 3 {
			f.issue(t)
		}
		_, err := f.svc.IssueCode(context.Background(), f.official, CodeRequest{TestType: "confirmed"})
		if !errors.Is(err, problem.ErrRateLimited) {
			t.Fatalf("4th code in an hour: %v", err)
		}
		other := f.official
		other.Actor.ID = "off-3"
		if _, err := f.svc.IssueCode(context.Background(), other, CodeRequest{TestType: "likely"}); err != nil {
			t.Fatalf("another official is limited too: %v", err)
		}
		f.clock.Advance(time.Hour + time.Second)
		f.issue(t)
	})
}

func TestFailedDeliveryStillShowsCode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, testConfig())
		f.delivery.fail = errors.New("gateway down")
		c, err := f.svc.IssueCode(context.Background(), f.official, CodeRequest{TestType: "confirmed", Phone: "0912345678"})
		if err != nil || c.Delivery != DeliveryFailed || c.ShortCode == "" {
			t.Fatalf("%+v %v", c, err)
		}
	})
}

func TestVerifyCodeSingleUseAndExpiry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, testConfig())
		ctx := context.Background()
		a, b, c := f.issue(t), f.issue(t), f.issue(t)

		v, err := f.svc.VerifyCode(ctx, a.ShortCode[:4]+" "+a.ShortCode[4:], []string{"confirmed"}, "192.0.2.1")
		if err != nil || v.TestType != "confirmed" || v.SymptomDate != "2021-10-12" || v.Token == "" {
			t.Fatalf("verify: %+v %v", v, err)
		}
		// Used once, in either form.
		_, err = f.svc.VerifyCode(ctx, a.ShortCode, nil, "192.0.2.1")
		wantRefusal(t, err, gaen.ErrCodeVerifyCodeInvalid, RuleCodeUsed)
		_, err = f.svc.VerifyCode(ctx, a.LongCode, nil, "192.0.2.1")
		wantRefusal(t, err, gaen.ErrCodeVerifyCodeInvalid, RuleCodeUsed)

		_, err = f.svc.VerifyCode(ctx, b.ShortCode, []string{"likely"}, "192.0.2.1")
		wantRefusal(t, err, gaen.ErrCodeUnsupportedTestType, RuleTestTypeRefused)
		_, err = f.svc.VerifyCode(ctx, b.ShortCode, []string{"positive"}, "192.0.2.1")
		wantRefusal(t, err, gaen.ErrCodeInvalidTestType, RuleTestTypeUnknown)
		_, err = f.svc.VerifyCode(ctx, "1234567", nil, "192.0.2.1")
		wantRefusal(t, err, gaen.ErrCodeVerifyCodeInvalid, RuleCodeMalformed)
		_, err = f.svc.VerifyCode(ctx, "", nil, "192.0.2.1")
		wantRefusal(t, err, gaen.ErrCodeUnparsableRequest, RuleCodeMissing)
		_, err = f.svc.VerifyCode(ctx, wrongCode(b.ShortCode, c.ShortCode), nil, "192.0.2.1")
		wantRefusal(t, err, gaen.ErrCodeVerifyCodeNotFound, RuleCodeNotFound)

		// The short code lasts an hour, the long one a day.
		f.clock.Advance(time.Hour)
		_, err = f.svc.VerifyCode(ctx, b.ShortCode, nil, "192.0.2.1")
		wantRefusal(t, err, gaen.ErrCodeVerifyCodeExpired, RuleCodeExpired)
		if _, err := f.svc.VerifyCode(ctx, strings.ToLower(b.LongCode), nil, "192.0.2.1"); err != nil {
			t.Fatalf("long code after an hour: %v", err)
		}
		f.clock.Advance(23 * time.Hour)
		_, err = f.svc.VerifyCode(ctx, c.LongCode, nil, "192.0.2.1")
		wantRefusal(t, err, gaen.ErrCodeVerifyCodeExpired, RuleCodeExpired)
	})
}

// wrongCode returns a short code different from both.
func wrongCode(a, b string) string {
	for _, c := range []string{"00000000", "11111111", "22222222"} {
		if c != a && c != b {
			return c
		}
	}
	return ""
}

func TestVerifyRateLimitPerAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cfg := testConfig()
		cfg.VerifyLimit = access.Limit{Max: 3, Per: time.Hour}
		f := newFixture(t, d, cfg)
		for range 3 {
			f.svc.VerifyCode(context.Background(), "00000000", nil, "198.51.100.7")
		}
		_, err := f.svc.VerifyCode(context.Background(), f.issue(t).ShortCode, nil, "198.51.100.7")
		wantRefusal(t, err, gaen.ErrCodeVerifyCodeInvalid, RuleRateLimited)
		if !errors.Is(err, problem.ErrRateLimited) {
			t.Fatal("a rate-limit refusal must be ErrRateLimited")
		}
		if _, err := f.svc.VerifyCode(context.Background(), f.issue(t).ShortCode, nil, "198.51.100.8"); err != nil {
			t.Fatalf("another address: %v", err)
		}
	})
}

func TestCertificateSingleUseAndExpiry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, testConfig())
		ctx := context.Background()
		mac := base64.StdEncoding.EncodeToString(gaen.KeysHMAC(testSecret, history(testNow, 3)))
		v1, _ := f.svc.VerifyCode(ctx, f.issue(t).ShortCode, nil, "192.0.2.1")
		v2, _ := f.svc.VerifyCode(ctx, f.issue(t).ShortCode, nil, "192.0.2.1")

		c, err := f.svc.Certificate(ctx, v1.Token, mac)
		if err != nil || c.Certificate == "" || !c.ExpiresAt.Equal(testNow.Add(15*time.Minute)) {
			t.Fatalf("certificate: %+v %v", c, err)
		}
		claims, err := f.svc.verifyCertificate(ctx, c.Certificate)
		if err != nil || claims.ReportType != "confirmed" || base64.StdEncoding.EncodeToString(claims.KeysHMAC) != mac ||
			claims.SymptomOnsetInterval != gaen.IntervalNumber(time.Date(2021, 10, 12, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("claims %+v %v", claims, err)
		}
		_, err = f.svc.Certificate(ctx, v1.Token, mac)
		wantRefusal(t, err, gaen.ErrCodeTokenInvalid, RuleTokenUsed)
		_, err = f.svc.Certificate(ctx, v2.Token, "c2hvcnQ=")
		wantRefusal(t, err, gaen.ErrCodeHMACInvalid, RuleHMACInvalid)
		_, err = f.svc.Certificate(ctx, v2.Token[:len(v2.Token)-4]+"AAAA", mac)
		wantRefusal(t, err, gaen.ErrCodeTokenInvalid, RuleTokenInvalid)
		_, err = f.svc.Certificate(ctx, "not.a.token", mac)
		wantRefusal(t, err, gaen.ErrCodeTokenInvalid, RuleTokenInvalid)

		f.clock.Advance(time.Hour + f.svc.cfg.ClockSkew + time.Second)
		_, err = f.svc.Certificate(ctx, v2.Token, mac)
		wantRefusal(t, err, gaen.ErrCodeTokenExpired, RuleTokenExpired)
	})
}

func TestNormaliseCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"1234 5678", "12345678", true},
		{"1234-567O", "12345670", true},
		{"abcd efgh jkmn pqrs", "ABCDEFGHJKMNPQRS", true},
		{"ilo0ILO0ilo0ILO0", "1100110011001100", true},
		{"1234567", "", false},
		{"1234567a", "", false},
		{"ABCDEFGHJKMNPQRU", "", false},
	} {
		got, ok := normaliseCode(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("normaliseCode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
