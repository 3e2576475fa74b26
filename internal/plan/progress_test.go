package plan

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// On a terminal, steps under way show on one spinner line that is erased
// before every other line and at the end; no "•" start lines.
func TestProgressSpinnerOnATerminal(t *testing.T) {
	var b bytes.Buffer
	pr := NewProgress(&b, true, 40)
	slow := func(context.Context, Logger) (Result, error) {
		time.Sleep(250 * time.Millisecond)
		return Changed("done"), nil
	}
	p := New()
	p.Add(&Step{ID: "a", Cluster: "smiley", Title: "Create a rather long titled cluster step", Do: slow})
	if _, err := (&Executor{Progress: pr}).Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "\r\033[K") || !strings.ContainsAny(out, frames) {
		t.Fatalf("no spinner drawn: %q", out)
	}
	if strings.Contains(out, "•") {
		t.Errorf("start lines printed on a terminal: %q", out)
	}
	for _, line := range strings.Split(out, "\r\033[K") {
		if !strings.Contains(line, "\n") && len([]rune(line)) > 39 {
			t.Errorf("spinner line %q is wider than the terminal", line)
		}
	}
	if !strings.HasSuffix(out, "\r\033[K") && !strings.HasSuffix(out, "\n") {
		t.Errorf("the spinner was left on screen: %q", out)
	}
	if !strings.Contains(out, "✓ [smiley] Create a rather long titled cluster step: done") {
		t.Errorf("no result line: %q", out)
	}
}

// Elsewhere: plain lines only, and library output written through Write
// comes out as whole lines.
func TestProgressPlainLinesAndWrite(t *testing.T) {
	var b bytes.Buffer
	pr := NewProgress(&b, false, 0)
	if _, err := pr.Write([]byte("[east] Creating clu")); err != nil {
		t.Fatal(err)
	}
	if b.Len() != 0 {
		t.Errorf("half a line was written: %q", b.String())
	}
	_, _ = pr.Write([]byte("ster \"east\" ...\n[east] next"))
	pr.Printf("line\n")
	if got, want := b.String(), "[east] Creating cluster \"east\" ...\nline\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if strings.Contains(b.String(), "\r") {
		t.Error("control characters on a non-terminal")
	}
}
