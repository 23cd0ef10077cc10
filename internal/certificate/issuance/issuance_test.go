package issuance_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/certificate"
	"github.com/pccovid/pccovid/internal/certificate/issuance"
	"github.com/pccovid/pccovid/internal/clock"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/facility"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/problem"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/synth"
)

var (
	now       = time.Date(2022, 3, 25, 2, 0, 0, 0, time.UTC)
	admin     = access.Actor{Kind: access.KindOfficial, ID: "admin1", Name: "admin", Role: access.RoleAdmin, Scope: access.Country}
	healthOff = access.Actor{Kind: access.KindOfficial, ID: "yte1", Name: "yte", Role: access.RoleHealthOfficial, Scope: access.Country}
	validator = sync.OnceValues(certificate.NewValidator)
)

type fixture struct {
	db      *db.DB
	clock   *clock.Fake
	persons *identity.Store
	ingest  *health.Ingest
	treat   *health.Treatments
	keys    *issuance.Keys
	svc     *issuance.Service
	lab     facility.Facility
	site    facility.Facility
	people  []map[string]string
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	kf, _ := seal.NewKeyFile(now)
	ring, _ := kf.Ring()
	s := seal.NewSealer(ring)
	f := &fixture{db: d, clock: clock.NewFake(now)}
	g := access.NewGuard(access.NewTrail(d, s, f.clock))
	f.persons = identity.NewStore(d, s, g, f.clock)
	dir := t.TempDir()
	if _, err := synth.WriteRegistry(dir, 11, 60); err != nil {
		t.Fatal(err)
	}
	if _, err := f.persons.LoadExtract(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	f.people = readPeople(t, dir)
	store := health.NewStore(d, s, g, f.clock)
	f.treat = health.NewTreatments(d, s, g, f.persons, f.clock)
	facs := facility.NewStore(d, g, f.clock)
	f.ingest = health.NewIngest(d, s, g, f.clock, health.IngestDeps{Store: store, Persons: f.persons, Facilities: facs, Treatments: f.treat})
	v, err := validator()
	if err != nil {
		t.Fatal(err)
	}
	f.keys = issuance.NewKeys(d, s, v, f.clock)
	f.svc = issuance.NewService(d, s, g, f.persons, store, f.treat, f.keys, f.clock)
	f.lab, _ = facs.Create(ctx, admin, facility.New{Code: "LAB", Name: "CDC Hà Nội", Kind: "lab"})
	f.site, _ = facs.Create(ctx, admin, facility.New{Code: "SITE", Name: "TYT Phúc Xá", Kind: "vaccination"})
	return f
}

func (f *fixture) id(p map[string]string) string { return f.persons.RegistryID(p["cccd"]) }

func citizenOf(id string) access.Request {
	return access.Request{Actor: access.Actor{Kind: access.KindCitizen, ID: "acc-" + id, Role: access.RoleCitizen, PersonID: id}}
}

// vaccinated sends p's doses, and returns the id of the second.
func (f *fixture) vaccinated(t testing.TB, p map[string]string) string {
	t.Helper()
	person := health.PersonInput{FullName: p["full_name"], BirthDate: p["birth_date"], IDNumber: p["cccd"], Phone: p["phone"]}
	res, err := f.ingest.SubmitDoses(context.Background(), f.site, health.ViaAPI, []health.DoseInput{
		{DoseID: "D1-" + p["cccd"], Person: person, DoseNumber: 1, Vaccine: "AstraZeneca", Date: "2021-08-01", Lot: "A1"},
		{DoseID: "D2-" + p["cccd"], Person: person, DoseNumber: 2, Vaccine: "AstraZeneca", Date: "2021-10-01", Lot: "A2"}})
	if err != nil || res.Linked != 2 {
		t.Fatalf("doses: %+v %v", res, err)
	}
	return res.Outcomes[1].ID
}

func TestKeysInitRotateAndSignerList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		if _, _, err := f.keys.Issuer(ctx); !errors.Is(err, issuance.ErrNoKeys) {
			t.Fatalf("issuer before init: %v", err)
		}
		keys, err := f.keys.Init(ctx)
		if err != nil || len(keys) != 2 {
			t.Fatalf("init: %v %v", keys, err)
		}
		if _, err := f.keys.Init(ctx); !errors.Is(err, problem.ErrConflict) {
			t.Fatalf("init twice: %v", err)
		}
		var sealed []byte
		d.QueryRow(ctx, "SELECT private_sealed FROM dcc_keys WHERE role = 'dsc'").Scan(&sealed)
		if bytes.Contains(sealed, []byte("PRIVATE")) || seal.KeyID(sealed) == 0 {
			t.Fatal("the private key is not sealed")
		}
		csca, dsc := keys[0], keys[1]
		if csca.Role != issuance.RoleCSCA {
			csca, dsc = dsc, csca
		}
		if got := certificate.SignerTypes(dsc.Cert); dsc.Role != issuance.RoleDSC || len(got) != 3 {
			t.Fatalf("DSC key usage %v, want v, t and r", got)
		}
		if dsc.Cert.CheckSignatureFrom(csca.Cert) != nil || !csca.Cert.IsCA {
			t.Fatal("the DSC is not signed by the CSCA")
		}
		p := f.people[0]
		dose := f.vaccinated(t, p)
		old, err := f.svc.Issue(ctx, citizenOf(f.id(p)), f.id(p), certificate.TypeVaccination, dose)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(24 * time.Hour)
		if _, err := f.keys.Rotate(ctx, false); err != nil {
			t.Fatal(err)
		}
		list, err := f.keys.SignerList(ctx)
		if err != nil || len(list.Signers) != 2 || !list.Signers[0].Retired || list.Signers[1].Retired {
			t.Fatalf("signer list after rotation %+v %v", list, err)
		}
		b, _ := json.Marshal(list)
		dscs, err := certificate.ParseSignerList(b)
		if err != nil || len(dscs) != 2 {
			t.Fatalf("parse signer list: %v %v", dscs, err)
		}
		v, _ := validator()
		verifier := certificate.NewVerifier(v, dscs...)
		if _, err := verifier.Verify(old.QR, f.clock.Now()); err != nil {
			t.Fatalf("a certificate of the retired signer: %v", err)
		}
		other := f.people[1]
		fresh, err := f.svc.Issue(ctx, citizenOf(f.id(other)), f.id(other), certificate.TypeVaccination, f.vaccinated(t, other))
		if err != nil || fresh.KID == old.KID || fresh.KID != list.Signers[1].KID {
			t.Fatalf("issued after rotation with kid %s (old %s): %v", fresh.KID, old.KID, err)
		}
		// A list whose signer is not certified by its CSCA is refused.
		forged := list
		forged.CSCA = []string{list.Signers[0].Certificate}
		b, _ = json.Marshal(forged)
		if _, err := certificate.ParseSignerList(b); !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("a forged list: %v", err)
		}
	})
}

