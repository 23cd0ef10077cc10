package health_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/problem"
)

func TestHomeTreatmentAlertsHealthStation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		p := f.personWithPhone(t, 4)
		me := access.Request{Actor: access.Actor{Kind: access.KindCitizen, ID: "acc", Role: access.RoleCitizen, PersonID: f.id(p)}}
		if _, err := f.treat.Report(ctx, me, f.id(p), health.ReportInput{Temperature: "37", SpO2: "98"}); !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("a report without a treatment: %v", err)
		}
		if _, err := f.ingest.SubmitTests(ctx, f.lab, health.ViaAPI, []health.TestInput{testFor(p, "XN-T", "positive")}); err != nil {
			t.Fatal(err)
		}
		ok, err := f.treat.Report(ctx, me, f.id(p), health.ReportInput{ID: "devicereport1", Temperature: "37,8", SpO2: "97", Symptoms: []string{"cough"}})
		if err != nil || ok.Warning() {
			t.Fatalf("%+v %v", ok, err)
		}
		f.clock.Advance(20 * time.Hour)
		bad, err := f.treat.Report(ctx, me, f.id(p), health.ReportInput{Temperature: "38.5", SpO2: "93", Symptoms: []string{"breath"}})
		if err != nil || !bad.Warning() || len(bad.Signs) != 2 {
			t.Fatalf("%+v %v", bad, err)
		}
		// A resend changes nothing.
		if _, err := f.treat.Report(ctx, me, f.id(p), health.ReportInput{ID: "devicereport1", Temperature: "37,8", SpO2: "97"}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, "SELECT count(*) FROM treatment_reports"); n != 2 {
			t.Fatalf("%d reports", n)
		}
		// The health station of the ward sees the alert; another ward's does not.
		station := access.Request{Actor: access.Actor{Kind: access.KindOfficial, ID: "tyt", Name: "tyt", Role: access.RoleCommuneOfficer,
			Scope: access.Scope(p["ward_code"])}, Purpose: access.PurposeTreatment}
		alerts, err := f.treat.Alerts(ctx, station, 10)
		if err != nil || len(alerts) != 1 || alerts[0].PersonID != f.id(p) || alerts[0].Signs[0] != health.SignBreathless {
			t.Fatalf("alerts %+v %v", alerts, err)
		}
		other := station
		other.Actor.Scope = "00004"
		if p["ward_code"] == "00004" {
			other.Actor.Scope = "00006"
		}
		if a, _ := f.treat.Alerts(ctx, other, 10); len(a) != 0 {
			t.Fatal("another ward's station sees the alert")
		}
		if err := f.treat.Acknowledge(ctx, station, alerts[0].ID); err != nil {
			t.Fatal(err)
		}
		if a, _ := f.treat.Alerts(ctx, station, 10); len(a) != 0 {
			t.Fatal("an acknowledged alert is still listed")
		}
		tr, reports, err := f.treat.Current(ctx, me, f.id(p))
		if err != nil || len(reports) != 2 || !tr.Active {
			t.Fatalf("%+v %+v %v", tr, reports, err)
		}
	})
}

func TestHospitalAndRecovery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		p := f.personWithPhone(t, 5)
		if _, err := f.ingest.SubmitTests(ctx, f.lab, health.ViaAPI, []health.TestInput{testFor(p, "XN-H", "positive")}); err != nil {
			t.Fatal(err)
		}
		if err := f.treat.Admit(ctx, treatReq, f.id(p), "Bệnh viện Bệnh Nhiệt đới Trung ương", now); err != nil {
			t.Fatal(err)
		}
		citizen := access.Request{Actor: access.Actor{Kind: access.KindCitizen, ID: "acc", Role: access.RoleCitizen, PersonID: f.id(p)}}
		if err := f.treat.ConfirmRecovery(ctx, citizen, f.id(p), now); !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("a citizen confirmed their own recovery: %v", err)
		}
		if at, _ := f.treat.LastRecovery(ctx, f.id(p), now.Add(time.Hour)); !at.IsZero() {
			t.Fatal("recovered before discharge")
		}
		f.clock.Advance(10 * 24 * time.Hour)
		out := now.Add(10 * 24 * time.Hour)
		if err := f.treat.Discharge(ctx, treatReq, f.id(p), health.OutcomeRecovered, out); err != nil {
			t.Fatal(err)
		}
		tr, _, err := f.treat.Current(ctx, treatReq, f.id(p))
		if err != nil || tr.Active || tr.Setting != health.SettingHospital || tr.Outcome != health.OutcomeRecovered ||
			tr.Hospital == "" || !tr.DischargedAt.Equal(out) {
			t.Fatalf("%+v %v", tr, err)
		}
		at, err := f.treat.LastRecovery(ctx, f.id(p), out.Add(time.Hour))
		if err != nil || !at.Equal(out) {
			t.Fatalf("last recovery %v %v", at, err)
		}
		if err := f.treat.Discharge(ctx, treatReq, f.id(p), health.OutcomeRecovered, out); !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("discharged twice: %v", err)
		}
		if err := f.treat.Discharge(ctx, treatReq, f.id(p), "cured", out); !errors.Is(err, problem.ErrInvalid) {
			t.Fatalf("an unknown outcome: %v", err)
		}
	})
}

func TestReportInputChecks(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]health.ReportInput{
		"hot":     {Temperature: "45", SpO2: "97"},
		"words":   {Temperature: "warm", SpO2: "97"},
		"spo2":    {Temperature: "37", SpO2: "120"},
		"symptom": {Temperature: "37", SpO2: "97", Symptoms: []string{"sneezing"}},
		"id":      {ID: "X!", Temperature: "37", SpO2: "97"},
	} {
		if err := checkReport(in); !errors.Is(err, problem.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// checkReport runs a report's checks through a store with no database:
// the input is refused before anything is read.
func checkReport(in health.ReportInput) error {
	var ts *health.Treatments
	_, err := ts.Report(context.Background(), access.Request{}, "p", in)
	return err
}
