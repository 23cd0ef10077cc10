package app

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pccovid/pccovid/internal/access"
	"github.com/pccovid/pccovid/internal/checkin"
	"github.com/pccovid/pccovid/internal/vn"
	"github.com/pccovid/pccovid/internal/web"
)

// benchCheckinFlags are the knobs of `pccovid bench checkin`.
type benchCheckinFlags struct {
	engine    string
	clients   int
	duration  time.Duration
	warmup    time.Duration
	rate      int
	citizens  int
	venues    int
	linger    time.Duration
	batch     int
	pg        string
	profile   string
	skipBare  bool
	keepAlive bool
}

func (f *benchCheckinFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.engine, "engine", "sqlite", "database engine: sqlite or postgres")
	fs.IntVar(&f.clients, "clients", 1024, "concurrent HTTP clients (keep-alive connections)")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "how long to measure, after the warm-up")
	fs.DurationVar(&f.warmup, "warmup", 2*time.Second, "load before measuring starts")
	fs.IntVar(&f.rate, "rate", 0, "offered load in requests/s (open loop, latency from the scheduled time); 0 = as fast as the clients go")
	fs.IntVar(&f.citizens, "citizens", 2000, "citizen sessions")
	fs.IntVar(&f.venues, "venues", 1000, "venues")
	fs.DurationVar(&f.linger, "linger", 2*time.Millisecond, "group commit: wait this long for more check-ins")
	fs.IntVar(&f.batch, "batch", 1000, "group commit: most check-ins per transaction")
	fs.StringVar(&f.pg, "postgres", benchPostgres(), "PostgreSQL server for the scratch database (engine postgres)")
	fs.StringVar(&f.profile, "cpuprofile", "", "write a CPU profile of the check-in run to this file")
	fs.BoolVar(&f.skipBare, "skip-bare", false, "do not measure the bare net/http handler")
}

// cmdBenchCheckin starts a real server on loopback over a fresh database,
// registers venues, logs citizens in, then drives check-ins over HTTP with
// many clients and reports sustained check-ins per second and latency,
// next to a bare net/http handler measured the same way in the same run.
// Commits are durable: SQLite synchronous=FULL, PostgreSQL's default
// synchronous_commit=on.
func cmdBenchCheckin(ctx context.Context, e *env, args []string) error {
	var f benchCheckinFlags
	fs := newFlags(e, "bench checkin")
	f.bind(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f.engine != "sqlite" && f.engine != "postgres" {
		return usageError{"--engine: want sqlite or postgres"}
	}
	a, cleanup, err := benchApp(ctx, f)
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Fprintf(e.stderr, "setting up %d venues and %d citizen sessions on %s…\n", f.venues, f.citizens, f.engine)
	codes, tokens, err := benchFixtures(ctx, a, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "# pccovid bench checkin: engine %s, %d clients, %s measured after %s warm-up, GOMAXPROCS %d, durable commits\n",
		f.engine, f.clients, f.duration, f.warmup, runtime.GOMAXPROCS(0))
	if f.rate > 0 {
		fmt.Fprintf(e.stdout, "# open loop at %d requests/s offered\n", f.rate)
	}
	fmt.Fprintln(e.stdout, "| target | requests/s | p50 | p99 | max | errors | CPU/request (server+client) |\n|---|---|---|---|---|---|---|")
	var bare benchResult
	if !f.skipBare {
		if bare, err = runBare(ctx, f); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, bare.row("bare net/http handler"))
	}
	res, err := runCheckins(ctx, e, a, f, codes, tokens)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, res.row("check-ins (POST /api/v1/checkins)"))
	if bare.rate > 0 {
		fmt.Fprintf(e.stdout, "\ncheck-ins/s ÷ bare requests/s = %.2f\n", res.rate/bare.rate)
	}
	st := a.Checkins.Stats()
	fmt.Fprintf(e.stdout, "group commit: %d transactions, %.0f check-ins each on average; %d rows inserted, %d repeats answered\n",
		st.Batches, float64(st.CheckIns)/float64(max(1, st.Batches)), st.Inserted, st.CheckIns-st.Inserted)
	var rows int64
	if err := a.DB.QueryRow(ctx, "SELECT count(*) FROM checkins").Scan(&rows); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "rows in checkins: %d; acknowledged as new: %d\n", rows, res.fresh)
	if rows != res.fresh {
		return fmt.Errorf("bench checkin: %d rows stored but %d acknowledged", rows, res.fresh)
	}
	return nil
}

