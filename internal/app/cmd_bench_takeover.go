package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/linkage"
	"github.com/pccovid/pccovid/internal/synth"
	"github.com/pccovid/pccovid/internal/takeover"
)

// cmdBenchTakeover measures the whole takeover — registry, reading, linking,
// writing — against the dry run of the same dump in the same invocation, and
// checks the linkage it produced against the dump's truth.
func cmdBenchTakeover(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench takeover")
	persons := fs.Int("persons", 1_000_000, "persons in the population behind the generated dump")
	seed := fs.Int64("seed", 1, "generator seed")
	in := fs.String("in", "", "use this dump folder instead of generating one")
	pg := fs.String("postgres", benchPostgres(), "PostgreSQL server to create the scratch database on ('' to skip)")
	engines := fs.String("engines", "sqlite,postgres", "engines to import into, in order")
	memLimit := fs.Int("memory-limit-mib", 3584, "soft memory limit during each import, as `pccovid import` sets it")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the imports to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile of the first import to this file, taken when linking is done (the plan is at its largest)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dir := *in
	if dir == "" {
		tmp, err := os.MkdirTemp("", "pccovid-bench-legacy-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		start := time.Now()
		st, err := synth.WriteLegacyDump(tmp, *seed, *persons)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "generated a dump of %d records (%d persons) in %s\n", st.Records(), *persons, time.Since(start).Round(time.Millisecond))
		dir = tmp
	}
	var rss peakRSS
	rss.reset()
	start := time.Now()
	dry, err := takeover.DryRun(ctx, dir)
	if err != nil {
		return fmt.Errorf("dry run: %w", err)
	}
	base := time.Since(start)
	fmt.Fprintf(e.stdout, "| phase | records | time | records/s | ratio to dry run | peak RSS | stages |\n|---|---|---|---|---|---|---|\n")
	fmt.Fprintf(e.stdout, "| dry run | %d | %s | %.0f | 1.00× | %s | |\n", dry.Read, base.Round(time.Millisecond),
		float64(dry.Read)/base.Seconds(), mib(rss.read()))
	if *profile != "" {
		stop, err := startCPUProfile(*profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	var quality bytes.Buffer
	heapProfile := *memProfile // the first import's only
	for _, engine := range strings.Split(*engines, ",") {
		if engine == "postgres" && *pg == "" {
			continue
		}
		rss.reset()
		res, err := benchImport(ctx, engine, dir, *pg, *memLimit, heapProfile)
		heapProfile = ""
		if err != nil {
			return fmt.Errorf("%s: %w", engine, err)
		}
		fmt.Fprintf(e.stdout, "| import into %s | %d | %s | %.0f | %.2f× | %s | %s |\n", engine, res.records,
			res.took.Round(time.Millisecond), float64(res.records)/res.took.Seconds(), res.took.Seconds()/base.Seconds(),
			mib(rss.read()), res.stages)
		if res.truth != nil {
			fmt.Fprintf(&quality, "\nLinkage in %s against truth.csv:\n\n", engine)
			linkage.Report(&quality, res.truth, res.got)
		}
	}
	_, err = quality.WriteTo(e.stdout)
	return err
}

type importResult struct {
	records    int
	took       time.Duration
	stages     string // wall time of each stage, in order
	truth, got linkage.Mapping
}

// benchImport takes the dump over into a fresh database of the engine and
// reads the linkage back for evaluation.
func benchImport(ctx context.Context, engine, dir, pg string, memLimit int, memProfile string) (importResult, error) {
	var res importResult
	tmp, err := os.MkdirTemp("", "pccovid-bench-db-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(tmp)
	cfg := Config{DataDir: tmp, LogLevel: "error"}
	if engine == "postgres" {
		u, drop, err := scratchPostgres(ctx, pg)
		if err != nil {
			return res, err
		}
		defer drop()
		cfg.Database = u
	}
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return res, err
	}
	defer a.Close()
	if memLimit > 0 {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(memLimit) << 20))
	}
	var stages []string
	stage, stageStart := "", time.Now()
	start := time.Now()
	rep, err := a.Takeover.Import(ctx, dir, takeover.Options{Progress: func(s string, _, _ int) {
		if s == stage {
			return
		}
		if stage != "" {
			stages = append(stages, fmt.Sprintf("%s %s", stage, time.Since(stageStart).Round(100*time.Millisecond)))
		}
		if s == "write" && memProfile != "" {
			if err := writeHeapProfile(memProfile); err != nil {
				slog.Warn("heap profile", "err", err)
			}
		}
		stage, stageStart = s, time.Now()
	}})
	res.took = time.Since(start)
	if err != nil {
		return res, err
	}
	if stage != "" {
		stages = append(stages, fmt.Sprintf("%s %s", stage, time.Since(stageStart).Round(100*time.Millisecond)))
	}
	res.records, res.stages = rep.Records, strings.Join(stages, ", ")

	truthFile, err := os.Open(filepath.Join(dir, "truth.csv"))
	if os.IsNotExist(err) {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	defer truthFile.Close()
	if res.truth, err = linkage.ReadMapping(truthFile, "truth.csv"); err != nil {
		return res, err
	}
	var export bytes.Buffer
	if err := a.Takeover.ExportLinkage(ctx, &export); err != nil {
		return res, err
	}
	res.got, err = linkage.ReadMapping(&export, "export")
	return res, err
}

// writeHeapProfile writes what is live now (after a collection) to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
