package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/imagecache"
	"github.com/localcluster/localcluster/internal/kubeconfig"
	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/provider"
	"github.com/localcluster/localcluster/internal/provider/backends"
	"github.com/localcluster/localcluster/internal/workflow"
)

// labArgs are the positional arguments every lab command takes: a
// comma-separated list of directories to search, then cluster names.
type labArgs struct {
	Dirs  []string
	Names []string
}

func parseLabArgs(cmd string, args []string) (labArgs, error) {
	if len(args) == 0 {
		return labArgs{}, usageErrorf("which directories hold the lab? e.g. localcluster %s clusters [NAME...]", cmd)
	}
	dirs := definition.SplitDirs(args[0])
	if len(dirs) == 0 {
		return labArgs{}, usageErrorf("%q names no directory; e.g. localcluster %s clusters", args[0], cmd)
	}
	return labArgs{Dirs: dirs, Names: args[1:]}, nil
}

// labCommand is a command that acts on a lab. Every one of them goes the
// same way: parse the arguments, load the lab, build a plan, run or print
// it, close what was opened.
type labCommand struct {
	Use, Short, Long, Example string
	Aliases                   []string
	// Flags adds the command's own flags.
	Flags func(cmd *cobra.Command)
	// Args parses the positional arguments of a command that takes more
	// than DIRS [NAME...] (images load: DIRS IMAGE...), keeping what is
	// its own; name is the command as the user typed it. nil parses
	// DIRS [NAME...].
	Args func(name string, args []string) (labArgs, error)
	// Check validates the command's own flags before anything is loaded.
	Check func() error
	// Build adds the command's steps to p. It must not touch anything.
	Build func(l *loadedLab, p *plan.Plan) error
	// After runs when the plan ran for real and succeeded.
	After func(ctx context.Context, l *loadedLab) error
	// Timings: after a real run, tell each cluster's time and the
	// critical path.
	Timings bool
	// LogsHint: a failed real run says how to collect diagnostics.
	LogsHint bool
	// NeedsNodes: the command works inside existing clusters, whose node
	// containers must run (see checkNodes).
	NeedsNodes bool
}

// newLabCommand makes the cobra command of c. Every lab command has
// -o: with --dryrun, -o json prints the plan as a step graph. A command
// whose report has formats of its own (certs) checks its -o itself.
func newLabCommand(streams Streams, g *GlobalOptions, c labCommand) *cobra.Command {
	cmd := &cobra.Command{
		Use: c.Use, Short: c.Short, Long: c.Long, Example: c.Example, Aliases: c.Aliases,
		ValidArgsFunction: completeClusters(g),
	}
	parse := parseLabArgs
	if c.Args != nil {
		parse = c.Args
		cmd.ValidArgsFunction = completeDirs
	}
	if c.Flags != nil {
		c.Flags(cmd)
	}
	ownOutput := cmd.Flags().Lookup("output") != nil
	if !ownOutput {
		cmd.Flags().StringP("output", "o", "text", "with --dryrun, how to print the plan: text (commands to run by hand) or json (the step graph)")
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		output := cmd.Flags().Lookup("output").Value.String()
		if !ownOutput && output != "text" && output != "json" {
			return usageErrorf("-o %s: want text or json", output)
		}
		if err := workflow.CheckAPIAddress(g.APIAddress); err != nil {
			return &UsageError{Err: err}
		}
		if c.Check != nil {
			if err := c.Check(); err != nil {
				return err
			}
		}
		name := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
		a, err := parse(name, args)
		if err != nil {
			return err
		}
		return runLabCommand(cmd.Context(), streams, g, c, labRun{name: name, args: a, json: output == "json", timings: c.Timings})
	}
	return cmd
}

// labRun is one invocation of a lab command.
type labRun struct {
	name    string
	args    labArgs
	json    bool // in dry-run, print the plan as JSON
	timings bool // after a real run, print cluster times and the critical path
}

func runLabCommand(ctx context.Context, streams Streams, g *GlobalOptions, c labCommand, r labRun) error {
	l, err := loadLab(ctx, streams, g, r.args)
	if err != nil {
		return err
	}
	defer l.Close()
	p := plan.New()
	if err := c.Build(l, p); err != nil {
		return err
	}
	unlock, err := lockLab(g, l)
	if err != nil {
		return err
	}
	defer unlock()
	if c.NeedsNodes && !g.DryRun {
		if err := checkNodes(ctx, l, p, strings.Join(r.args.Dirs, ",")); err != nil {
			return err
		}
	}
	if err := execute(ctx, streams, g, l, r, p); err != nil || g.DryRun || c.After == nil {
		if err != nil && c.LogsHint && !g.DryRun && ctx.Err() == nil {
			return fmt.Errorf("%w\n%s", err, logsHint(r.args))
		}
		return err
	}
	return c.After(ctx, l)
}

// loadedLab is a lab with its address plan, the clusters a command acts
// on, and the environment its steps use.
type loadedLab struct {
	Lab      *definition.Lab
	Plan     *addrplan.Plan
	Selected []*definition.Cluster
	Env      *workflow.Env
	Progress *plan.Progress // shared by the executor and kind's logger
}

// Close releases what the lab's steps opened.
func (l *loadedLab) Close() { l.Env.Close() }

// loadLab reads the definitions, computes the address plan and selects
// the named clusters. It reads files only.
func loadLab(ctx context.Context, streams Streams, g *GlobalOptions, a labArgs) (*loadedLab, error) {
	if err := g.validate(); err != nil {
		return nil, err
	}
	lab, err := definition.LoadContext(ctx, a.Dirs)
	if err != nil {
		return nil, err
	}
	p, err := addrplan.Compute(lab, addrplan.NetworkFrom(lab.Settings.Network))
	if err != nil {
		return nil, err
	}
	selected, err := lab.Select(a.Names)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	home, _ := os.UserHomeDir()
	env := &workflow.Env{
		Lab: lab, Plan: p, TrustDir: g.TrustDir, Force: g.Force, Verbose: g.Verbose,
		Kubeconfig: kubeconfig.Path(g.Kubeconfig, os.Getenv, home),
		Charts:     workflow.ChartsFrom(lab.Settings),
		APIAddress: g.APIAddress,
		Cache:      imagecache.Resolve(lab.Settings.Cache),
	}
	progress := newProgress(streams.ErrOut)
	env.Providers = registry(progress, env).For
	return &loadedLab{Lab: lab, Plan: p, Selected: selected, Env: env, Progress: progress}, nil
}

// registry holds the providers of a run. Making them touches nothing.
func registry(log io.Writer, env *workflow.Env) provider.Registry {
	specs := make([]provider.Spec, 0, len(env.Plan.Clusters))
	for _, c := range env.Plan.Clusters {
		specs = append(specs, env.Spec(c))
	}
	return backends.New(backends.Options{Log: log, Specs: specs})
}

// newProgress reports to w, with a spinner when w is a terminal.
func newProgress(w io.Writer) *plan.Progress {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return plan.NewProgress(w, false, 0)
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		width = 0
	}
	return plan.NewProgress(w, true, width)
}

func selectedNames(l *loadedLab) string {
	var names []string
	for _, c := range l.Selected {
		names = append(names, c.Name)
	}
	return joinAnd(names)
}
