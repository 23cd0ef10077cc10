package app

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/synth"
)

// benchPostgres is the server benchmarks create their scratch databases on.
func benchPostgres() string {
	if u := os.Getenv("PCCOVID_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// scratchPostgres creates an empty database for a benchmark and returns its
// URL and a function that drops it.
func scratchPostgres(ctx context.Context, admin string) (string, func(), error) {
	a, err := sql.Open("pgx", admin)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "pccovid_bench_" + hex.EncodeToString(b)
	if _, err := a.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		a.Close()
		return "", nil, fmt.Errorf("create scratch database: %w", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		a.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		a.Close()
	}
	return u.String(), drop, nil
}

// peakRSS measures the peak resident memory of a phase: reset clears the
// kernel's high-water mark, read returns it in bytes.
type peakRSS struct{}

func (peakRSS) reset() {
	runtime.GC()
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

func (peakRSS) read() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// startCPUProfile profiles the process until the returned function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func cmdBenchRegistry(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench registry")
	persons := fs.Int("persons", 1_000_000, "persons in the synthetic extract")
	seed := fs.Int64("seed", 1, "generator seed")
	in := fs.String("in", "", "use this extract folder instead of generating one")
	pg := fs.String("postgres", benchPostgres(), "PostgreSQL server to create the scratch database on ('' to skip)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the loads to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *profile != "" {
		stop, err := startCPUProfile(*profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	dir := *in
	if dir == "" {
		tmp, err := os.MkdirTemp("", "pccovid-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		start := time.Now()
		if _, err := synth.WriteRegistry(tmp, *seed, *persons); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "generated %d persons in %s\n", *persons, time.Since(start).Round(time.Millisecond))
		dir = tmp
	}
	fmt.Fprintf(e.stdout, "| phase | persons | time | persons/s | ratio to parse | peak RSS |\n|---|---|---|---|---|---|\n")
	var rss peakRSS
	var base time.Duration
	for _, target := range []string{"parse only", "sqlite", "postgres"} {
		if target == "postgres" && *pg == "" {
			continue
		}
		rss.reset()
		d, n, err := benchLoad(ctx, target, dir, *pg)
		if err != nil {
			return fmt.Errorf("%s: %w", target, err)
		}
		if base == 0 {
			base = d
		}
		fmt.Fprintf(e.stdout, "| %s | %d | %s | %.0f | %.2f× | %s |\n", target, n, d.Round(time.Millisecond),
			float64(n)/d.Seconds(), d.Seconds()/base.Seconds(), mib(rss.read()))
	}
	return nil
}

// benchLoad loads the extract into a fresh database of the target engine
// (or only checks it) and returns the load time.
func benchLoad(ctx context.Context, target, dir, pg string) (time.Duration, int, error) {
	tmp, err := os.MkdirTemp("", "pccovid-bench-db-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(tmp)
	cfg := Config{DataDir: tmp, LogLevel: "error"}
	if target == "postgres" {
		u, drop, err := scratchPostgres(ctx, pg)
		if err != nil {
			return 0, 0, err
		}
		defer drop()
		cfg.Database = u
	}
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return 0, 0, err
	}
	defer a.Close()
	load := a.Persons.LoadExtract
	if target == "parse only" {
		load = a.Persons.CheckExtract
	}
	start := time.Now()
	rep, err := load(ctx, dir, nil)
	return time.Since(start), rep.People, err
}

func cmdGenPopulation(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "gen population")
	persons := fs.Int("persons", 10_000, "number of persons")
	seed := fs.Int64("seed", 1, "seed: the same seed gives the same extract")
	out := fs.String("out", "", "output folder (created)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"usage: pccovid gen population --persons N --seed S --out DIR"}
	}
	start := time.Now()
	st, err := synth.WriteRegistry(*out, *seed, *persons)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s and %s in %s: %+v\n", filepath.Join(*out, "people.csv"),
		filepath.Join(*out, "insurance.csv"), time.Since(start).Round(time.Millisecond), st)
	return nil
}
