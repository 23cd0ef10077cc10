package health_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/facility"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/problem"
)

func TestSubmitTestsLinksAndIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		p := f.personWithPhone(t, 0)
		in := testFor(p, "XN-1", "Âm tính")
		res, err := f.ingest.SubmitTests(ctx, f.lab, health.ViaAPI, []health.TestInput{in})
		if err != nil {
			t.Fatal(err)
		}
		o := res.Outcomes[0]
		if o.Status != health.StatusLinked || o.PersonID != f.id(p) || res.Linked != 1 {
			t.Fatalf("outcome %+v, want linked to %s", o, f.id(p))
		}
		recs, err := f.store.ForPerson(ctx, access.Request{Actor: access.Actor{Kind: access.KindCitizen, PersonID: f.id(p)}},
			access.Subject{PersonID: f.id(p)})
		if err != nil || len(recs.Tests) != 1 || recs.Tests[0].Positive || recs.Tests[0].SampleID != "XN-1" || recs.Tests[0].Type != "PCR" {
			t.Fatalf("the person's tests: %+v %v", recs.Tests, err)
		}
		// The same result again changes nothing.
		res, err = f.ingest.SubmitTests(ctx, f.lab, health.ViaAPI, []health.TestInput{in})
		if err != nil || res.Outcomes[0].Status != health.StatusDuplicate || res.Duplicate != 1 {
			t.Fatalf("resend: %+v %v", res, err)
		}
		if n := count(t, d, "SELECT count(*) FROM test_results"); n != 1 {
			t.Fatalf("%d test results after a resend", n)
		}
		// The same sample id with another result is refused, and nothing changes.
		in.Result = "positive"
		_, err = f.ingest.SubmitTests(ctx, f.lab, health.ViaAPI, []health.TestInput{in, testFor(p, "XN-2", "neg")})
		var fe *problem.FieldError
		if !errors.As(err, &fe) || fe.Field != "records[0]:sample_id" {
			t.Fatalf("overwrite: %v", err)
		}
		if n := count(t, d, "SELECT count(*) FROM health_ingest"); n != 1 {
			t.Fatalf("%d records after a refused batch", n)
		}
	})
}

func TestSubmitRefusesBadInputWhole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		p := f.personWithPhone(t, 0)
		bad := testFor(p, "XN 3", "maybe")
		bad.SampledAt = "yesterday"
		bad.Person.IDNumber = "12345"
		_, err := f.ingest.SubmitTests(ctx, f.lab, health.ViaAPI, []health.TestInput{testFor(p, "XN-1", "neg"), bad})
		var fs problem.Fields
		if !errors.As(err, &fs) {
			t.Fatalf("want field errors, got %v", err)
		}
		var fields []string
		for _, e := range fs {
			fields = append(fields, e.Field)
		}
		want := "records[1]:sample_id records[1]:person:id_number records[1]:result records[1]:sampled_at"
		if strings.Join(fields, " ") != want {
			t.Fatalf("fields %q, want %q", strings.Join(fields, " "), want)
		}
		if n := count(t, d, "SELECT count(*) FROM health_ingest"); n != 0 {
			t.Fatal("a refused batch stored records")
		}
		if _, err := f.ingest.SubmitDoses(ctx, f.lab, health.ViaAPI, []health.DoseInput{{DoseID: "1"}}); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("a lab sent doses: %v", err)
		}
		if _, err := f.ingest.SubmitTests(ctx, f.lab, health.ViaAPI, nil); !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("an empty batch: %v", err)
		}
	})
}

