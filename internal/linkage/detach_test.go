package linkage

import (
	"strings"
	"testing"
	"unsafe"
)

func TestDetachKeepsValuesAndDropsTheLine(t *testing.T) {
	line := strings.Repeat("x", 1000) + "|nv-001|001085012345|+84912345678|+84987654321|00001|nguyen van an"
	at := func(s string) string { i := strings.Index(line, s); return line[i : i+len(s)] }
	r := Record{Source: "ncovi", Key: at("nv-001"), ManagedBy: "", Profile: Profile{CCCD: at("001085012345"),
		Phones: []string{at("+84912345678"), at("+84987654321")}, Ward: at("00001"), Name: at("nguyen van an")}}
	r.split()
	want := r
	want.Phones = append([]string(nil), r.Phones...)
	r.Detach()
	if r.Key != want.Key || r.CCCD != want.CCCD || r.Ward != want.Ward || r.Name != want.Name || r.Source != "ncovi" ||
		r.Family() != "nguyen" || r.Middle() != "van" || r.Given() != "an" || len(r.Phones) != 2 ||
		r.Phones[0] != want.Phones[0] || r.Phones[1] != want.Phones[1] {
		t.Fatalf("detached %+v, want %+v", r, want)
	}
	lo, hi := uintptr(unsafe.Pointer(unsafe.StringData(line))), uintptr(unsafe.Pointer(unsafe.StringData(line)))+uintptr(len(line))
	for _, s := range []string{r.Key, r.CCCD, r.Ward, r.Name, r.Phones[0], r.Phones[1]} {
		if p := uintptr(unsafe.Pointer(unsafe.StringData(s))); p >= lo && p < hi {
			t.Errorf("%q still points into the line", s)
		}
	}
}