// benchApp opens the platform on a fresh database of the engine.
func benchApp(ctx context.Context, f benchCheckinFlags) (*App, func(), error) {
	tmp, err := os.MkdirTemp("", "pccovid-bench-checkin-")
	if err != nil {
		return nil, nil, err
	}
	cleanups := []func(){func() { os.RemoveAll(tmp) }}
	cleanup := func() {
		for _, c := range slices.Backward(cleanups) {
			c()
		}
	}
	cfg := Config{DataDir: tmp, LogLevel: "error"}
	if f.engine == "postgres" {
		u, drop, err := scratchPostgres(ctx, f.pg)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		cleanups = append(cleanups, drop)
		cfg.Database = u
	}
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	a.Checkins = checkin.NewService(a.DB, a.Sealer, a.Persons, a.Clock, checkin.Config{Linger: f.linger, MaxBatch: f.batch})
	cleanups = append(cleanups, func() { a.Close() })
	return a, cleanup, nil
}

// benchFixtures registers venues and logs citizens in through the real
// login (code by SMS), each with a profile.
func benchFixtures(ctx context.Context, a *App, f benchCheckinFlags) ([]string, []string, error) {
	owner := access.Actor{Kind: access.KindCitizen, ID: "bench-owner", Role: access.RoleCitizen, Scope: access.Country}
	codes := make([]string, f.venues)
	for i := range codes {
		v, err := a.Checkins.RegisterVenue(ctx, owner, checkin.NewVenue{Name: "Điểm bán hàng " + strconv.Itoa(i), Kind: "shop",
			Province: "01", District: "001", Ward: "00001", Address: strconv.Itoa(i) + " Phố Huế", Capacity: "50"})
		if err != nil {
			return nil, nil, err
		}
		codes[i] = v.Code
	}
	tokens := make([]string, f.citizens)
	var mu sync.Mutex // the outbox holds the last codes sent: one login at a time
	err := parallel(8, f.citizens, func(i int) error {
		phone, err := vn.ParsePhone(fmt.Sprintf("09%08d", 10_000_000+i))
		if err != nil {
			return err
		}
		mu.Lock()
		err = a.Citizens.RequestCode(ctx, phone, "bench-"+strconv.Itoa(i))
		code := ""
		if err == nil {
			code = lastCodeTo(a.Outbox, phone)
		}
		mu.Unlock()
		if err != nil {
			return err
		}
		acct, err := a.Citizens.VerifyCode(ctx, phone, code)
		if err != nil {
			return err
		}
		tokens[i], _, err = a.Sessions.Create(ctx, access.KindCitizen, acct.ID, "bench-person-"+strconv.Itoa(i))
		return err
	})
	return codes, tokens, err
}

func lastCodeTo(o *access.Outbox, phone vn.Phone) string {
	for _, m := range o.Recent() {
		if m.To == phone {
			for i := 0; i+6 <= len(m.Text); i++ {
				if _, err := strconv.Atoi(m.Text[i : i+6]); err == nil {
					return m.Text[i : i+6]
				}
			}
		}
	}
	return ""
}

