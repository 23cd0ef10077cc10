package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/declaration"
	"github.com/pccovid/pccovid/internal/synth"
	"github.com/pccovid/pccovid/internal/tracing"
	"github.com/pccovid/pccovid/internal/vn"
)

// traceBench is one run of pccovid bench trace: a synthetic history of
// check-ins — with the population's households and travel declarations —
// loaded into a scratch database, then the F1s and F2s of sampled cases
// found and timed.
type traceBench struct {
	e *env
	// The history's shape (flags).
	checkins, days, perPerson, personsPerVenue int
	cases, f2Cases                             int
	seed                                       int64
	// Derived.
	persons, venues int
	base            time.Time // midnight starting the first day, Vietnam time
	ids             []string  // person ids, in population order
	households      int
	declarations    int
	app             *App
	profile         string
	last            latencies // the last measurement
	phases          []phase
	cleanup         []func()
}

type phase struct {
	name string
	rows int
	took time.Duration
}

func cmdBenchTrace(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench trace")
	b := &traceBench{e: e}
	fs.IntVar(&b.checkins, "checkins", 50_000_000, "check-ins in the synthetic history")
	fs.IntVar(&b.days, "days", 21, "days the history spans (the retention window)")
	fs.IntVar(&b.perPerson, "per-person", 50, "check-ins per person over the days: the population is checkins/per-person")
	fs.IntVar(&b.personsPerVenue, "persons-per-venue", 20, "persons per venue: the venues are the population/persons-per-venue")
	fs.IntVar(&b.cases, "cases", 1000, "cases whose F1s are found and timed")
	fs.IntVar(&b.f2Cases, "f2-cases", 100, "cases whose F2s are found and timed")
	fs.Int64Var(&b.seed, "seed", 1, "generator seed")
	engine := fs.String("engine", "sqlite", "sqlite, postgres or both")
	pg := fs.String("postgres", benchPostgres(), "PostgreSQL server to create the scratch database on")
	dir := fs.String("dir", "", "folder for the SQLite scratch database and the key file (default: a temporary folder); SQLite needs about 300 bytes per check-in")
	reuse := fs.String("reuse", "", "only time the queries, on a database loaded before with --keep and the same flags (sqlite:PATH or postgres://…)")
	keep := fs.Bool("keep", false, "keep the scratch database and print how to --reuse it")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the queries to this file")
	compare := fs.Int("compare", 0, "also load and time a history of this many check-ins first (same densities), and print how latency grows")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	b.profile = *profile
	if b.checkins < 100*b.perPerson || b.days < 5 || b.perPerson < 1 || b.personsPerVenue < 1 || (*compare != 0 && *compare < 100*b.perPerson) {
		return usageError{"bench trace: --checkins (and --compare) must be at least 100 × --per-person, --days at least 5"}
	}
	if *compare != 0 && *reuse != "" {
		return usageError{"bench trace: --compare loads both histories; it cannot --reuse one"}
	}
	now := time.Now().In(vn.Location())
	b.base = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, vn.Location()).AddDate(0, 0, -b.days)
	engines := []string{*engine}
	if *engine == "both" {
		engines = []string{"sqlite", "postgres"}
	}
	sizes := []int{b.checkins}
	if *compare != 0 {
		sizes = []int{*compare, b.checkins}
	}
	results := map[string][]latencies{}
	for _, eng := range engines {
		for _, n := range sizes {
			b.resize(n)
			fmt.Fprintf(e.stdout, "\n## %s: %d check-ins over %d days by %d persons at %d venues\n", eng, b.checkins, b.days, b.persons, b.venues)
			err := b.run(ctx, eng, *pg, *dir, *reuse, *keep)
			for _, fn := range b.cleanup {
				fn()
			}
			b.cleanup, b.phases = nil, nil
			if err != nil {
				return fmt.Errorf("%s: %w", eng, err)
			}
			results[eng] = append(results[eng], b.last)
		}
	}
	if len(sizes) == 2 {
		printGrowth(e.stdout, engines, sizes, results)
	}
	return nil
}

// resize sets the history's size: the population and the venues grow with
// the check-ins, so that each person's and each venue's day looks the same
// at any size, and only the tables grow.
func (b *traceBench) resize(checkins int) {
	b.checkins = checkins
	b.persons = b.checkins / b.perPerson
	b.venues = max(1, b.persons/b.personsPerVenue)
}

