package plan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Executor runs a plan, or prints it in dry-run.
type Executor struct {
	Stdout   io.Writer // dry-run transcript
	Stderr   io.Writer // progress lines, when Progress is nil
	Progress *Progress // progress, shared with libraries that log
	DryRun   bool
	Parallel int              // steps running at once; 0 means 8
	Now      func() time.Time // nil means time.Now
}

// Outcome is what happened to one step.
type Outcome struct {
	Step     *Step
	Result   Result
	Err      error
	Skipped  bool // not run because a step it needs failed or the run was interrupted
	Start    time.Time
	Duration time.Duration
}

// Summary holds every step's outcome in plan order.
type Summary struct {
	Outcomes []Outcome
}

// Failed returns the outcomes of steps that failed.
func (s Summary) Failed() []Outcome {
	var out []Outcome
	for _, o := range s.Outcomes {
		if o.Err != nil {
			out = append(out, o)
		}
	}
	return out
}

// Counts returns how many steps changed something, changed nothing,
// failed and were skipped.
func (s Summary) Counts() (changed, unchanged, failed, skipped int) {
	for _, o := range s.Outcomes {
		switch {
		case o.Err != nil:
			failed++
		case o.Skipped:
			skipped++
		case o.Result.Changed:
			changed++
		default:
			unchanged++
		}
	}
	return
}

// Run executes or prints the plan. It returns an error when a step failed;
// the Summary says which steps did what either way.
func (e *Executor) Run(ctx context.Context, p *Plan) (Summary, error) {
	order, err := p.Order()
	if err != nil {
		return Summary{}, err
	}
	if err := p.Check(); err != nil {
		return Summary{}, err
	}
	if e.DryRun {
		return Summary{}, e.print(order)
	}
	return e.execute(ctx, order)
}

