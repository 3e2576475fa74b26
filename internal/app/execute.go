package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/localcluster/localcluster/internal/plan"
)

// execute runs or prints a plan. In dry-run the transcript goes to stdout
// behind a header saying nothing was changed, or the step graph as JSON.
func execute(ctx context.Context, streams Streams, g *GlobalOptions, l *loadedLab, r labRun, p *plan.Plan) error {
	if g.DryRun && r.json {
		return p.WriteJSON(streams.Out)
	}
	if g.DryRun {
		fmt.Fprintf(streams.Out, "# localcluster %s --dryrun: %s, nothing was changed.\n", r.name, plural(p.Len(), "step"))
		fmt.Fprintln(streams.Out, "# Each step is followed by commands that would do the same by hand; secrets are redacted.")
		fmt.Fprintln(streams.Out, "# Paths are relative to the directory localcluster ran in; run the commands from there.")
	}
	if p.Len() == 0 && !g.DryRun {
		fmt.Fprintf(streams.ErrOut, "%s: nothing to do for %s\n", r.name, selectedNames(l))
		return nil
	}
	e := &plan.Executor{Stdout: streams.Out, Stderr: streams.ErrOut, Progress: l.Progress, DryRun: g.DryRun, Parallel: g.Parallel}
	sum, err := e.Run(ctx, p)
	if g.DryRun {
		return err
	}
	changed, unchanged, failed, skipped := sum.Counts()
	fmt.Fprintf(streams.ErrOut, "%s: %d changed, %d already as wanted, %d failed, %d skipped\n",
		strings.ToUpper(r.name[:1])+r.name[1:], changed, unchanged, failed, skipped)
	if r.timings {
		writeTimings(streams.ErrOut, sum)
	}
	return err
}

// plural says "1 step", "2 steps".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