// latencies are one measurement's percentiles.
type latencies struct {
	f1p50, f1p99, f2p50, f2p99 time.Duration
}

// printGrowth prints how the latencies grew from the smaller history to
// the larger.
func printGrowth(w io.Writer, engines []string, sizes []int, results map[string][]latencies) {
	fmt.Fprintf(w, "\n## growth from %d to %d check-ins\n\n| engine | F1 p50 | F1 p99 | F2 p50 | F2 p99 |\n|---|---:|---:|---:|---:|\n", sizes[0], sizes[1])
	ratio := func(a, b time.Duration) string { return fmt.Sprintf("%.2f×", float64(b)/float64(max(a, 1))) }
	for _, eng := range engines {
		r := results[eng]
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", eng, ratio(r[0].f1p50, r[1].f1p50), ratio(r[0].f1p99, r[1].f1p99),
			ratio(r[0].f2p50, r[1].f2p50), ratio(r[0].f2p99, r[1].f2p99))
	}
}

// run loads (unless reusing) and measures one engine.
func (b *traceBench) run(ctx context.Context, engine, pg, dir, reuse string, keep bool) error {
	cfg := Config{LogLevel: "error", DataDir: dir}
	switch {
	case strings.HasPrefix(reuse, "sqlite:"):
		cfg.Database, cfg.DataDir = reuse, filepath.Dir(strings.TrimPrefix(reuse, "sqlite:"))
	case reuse != "" && dir == "":
		return usageError{"bench trace: --reuse of a PostgreSQL database needs --dir, the folder of its key file"}
	case reuse != "":
		cfg.Database = reuse
	default:
		if err := b.scratch(ctx, engine, pg, dir, keep, &cfg); err != nil {
			return err
		}
	}
	if cfg.DataDir == "" { // a PostgreSQL scratch database without --dir: the run's key file
		tmp, err := os.MkdirTemp("", "pccovid-bench-keys-")
		if err != nil {
			return err
		}
		cfg.DataDir = tmp
		b.cleanup = append(b.cleanup, func() { os.RemoveAll(tmp) })
	}
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer a.Close()
	b.app = a
	if err := b.people(ctx, reuse == ""); err != nil {
		return err
	}
	if reuse == "" {
		if err := b.loadHistory(ctx); err != nil {
			return err
		}
		b.printLoad()
	}
	return b.measure(ctx)
}

// scratch names the scratch database of an engine.
func (b *traceBench) scratch(ctx context.Context, engine, pg, dir string, keep bool, cfg *Config) error {
	if engine == "postgres" {
		u, drop, err := scratchPostgres(ctx, pg)
		if err != nil {
			return err
		}
		cfg.Database = u
		if keep {
			if dir == "" {
				return usageError{"bench trace: --keep on PostgreSQL needs --dir, where the database's key file is kept"}
			}
			fmt.Fprintf(b.e.stdout, "keeping the database: --reuse %s --dir %s\n", u, dir)
			return nil
		}
		b.cleanup = append(b.cleanup, drop)
		return nil
	}
	if engine != "sqlite" {
		return usageError{"bench trace: --engine sqlite, postgres or both"}
	}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "pccovid-bench-trace-")
		if err != nil {
			return err
		}
		dir = tmp
		if !keep {
			b.cleanup = append(b.cleanup, func() { os.RemoveAll(tmp) })
		}
	}
	path := filepath.Join(dir, fmt.Sprintf("trace-%d.db", b.checkins))
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	cfg.Database, cfg.DataDir = "sqlite:"+path, dir
	if keep {
		fmt.Fprintf(b.e.stdout, "keeping the database: --reuse sqlite:%s\n", path)
	} else {
		b.cleanup = append(b.cleanup, func() {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(path + suffix)
			}
		})
	}
	return nil
}

