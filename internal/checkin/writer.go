package checkin

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/problem"
)

// writer is the group commit: one goroutine takes the check-ins waiting
// in its queue — those that arrived while the last transaction was being
// written, plus any arriving within Linger — up to MaxBatch, writes them
// in one transaction (one fsync), and only then answers each request. A
// request is never answered before its row is durable, so a crash loses
// nothing that was acknowledged; many check-ins share each disk flush, so
// a durable commit per check-in costs microseconds, not milliseconds.
//
// The goroutine runs while there is work and stops after a second idle,
// so the service needs no start or stop.
type writer struct {
	s       *Service
	in      chan *pending
	running atomic.Bool
	active  sync.WaitGroup // batches being written, for flush
	stats   struct{ batches, checkins, inserted atomic.Int64 }

	// Reused across batches by the one goroutine.
	batch []*pending
	byID  map[string]CheckIn
	byPV  map[personVenue][]CheckIn
	rows  []CheckIn
}

type personVenue struct{ person, venue string }

// pending is one check-in waiting for its transaction.
type pending struct {
	ci   CheckIn
	got  CheckIn
	rep  Repeat
	err  error
	done chan struct{}
}

var pendingPool = sync.Pool{New: func() any { return &pending{done: make(chan struct{}, 1)} }}

const (
	writerIdle = time.Second
	smallBatch = 16
)

func newWriter(s *Service) *writer {
	return &writer{s: s, in: make(chan *pending, 4*s.cfg.MaxBatch), byID: map[string]CheckIn{}, byPV: map[personVenue][]CheckIn{}}
}

// ErrIDReused: a client sent an id it had used for someone else's check-in.
var ErrIDReused = problem.Field("id", "Mã yêu cầu này đã dùng cho một lượt check-in khác", "this request id was used for another check-in")

// submit queues a check-in and waits until it is written (or found to
// repeat an earlier one).
func (w *writer) submit(ctx context.Context, ci CheckIn) (CheckIn, Repeat, error) {
	p := pendingPool.Get().(*pending)
	p.ci, p.err = ci, nil
	select {
	case w.in <- p:
	case <-ctx.Done():
		pendingPool.Put(p)
		return CheckIn{}, New, ctx.Err()
	}
	if !w.running.Load() && w.running.CompareAndSwap(false, true) {
		go w.loop()
	}
	<-p.done // the batch is written whatever happens to ctx
	got, rep, err := p.got, p.rep, p.err
	pendingPool.Put(p)
	return got, rep, err
}

func (w *writer) loop() {
	idle := time.NewTimer(writerIdle)
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for {
		select {
		case p := <-w.in:
			w.active.Add(1)
			w.batch = append(w.batch[:0], p)
			w.gather(linger)
			w.write(w.batch)
			w.active.Done()
			idle.Reset(writerIdle)
		case <-idle.C:
			w.running.Store(false)
			// A check-in queued just before running went false would
			// otherwise wait for the next one: take it over.
			if len(w.in) == 0 || !w.running.CompareAndSwap(false, true) {
				return
			}
			idle.Reset(writerIdle)
		}
	}
}

// gather adds to the batch what is queued; when that makes a small batch
// (the server is not busy), it waits the linger time for company, up to
// MaxBatch: a few milliseconds of latency for many fewer fsyncs. Under load
// the queue fills while the last batch is written, so lingering then would
// only leave the database idle.
func (w *writer) gather(linger *time.Timer) {
	max := w.s.cfg.MaxBatch
	for len(w.batch) < max {
		select {
		case p := <-w.in:
			w.batch = append(w.batch, p)
			continue
		default:
		}
		break
	}
	if len(w.batch) >= smallBatch {
		return
	}
	linger.Reset(w.s.cfg.Linger)
	defer linger.Stop()
	for len(w.batch) < max {
		select {
		case p := <-w.in:
			w.batch = append(w.batch, p)
		case <-linger.C:
			return
		}
	}
}

// flush waits for the batches being written.
func (w *writer) flush() {
	for len(w.in) > 0 {
		time.Sleep(time.Millisecond)
	}
	w.active.Wait()
}

