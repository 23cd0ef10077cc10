package checkin_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/db/dbtest"
)

// FuzzVenueQR: only what the service signed parses, whatever the scanner
// read; a refusal is always ErrForgedQR.
func FuzzVenueQR(f *testing.F) {
	fx := newFixture(f, dbtest.SQLite(f), nil)
	signed := fx.svc.VenueQRContent("https://pccovid.example", "ABCD2345")
	f.Add(signed)
	f.Add(signed[strings.LastIndex(signed, "/")+1:])
	f.Add("https://x/c/ABCD2345.AAAAAAAAAAAAAAAA")
	f.Add("/c/")
	f.Fuzz(func(t *testing.T, s string) {
		code, err := fx.svc.ParseVenueQR(s)
		if err != nil {
			if !errors.Is(err, checkin.ErrForgedQR) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if !strings.Contains(strings.ToUpper(s), code+"."+strings.ToUpper(fx.svc.VenuePayload(code)[9:])) {
			t.Fatalf("accepted %q as %s without its signature", s, code)
		}
	})
}

// FuzzParseCode: typed codes never panic and only well-formed ones pass.
func FuzzParseCode(f *testing.F) {
	f.Add("ABCD-2345")
	f.Add("abcd 2345")
	f.Fuzz(func(t *testing.T, s string) {
		code, err := checkin.ParseCode(s)
		if err == nil && len(code) != 8 {
			t.Fatalf("accepted %q as %q", s, code)
		}
	})
}