func TestIssueVaccinationTestRecovery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		if _, err := f.keys.Init(ctx); err != nil {
			t.Fatal(err)
		}
		p := f.people[2]
		me := citizenOf(f.id(p))
		c, err := f.svc.Issue(ctx, me, f.id(p), certificate.TypeVaccination, f.vaccinated(t, p))
		if err != nil {
			t.Fatal(err)
		}
		a := c.Answer
		if !a.Valid || a.Type != certificate.TypeVaccination || a.Issuer != "VN" || !strings.HasPrefix(c.UVCI, "URN:UVCI:01:VN:") {
			t.Fatalf("answer %+v", a)
		}
		if certificate.ValidateUVCI(c.UVCI) != nil || c.Expires.Sub(c.IssuedAt) < 364*24*time.Hour {
			t.Fatalf("uvci %s expires %v", c.UVCI, c.Expires)
		}
		if !strings.Contains(a.Entry, "dose 2/2") || !strings.Contains(a.NameStd, "<<") || strings.ContainsAny(a.NameStd, "ĐđÀÁẠ") {
			t.Fatalf("answer %+v", a)
		}
		again, err := f.svc.Issue(ctx, me, f.id(p), certificate.TypeVaccination, c.RecordID)
		if err != nil || again.ID != c.ID {
			t.Fatalf("issuing twice made another certificate: %v", err)
		}
		// Test and recovery: a positive PCR, a confirmed recovery.
		res, err := f.ingest.SubmitTests(ctx, f.lab, health.ViaAPI, []health.TestInput{{SampleID: "S1", Type: "PCR", Result: "positive",
			SampledAt: "2022-03-01T08:00:00+07:00", Person: health.PersonInput{FullName: p["full_name"], BirthDate: p["birth_date"], IDNumber: p["cccd"]}}})
		if err != nil || res.Linked != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		tc, err := f.svc.Issue(ctx, me, f.id(p), certificate.TypeTest, res.Outcomes[0].ID)
		if err != nil || !tc.Answer.Valid || tc.Answer.Type != certificate.TypeTest || !strings.Contains(tc.Answer.Entry, "detected") {
			t.Fatalf("test certificate %+v %v", tc.Answer, err)
		}
		treatReq := access.Request{Actor: healthOff, Purpose: access.PurposeTreatment}
		if err := f.treat.ConfirmRecovery(ctx, treatReq, f.id(p), now); err != nil {
			t.Fatal(err)
		}
		opts, err := f.svc.Options(ctx, me, f.id(p))
		if err != nil {
			t.Fatal(err)
		}
		var rec *issuance.Option
		for i := range opts {
			if opts[i].Type == certificate.TypeRecovery {
				rec = &opts[i]
			}
		}
		if rec == nil || rec.Date != "2022-03-01" {
			t.Fatalf("options %+v", opts)
		}
		rc, err := f.svc.Issue(ctx, me, f.id(p), certificate.TypeRecovery, rec.RecordID)
		if err != nil || rc.Answer.ValidFrom != "2022-03-12" || rc.Answer.ValidUntil != "2022-08-28" {
			t.Fatalf("recovery %+v %v", rc.Answer, err)
		}
		list, err := f.svc.List(ctx, me, f.id(p))
		if err != nil || len(list) != 3 {
			t.Fatalf("list %d %v", len(list), err)
		}
		pdf, err := issuance.PDF(c, now)
		if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("pdf %v", err)
		}
	})
}

func TestIssueRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		p, q := f.people[3], f.people[4]
		dose := f.vaccinated(t, p)
		if _, err := f.svc.Issue(ctx, citizenOf(f.id(p)), f.id(p), certificate.TypeVaccination, dose); !errors.Is(err, issuance.ErrNoKeys) {
			t.Fatalf("issue without keys: %v", err)
		}
		f.keys.Init(ctx)
		if _, err := f.svc.Issue(ctx, citizenOf(f.id(q)), f.id(p), certificate.TypeVaccination, dose); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("someone else's certificate: %v", err)
		}
		if _, err := f.svc.Issue(ctx, citizenOf(f.id(q)), f.id(q), certificate.TypeVaccination, dose); !errors.Is(err, problem.ErrNotFound) {
			t.Fatalf("another person's dose: %v", err)
		}
		if _, err := f.svc.Issue(ctx, citizenOf(f.id(p)), f.id(p), certificate.TypeRecovery, "x"); !errors.Is(err, problem.ErrNotFound) {
			t.Fatalf("a recovery never confirmed: %v", err)
		}
		official := access.Request{Actor: healthOff, Purpose: access.PurposeTracing}
		if _, err := f.svc.Issue(ctx, official, f.id(p), certificate.TypeVaccination, dose); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("issued for tracing: %v", err)
		}
		for name, qr := range map[string]string{"empty": "", "url": "https://example.com", "declaration": "PCD1:abc", "garbage": "HC1:!!!"} {
			a, err := f.svc.Verify(ctx, qr, now)
			if err != nil || a.Valid || a.MessageVi == "" || a.Name != "" {
				t.Errorf("%s: %+v %v", name, a, err)
			}
		}
	})
}

func TestServiceCertificateDecodesInNode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.keys.Init(ctx)
		p := f.people[5]
		c, err := f.svc.Issue(ctx, citizenOf(f.id(p)), f.id(p), certificate.TypeVaccination, f.vaccinated(t, p))
		if err != nil {
			t.Fatal(err)
		}
		list, _ := f.keys.SignerList(ctx)
		der, _ := base64.StdEncoding.DecodeString(list.Signers[0].Certificate)
		out, err := nodeVerify(t, c.QR, der)
		if err != nil {
			t.Fatalf("the independent verifier refused a certificate the service issued: %v", err)
		}
		var payload certificate.DCC
		if err := json.Unmarshal(out, &payload); err != nil || payload.ID() != c.UVCI || payload.Name.FamilyName == "" {
			t.Fatalf("node read %s (%v)", out, err)
		}
		other, _ := certificate.NewCSCA(now)
		if _, err := nodeVerify(t, c.QR, other.DER); err == nil {
			t.Fatal("node accepted the certificate with another key")
		}
	})
}