func TestUnknownPersonWaitsForReview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		stranger := health.TestInput{SampleID: "XN-9", Type: "RAT", Result: "positive", SampledAt: "20/03/2022 08:00",
			Person: health.PersonInput{FullName: "Kim Min Jun", BirthDate: "1990", Passport: "M1234567", Nationality: "KOR"}}
		res, err := f.ingest.SubmitTests(ctx, f.lab, health.ViaAPI, []health.TestInput{stranger})
		if err != nil {
			t.Fatal(err)
		}
		if o := res.Outcomes[0]; o.Status != health.StatusReview || o.Reason != health.ReasonNoCandidate || o.PersonID != "" {
			t.Fatalf("outcome %+v", o)
		}
		if n := count(t, d, "SELECT count(*) FROM test_results"); n != 0 {
			t.Fatal("a result nobody could be tied to was stored on someone")
		}
		if len(f.cases.cases()) != 0 {
			t.Fatal("a case registered for nobody")
		}
		items, err := f.ingest.Reviews(ctx, reviewReq, 10)
		if err != nil || len(items) != 1 || items[0].FullName != "Kim Min Jun" || !items[0].Positive {
			t.Fatalf("review list %+v %v", items, err)
		}
		if _, err := f.ingest.Reviews(ctx, access.Request{Actor: healthOff, Purpose: access.PurposeTesting}, 10); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("reviews without the review purpose: %v", err)
		}
		// The official settles it: a person of their own.
		person, err := f.ingest.NewPerson(ctx, reviewReq, items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, "SELECT count(*) FROM test_results WHERE person_id = $1", person); n != 1 {
			t.Fatal("the settled result is not stored")
		}
		if c := f.cases.cases(); len(c) != 1 || c[0].PersonID != person {
			t.Fatalf("cases %+v", c)
		}
		if _, err := f.ingest.NewPerson(ctx, reviewReq, items[0].ID); !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("settled twice: %v", err)
		}
		// Sent again after it was settled: nothing changes.
		res, err = f.ingest.SubmitTests(ctx, f.lab, health.ViaAPI, []health.TestInput{stranger})
		if err != nil || res.Outcomes[0].Status != health.StatusDuplicate || res.Outcomes[0].PersonID != person {
			t.Fatalf("resend after review: %+v %v", res.Outcomes, err)
		}
	})
}

func TestPositiveRegistersCaseAndOpensTreatment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		p := f.personWithPhone(t, 1)
		f.cases.fail = true
		res, err := f.ingest.SubmitTests(ctx, f.lab, health.ViaAPI, []health.TestInput{testFor(p, "XN-5", "DUONG TINH")})
		if err != nil || res.Outcomes[0].Status != health.StatusLinked || !res.Outcomes[0].Positive {
			t.Fatalf("%+v %v", res, err)
		}
		// Tracing was down: the case waits in the outbox and goes once it is back.
		if pend, _ := f.ingest.PendingCases(ctx, 10); len(pend) != 1 || pend[0].TestType != "PCR" {
			t.Fatalf("pending %+v", pend)
		}
		f.cases.fail = false
		if n, err := f.ingest.DeliverCases(ctx, 10); err != nil || n != 1 {
			t.Fatalf("deliver %d %v", n, err)
		}
		if c := f.cases.cases(); len(c) != 1 || c[0].PersonID != f.id(p) || c[0].TestID != res.Outcomes[0].ID {
			t.Fatalf("cases %+v", c)
		}
		if n, _ := f.ingest.DeliverCases(ctx, 10); n != 0 {
			t.Fatal("a case delivered twice")
		}
		tr, _, err := f.treat.Current(ctx, treatReq, f.id(p))
		if err != nil || tr == nil || !tr.Active || tr.Setting != health.SettingHome || tr.Ward != p["ward_code"] {
			t.Fatalf("treatment %+v %v", tr, err)
		}
	})
}

