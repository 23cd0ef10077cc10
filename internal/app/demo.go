package app

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/synth"
	"github.com/pccovid/pccovid/internal/takeover"
	"github.com/pccovid/pccovid/internal/vn"
)

// Demo data: a synthetic town's worth of people and one account per role.
const (
	demoPersons  = 3000
	demoSeed     = 2021
	demoPassword = "pccovid-demo"
)

// seedDemo fills an empty database with a synthetic population, the old
// apps' data about it taken over, and demo accounts, and prints how to log
// in. A database that already has people is
// left alone, so restarting with --demo is harmless.
func (a *App) seedDemo(ctx context.Context, out io.Writer) error {
	var n int
	if err := a.DB.QueryRow(ctx, "SELECT count(*) FROM persons").Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		dir, err := os.MkdirTemp("", "pccovid-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		// A legacy dump of the old apps, with its registry: the demo shows
		// people whose declarations, doses and tests were taken over.
		if _, err := synth.WriteLegacyDump(dir, demoSeed, demoPersons); err != nil {
			return err
		}
		if _, err := a.Takeover.Import(ctx, dir, takeover.Options{}); err != nil {
			return err
		}
		if err := a.demoOfficials(ctx); err != nil {
			return err
		}
	}
	return a.printDemoLogins(ctx, out)
}

// demoOfficial is one demo account; its scope is filled from the data.
type demoOfficial struct {
	username string
	role     access.Role
	scope    func(ward string) string
	org      string
}

var demoOfficials = []demoOfficial{
	{"admin", access.RoleAdmin, func(string) string { return "VN" }, "Bộ Y tế"},
	{"yte", access.RoleHealthOfficial, func(string) string { return "VN" }, "Cục Y tế dự phòng"},
	{"yte.tinh", access.RoleHealthOfficial, provinceOf, "CDC tỉnh"},
	{"phuong", access.RoleCommuneOfficer, func(w string) string { return w }, "UBND phường"},
	{"congan", access.RolePoliceOfficer, provinceOf, "Công an tỉnh"},
	{"diadiem", access.RoleVenueOperator, func(w string) string { return w }, "Cửa hàng mẫu"},
}

func provinceOf(ward string) string {
	p, _, _, _ := vn.AdminUnits().WardPath(ward)
	return p.Code
}

func (a *App) demoOfficials(ctx context.Context) error {
	var ward string
	if err := a.DB.QueryRow(ctx, "SELECT ward_code FROM persons ORDER BY id LIMIT 1").Scan(&ward); err != nil {
		return err
	}
	for _, d := range demoOfficials {
		_, err := a.Officials.Create(ctx, access.NewOfficial{Username: d.username, Name: "Cán bộ " + d.username,
			Password: demoPassword, Role: d.role, Scope: access.Scope(d.scope(ward)), Organization: d.org})
		if err != nil {
			return fmt.Errorf("demo official %s: %w", d.username, err)
		}
	}
	return nil
}

// printDemoLogins tells a newcomer how to get in: a few phone numbers of
// synthetic people, and the official accounts.
func (a *App) printDemoLogins(ctx context.Context, out io.Writer) error {
	phones, err := a.Persons.SamplePhones(ctx, 3)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Demo data is loaded (synthetic people, not real ones).")
	fmt.Fprintln(out, "  Citizen app: log in with one of these phone numbers; the code is shown at /demo/sms:")
	for _, p := range phones {
		fmt.Fprintln(out, "    "+p.National())
	}
	fmt.Fprintf(out, "  Console (/console): user names admin, yte, yte.tinh, phuong, congan, diadiem — password %q\n", demoPassword)
	return nil
}
