package app

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/health"
	"github.com/localcluster/localcluster/internal/workflow"
)

// StatusOptions are the flags of status.
type StatusOptions struct {
	Output string
	Wait   time.Duration
	// Interval is how long --wait pauses between rounds of checks.
	Interval time.Duration
}

// statusOutputs are the formats of status -o.
var statusOutputs = []string{"table", "json", "yaml", "mermaid", "dot", "svg"}

// UnhealthyError is what status returns when a check does not pass: exit
// code 1, the report having said what and how to fix it.
type UnhealthyError struct{ Report *health.Report }

func (e *UnhealthyError) Error() string {
	s := e.Report.Summary
	return fmt.Sprintf("the lab is not healthy: %d checks fail, %d could not be checked", s.Fail, s.Unknown)
}

func newStatusCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	o := &StatusOptions{Interval: 2 * time.Second}
	cmd := &cobra.Command{
		Use:   "status DIRS [NAME...]",
		Short: "Check the lab's health: nodes, routes, certificates, Linkerd and links",
		Long: `Check every named cluster (default: all) and every link from or to them, as
linkerd multicluster check would judge the links, and say for each failing
check the command that fixes it. Checks run in parallel; without Docker or
without a cluster, what cannot be checked is reported as unknown, with why.

Exit code 0 when every check passes, 1 when one fails or cannot be checked,
2 for a mistake in the call. --wait re-checks until the lab is healthy or the
time is up. -o mermaid, dot or svg draw the lab: clusters by group, links as
arrows (dashed through a gateway), coloured by health.`,
		Example: `  localcluster status clusters
  localcluster status clusters --wait 2m
  localcluster status clusters -o svg > lab.svg`,
		ValidArgsFunction: completeClusters(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(statusOutputs, o.Output) {
				return usageErrorf("-o %s: want %s", o.Output, strings.Join(statusOutputs, ", "))
			}
			if o.Wait < 0 {
				return usageErrorf("--wait %s: want a duration of zero or more, e.g. 2m", o.Wait)
			}
			a, err := parseLabArgs("status", args)
			if err != nil {
				return err
			}
			return runStatus(cmd.Context(), streams, g, o, a)
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "table", "output format: "+strings.Join(statusOutputs, ", "))
	cmd.Flags().DurationVar(&o.Wait, "wait", 0, "re-check until healthy or this much time has passed, e.g. 2m")
	return cmd
}

func runStatus(ctx context.Context, streams Streams, g *GlobalOptions, o *StatusOptions, a labArgs) error {
	l, err := loadLab(ctx, streams, g, a)
	if err != nil {
		return err
	}
	defer l.Close()
	opts := healthOptions(l, g, a)
	deadline := time.Now().Add(o.Wait)
	for {
		r := health.Run(ctx, opts)
		left := time.Until(deadline)
		if r.Healthy || left <= 0 || ctx.Err() != nil {
			if err := writeStatus(streams.Out, o.Output, r); err != nil {
				return err
			}
			if !r.Healthy {
				return &UnhealthyError{Report: r}
			}
			return nil
		}
		fmt.Fprintf(streams.ErrOut, "waiting (%s left) for %s\n", left.Round(time.Second), strings.Join(r.Problems(), ", "))
		select {
		case <-ctx.Done():
		case <-time.After(min(o.Interval, left)):
		}
	}
}

// healthOptions are what status checks: the selected clusters and every
// link from or to them.
func healthOptions(l *loadedLab, g *GlobalOptions, a labArgs) health.Options {
	opts := health.Options{
		Plan: l.Plan, Links: labLinks(l.Env), KubeTarget: l.Env.KubeTarget, Traits: l.Env.Traits, TrustDir: g.TrustDir,
		Fixes: health.Fixes{Dirs: strings.Join(a.Dirs, ",")},
	}
	if g.TrustDir != "./certs" {
		opts.Fixes.TrustDir = g.TrustDir
	}
	for _, d := range l.Selected {
		opts.Clusters = append(opts.Clusters, d.Name)
	}
	return opts
}

// labLinks are every link the lab declares: pod-to-pod within groups,
// gateway links where sma.yaml says so.
func labLinks(e *workflow.Env) []health.Link {
	seen := map[[2]string]bool{}
	var out []health.Link
	for _, l := range append(workflow.GroupLinks(e, e.Lab.Clusters), workflow.DeclaredGatewayLinks(e, e.Lab.Clusters)...) {
		key := [2]string{l.Source.Name, l.Target.Name}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, health.Link{Source: l.Source.Name, Target: l.Target.Name, Gateway: l.Gateway})
	}
	return out
}

func writeStatus(w io.Writer, format string, r *health.Report) error {
	switch format {
	case "json", "yaml":
		return writeStructured(w, format, r)
	case "mermaid":
		return health.WriteMermaid(w, r)
	case "dot":
		return health.WriteDot(w, r)
	case "svg":
		return health.WriteSVG(w, r)
	}
	return health.WriteTable(w, r)
}