// write decides for each check-in of the batch whether it is new, a
// resend or a double scan, inserts the new ones in one transaction and
// answers every request.
func (w *writer) write(batch []*pending) {
	ctx := context.Background()
	lo, hi := batchSpan(batch)
	err := w.s.parts.ensure(ctx, w.s.db, lo, hi)
	if err == nil {
		err = w.s.db.Transact(ctx, func(tx *db.DB) error {
			existing, err := lookupRecent(ctx, tx, batch)
			if err != nil {
				return err
			}
			w.decide(batch, existing)
			conflicts, err := insertNew(ctx, tx, w.rows)
			if err != nil || len(conflicts) == 0 {
				return err
			}
			stored, err := byIDs(ctx, tx, conflicts)
			w.resent(batch, stored)
			return err
		})
	}
	if err == nil {
		w.stats.batches.Add(1)
		w.stats.checkins.Add(int64(len(batch)))
		w.stats.inserted.Add(int64(len(w.rows)))
	}
	for _, p := range batch {
		if err != nil {
			p.err = err
		}
		p.done <- struct{}{}
	}
}

// WriterStats counts the group commit's work since the service started.
type WriterStats struct {
	Batches  int64 // transactions committed
	CheckIns int64 // requests answered by them
	Inserted int64 // rows inserted (the rest were resends and double scans)
}

// Stats returns the writer's counts.
func (s *Service) Stats() WriterStats {
	var out WriterStats
	for _, w := range s.writers {
		out.Batches += w.stats.batches.Load()
		out.CheckIns += w.stats.checkins.Load()
		out.Inserted += w.stats.inserted.Load()
	}
	return out
}

// decide matches each check-in of the batch against those already
// stored and those earlier in the batch, filling w.rows with the new ones.
func (w *writer) decide(batch []*pending, existing []CheckIn) {
	clear(w.byID)
	clear(w.byPV)
	w.rows = w.rows[:0]
	for _, e := range existing {
		w.remember(e)
	}
	for _, p := range batch {
		ci := p.ci
		if e, ok := w.byID[ci.ID]; ok {
			if e.PersonID != ci.PersonID {
				p.err = ErrIDReused
				continue
			}
			p.got, p.rep = e, Resent
			continue
		}
		if e, ok := w.near(ci); ok {
			p.got, p.rep = e, Double
			continue
		}
		p.got, p.rep = ci, New
		w.remember(ci)
		w.rows = append(w.rows, ci)
	}
}

// resent answers the check-ins whose ids were already stored (found by
// the insert, not the look-up): as resends, or as a reused id.
func (w *writer) resent(batch []*pending, stored []CheckIn) {
	byID := make(map[string]CheckIn, len(stored))
	for _, c := range stored {
		byID[c.ID] = c
	}
	for _, p := range batch {
		e, ok := byID[p.ci.ID]
		switch {
		case !ok || p.err != nil:
		case e.PersonID != p.ci.PersonID:
			p.err = ErrIDReused
		default:
			p.got, p.rep = e, Resent
		}
	}
	w.stats.inserted.Add(-int64(len(stored)))
}

func (w *writer) remember(c CheckIn) {
	w.byID[c.ID] = c
	k := personVenue{c.PersonID, c.VenueID}
	w.byPV[k] = append(w.byPV[k], c)
}

// near finds a check-in of the same person at the same venue within the
// double-scan window.
func (w *writer) near(ci CheckIn) (CheckIn, bool) {
	for _, e := range w.byPV[personVenue{ci.PersonID, ci.VenueID}] {
		if d := ci.At.Sub(e.At); d < DoubleWindow && d > -DoubleWindow {
			return e, true
		}
	}
	return CheckIn{}, false
}

// batchSpan is the range of times of a batch's check-ins.
func batchSpan(batch []*pending) (lo, hi time.Time) {
	lo, hi = batch[0].ci.At, batch[0].ci.At
	for _, p := range batch[1:] {
		if p.ci.At.Before(lo) {
			lo = p.ci.At
		}
		if p.ci.At.After(hi) {
			hi = p.ci.At
		}
	}
	return lo, hi
}