func TestUploadLabListsMatchesTruth(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		truth := map[string]string{}
		for _, r := range readCSV(t, sampleDump+"/truth.csv") {
			truth[r["source"]+","+r["record_key"]] = r["person_key"]
		}
		byID := map[string]string{}
		for _, p := range f.people {
			byID[f.id(p)] = p["cccd"]
		}
		linked, review, wrong := 0, 0, 0
		for _, lab := range []string{"HCDC", "CDC_HN", "BV_BACHMAI", "BV_CHORAY", "CDC_CANTHO"} {
			fac := f.lab
			if lab != "HCDC" {
				var err error
				if fac, err = f.facilities.Create(ctx, admin, facilityNew(lab)); err != nil {
					t.Fatal(err)
				}
			}
			fh, err := os.Open(sampleDump + "/labtests/" + lab + ".csv")
			if err != nil {
				t.Fatal(err)
			}
			up, err := f.ingest.UploadFile(ctx, healthOff, fac, health.FormatLabList, fh)
			fh.Close()
			if err != nil {
				t.Fatalf("%s: %v", lab, err)
			}
			for _, o := range up.Result.Outcomes {
				want := truth["labtests,"+lab+"/"+o.ExternalID]
				switch {
				case o.Status == health.StatusReview:
					review++
				case byID[o.PersonID] == want:
					linked++
				default:
					wrong++
					t.Errorf("%s/%s tied to %s, truth %s", lab, o.ExternalID, byID[o.PersonID], want)
				}
			}
		}
		t.Logf("lab line lists: %d linked right, %d for review, %d wrong", linked, review, wrong)
		if wrong != 0 || linked < 440 {
			t.Fatalf("%d linked right, %d wrong", linked, wrong)
		}
		if n := count(t, d, "SELECT count(*) FROM health_ingest"); n != linked+review {
			t.Fatalf("%d records kept of %d", n, linked+review)
		}
		// Uploading a file again changes nothing.
		fh, _ := os.Open(sampleDump + "/labtests/HCDC.csv")
		defer fh.Close()
		up, err := f.ingest.UploadFile(ctx, healthOff, f.lab, health.FormatLabList, fh)
		if err != nil || up.Result.Duplicate != up.Rows || up.Rows == 0 {
			t.Fatalf("upload again: %+v %v", up.Result, err)
		}
	})
}

func facilityNew(code string) facility.New {
	return facility.New{Code: code, Name: code, Kind: "lab"}
}

func TestUploadRefusesBrokenFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		file := "ma_mau,ho_ten,nam_sinh,gioi_tinh,sdt,cccd,dia_chi,loai_xet_nghiem,ket_qua,ngay_lay_mau,ngay_tra_ket_qua\n" +
			"A1,Nguyễn Văn An,1985,Nam,,,Hà Nội,RT-PCR,Âm tính,11/03/2022 09:21,\n" +
			"A2,Trần Thị Bình,1990,Nữ,,,Hà Nội,RT-PCR,không rõ,11/03/2022 09:21,\n"
		_, err := f.ingest.UploadFile(ctx, healthOff, f.lab, health.FormatLabList, strings.NewReader(file))
		var fe *problem.FieldError
		if !errors.As(err, &fe) || !strings.HasPrefix(fe.Field, "labtests/HCDC.csv:3") {
			t.Fatalf("want the bad line named, got %v", err)
		}
		if n := count(t, d, "SELECT count(*) FROM health_ingest"); n != 0 {
			t.Fatal("a refused file stored rows")
		}
		if _, err := f.ingest.UploadFile(ctx, healthOff, f.lab, health.FormatPortal, strings.NewReader(file)); !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("a portal file for a lab: %v", err)
		}
		citizen := access.Actor{Kind: access.KindCitizen, ID: "c", Role: access.RoleCitizen}
		if _, err := f.ingest.UploadFile(ctx, citizen, f.lab, health.FormatLabList, strings.NewReader(file)); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("a citizen uploaded: %v", err)
		}
	})
}

func TestUploadPortalExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		fh, err := os.Open(sampleDump + "/vaccination/doses.csv")
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		up, err := f.ingest.UploadFile(ctx, healthOff, f.site, health.FormatPortal, fh)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("portal export: %d rows, %d linked, %d review", up.Rows, up.Result.Linked, up.Result.Review)
		if up.Rows < 2000 || up.Result.Linked < up.Rows/2 {
			t.Fatalf("%+v", up.Result)
		}
		if n := count(t, d, "SELECT count(*) FROM vaccinations"); n != up.Result.Linked {
			t.Fatalf("%d doses stored for %d linked", n, up.Result.Linked)
		}
	})
}