// parallel runs fn(0..n-1) on k goroutines and returns the first error.
func parallel(k, n int, fn func(i int) error) error {
	var next atomic.Int64
	errs := make([]error, k)
	var wg sync.WaitGroup
	for w := range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// listen serves h on a fresh loopback port until the returned stop.
func listen(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// runBare measures a bare net/http handler that reads the body and writes
// a small JSON answer: the ceiling this machine and client allow.
func runBare(ctx context.Context, f benchCheckinFlags) (benchResult, error) {
	base, stop, err := listen(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"x","repeat":"new"}` + "\n"))
	}))
	if err != nil {
		return benchResult{}, err
	}
	defer stop()
	return drive(ctx, f, base, "/", func(i int) (string, []byte) {
		return "", []byte(`{"id":"` + strconv.Itoa(i) + `","code":"ABCD2345"}`)
	})
}

func runCheckins(ctx context.Context, e *env, a *App, f benchCheckinFlags, codes, tokens []string) (benchResult, error) {
	srv, err := a.WebServer(web.Options{})
	if err != nil {
		return benchResult{}, err
	}
	base, stop, err := listen(srv.Handler())
	if err != nil {
		return benchResult{}, err
	}
	defer stop()
	if f.profile != "" {
		stopProfile, err := startCPUProfile(f.profile)
		if err != nil {
			return benchResult{}, err
		}
		defer stopProfile()
	}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	// Request i: citizen i mod C at venue (i div C) mod V, so a pair comes
	// back only after C×V requests: every check-in is a new one.
	return drive(ctx, f, base, "/api/v1/checkins", func(i int) (string, []byte) {
		c, v := i%len(tokens), (i/len(tokens))%len(codes)
		return tokens[c], []byte(`{"id":"` + run + "-" + strconv.Itoa(i) + `","code":"` + codes[v] + `"}`)
	})
}

// benchResult is one measured target.
type benchResult struct {
	rate          float64
	p50, p99, max time.Duration
	errors        int64
	fresh         int64         // answers that say a new check-in was recorded
	cpu           time.Duration // process CPU used in the measured window
	window        time.Duration
}

func (r benchResult) row(name string) string {
	ms := func(d time.Duration) string {
		return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
	}
	return fmt.Sprintf("| %s | %.0f | %s | %s | %s | %d | %.0f µs |", name, r.rate, ms(r.p50), ms(r.p99), ms(r.max), r.errors,
		float64(r.cpu.Microseconds())/max(1, r.rate*r.window.Seconds()))
}

// cpuTime is the CPU the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// drive sends requests made by req from f.clients goroutines, each on its
// own keep-alive connection, closed loop or at f.rate, and measures the
// window after the warm-up.
func drive(ctx context.Context, f benchCheckinFlags, base, path string, req func(i int) (token string, body []byte)) (benchResult, error) {
	begin := time.Now()
	measureFrom, end := begin.Add(f.warmup), begin.Add(f.warmup+f.duration)
	var seq atomic.Int64
	var errs, fresh atomic.Int64
	lat := make([][]time.Duration, f.clients)
	ticks := schedule(ctx, f, begin, end)
	var cpu0, cpu1 atomic.Int64
	go func() {
		time.Sleep(time.Until(measureFrom))
		cpu0.Store(int64(cpuTime()))
		time.Sleep(time.Until(end))
		cpu1.Store(int64(cpuTime()))
	}()
	var wg sync.WaitGroup
	for c := range f.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn := &rawConn{addr: strings.TrimPrefix(base, "http://")}
			defer conn.close()
			for {
				due, ok := next(ticks, end)
				if !ok {
					return
				}
				i := int(seq.Add(1))
				token, body := req(i)
				sent := time.Now()
				isNew, err := conn.post(path, token, body)
				done := time.Now()
				if isNew {
					fresh.Add(1) // stored, whenever it was answered
				}
				if due.IsZero() || sent.Before(due) {
					due = sent // closed loop, or a request sent a little early
				}
				if due.Before(measureFrom) || done.After(end) {
					continue
				}
				if err != nil {
					errs.Add(1)
					continue
				}
				lat[c] = append(lat[c], done.Sub(due))
			}
		}()
	}
	wg.Wait()
	for cpu1.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	r := benchResult{errors: errs.Load(), fresh: fresh.Load(), rate: float64(len(all)+int(errs.Load())) / f.duration.Seconds(),
		cpu: time.Duration(cpu1.Load() - cpu0.Load()), window: f.duration}
	if len(all) > 0 {
		r.p50, r.p99, r.max = all[len(all)/2], all[len(all)*99/100], all[len(all)-1]
	}
	return r, nil
}

// schedule returns, for an open-loop run, a channel of the times each
// request is due; nil for a closed loop.
func schedule(ctx context.Context, f benchCheckinFlags, begin, end time.Time) chan time.Time {
	if f.rate <= 0 {
		return nil
	}
	ticks := make(chan time.Time, f.rate)
	go func() {
		defer close(ticks)
		interval := time.Second / time.Duration(f.rate)
		for due := begin; due.Before(end) && ctx.Err() == nil; due = due.Add(interval) {
			if d := time.Until(due); d > time.Millisecond {
				time.Sleep(d)
			}
			ticks <- due
		}
	}()
	return ticks
}

// next waits for the next due time (open loop) or returns at once (closed
// loop, zero time) until the end.
func next(ticks chan time.Time, end time.Time) (time.Time, bool) {
	if ticks == nil {
		return time.Time{}, time.Now().Before(end)
	}
	due, ok := <-ticks
	return due, ok
}

var newMarker = []byte(`"repeat":"new"`)

// rawConn is a minimal HTTP/1.1 client on one keep-alive connection. The
// load generator shares the machine with the server; net/http's client
// costs about as much CPU per request as the server it measures, so it
// would hide what the server can do (wrk is written in C for the same
// reason). It speaks just enough HTTP for these answers: a status line,
// headers and a Content-Length body.
type rawConn struct {
	addr string
	c    net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	buf  []byte
}

func (rc *rawConn) close() {
	if rc.c != nil {
		rc.c.Close()
		rc.c = nil
	}
}

// post sends one request and reports whether the answer says a new
// check-in was recorded.
func (rc *rawConn) post(path, token string, body []byte) (bool, error) {
	if rc.c == nil {
		c, err := net.Dial("tcp", rc.addr)
		if err != nil {
			return false, err
		}
		rc.c, rc.r, rc.w = c, bufio.NewReaderSize(c, 8192), bufio.NewWriterSize(c, 4096)
	}
	status, resp, err := rc.roundTrip(path, token, body)
	if err != nil {
		rc.close()
		return false, err
	}
	if status != http.StatusOK {
		return false, fmt.Errorf("status %d: %s", status, resp)
	}
	return bytes.Contains(resp, newMarker), nil
}

func (rc *rawConn) roundTrip(path, token string, body []byte) (int, []byte, error) {
	w := rc.w
	w.WriteString("POST " + path + " HTTP/1.1\r\nHost: " + rc.addr + "\r\nContent-Type: application/json\r\n")
	if token != "" {
		w.WriteString("Authorization: Bearer " + token + "\r\n")
	}
	w.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	w.Write(body)
	if err := w.Flush(); err != nil {
		return 0, nil, err
	}
	line, err := rc.r.ReadSlice('\n')
	if err != nil || len(line) < 12 {
		return 0, nil, fmt.Errorf("bad status line %q: %v", line, err)
	}
	status, _ := strconv.Atoi(string(line[9:12]))
	length := -1
	for {
		h, err := rc.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		if len(h) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(h, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			length, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
	}
	if length < 0 {
		return 0, nil, errors.New("answer without Content-Length")
	}
	if cap(rc.buf) < length {
		rc.buf = make([]byte, length)
	}
	rc.buf = rc.buf[:length]
	_, err = io.ReadFull(rc.r, rc.buf)
	return status, rc.buf, err
}
