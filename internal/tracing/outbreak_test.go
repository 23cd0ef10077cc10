package tracing_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/tracing"
)

// outbreak is a planted outbreak around one case, A: for each rule, people
// who are close contacts by it (B…) and people who just miss (N…), and
// for F2, people in contact with the F1s after or before their exposure
// (C…).
type outbreak struct {
	A      string
	B      map[string]string // name → person
	N      map[string]string
	C      map[string]string
	caseID int64
}

// plant lays the outbreak out. A tests positive: sampled 18 Aug 09:00,
// symptoms from 17 Aug 08:00, result 19 Aug 08:00; the window is 15 Aug
// 08:00 to 19 Aug 08:00.
func plant(f *fixture) *outbreak {
	f.t.Helper()
	avoid := map[string]bool{}
	o := &outbreak{B: map[string]string{}, N: map[string]string{}, C: map[string]string{}}
	o.A = f.pick(1, 3, avoid)[0]
	names := []string{"B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9",
		"N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9", "N10", "N11", "C1", "C2", "C3"}
	for i, id := range f.pick(len(names), 1, avoid) {
		switch n := names[i]; n[0] {
		case 'B':
			o.B[n] = id
		case 'N':
			o.N[n] = id
		default:
			o.C[n] = id
		}
	}
	A, B, N, C := o.A, o.B, o.N, o.C
	// Venues: within an hour of A's check-in, in the window.
	f.visit(A, "Quán phở Hàng Bạc", at(16, 12, 0))
	f.visit(B["B1"], "Quán phở Hàng Bạc", at(16, 12, 30)) // 30 min after: F1
	f.visit(B["B2"], "Quán phở Hàng Bạc", at(16, 11, 5))  // 55 min before: F1
	f.visit(N["N1"], "Quán phở Hàng Bạc", at(16, 13, 35)) // 95 min after: not
	f.visit(N["N2"], "Quán phở Hàng Bạc", at(14, 12, 0))  // another day: not
	f.visit(A, "Chợ Đồng Xuân", at(14, 10, 0))            // before the window
	f.visit(N["N3"], "Chợ Đồng Xuân", at(14, 10, 10))     // so: not
	f.visit(A, "Siêu thị Hàng Da", at(18, 7, 0))
	f.visit(B["B3"], "Siêu thị Hàng Da", at(18, 7, 59)) // 59 min: F1
	f.visit(A, "Cà phê Giảng", at(18, 20, 0))
	f.visit(N["N4"], "Cà phê Giảng", at(18, 21, 5)) // 65 min: not
	f.visit(A, "Nhà thuốc Long Châu", at(19, 9, 0))
	f.visit(N["N5"], "Nhà thuốc Long Châu", at(19, 9, 10)) // after the result: not
	// Transport: a flight within two rows, a train car.
	f.travel(A, "FLIGHT", "VN244", "2021-08-17", "12A")
	f.travel(B["B4"], "FLIGHT", "VN244", "2021-08-17", "14C") // 2 rows: F1
	f.travel(N["N6"], "FLIGHT", "VN244", "2021-08-17", "16A") // 4 rows: not F1 (2 from B4: F2)
	f.travel(N["N7"], "FLIGHT", "VN244", "2021-08-18", "12B") // next day's flight: not
	f.travel(A, "TRAIN", "SE3", "2021-08-16", "3-24")
	f.travel(B["B5"], "TRAIN", "SE3", "2021-08-16", "")     // seat unknown: F1
	f.travel(B["B6"], "TRAIN", "SE3", "2021-08-16", "3-10") // same car: F1
	f.travel(N["N8"], "TRAIN", "SE3", "2021-08-16", "4-24") // next car: not F1 (B5's seat unknown: F2)
	// Bluetooth: 15 minutes or more at -75 dBm or stronger, either phone's log.
	f.phone(A, "AAAAAA")
	for bz, who := range map[string]string{"BBBBBB": B["B7"], "EEEEEE": B["B8"], "CCCCCC": N["N9"], "DDDDDD": N["N10"], "FFFFFF": N["N11"]} {
		f.phone(who, bz)
	}
	f.near("AAAAAA", "BBBBBB", at(16, 14, 0), 20, -60) // F1
	f.near("EEEEEE", "AAAAAA", at(17, 15, 0), 30, -70) // F1, logged by the other phone
	f.near("AAAAAA", "CCCCCC", at(16, 14, 0), 10, -50) // too short: not
	f.near("AAAAAA", "DDDDDD", at(16, 16, 0), 30, -90) // too weak: not
	f.near("AAAAAA", "FFFFFF", at(10, 9, 0), 60, -40)  // before the window: not
	// F2: B1 meets C1 after being exposed, C2 before; B2 (to be dismissed)
	// meets C3.
	f.visit(B["B1"], "Bún chả Hàng Mành", at(17, 10, 0))
	f.visit(C["C1"], "Bún chả Hàng Mành", at(17, 10, 20)) // F2
	f.visit(B["B1"], "Bánh cuốn Thanh Vân", at(16, 9, 0))
	f.visit(C["C2"], "Bánh cuốn Thanh Vân", at(16, 9, 15)) // before B1's exposure: not
	f.visit(B["B2"], "Chè Hàng Điếu", at(17, 16, 0))
	f.visit(C["C3"], "Chè Hàng Điếu", at(17, 16, 10)) // B2 dismissed: not
	return o
}