// timed runs one load phase and records how long it took.
func (b *traceBench) timed(name string, rows int, fn func() error) error {
	start := time.Now()
	if err := fn(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	b.phases = append(b.phases, phase{name, rows, time.Since(start)})
	fmt.Fprintf(b.e.stderr, "  %s: %d rows in %s\n", name, rows, time.Since(start).Round(time.Millisecond))
	return nil
}

// people loads the population's registry extract (unless it is there) and
// lists the person ids the history uses.
func (b *traceBench) people(ctx context.Context, load bool) error {
	if load {
		tmp, err := os.MkdirTemp("", "pccovid-bench-registry-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		err = b.timed("registry (persons, households)", b.persons, func() error {
			if _, err := synth.WriteRegistry(tmp, b.seed, b.persons); err != nil {
				return err
			}
			_, err := b.app.Persons.LoadExtract(ctx, tmp, nil)
			return err
		})
		if err != nil {
			return err
		}
	}
	pop, err := synth.NewPopulation(b.seed, b.persons)
	if err != nil {
		return err
	}
	b.ids, b.households = make([]string, 0, b.persons), 0
	for h := range pop.Households() {
		b.households++
		for _, m := range h.Members {
			b.ids = append(b.ids, b.app.Persons.RegistryID(string(m.CCCD)))
		}
	}
	return nil
}

// loadHistory loads the venues, the check-ins and the declarations.
func (b *traceBench) loadHistory(ctx context.Context) error {
	r := rand.New(rand.NewPCG(uint64(b.seed), 2))
	venues, weights := b.makeVenues(r)
	if err := b.timed("venues", len(venues), func() error { return b.loadVenues(ctx, venues) }); err != nil {
		return err
	}
	var rebuild func(context.Context) error
	err := b.timed("drop check-in indexes", 0, func() (err error) {
		rebuild, err = b.app.Checkins.DropIndexesForLoad(ctx)
		return err
	})
	if err != nil {
		return err
	}
	pick := newAlias(weights, r)
	if err := b.timed("check-ins", b.checkins, func() error { return b.loadCheckins(ctx, venues, pick) }); err != nil {
		return err
	}
	if err := b.timed("build check-in indexes", b.checkins, func() error { return rebuild(ctx) }); err != nil {
		return err
	}
	if err := b.timed("declarations", b.persons/5, func() error { return b.loadDeclarations(ctx, r) }); err != nil {
		return err
	}
	return b.timed("analyze", 0, func() error {
		_, err := b.app.DB.Exec(ctx, "ANALYZE")
		return err
	})
}

// makeVenues invents the venues and how popular each is: a log-normal
// spread, so a few markets and supermarkets draw far more people than the
// average shop, as in life.
func (b *traceBench) makeVenues(r *rand.Rand) ([]checkin.Venue, []float64) {
	wards := vn.AdminUnits().Children("01") // Hà Nội's districts
	var wardCodes []string
	for _, d := range wards {
		for _, w := range vn.AdminUnits().Children(d.Code) {
			wardCodes = append(wardCodes, w.Code)
		}
	}
	venues := make([]checkin.Venue, b.venues)
	weights := make([]float64, b.venues)
	created := b.base.AddDate(0, 0, -30)
	for i := range venues {
		kind := checkin.Kinds[r.IntN(len(checkin.Kinds))]
		venues[i] = checkin.Venue{ID: db.NewID(), Code: checkin.NewVenueCode(), Name: fmt.Sprintf("Địa điểm %d", i+1), Kind: kind,
			WardCode: wardCodes[r.IntN(len(wardCodes))], Address: fmt.Sprintf("Số %d", 1+r.IntN(300)), Capacity: 50,
			OwnerKind: access.KindOfficial, OwnerID: "bench", CreatedAt: created}
		weights[i] = math.Exp(r.NormFloat64())
	}
	return venues, weights
}

func (b *traceBench) loadVenues(ctx context.Context, venues []checkin.Venue) error {
	for start := 0; start < len(venues); start += 10_000 {
		if err := b.app.Checkins.LoadVenues(ctx, venues[start:min(start+10_000, len(venues))]); err != nil {
			return err
		}
	}
	return nil
}

