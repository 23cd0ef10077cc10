package app

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/certificate/issuance"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/exposure"
	"github.com/pccovid/pccovid/internal/feedback"
	"github.com/pccovid/pccovid/internal/health"
	"github.com/pccovid/pccovid/internal/identity"
	"github.com/pccovid/pccovid/internal/inbox"
	"github.com/pccovid/pccovid/internal/quarantine"
	"github.com/pccovid/pccovid/internal/seal"
	"github.com/pccovid/pccovid/internal/takeover"
	"github.com/pccovid/pccovid/internal/tracing"
)

func cmdRegistryLoad(ctx context.Context, e *env, args []string) error {
	var cfg Config
	fs := newFlags(e, "registry load")
	a, err := openApp(ctx, e, fs, args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if fs.NArg() != 1 {
		return usageError{"usage: pccovid registry load [--data DIR] [--database URL] PATH (a folder with people.csv and insurance.csv)"}
	}
	bar := newProgress(e.stderr, "registry", 0)
	rep, err := a.Persons.LoadExtract(ctx, fs.Arg(0), bar.set)
	bar.done()
	if err != nil {
		return fmt.Errorf("registry load: %w (nothing was loaded)", err)
	}
	fmt.Fprintf(e.stdout, "loaded %d people and %d insurance cards in %s (%.0f people/s); %d CCCDs contradict sex or birth year\n",
		rep.People, rep.Insurance, rep.Duration.Round(1e6), float64(rep.People)/rep.Duration.Seconds(), rep.Contradictions)
	return nil
}

func cmdUserAdd(ctx context.Context, e *env, args []string) error {
	var cfg Config
	var n access.NewOfficial
	var role, scope, passwordFile string
	fs := newFlags(e, "user add")
	fs.StringVar(&n.Username, "username", "", "user name (lower-case letters, digits, . - _)")
	fs.StringVar(&n.Name, "name", "", "full name")
	fs.StringVar(&role, "role", "", "role: "+joinRoles())
	fs.StringVar(&scope, "scope", "VN", "area: VN, or a province, district or ward code")
	fs.StringVar(&n.Organization, "org", "", "organisation, e.g. 'TTYT Quận Ba Đình'")
	fs.StringVar(&passwordFile, "password-file", "", "read the password from this file (default: ask on the terminal, or read stdin)")
	a, err := openApp(ctx, e, fs, args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	n.Role, n.Scope = access.Role(role), access.Scope(scope)
	if n.Password, err = readPassword(e, passwordFile); err != nil {
		return err
	}
	off, err := a.Officials.Create(ctx, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created %s (%s, scope %s), id %s\n", off.Username, off.Role, off.Scope, off.ID)
	return nil
}

func joinRoles() string {
	var s []string
	for _, r := range access.OfficialRoles {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

func readPassword(e *env, file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		return strings.TrimRight(string(b), "\r\n"), err
	}
	if v := os.Getenv("PCCOVID_PASSWORD"); v != "" {
		return v, nil
	}
	if term.IsTerminal(int(os.Stdin.Fd())) {
		fmt.Fprint(e.stderr, "Password: ")
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(e.stderr)
		return string(b), err
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func cmdUserList(ctx context.Context, e *env, args []string) error {
	var cfg Config
	fs := newFlags(e, "user list")
	a, err := openApp(ctx, e, fs, args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	offs, err := a.Officials.List(ctx)
	if err != nil {
		return err
	}
	for _, o := range offs {
		fmt.Fprintf(e.stdout, "%-24s %-16s %-6s %s\n", o.Username, o.Role, o.Scope, o.Organization)
	}
	return nil
}

// sealedColumns lists every sealed column of every package, for re-sealing.
func sealedColumns() []seal.Column {
	var cols []seal.Column
	for _, c := range [][]seal.Column{identity.SealedColumns(), access.SealedColumns(), health.SealedColumns(),
		declaration.SealedColumns(), takeover.SealedColumns(), exposure.SealedColumns(), inbox.SealedColumns(), feedback.SealedColumns(),
		health.TreatmentSealedColumns(), issuance.SealedColumns(), tracing.SealedColumns(), quarantine.SealedColumns()} {
		cols = append(cols, c...)
	}
	return cols
}

func cmdKeysRotate(ctx context.Context, e *env, args []string) error {
	var cfg Config
	fs := newFlags(e, "keys rotate")
	reseal := fs.Bool("reseal", false, "re-encrypt every value sealed under an older key")
	a, err := openApp(ctx, e, fs, args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if a.Config.Keys != "" {
		return usageError{"keys rotate needs a key file (--keys-file); keys given inline in PCCOVID_KEYS must be rotated where they are kept"}
	}
	kf, err := seal.LoadKeyFile(a.Config.KeysFile)
	if err != nil {
		return err
	}
	if err := kf.AddKey(a.Clock.Now()); err != nil {
		return err
	}
	ring, err := kf.Ring()
	if err != nil {
		return err
	}
	// The file first: a crash between the two leaves a key the database has
	// not seen yet, which the next start records; the other order would
	// leave the database expecting a key no file holds.
	if err := kf.Save(a.Config.KeysFile); err != nil {
		return err
	}
	s := seal.NewSealer(ring)
	if err := s.Bind(ctx, a.DB, a.Clock.Now()); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "key %d is now primary (keys %v)\n", ring.Primary(), ring.KeyIDs())
	if !*reseal {
		return nil
	}
	n, err := s.Reseal(ctx, a.DB, sealedColumns())
	fmt.Fprintf(e.stdout, "re-sealed %d values under key %d\n", n, ring.Primary())
	return err
}

func cmdAuditVerify(ctx context.Context, e *env, args []string) error {
	var cfg Config
	fs := newFlags(e, "audit verify")
	a, err := openApp(ctx, e, fs, args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.Trail.Verify(ctx)
	if err != nil {
		return err
	}
	if !rep.OK() {
		for _, b := range rep.Broken {
			fmt.Fprintln(e.stdout, "BROKEN:", b)
		}
		return fmt.Errorf("audit trail is broken: %d problems in %d entries", len(rep.Broken), rep.Entries)
	}
	fmt.Fprintf(e.stdout, "audit trail intact: %d entries; head %d %s (keep this line to detect a truncated tail later)\n",
		rep.Entries, rep.HeadSeq, rep.HeadMAC)
	return nil
}