func TestPlantedOutbreak(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		o := plant(f)
		f.positive(o.A, at(18, 9, 0), at(19, 8, 0))
		rep, err := f.svc.SyncResults(f.ctx)
		if err != nil || rep.Registered != 1 {
			t.Fatalf("sync: %+v %v", rep, err)
		}
		c, ok, err := f.svc.CaseOf(f.ctx, o.A)
		if err != nil || !ok {
			t.Fatalf("no case: %v", err)
		}
		o.caseID = c.ID
		if !c.Window.From.Equal(at(16, 9, 0)) || !c.Window.To.Equal(at(19, 8, 0)) {
			t.Fatalf("window %v – %v", c.Window.From, c.Window.To)
		}
		// An official names one more contact, met in the window.
		if _, err := f.svc.DeclareContact(f.ctx, tracingReq, c.ID, tracing.DeclaredContact{Number: f.byID[o.B["B9"]].CCCD,
			MetAt: at(18, 19, 0), Place: "nhà bạn"}); err != nil {
			t.Fatal(err)
		}
		wantF1 := sorted(values(o.B), without(f.household(o.A), o.A))
		if got := f.links(c.ID, 1); !reflect.DeepEqual(got, wantF1) {
			t.Fatalf("F1\n got %v\nwant %v", names(o, got), names(o, wantF1))
		}
		checkEvidence(t, f, o)
		for _, p := range wantF1 {
			if n := f.messages(p); n != 1 {
				t.Errorf("%s has %d warnings", names(o, []string{p}), n)
			}
		}

		// Again: the same, and nobody is warned twice.
		again, err := f.svc.Trace(f.ctx, tracingReq, c.ID, 1)
		if err != nil || again.New != 0 || again.Notified != 0 || again.Found != len(wantF1) {
			t.Fatalf("second run: %+v %v", again, err)
		}
		// F2, after dismissing B2.
		if err := f.svc.Decide(f.ctx, tracingReq, c.ID, o.B["B2"], tracing.LinkDismissed); err != nil {
			t.Fatal(err)
		}
		var wantF2 []string
		for _, p := range wantF1 {
			if p != o.B["B2"] {
				wantF2 = sorted(wantF2, f.household(p))
			}
		}
		wantF2 = without(sorted(wantF2, []string{o.C["C1"], o.N["N6"], o.N["N8"]}), append(wantF1, o.A)...)
		if _, err := f.svc.Trace(f.ctx, tracingReq, c.ID, 2); err != nil {
			t.Fatal(err)
		}
		if got := f.links(c.ID, 2); !reflect.DeepEqual(got, wantF2) {
			t.Fatalf("F2\n got %v\nwant %v", names(o, got), names(o, wantF2))
		}
		if f.messages(o.C["C1"]) != 1 || f.messages(o.C["C3"]) != 0 || f.messages(o.B["B2"]) != 2 {
			t.Fatalf("warnings: C1 %d, C3 %d, B2 %d (warned, then told of the dismissal)",
				f.messages(o.C["C1"]), f.messages(o.C["C3"]), f.messages(o.B["B2"]))
		}
	})
}