// print writes the plan as a shell transcript. It calls no step's Do.
func (e *Executor) print(order []*Step) error {
	var b strings.Builder
	for _, s := range order {
		fmt.Fprintf(&b, "\n# %s\n", label(s))
		if s.Script != "" {
			b.WriteString(strings.TrimRight(s.Script, "\n"))
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(e.Stdout, b.String())
	return err
}

func label(s *Step) string {
	if s.Cluster == "" {
		return s.Title
	}
	return fmt.Sprintf("[%s] %s", s.Cluster, s.Title)
}

type done struct {
	id  string
	out Outcome
}

// execute runs steps as soon as everything they need has succeeded.
func (e *Executor) execute(ctx context.Context, order []*Step) (Summary, error) {
	parallel := e.Parallel
	if parallel <= 0 {
		parallel = 8
	}
	st := &state{outcomes: map[string]*Outcome{}, running: map[string]bool{}}
	results := make(chan done)
	out := e.Progress
	if out == nil {
		out = NewProgress(e.Stderr, false, 0)
	}
	if out.Spinning() {
		stop := make(chan struct{})
		defer close(stop)
		go out.spin(100*time.Millisecond, stop)
	}
	for len(st.outcomes) < len(order) {
		for _, s := range order {
			if st.settled(s.ID) || st.running[s.ID] {
				continue
			}
			switch st.readiness(s) {
			case blocked:
				continue
			case doomed:
				st.outcomes[s.ID] = &Outcome{Step: s, Skipped: true}
				out.Printf("- %s: skipped, %s\n", label(s), st.why(s))
				continue
			}
			if ctx.Err() != nil || len(st.running) >= parallel {
				continue
			}
			st.running[s.ID] = true
			go e.runStep(ctx, s, out, results)
		}
		if len(st.running) == 0 {
			st.skipRest(order, out, ctx.Err())
			break
		}
		r := <-results
		delete(st.running, r.id)
		st.outcomes[r.id] = &r.out
		e.report(out, r.out)
	}
	sum := Summary{}
	for _, s := range order {
		sum.Outcomes = append(sum.Outcomes, *st.outcomes[s.ID])
	}
	return sum, summaryError(sum, ctx.Err())
}

func (e *Executor) runStep(ctx context.Context, s *Step, out *Progress, results chan<- done) {
	now := e.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	prefix := s.Title
	if s.Cluster != "" {
		prefix = "[" + s.Cluster + "]"
	}
	log := &stepLogger{out: out, prefix: prefix}
	if !out.Spinning() {
		out.Printf("• %s ...\n", label(s))
	}
	out.setRunning(label(s), true)
	var res Result
	var err error
	if s.Do != nil {
		res, err = safeDo(ctx, s, log)
	}
	out.setRunning(label(s), false)
	results <- done{id: s.ID, out: Outcome{Step: s, Result: res, Err: err, Start: start, Duration: now().Sub(start)}}
}

// safeDo turns a panicking step into a failed one, so one broken step
// cannot take the other clusters' work down with it.
func safeDo(ctx context.Context, s *Step, log Logger) (res Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	return s.Do(ctx, log)
}

func (e *Executor) report(out *Progress, o Outcome) {
	l := label(o.Step)
	switch {
	case o.Err != nil:
		out.Printf("✗ %s: %v\n", l, o.Err)
	case o.Result.Note != "" && !o.Result.Changed:
		out.Printf("✓ %s: %s\n", l, o.Result.Note)
	case o.Result.Note != "":
		out.Printf("✓ %s: %s (%s)\n", l, o.Result.Note, round(o.Duration))
	default:
		out.Printf("✓ %s (%s)\n", l, round(o.Duration))
	}
}

func round(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

func summaryError(sum Summary, interrupted error) error {
	failed := sum.Failed()
	_, _, _, skipped := sum.Counts()
	if len(failed) == 0 && interrupted == nil {
		return nil
	}
	var lines []string
	for _, o := range failed {
		lines = append(lines, fmt.Sprintf("  %s: %v", label(o.Step), o.Err))
	}
	msg := fmt.Sprintf("%d of %d steps failed", len(failed), len(sum.Outcomes))
	if skipped > 0 {
		msg += fmt.Sprintf(", %d skipped", skipped)
	}
	if interrupted != nil {
		msg = fmt.Sprintf("interrupted (%v): %s; run the same command again to pick up where it stopped", interrupted, msg)
	}
	if len(lines) > 0 {
		msg += ":\n" + strings.Join(lines, "\n")
	}
	return &StepsError{Msg: msg, Summary: sum, Interrupted: interrupted != nil}
}

// StepsError is returned when steps failed or the run was interrupted.
type StepsError struct {
	Msg         string
	Summary     Summary
	Interrupted bool
}

func (e *StepsError) Error() string { return e.Msg }

// IsStepsError reports whether err comes from failed steps.
func IsStepsError(err error) bool {
	var se *StepsError
	return errors.As(err, &se)
}

type readiness int

const (
	ready readiness = iota
	blocked
	doomed
)

type state struct {
	outcomes map[string]*Outcome
	running  map[string]bool
}

func (st *state) settled(id string) bool { _, ok := st.outcomes[id]; return ok }

func (st *state) readiness(s *Step) readiness {
	r := ready
	for _, n := range s.Needs {
		o, ok := st.outcomes[n]
		switch {
		case !ok:
			r = blocked
		case o.Err != nil || o.Skipped:
			return doomed
		}
	}
	return r
}

func (st *state) why(s *Step) string {
	for _, n := range s.Needs {
		if o, ok := st.outcomes[n]; ok && (o.Err != nil || o.Skipped) {
			return fmt.Sprintf("%s did not succeed", o.Step.ID)
		}
	}
	return "interrupted"
}

func (st *state) skipRest(order []*Step, out *Progress, interrupted error) {
	for _, s := range order {
		if st.settled(s.ID) {
			continue
		}
		st.outcomes[s.ID] = &Outcome{Step: s, Skipped: true}
		if interrupted != nil {
			out.Printf("- %s: not started, interrupted\n", label(s))
		}
	}
}

type stepLogger struct {
	out    *Progress
	prefix string
}

func (s *stepLogger) Logf(format string, args ...any) {
	s.out.Printf("  %s %s\n", s.prefix, strings.TrimRight(fmt.Sprintf(format, args...), "\n"))
}
