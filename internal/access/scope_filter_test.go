package access

import (
	"reflect"
	"testing"
)

func TestScopeFilter(t *testing.T) {
	if w, args := Country.Filter("ward_code", 0); w != "1 = 1" || args != nil {
		t.Errorf("country: %q %v", w, args)
	}
	w, args := Scope("00001").Filter("o.ward_code", 2)
	if w != "o.ward_code IN ($3, $4)" || !reflect.DeepEqual(args, []any{"00001", "00001"}) {
		t.Errorf("ward: %q %v", w, args)
	}
	// A district: its wards and its own code (rows that know only the
	// district), numbered from after+1.
	w, args = Scope("001").Filter("area", 0)
	if len(args) < 2 || args[len(args)-1] != "001" || w[:10] != "area IN ($" {
		t.Errorf("district: %q %v", w, args)
	}
}
