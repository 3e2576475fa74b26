package plan

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Progress is where a run reports what it does: whole lines, from any
// goroutine. On a terminal it keeps a spinner line at the bottom naming
// the steps under way; elsewhere it writes plain lines only.
type Progress struct {
	mu      sync.Mutex
	w       io.Writer
	spinner bool
	width   int
	frame   int
	running []string
	partial []byte // what Write got after the last newline
}

// NewProgress reports to w; spinner says w is a terminal of width columns.
func NewProgress(w io.Writer, spinner bool, width int) *Progress {
	if width <= 0 {
		width = 80
	}
	return &Progress{w: w, spinner: spinner, width: width}
}

const frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

// Printf writes one or more whole lines.
func (p *Progress) Printf(format string, args ...any) {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	fmt.Fprintf(p.w, format, args...)
	p.drawLocked()
}

// Write lets libraries that log to an io.Writer (kind) share the output:
// complete lines are written at once, the rest when its newline comes.
func (p *Progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	p.partial = append(p.partial, b...)
	i := bytes.LastIndexByte(p.partial, '\n')
	var lines []byte
	if i >= 0 {
		lines = append(lines, p.partial[:i+1]...)
		p.partial = p.partial[i+1:]
	}
	p.mu.Unlock()
	if len(lines) > 0 {
		p.Printf("%s", lines)
	}
	return len(b), nil
}

// Spinning reports whether a spinner line is kept.
func (p *Progress) Spinning() bool { return p != nil && p.spinner }

func (p *Progress) setRunning(label string, on bool) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	if on {
		p.running = append(p.running, label)
	} else {
		for i, r := range p.running {
			if r == label {
				p.running = append(p.running[:i], p.running[i+1:]...)
				break
			}
		}
	}
	p.drawLocked()
}

// spin redraws the spinner every interval until stop is closed, then
// clears it.
func (p *Progress) spin(interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			p.mu.Lock()
			p.clearLocked()
			p.mu.Unlock()
			return
		case <-t.C:
			p.mu.Lock()
			p.clearLocked()
			p.frame++
			p.drawLocked()
			p.mu.Unlock()
		}
	}
}

func (p *Progress) clearLocked() {
	if p.spinner && len(p.running) > 0 {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// drawLocked writes the spinner line, cut to the terminal's width so it
// never wraps (a wrapped line cannot be erased with \r).
func (p *Progress) drawLocked() {
	if !p.spinner || len(p.running) == 0 {
		return
	}
	r := []rune(frames)
	line := fmt.Sprintf("%c %s", r[p.frame%len(r)], strings.Join(p.running, " · "))
	if utf8.RuneCountInString(line) > p.width-1 {
		line = string([]rune(line)[:p.width-2]) + "…"
	}
	fmt.Fprint(p.w, line)
}
