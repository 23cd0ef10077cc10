package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pccovid/pccovid/internal/certificate"
	"github.com/pccovid/pccovid/internal/problem"
)

// dccValidator compiles the embedded DCC schema once per process: it is
// immutable reference data.
var dccValidator = sync.OnceValues(certificate.NewValidator)

// mustValidator returns the compiled schema; the schema is embedded, so a
// failure is a build defect.
func mustValidator() *certificate.Validator {
	v, err := dccValidator()
	if err != nil {
		panic(fmt.Sprintf("certificate: embedded DCC schema: %v", err))
	}
	return v
}

// cmdDCCCheck runs EU DCC test files: `pccovid dcc check FILE.json…`.
func cmdDCCCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "dcc check")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"usage: pccovid dcc check FILE.json… (official EU DCC test files)"}
	}
	failed := 0
	for _, path := range fs.Args() {
		if fs.NArg() > 1 {
			fmt.Fprintf(e.stdout, "%s\n", path)
		}
		ok, err := checkFile(e.stdout, path)
		if err != nil {
			return fmt.Errorf("dcc check %s: %w", path, err)
		}
		if !ok {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("dcc check: %d of %d files did not meet their expectations: %w", failed, fs.NArg(), problem.ErrInvalid)
	}
	return nil
}

func checkFile(w io.Writer, path string) (bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	png, err := certificate.FindPicture(path)
	if err != nil {
		return false, err
	}
	return certificate.RunCheck(w, data, certificate.WithPicture(png))
}

// cmdDCCVerify verifies a certificate's QR text, as the verifier page
// does: against the published signer list (from the database, or a file
// saved with `pccovid dcc signers`), at a time (now by default).
func cmdDCCVerify(ctx context.Context, e *env, args []string) error {
	var cfg Config
	fs := newFlags(e, "dcc verify")
	signers := fs.String("signers", "", "a signer list JSON file (from `pccovid dcc signers` or /api/v1/dcc/signers); default: the database's")
	at := fs.String("at", "", "verify as of this time, RFC 3339 (default now)")
	asJSON := fs.Bool("json", false, "print the answer as JSON, as the verifier page gets it")
	cfg.bind(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"usage: pccovid dcc verify [--signers FILE] [--at TIME] [--json] QR_TEXT|@FILE|-"}
	}
	qr, err := readQRArg(fs.Arg(0))
	if err != nil {
		return err
	}
	when := time.Now()
	if *at != "" {
		if when, err = time.Parse(time.RFC3339, *at); err != nil {
			return usageError{"--at must be an RFC 3339 time, e.g. 2022-05-11T09:00:00+07:00"}
		}
	}
	list, err := signerListFor(ctx, e, cfg, *signers)
	if err != nil {
		return err
	}
	dscs, err := certificate.ParseSignerList(list)
	if err != nil {
		return err
	}
	a := certificate.AnswerOf(certificate.NewVerifier(mustValidator(), dscs...).Verify(qr, when))
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(a)
	} else {
		a.WriteText(e.stdout)
	}
	if !a.Valid {
		return fmt.Errorf("certificate not valid: %s: %w", a.Code, problem.ErrInvalid)
	}
	return nil
}

// readQRArg reads QR text given inline, from a file (@FILE) or stdin (-).
func readQRArg(arg string) (string, error) {
	var b []byte
	var err error
	switch {
	case arg == "-":
		b, err = io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
	case strings.HasPrefix(arg, "@"):
		b, err = os.ReadFile(arg[1:])
	default:
		return arg, nil
	}
	return strings.TrimRight(string(b), "\r\n"), err
}

func signerListFor(ctx context.Context, e *env, cfg Config, file string) ([]byte, error) {
	if file != "" {
		return os.ReadFile(file)
	}
	a, err := Open(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return nil, err
	}
	defer a.Close()
	list, err := a.Certificates.Keys().SignerList(ctx)
	if err != nil {
		return nil, err
	}
	return json.Marshal(list)
}

// cmdDCCSigners prints the signer list verifiers trust.
func cmdDCCSigners(ctx context.Context, e *env, args []string) error {
	var cfg Config
	a, err := openApp(ctx, e, newFlags(e, "dcc signers"), args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	list, err := a.Certificates.Keys().SignerList(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(list)
}

// cmdKeysDCCInit makes Vietnam's country signing CA and first document
// signer, sealed in the database.
func cmdKeysDCCInit(ctx context.Context, e *env, args []string) error {
	var cfg Config
	a, err := openApp(ctx, e, newFlags(e, "keys dcc init"), args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.Certificates.Keys().Init(ctx); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "made the country signing CA and a document signer (key usage: vaccination, test, recovery):")
	return listDCCKeys(ctx, e, a)
}

// cmdKeysDCCRotate makes a new document signer and retires the old one.
func cmdKeysDCCRotate(ctx context.Context, e *env, args []string) error {
	var cfg Config
	fs := newFlags(e, "keys dcc rotate")
	csca := fs.Bool("csca", false, "replace the country signing CA too")
	a, err := openApp(ctx, e, fs, args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.Certificates.Keys().Rotate(ctx, *csca); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "a new document signer signs from now on; retired signers stay published until they expire:")
	return listDCCKeys(ctx, e, a)
}

func cmdKeysDCCList(ctx context.Context, e *env, args []string) error {
	var cfg Config
	a, err := openApp(ctx, e, newFlags(e, "keys dcc list"), args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	return listDCCKeys(ctx, e, a)
}

func listDCCKeys(ctx context.Context, e *env, a *App) error {
	keys, err := a.Certificates.Keys().List(ctx)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return errors.New("no DCC keys: run `pccovid keys dcc init`")
	}
	for _, k := range keys {
		state := "active"
		if !k.Active() {
			state = "retired " + k.RetiredAt.Format(time.RFC3339)
		}
		fmt.Fprintf(e.stdout, "  %-4s %-44s %s  valid %s – %s  %s\n", k.Role, k.KID, k.Cert.Subject.CommonName,
			k.Cert.NotBefore.Format("2006-01-02"), k.Cert.NotAfter.Format("2006-01-02"), state)
	}
	return nil
}
