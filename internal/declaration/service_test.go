package declaration_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
)

func TestPrefillComesFromIdentity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		p, err := f.svc.Prefill(ctx, citizen(f.an), f.an, "entry")
		if err != nil {
			t.Fatal(err)
		}
		if p.Person.FullName != "Nguyễn Văn An" || p.Person.CCCD != "001085012345" || p.Person.BirthDate.String() != "1985-02-01" ||
			p.Person.Phone != "+84912345678" || p.Person.Address != "Số 5 ngõ 12" {
			t.Errorf("person = %+v", p.Person)
		}
		// The CCCD on record is not copied into the form: it is used when
		// the form names no other number.
		want := declaration.Form{Kind: "ENTRY", From: "00001", Ward: "00001", DepartureDate: "2021-10-01", ArrivalDate: "2021-10-01",
			IDType: "CCCD", IDNumber: "", Nationality: "VNM"}
		if p.Form.Kind != want.Kind || p.Form.From != want.From || p.Form.Ward != want.Ward || p.Form.DepartureDate != want.DepartureDate ||
			p.Form.ArrivalDate != want.ArrivalDate || p.Form.IDType != want.IDType || p.Form.IDNumber != want.IDNumber || p.Form.Nationality != want.Nationality {
			t.Errorf("form = %+v, want %+v", p.Form, want)
		}
		// A parent pre-fills for his daughter: her data, and it is on her
		// access log.
		p, err = f.svc.Prefill(ctx, citizen(f.an), f.binh, "domestic")
		if err != nil || p.Person.FullName != "Nguyễn Thị Bình" {
			t.Fatalf("child: %+v, %v", p.Person, err)
		}
		if got := f.actions(t, f.binh); !strings.Contains(got, "person.view/family") {
			t.Errorf("child's access log: %s", got)
		}
		// A stranger cannot.
		if _, err := f.svc.Prefill(ctx, citizen(f.cuong), f.an, "domestic"); !errors.Is(err, problem.ErrForbidden) {
			t.Errorf("stranger: %v", err)
		}
		if _, err := f.svc.Prefill(ctx, citizen(f.an), f.an, "holiday"); !errors.Is(err, problem.ErrInvalid) {
			t.Errorf("unknown kind: %v", err)
		}
	})
}

func TestDeclareStoresOnlyValidDeclarations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		bad := domesticForm()
		bad.Ward = "99999"
		if _, err := f.svc.Declare(ctx, citizen(f.an), f.an, bad); !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("bad form: %v", err)
		}
		noDoc := entryForm()
		noDoc.IDType, noDoc.IDNumber = "PASSPORT", ""
		if _, err := f.svc.Declare(ctx, citizen(f.an), f.an, noDoc); !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("entry without a document: %v", err)
		}
		other := entryForm()
		other.IDNumber = "079090012347" // Cường's number on An's declaration
		if _, err := f.svc.Declare(ctx, citizen(f.an), f.an, other); !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("someone else's CCCD: %v", err)
		}
		if _, err := f.svc.Declare(ctx, citizen(f.cuong), f.an, domesticForm()); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("declaring for a stranger: %v", err)
		}
		if _, err := f.svc.Declare(ctx, officer("yte", access.RoleHealthOfficial, "VN"), f.an, domesticForm()); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("an official declaring: %v", err)
		}
		if n := f.count(t); n != 0 {
			t.Fatalf("%d declarations stored after refusals", n)
		}

		dom, err := f.svc.Declare(ctx, citizen(f.an), f.an, domesticForm())
		if err != nil {
			t.Fatal(err)
		}
		// A parent declares for his child: it is hers.
		child, err := f.svc.Declare(ctx, citizen(f.an), f.binh, declaration.Form{Kind: "SELFCHECK", Symptoms: []string{"fever"}})
		if err != nil {
			t.Fatal(err)
		}
		if child.PersonID != f.binh || child.Ward != "00001" || child.Details.FullName != "Nguyễn Thị Bình" {
			t.Errorf("child's self-check = %+v", child)
		}
		// An arrival naming no number uses the CCCD on record.
		onRecord := entryForm()
		onRecord.IDType, onRecord.IDNumber = "", ""
		f.clock.Advance(time.Minute)
		entry, err := f.svc.Declare(ctx, citizen(f.an), f.an, onRecord)
		if err != nil || entry.Details.IDType != "CCCD" || entry.Details.IDNumber != "001085012345" {
			t.Fatalf("entry with the CCCD on record: %+v, %v", entry.Details, err)
		}
		mine, err := f.svc.Mine(ctx, citizen(f.an), f.an)
		if err != nil || len(mine) != 2 || mine[1].ID != dom.ID {
			t.Fatalf("An's declarations: %v, %v", mine, err)
		}
		got := mine[1]
		if got.Source != "pccovid" || got.TransportNo != "VN113" || got.SeatNo != "7C" || got.ArrivalDate.String() != "2021-10-02" ||
			got.Details.FullName != "Nguyễn Văn An" || !got.DeclaredAt.Equal(now) {
			t.Errorf("stored = %+v", got)
		}
		theirs, err := f.svc.Mine(ctx, citizen(f.an), f.binh)
		if err != nil || len(theirs) != 1 || theirs[0].Kind != "SELFCHECK" {
			t.Fatalf("Bình's declarations: %v, %v", theirs, err)
		}
	})
}

func TestEntryPassportBecomesAnIdentifier(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		form := entryForm()
		form.IDType, form.IDNumber = "PASSPORT", "C7654321"
		decl, err := f.svc.Declare(ctx, citizen(f.cuong), f.cuong, form)
		if err != nil {
			t.Fatal(err)
		}
		_, ids, err := f.persons.Profile(ctx, access.Request{Actor: citizen(f.cuong), Purpose: access.PurposeOwn}, f.cuong)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, id := range ids {
			found = found || id.Kind == identity.KindPassport && id.Value == "C7654321" && id.RecordKey == decl.ID
		}
		if !found {
			t.Fatalf("passport not among the identifiers: %+v", ids)
		}
		// The next entry declaration still starts from the CCCD on record.
		p, _ := f.svc.Prefill(ctx, citizen(f.cuong), f.cuong, "ENTRY")
		if p.Form.IDType != "CCCD" || p.Form.IDNumber != "" {
			t.Errorf("prefill prefers the CCCD, got %s %q", p.Form.IDType, p.Form.IDNumber)
		}
	})
}