// loadCheckins writes the history day by day, in chunks, through the
// check-in store's bulk path. A second goroutine generates the next chunk
// while one is written.
func (b *traceBench) loadCheckins(ctx context.Context, venues []checkin.Venue, pick *alias) error {
	const chunk = 200_000
	chunks := make(chan []checkin.CheckIn, 2)
	errc := make(chan error, 1)
	go func() {
		defer close(chunks)
		r := rand.New(rand.NewPCG(uint64(b.seed), 3))
		perDay := b.checkins / b.days
		for d := 0; d < b.days; d++ {
			n := perDay
			if d == b.days-1 {
				n = b.checkins - perDay*(b.days-1)
			}
			day := b.base.AddDate(0, 0, d)
			for done := 0; done < n; done += chunk {
				rows := make([]checkin.CheckIn, min(chunk, n-done))
				for i := range rows {
					at := day.Add(6*time.Hour + time.Duration(r.Int64N(int64(16*time.Hour/time.Millisecond)))*time.Millisecond)
					p := b.ids[r.IntN(len(b.ids))]
					rows[i] = checkin.CheckIn{ID: db.NewID(), VenueID: venues[pick.draw(r)].ID, PersonID: p, At: at,
						Method: checkin.MethodVenueQR, RecordedBy: p, CreatedAt: at}
				}
				select {
				case chunks <- rows:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	go func() {
		for rows := range chunks {
			if err := b.app.Checkins.LoadHistory(ctx, rows); err != nil {
				errc <- err
				for range chunks { // let the generator finish
				}
				return
			}
		}
		errc <- nil
	}()
	return <-errc
}

// loadDeclarations writes a fifth of the population's journeys: flights,
// trains and buses on the days of the history, with seats.
func (b *traceBench) loadDeclarations(ctx context.Context, r *rand.Rand) error {
	n := b.persons / 5
	batch := make([]declaration.Declaration, 0, 5000)
	kinds := []struct {
		transport string
		vehicles  int
	}{{"FLIGHT", 300}, {"TRAIN", 40}, {"BUS", 200}}
	for i := 0; i < n; i++ {
		k := kinds[r.IntN(len(kinds))]
		day := b.base.AddDate(0, 0, r.IntN(b.days))
		v := r.IntN(k.vehicles)
		d := declaration.Declaration{ID: fmt.Sprintf("bench/%d", i), PersonID: b.ids[r.IntN(len(b.ids))], Source: "pccovid",
			Kind: declaration.KindDomestic, DeclaredAt: day.Add(6 * time.Hour), Transport: k.transport,
			DepartureDate: vn.Date{Year: day.Year(), Month: int(day.Month()), Day: day.Day()}}
		switch k.transport {
		case "FLIGHT":
			d.TransportNo, d.SeatNo = fmt.Sprintf("VN%d", 200+v), fmt.Sprintf("%d%c", 1+r.IntN(40), 'A'+r.IntN(6))
		case "TRAIN":
			d.TransportNo, d.SeatNo = fmt.Sprintf("SE%d", 1+v), fmt.Sprintf("%d-%d", 1+r.IntN(12), 1+r.IntN(64))
		default:
			d.TransportNo, d.SeatNo = fmt.Sprintf("29B%05d", v), fmt.Sprint(1+r.IntN(45))
		}
		batch = append(batch, d)
		if len(batch) == cap(batch) || i == n-1 {
			if err := b.app.Decls.Insert(ctx, b.app.DB, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	b.declarations = n
	return nil
}

func (b *traceBench) printLoad() {
	out := b.e.stdout
	fmt.Fprintf(out, "%d persons in %d households; %d venues; %d declarations\n\n", b.persons, b.households, b.venues, b.declarations)
	fmt.Fprintf(out, "| load phase | rows | time | rows/s |\n|---|---:|---:|---:|\n")
	var total time.Duration
	for _, p := range b.phases {
		total += p.took
		rate := ""
		if p.rows > 0 {
			rate = fmt.Sprintf("%.0f", float64(p.rows)/p.took.Seconds())
		}
		fmt.Fprintf(out, "| %s | %d | %s | %s |\n", p.name, p.rows, p.took.Round(time.Millisecond), rate)
	}
	fmt.Fprintf(out, "| total | | %s | |\n\n", total.Round(time.Second))
}

// measure finds the F1s of sampled cases, then the F2s of some, and prints
// the latencies.
func (b *traceBench) measure(ctx context.Context) error {
	rules, err := b.app.Tracing.Rules().For(ctx, vn.Date{Year: b.base.Year(), Month: int(b.base.Month()), Day: b.base.Day()})
	if err != nil {
		return err
	}
	finder := b.app.Tracing.Finder()
	r := rand.New(rand.NewPCG(uint64(b.seed), 4))
	sample := func() tracing.Case {
		// Sampled in the second half of the history, result a day later:
		// the infectious window, two days before sampling to the result,
		// lies within the history.
		sampled := b.base.Add(time.Duration(b.days/2)*24*time.Hour + time.Duration(r.Int64N(int64(time.Duration(b.days/2-1)*24*time.Hour))))
		c := tracing.Case{PersonID: b.ids[r.IntN(len(b.ids))], SampledAt: sampled, ConfirmedAt: sampled.Add(24 * time.Hour)}
		c.Window = rules.InfectiousWindow(c.SampledAt, time.Time{}, c.ConfirmedAt)
		return c
	}
	if b.profile != "" {
		stop, err := startCPUProfile(b.profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	for range 50 { // warm the connections and the statement caches
		if _, err := finder.F1(ctx, sample(), rules); err != nil {
			return err
		}
	}
	f1 := make([]time.Duration, 0, b.cases)
	found := 0
	for range b.cases {
		start := time.Now()
		cs, err := finder.F1(ctx, sample(), rules)
		if err != nil {
			return err
		}
		f1 = append(f1, time.Since(start))
		found += len(cs)
	}
	f2 := make([]time.Duration, 0, b.f2Cases)
	found2, sources := 0, 0
	for range b.f2Cases {
		c := sample()
		contacts, err := finder.F1(ctx, c, rules)
		if err != nil {
			return err
		}
		exclude := map[string]bool{c.PersonID: true}
		for _, x := range contacts {
			exclude[x.PersonID] = true
		}
		found := c.ConfirmedAt.Add(24 * time.Hour) // the F1s were found and told a day after the result
		start := time.Now()
		cs, err := finder.F2(ctx, rules, contacts, func(tracing.Contact) time.Time { return found }, exclude)
		if err != nil {
			return err
		}
		f2 = append(f2, time.Since(start))
		found2, sources = found2+len(cs), sources+len(contacts)
		if os.Getenv("PCCOVID_BENCH_DEBUG") != "" {
			ev := 0
			for _, c := range cs {
				ev += len(c.Evidence)
			}
			fmt.Fprintf(b.e.stderr, "F2 %s: %d F1, %d F2, %d evidence\n", f2[len(f2)-1].Round(time.Millisecond), len(contacts), len(cs), ev)
		}
	}
	b.last = latencies{quantile(f1, 50), quantile(f1, 99), quantile(f2, 50), quantile(f2, 99)}
	fmt.Fprintf(b.e.stdout, "| query | cases | p50 | p99 | max | mean found |\n|---|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(b.e.stdout, "| F1 | %d | %s | %s | %s | %.0f F1 |\n", len(f1), pct(f1, 50), pct(f1, 99), pct(f1, 100), float64(found)/float64(len(f1)))
	fmt.Fprintf(b.e.stdout, "| F2 | %d | %s | %s | %s | %.0f F2 from %.0f F1 |\n", len(f2), pct(f2, 50), pct(f2, 99), pct(f2, 100),
		float64(found2)/float64(max(1, len(f2))), float64(sources)/float64(max(1, len(f2))))
	return nil
}

// pct formats the p-th percentile of durations.
func pct(ds []time.Duration, p int) string {
	if len(ds) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f ms", float64(quantile(ds, p).Microseconds())/1000)
}

// quantile is the p-th percentile of durations (nearest rank).
func quantile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[max(0, int(math.Ceil(float64(p)/100*float64(len(s))))-1)]
}

// alias draws indexes with given weights in constant time (Vose's alias
// method).
type alias struct {
	prob  []float64
	alias []int
}

func newAlias(w []float64, _ *rand.Rand) *alias {
	n := len(w)
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	a := &alias{prob: make([]float64, n), alias: make([]int, n)}
	scaled := make([]float64, n)
	var small, large []int
	for i, x := range w {
		scaled[i] = x * float64(n) / sum
		if scaled[i] < 1 {
			small = append(small, i)
		} else {
			large = append(large, i)
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small, large = small[:len(small)-1], large[:len(large)-1]
		a.prob[s], a.alias[s] = scaled[s], l
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			small = append(small, l)
		} else {
			large = append(large, l)
		}
	}
	for _, i := range append(small, large...) {
		a.prob[i] = 1
	}
	return a
}

func (a *alias) draw(r *rand.Rand) int {
	i := r.IntN(len(a.prob))
	if r.Float64() < a.prob[i] {
		return i
	}
	return a.alias[i]
}