func values(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// names turns person ids back into the outbreak's names, for messages.
func names(o *outbreak, ids []string) []string {
	rev := map[string]string{o.A: "A"}
	for _, m := range []map[string]string{o.B, o.N, o.C} {
		for k, v := range m {
			rev[v] = k
		}
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = rev[id]
		if out[i] == "" {
			out[i] = "household:" + id[:6]
		}
	}
	return out
}

// checkEvidence looks at the evidence the official sees for some links.
func checkEvidence(t *testing.T, f *fixture, o *outbreak) {
	t.Helper()
	v, err := f.svc.View(f.ctx, tracingReq, o.caseID)
	if err != nil {
		t.Fatal(err)
	}
	byPerson := map[string]tracing.ContactView{}
	for _, c := range v.Contacts {
		byPerson[c.PersonID] = c
	}
	b1 := byPerson[o.B["B1"]]
	if len(b1.Evidence) != 1 || b1.Evidence[0].Rule != tracing.RuleVenue || b1.Evidence[0].Place != "Quán phở Hàng Bạc" ||
		b1.Evidence[0].Overlap != 30*time.Minute || !b1.Evidence[0].ContactFrom.Equal(at(16, 12, 30)) {
		t.Errorf("B1's evidence: %+v", b1.Evidence)
	}
	b4 := byPerson[o.B["B4"]]
	if len(b4.Evidence) != 1 || b4.Evidence[0].Rule != tracing.RuleTransport || b4.Evidence[0].Detail != "12A ↔ 14C (2)" {
		t.Errorf("B4's evidence: %+v", b4.Evidence)
	}
	b7 := byPerson[o.B["B7"]]
	if len(b7.Evidence) != 1 || b7.Evidence[0].Rule != tracing.RuleBluetooth || b7.Evidence[0].Overlap != 20*time.Minute {
		t.Errorf("B7's evidence: %+v", b7.Evidence)
	}
	b9 := byPerson[o.B["B9"]]
	if len(b9.Rules) != 1 || b9.Rules[0] != tracing.RuleDeclared || len(b9.Places) != 1 || b9.Places[0] != "nhà bạn" {
		t.Errorf("B9's evidence: %+v %v", b9.Evidence, b9.Places)
	}
	if v.Person == nil || v.Person.ID != o.A {
		t.Errorf("the case's person is not shown")
	}
}

// TestInterruptedRun stops runs at each stage; the run made afterwards
// ends where an uninterrupted one would, and nobody is warned twice.
func TestInterruptedRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		o := plant(f)
		c, _, err := f.svc.Register(f.ctx, yte, tracing.Result{TestID: f.positive(o.A, at(18, 9, 0), at(19, 8, 0)), PersonID: o.A,
			Source: tracing.SourceLab, SampledAt: at(18, 9, 0), ResultAt: at(19, 8, 0), OnsetAt: at(17, 8, 0)})
		if err != nil {
			t.Fatal(err)
		}
		stop := errors.New("power cut")
		for _, stage := range []string{"found", "slice", "persisted"} {
			f.svc.SetInterrupt(func(s string) error {
				if s == stage {
					return stop
				}
				return nil
			})
			if _, err := f.svc.Trace(f.ctx, tracingReq, c.ID, 1); !errors.Is(err, stop) {
				t.Fatalf("interrupted at %s: %v", stage, err)
			}
		}
		f.svc.SetInterrupt(nil)
		rep, err := f.svc.Trace(f.ctx, tracingReq, c.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		want := sorted(without(values(o.B), o.B["B9"]), without(f.household(o.A), o.A))
		if got := f.links(c.ID, 1); !reflect.DeepEqual(got, want) {
			t.Fatalf("after interruptions\n got %v\nwant %v", names(o, got), names(o, want))
		}
		if rep.Notified != len(want) {
			t.Errorf("warned %d, want %d", rep.Notified, len(want))
		}
		evidence := f.count("tracing_evidence")
		if _, err := f.svc.Trace(f.ctx, tracingReq, c.ID, 1); err != nil || f.count("tracing_evidence") != evidence {
			t.Fatalf("a further run changed the evidence: %v", err)
		}
		for _, p := range want {
			if n := f.messages(p); n != 1 {
				t.Errorf("%v warned %d times", names(o, []string{p}), n)
			}
		}
	})
}
