package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/pccovid/pccovid/internal/linkage"
	"github.com/pccovid/pccovid/internal/synth"
	"github.com/pccovid/pccovid/internal/takeover"
)

func cmdImport(ctx context.Context, e *env, args []string) error {
	var cfg Config
	fs := newFlags(e, "import")
	dry := fs.Bool("dry-run", false, "read and validate every file, write nothing (needs no database)")
	batch := fs.Int("batch", 0, "records per transaction (0: the default, 400,000; a resumed import keeps its own)")
	memLimit := fs.Int("memory-limit-mib", 3584, "soft memory limit for the import, in MiB (GOMEMLIMIT wins when set)")
	cfg.bind(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"usage: pccovid import [--data DIR] [--database URL] [--dry-run] PATH"}
	}
	dir := fs.Arg(0)
	if *dry {
		start := time.Now()
		rep, err := takeover.DryRun(ctx, dir)
		if rep != nil {
			rep.WriteText(e.stdout)
		}
		fmt.Fprintf(e.stdout, "dry run: read in %s, nothing written\n", time.Since(start).Round(time.Millisecond))
		return err
	}
	if os.Getenv("GOMEMLIMIT") == "" && *memLimit > 0 {
		// The import holds every record's identity evidence at once; a soft
		// limit makes the collector work harder near it instead of letting
		// the heap double.
		debug.SetMemoryLimit(int64(*memLimit) << 20)
	}
	a, err := Open(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	bars := map[string]*progress{}
	rep, err := a.Takeover.Import(ctx, dir, takeover.Options{BatchSize: *batch, Progress: func(stage string, done, total int) {
		b, ok := bars[stage]
		if !ok {
			b = newProgress(e.stderr, stage, total)
			bars[stage] = b
		}
		b.set(done)
	}})
	for _, b := range bars {
		b.done()
	}
	if rep != nil {
		rep.WriteText(e.stdout)
	}
	if err != nil {
		return fmt.Errorf("import: %w (run the same command again to resume)", err)
	}
	return nil
}

func cmdExportLinkage(ctx context.Context, e *env, args []string) error {
	var cfg Config
	fs := newFlags(e, "export linkage")
	out := fs.String("out", "", "CSV file to write (source,record_key,person_id)")
	a, err := openApp(ctx, e, fs, args, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if *out == "" {
		return usageError{"usage: pccovid export linkage --data DIR --out FILE"}
	}
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".linkage-*.csv")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := a.Takeover.ExportLinkage(ctx, tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), *out)
}

func cmdLinkageEval(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "linkage eval")
	truthPath := fs.String("truth", "", "truth.csv of a dump (source,record_key,person_key)")
	mappingPath := fs.String("mapping", "", "the export (source,record_key,person_id)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *truthPath == "" || *mappingPath == "" {
		return usageError{"usage: pccovid linkage eval --truth truth.csv --mapping FILE"}
	}
	read := func(path string) (linkage.Mapping, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return linkage.ReadMapping(f, path)
	}
	truth, err := read(*truthPath)
	if err != nil {
		return err
	}
	got, err := read(*mappingPath)
	if err != nil {
		return err
	}
	linkage.Report(e.stdout, truth, got)
	return nil
}

func cmdGenLegacy(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "gen legacy")
	persons := fs.Int("persons", 10_000, "number of persons in the population behind the dump")
	seed := fs.Int64("seed", 1, "seed: the same seed gives the same dump")
	out := fs.String("out", "", "output folder (created): a dump in the legacy format, with truth.csv")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"usage: pccovid gen legacy --persons N --seed S --out DIR"}
	}
	start := time.Now()
	st, err := synth.WriteLegacyDump(*out, *seed, *persons)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote a legacy dump of %d records (%d persons, %d outside the registry) to %s in %s\n",
		st.Records(), *persons, st.NoregPersons, *out, time.Since(start).Round(time.Millisecond))
	return nil
}
