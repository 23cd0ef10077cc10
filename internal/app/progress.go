package app

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress shows how far a long command has come: a bar redrawn in place on
// a terminal, a log line every few seconds otherwise.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	total    int
	n        int
	start    time.Time
	last     time.Time
	terminal bool
}

func newProgress(w io.Writer, label string, total int) *progress {
	p := &progress{w: w, label: label, total: total, start: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.terminal = true
	}
	return p
}

// set records that n items are done.
func (p *progress) set(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n = n
	now := time.Now()
	every := 5 * time.Second
	if p.terminal {
		every = 200 * time.Millisecond
	}
	if now.Sub(p.last) < every {
		return
	}
	p.last = now
	p.draw(now)
}

// add records that n more items are done.
func (p *progress) add(n int) {
	p.mu.Lock()
	m := p.n + n
	p.mu.Unlock()
	p.set(m)
}

func (p *progress) draw(now time.Time) {
	rate := float64(p.n) / max(now.Sub(p.start).Seconds(), 1e-9)
	if !p.terminal {
		fmt.Fprintf(p.w, "%s: %d done (%.0f/s)\n", p.label, p.n, rate)
		return
	}
	if p.total <= 0 {
		fmt.Fprintf(p.w, "\r%s: %d (%.0f/s)   ", p.label, p.n, rate)
		return
	}
	const width = 30
	filled := min(width, width*p.n/p.total)
	fmt.Fprintf(p.w, "\r%s [%s%s] %d/%d (%.0f/s)   ", p.label, strings.Repeat("=", filled),
		strings.Repeat(" ", width-filled), p.n, p.total, rate)
}

// done draws the final state.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw(time.Now())
	if p.terminal {
		fmt.Fprintln(p.w)
	}
}
