package declaration_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	_ "image/png"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/vn"
)

func testSealer(t testing.TB) *seal.Sealer {
	t.Helper()
	kf, _ := seal.NewKeyFile(now)
	ring, err := kf.Ring()
	if err != nil {
		t.Fatal(err)
	}
	return seal.NewSealer(ring)
}

func TestQRSignAndVerify(t *testing.T) {
	t.Parallel()
	s := testSealer(t)
	id := db.NewID()
	text := declaration.QRText(s, id)
	if !strings.HasPrefix(text, "PCCOVID-KB1:") || text != strings.ToUpper(text) {
		t.Fatalf("QR text %q: want the prefix and upper case (alphanumeric QR mode)", text)
	}
	q, err := declaration.ParseQR("  " + strings.ToLower(text) + "\n")
	if err != nil || q.ID != id || !q.Verify(s) {
		t.Fatalf("ParseQR(%q) = %+v, %v", text, q, err)
	}
	// Another platform's key, an altered id, an altered signature: each
	// fails verification.
	if q.Verify(testSealer(t)) {
		t.Error("a QR signed with another key verifies")
	}
	other := declaration.QRText(s, db.NewID())
	swapped := text[:len("PCCOVID-KB1:")+26] + other[len("PCCOVID-KB1:")+26:]
	if q, err := declaration.ParseQR(swapped); err != nil || q.Verify(s) {
		t.Errorf("a signature moved to another id verifies (%v)", err)
	}
	i := len("PCCOVID-KB1:") + 3
	altered := text[:i] + string("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[(strings.IndexByte("0123456789ABCDEFGHJKMNPQRSTVWXYZ", text[i])+1)%32]) + text[i+1:]
	if q, err := declaration.ParseQR(altered); err != nil || q.Verify(s) {
		t.Errorf("an altered id verifies (%v)", err)
	}
	for _, bad := range []string{"", "HC1:xyz", "PCCOVID-KB1:", "PCCOVID-KB1:" + id, text + "0", strings.Replace(text, ".", ":", 1),
		strings.Replace(text, "PCCOVID-KB1:", "PCCOVID-KB2:", 1), text[:len(text)-1] + "U"} {
		if _, err := declaration.ParseQR(bad); !errors.Is(err, problem.ErrInvalid) {
			t.Errorf("ParseQR(%q) = %v, want a refusal", bad, err)
		}
	}
}

func TestQRPNGHoldsTheText(t *testing.T) {
	t.Parallel()
	text := declaration.QRText(testSealer(t), db.NewID())
	png, err := declaration.QRPNG(text, 320)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(m)
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil || res.GetText() != text {
		t.Fatalf("decoded %v, %v; want %q", res, err, text)
	}
}

func TestCheckShowsOnlyWhatTheCheckpointNeeds(t *testing.T) {
	// Checked has no field for an identity number, an address, a birth
	// date, a phone or the list of symptoms: what it does not hold, no page
	// can show.
	fields := map[string]bool{}
	for _, f := range reflect.VisibleFields(reflect.TypeOf(declaration.Checked{})) {
		fields[f.Name] = true
	}
	for _, forbidden := range []string{"IDNumber", "Address", "BirthDate", "Phone", "FullName", "PersonID", "Ward", "Seat", "SeatNo"} {
		if fields[forbidden] {
			t.Errorf("Checked has a %s field", forbidden)
		}
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		decl, err := f.svc.Declare(ctx, citizen(f.an), f.an, domesticForm())
		if err != nil {
			t.Fatal(err)
		}
		text := f.svc.QRText(decl.ID)
		// A police officer at a Đà Nẵng checkpoint: the journey ends there.
		police := access.Request{Actor: officer("ca.danang", access.RolePoliceOfficer, "48"), Purpose: access.PurposeDeclaration, Ref: "chốt Hải Vân"}
		got, err := f.svc.Check(ctx, police, text)
		if err != nil {
			t.Fatal(err)
		}
		want := declaration.Checked{Kind: "DOMESTIC", DeclaredAt: now, Name: "N** V** A**", Symptoms: true,
			From: "Thành phố Hà Nội", To: "Thành phố Đà Nẵng", Transport: "FLIGHT", TransportNo: "VN113",
			DepartureDate: vn.Date{Year: 2021, Month: 10, Day: 2}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("checked = %+v\nwant      %+v", got, want)
		}
		if log := f.actions(t, f.an); !strings.Contains(log, "declaration.check/declaration_check/ca.danang") {
			t.Errorf("the check is not on An's access log: %s", log)
		}
		// An officer of a ward the journey does not touch is refused, and
		// the refusal is recorded.
		elsewhere := access.Request{Actor: officer("phuong.tandinh", access.RoleCommuneOfficer, "26734"), Purpose: access.PurposeDeclaration}
		if _, err := f.svc.Check(ctx, elsewhere, text); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("out of area: %v", err)
		}
		if log := f.actions(t, f.an); !strings.Contains(log, "declaration.check.refused/declaration_check/phuong.tandinh") {
			t.Errorf("the refusal is not recorded: %s", log)
		}
		// The home ward's officer may check a resident.
		home := access.Request{Actor: officer("phuong.phucxa", access.RoleCommuneOfficer, "00001"), Purpose: access.PurposeDeclaration}
		if _, err := f.svc.Check(ctx, home, text); err != nil {
			t.Errorf("home ward: %v", err)
		}
		// Roles and purposes outside the rules are refused.
		venue := access.Request{Actor: officer("quan.an", access.RoleVenueOperator, "VN"), Purpose: access.PurposeDeclaration}
		if _, err := f.svc.Check(ctx, venue, text); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("venue operator: %v", err)
		}
		tracing := access.Request{Actor: officer("yte", access.RoleHealthOfficial, "VN"), Purpose: access.PurposeTracing}
		if _, err := f.svc.Check(ctx, tracing, text); !errors.Is(err, problem.ErrInvalid) {
			t.Errorf("tracing purpose: %v", err)
		}
		if _, err := f.svc.Check(ctx, access.Request{Actor: citizen(f.cuong), Purpose: access.PurposeOwn}, text); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("a citizen checking: %v", err)
		}
	})
}

func TestCheckRefusesForgedCodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		decl, err := f.svc.Declare(ctx, citizen(f.an), f.an, entryForm())
		if err != nil {
			t.Fatal(err)
		}
		border := access.Request{Actor: officer("bp.noibai", access.RolePoliceOfficer, "01"), Purpose: access.PurposeEntryControl}
		got, err := f.svc.Check(ctx, border, f.svc.QRText(decl.ID))
		if err != nil || got.From != "Hàn Quốc" || got.To != "Cảng hàng không quốc tế Nội Bài" || got.FromCountry != "KOR" || got.Symptoms {
			t.Fatalf("entry check = %+v, %v", got, err)
		}
		forged := declaration.QRText(testSealer(t), decl.ID)
		unknown := f.svc.QRText(db.NewID())
		for name, text := range map[string]string{"forged": forged, "not on record": unknown, "not a QR": "hello"} {
			_, err := f.svc.Check(ctx, border, text)
			var fe *problem.FieldError
			if !errors.As(err, &fe) || fe.Field != "qr" || fe.Vi == "" || fe.En == "" {
				t.Errorf("%s: %v, want a clear refusal on qr", name, err)
			}
		}
		var n int
		d.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE action = 'declaration.check.refused' AND actor_name = 'bp.noibai'").Scan(&n)
		if n != 3 {
			t.Errorf("%d refusals recorded, want 3", n)
		}
	})
}

func TestArrivalsByGateAndDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		// An arrives at Nội Bài to stay in Hà Nội; Dung arrives there too
		// but goes home to Đà Nẵng.
		if _, err := f.svc.Declare(ctx, citizen(f.an), f.an, entryForm()); err != nil {
			t.Fatal(err)
		}
		dung := entryForm()
		dung.IDNumber, dung.Ward = "048195012348", "20194"
		f.clock.Advance(time.Minute)
		if _, err := f.svc.Declare(ctx, citizen(f.dung), f.dung, dung); err != nil {
			t.Fatal(err)
		}
		day := vn.Date{Year: 2021, Month: 10, Day: 1}
		list := func(a access.Actor, purpose access.Purpose) ([]declaration.Declaration, error) {
			return f.svc.Arrivals(ctx, access.Request{Actor: a, Purpose: purpose, Ref: "chuyến KE479"}, "HAN", day)
		}
		// The Hà Nội border police see everyone landing at Nội Bài.
		all, err := list(officer("bp.hanoi", access.RolePoliceOfficer, "01"), access.PurposeEntryControl)
		if err != nil || len(all) != 2 || all[0].PersonID != f.an || all[1].PersonID != f.dung {
			t.Fatalf("Hà Nội police: %v, %v", all, err)
		}
		// Đà Nẵng's health officials see only who comes to stay with them.
		dn, err := list(officer("yte.danang", access.RoleHealthOfficial, "48"), access.PurposeEntryControl)
		if err != nil || len(dn) != 1 || dn[0].PersonID != f.dung {
			t.Fatalf("Đà Nẵng: %v, %v", dn, err)
		}
		if log := f.actions(t, f.dung); !strings.Contains(log, "declaration.arrival/entry_control/yte.danang") {
			t.Errorf("Dung's access log: %s", log)
		}
		if log := f.actions(t, f.an); strings.Contains(log, "yte.danang") {
			t.Errorf("An was shown to Đà Nẵng: %s", log)
		}
		// Another day, another gate: nobody.
		if none, err := f.svc.Arrivals(ctx, access.Request{Actor: officer("bp.hanoi", access.RolePoliceOfficer, "01"), Purpose: access.PurposeEntryControl}, "SGN", day); err != nil || len(none) != 0 {
			t.Errorf("SGN: %v, %v", none, err)
		}
		// A commune officer cannot use entry control; a wrong purpose or
		// gate is refused.
		if _, err := list(officer("phuong", access.RoleCommuneOfficer, "00004"), access.PurposeEntryControl); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("commune officer: %v", err)
		}
		if _, err := list(officer("yte", access.RoleHealthOfficial, "VN"), access.PurposeTracing); !errors.Is(err, problem.ErrInvalid) {
			t.Errorf("tracing: %v", err)
		}
		if _, err := f.svc.Arrivals(ctx, access.Request{Actor: officer("yte", access.RoleHealthOfficial, "VN"), Purpose: access.PurposeEntryControl}, "XXX", day); !errors.Is(err, problem.ErrInvalid) {
			t.Errorf("unknown gate: %v", err)
		}
	})
}
