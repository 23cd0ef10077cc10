package app

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Config is what every command that touches the database needs. It is read
// from flags, then from PCCOVID_* environment variables for flags not given
// (secrets also from PCCOVID_*_FILE), and validated before use.
type Config struct {
	DataDir  string
	Database string
	KeysFile string
	Keys     string
	LogLevel string
	LogJSON  bool
	// RetentionDays is how long contact data (check-ins) is kept.
	RetentionDays int
}

// bind registers the common flags on fs.
func (c *Config) bind(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data", "./pccovid-data", "data directory: embedded database, key file")
	fs.StringVar(&c.Database, "database", "", "database URL: postgres://… (default: embedded SQLite under --data)")
	fs.StringVar(&c.KeysFile, "keys-file", "", "key file (default: DATA/keys.json, created on first run)")
	fs.StringVar(&c.Keys, "keys", "", "key file content as JSON, instead of a file (for containers)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.BoolVar(&c.LogJSON, "log-json", false, "log JSON lines instead of text")
	fs.IntVar(&c.RetentionDays, "retention-days", 21, "keep contact data (check-ins, Bluetooth logs, travel declarations) this many days, then purge it")
}

func (c *Config) validate() error {
	if c.DataDir == "" {
		return errors.New("--data must not be empty")
	}
	if c.KeysFile == "" {
		c.KeysFile = filepath.Join(c.DataDir, "keys.json")
	}
	if c.RetentionDays < 0 {
		return fmt.Errorf("--retention-days %d: want 1 or more", c.RetentionDays)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	return nil
}

// secretFlags may also be given as PCCOVID_NAME_FILE, a file holding the
// value, so that secrets need not sit in the environment.
var secretFlags = map[string]bool{"database": true, "keys": true, "registry-token": true, "password": true}

// parseFlags parses args, then fills every flag not given on the command
// line from its environment variable: --keys-file from PCCOVID_KEYS_FILE.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		env := "PCCOVID_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := os.LookupEnv(env)
		if !ok && secretFlags[f.Name] {
			if path, fok := os.LookupEnv(env + "_FILE"); fok {
				b, err := os.ReadFile(path)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s_FILE: %w", env, err))
					return
				}
				v, ok = strings.TrimSpace(string(b)), true
			}
		}
		if !ok {
			return
		}
		if err := f.Value.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", env, v, err))
		}
	})
	return errors.Join(errs...)
}
