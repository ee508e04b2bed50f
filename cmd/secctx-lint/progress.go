package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress prints "checked N/M files" on a terminal's stderr while a long
// run goes on, at most four times a second, and clears it at the end. It
// stays silent when stderr is not a terminal (CI logs, pipes) and for runs
// that end within a second.
type progress struct {
	w       io.Writer
	total   int
	done    int
	start   time.Time
	last    time.Time
	printed bool
}

func newProgress(stderr io.Writer, total int) *progress {
	f, ok := stderr.(*os.File)
	if !ok {
		return nil
	}
	if info, err := f.Stat(); err != nil || info.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return &progress{w: stderr, total: total, start: time.Now()}
}

func (p *progress) step() {
	if p == nil {
		return
	}
	p.done++
	now := time.Now()
	if now.Sub(p.start) < time.Second || now.Sub(p.last) < 250*time.Millisecond {
		return
	}
	p.last = now
	p.printed = true
	fmt.Fprintf(p.w, "\rsecctx-lint: checked %d/%d files", p.done, p.total)
}

func (p *progress) finish() {
	if p != nil && p.printed {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
