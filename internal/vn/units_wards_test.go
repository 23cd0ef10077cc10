package vn

import "testing"

func TestWardsIn(t *testing.T) {
	u := AdminUnits()
	if got := u.WardsIn("00001"); len(got) != 1 || got[0] != "00001" {
		t.Errorf("WardsIn(ward 00001) = %v", got)
	}
	if got := u.WardsIn("99999"); got != nil {
		t.Errorf("WardsIn(unknown) = %v, want nil", got)
	}
	hanoi := u.WardsIn("01")
	if len(hanoi) < 500 {
		t.Fatalf("Hà Nội has %d wards, want hundreds", len(hanoi))
	}
	total := 0
	for _, p := range u.Children("VN") {
		total += len(u.WardsIn(p.Code))
	}
	if total != 10599 {
		t.Errorf("the provinces' wards add up to %d, want 10,599", total)
	}
	for _, w := range hanoi {
		if x, ok := u.Lookup(w); !ok || x.Level != LevelWard || !u.Within("01", w) {
			t.Fatalf("%s is not a ward of Hà Nội", w)
		}
	}
}
