package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pccovid/pccovid/internal/problem"
)

// command is one subcommand of pccovid.
type command struct {
	name    string // "serve", "registry load"
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a command runs with: its output streams.
type env struct {
	stdout, stderr io.Writer
}

// usageError is a mistake on the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func commands() []command {
	return []command{
		{"serve", "run the HTTP server: citizen app, console, APIs", cmdServe},
		{"registry load", "load a population-database extract (people.csv, insurance.csv)", cmdRegistryLoad},
		{"gen population", "write a synthetic population-database extract", cmdGenPopulation},
		{"gen legacy", "write a synthetic legacy dump (all old apps' formats) with its truth.csv", cmdGenLegacy},
		{"import", "take over a legacy dump (resumable); --dry-run only reads and validates", cmdImport},
		{"export linkage", "write which person every taken-over record is (CSV)", cmdExportLinkage},
		{"linkage eval", "measure a linkage export against a dump's truth.csv", cmdLinkageEval},
		{"bench checkin", "measure check-ins per second and latency over HTTP against a bare handler", cmdBenchCheckin},
		{"purge", "delete contact data past the retention window (check-ins, Bluetooth logs, travel declarations); the server also does it", cmdPurge},
		{"bench registry", "measure registry load speed into SQLite and PostgreSQL against a parse-only baseline", cmdBenchRegistry},
		{"bench takeover", "take a generated dump over into SQLite and PostgreSQL against its dry run, and check the linkage", cmdBenchTakeover},

		{"user add", "create an official account", cmdUserAdd},
		{"user list", "list official accounts", cmdUserList},
		{"keys rotate", "add a new data key and make it primary; --reseal re-encrypts old values", cmdKeysRotate},
		{"audit verify", "check the audit trail's hash chain", cmdAuditVerify},

		{"exposure derive", "print the Bluetooth identifiers (RPI, AEM) of a Temporary Exposure Key", cmdExposureDerive},
		{"exposure simulate", "phones meet, cases report, phones match: check exposures found against those planted", cmdExposureSimulate},
		{"exposure export", "cut the waiting exposure keys into signed export files now", cmdExposureExport},
		{"exposure retain", "delete exposure keys and export files past retention, and expired codes", cmdExposureRetain},
		{"exposure keys list", "list the exposure signing keys (verification certificates, export files)", cmdExposureKeysList},
		{"exposure keys rotate", "make a new exposure signing key sign: --use verification|export", cmdExposureKeysRotate},

		{"dcc check", "run EU DCC test files (FILE.json…): each EXPECTED… key as expected=… got=…; exit 0 only when all are met", cmdDCCCheck},
		{"dcc verify", "verify a certificate's QR text against the published signers: valid or not, and why", cmdDCCVerify},
		{"dcc signers", "print the document-signer list verifiers trust (JSON)", cmdDCCSigners},
		{"keys dcc init", "make the DCC country signing CA and document signer (sealed in the database)", cmdKeysDCCInit},
		{"keys dcc rotate", "make a new DCC document signer (--csca: a new CA too); old ones stay published", cmdKeysDCCRotate},
		{"keys dcc list", "list the DCC signing keys", cmdKeysDCCList},

		{"bench trace", "load a synthetic history (50M check-ins by default) and time finding F1s and F2s", cmdBenchTrace},
		{"tracing sync", "register the cases of positive results not yet registered; the server also does it", cmdTracingSync},
		{"tracing rules", "list the versions of the close-contact rules; --add FILE.json --version V --from DATE adds one", cmdTracingRules},
		{"quarantine policies", "list the quarantine policies; --add FILE.json --code C --from DATE --title T adds one", cmdQuarantinePolicies},
		{"quarantine sync", "issue arrivals' and cases' orders and raise alerts now; the server also does it", cmdQuarantineSync},
	}
}

// Run runs the pccovid command line.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	e := &env{stdout: stdout, stderr: stderr}
	cmds := commands()
	sort.Slice(cmds, func(i, j int) bool { return len(cmds[i].name) > len(cmds[j].name) })
	joined := strings.Join(args, " ")
	for _, c := range cmds {
		if joined == c.name || strings.HasPrefix(joined, c.name+" ") {
			rest := args[len(strings.Fields(c.name)):]
			return c.run(ctx, e, rest)
		}
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return nil
	}
	usage(stderr)
	return usageError{fmt.Sprintf("unknown command %q", strings.Join(args, " "))}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "PC-Covid — the one platform for Vietnam's COVID-19 response.")
	fmt.Fprintln(w, "\nUsage: pccovid COMMAND [flags]\n\nCommands:")
	cmds := commands()
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-18s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery flag can also be set as PCCOVID_<FLAG> (e.g. PCCOVID_DATABASE); secrets also as PCCOVID_<FLAG>_FILE.")
	fmt.Fprintln(w, "Run 'pccovid COMMAND -h' for a command's flags.")
}

// ExitCode maps an error to the process exit code: 2 for usage mistakes, 3
// for bad input, 1 otherwise.
func ExitCode(err error) int {
	var u usageError
	switch {
	case errors.As(err, &u), errors.Is(err, flag.ErrHelp):
		return 2
	case errors.Is(err, problem.ErrInvalid):
		return 3
	}
	return 1
}

// newFlags returns a flag set for a command whose errors are returned, not
// printed and exited on.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("pccovid "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// openApp parses the common flags with the command's own, then opens the
// platform.
func openApp(ctx context.Context, e *env, fs *flag.FlagSet, args []string, cfg *Config) (*App, error) {
	cfg.bind(fs)
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	return Open(ctx, *cfg, newLogger(*cfg, e.stderr))
}
