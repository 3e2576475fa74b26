package app

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/helm"
	"github.com/localcluster/localcluster/internal/imagecache"
	"github.com/localcluster/localcluster/internal/kubeconfig"
	"github.com/localcluster/localcluster/internal/mesh"
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

// loadedLab is a lab with its address plan, the clusters a command acts
// on, and the environment its steps use.
type loadedLab struct {
	Lab      *definition.Lab
	Plan     *addrplan.Plan
	Selected []*definition.Cluster
	Env      *workflow.Env
	Progress *plan.Progress // shared by the executor and kind's logger
}

// loadLab reads the definitions, computes the address plan and selects
// the named clusters. It reads files only.
func loadLab(streams Streams, g *GlobalOptions, a labArgs) (*loadedLab, error) {
	lab, err := definition.Load(a.Dirs)
	if err != nil {
		return nil, err
	}
	p, err := addrplan.Compute(lab, networkOf(lab.Settings.Network))
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
		Charts:     chartsOf(lab.Settings),
		Cache:      imagecache.Resolve(lab.Settings.Cache),
	}
	progress := newProgress(streams.ErrOut)
	env.Providers = registry(progress, env).For
	return &loadedLab{Lab: lab, Plan: p, Selected: selected, Env: env, Progress: progress}, nil
}

// registry holds the providers of a run. Making them touches nothing.
func registry(log io.Writer, env *workflow.Env) provider.Registry {
	var external []provider.Spec
	for _, c := range env.Plan.Clusters {
		if c.Def.Provider == "external" {
			external = append(external, env.Spec(c))
		}
	}
	return backends.New(backends.Options{Log: log, External: external})
}

// networkOf applies lab.yaml's network settings over the default.
func networkOf(s definition.NetworkSettings) addrplan.Network {
	n := addrplan.DefaultNetwork()
	if s.Name != "" {
		n.Name = s.Name
	}
	if s.IPv4Subnet.IsValid() {
		n.IPv4Subnet = s.IPv4Subnet
		// A custom subnet without a custom range gets the same shape as the
		// default: its lowest /28, which no MetalLB pool uses.
		n.IPv4Range = addrplan.LowestRange(s.IPv4Subnet)
	}
	if s.IPv4Range.IsValid() {
		n.IPv4Range = s.IPv4Range
	}
	// A lab on a network of its own has IPv6 only if it says so: the
	// default IPv6 subnet is kind's, and Docker refuses a second network
	// with the same pool.
	if s.Name != "" || s.IPv4Subnet.IsValid() {
		n.IPv6Subnet = netip.Prefix{}
	}
	if s.IPv6Subnet.IsValid() {
		n.IPv6Subnet = s.IPv6Subnet
	}
	if s.MTU != 0 {
		n.MTU = s.MTU
	}
	return n
}

// chartsOf applies lab.yaml's chart settings over the defaults.
func chartsOf(s definition.Settings) workflow.Charts {
	metallb := helm.MetalLBChart()
	if s.MetalLB.Repo != "" {
		metallb.Repo = s.MetalLB.Repo
		metallb.Version = ""
	}
	if s.MetalLB.Version != "" {
		metallb.Version = s.MetalLB.Version
	}
	l := mesh.DefaultChartSource()
	if s.Linkerd.Repo != "" {
		l.Repo = s.Linkerd.Repo
		l.Version = ""
	}
	if s.Linkerd.Version != "" {
		l.Version = s.Linkerd.Version
	}
	setIf(&l.CRDs, s.Linkerd.Charts.CRDs)
	setIf(&l.ControlPlane, s.Linkerd.Charts.ControlPlane)
	setIf(&l.Multicluster, s.Linkerd.Charts.Multicluster)
	l.ExtraValues = map[string]map[string]any{}
	for chart, v := range map[string]map[string]any{
		l.CRDs: s.Linkerd.Values.CRDs, l.ControlPlane: s.Linkerd.Values.ControlPlane, l.Multicluster: s.Linkerd.Values.Multicluster,
	} {
		if len(v) > 0 {
			l.ExtraValues[chart] = v
		}
	}
	return workflow.Charts{MetalLB: metallb, Linkerd: l}
}

func setIf(dst *string, v string) {
	if v != "" {
		*dst = v
	}
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

// execute runs or prints a plan. In dry-run the transcript goes to stdout
// behind a header saying nothing was changed.
func execute(ctx context.Context, streams Streams, g *GlobalOptions, l *loadedLab, command string, p *plan.Plan) error {
	if g.DryRun {
		fmt.Fprintf(streams.Out, "# localcluster %s --dryrun: %d steps, nothing was changed.\n", command, p.Len())
		fmt.Fprintln(streams.Out, "# Each step is followed by commands that would do the same by hand; secrets are redacted.")
	}
	if p.Len() == 0 && !g.DryRun {
		fmt.Fprintf(streams.ErrOut, "%s: nothing to do for %s\n", command, selectedNames(l))
		return nil
	}
	e := &plan.Executor{Stdout: streams.Out, Stderr: streams.ErrOut, Progress: l.Progress, DryRun: g.DryRun, Parallel: g.Parallel}
	sum, err := e.Run(ctx, p)
	if g.DryRun || p.Len() == 0 {
		return err
	}
	changed, unchanged, failed, skipped := sum.Counts()
	fmt.Fprintf(streams.ErrOut, "%s: %d changed, %d already as wanted, %d failed, %d skipped\n",
		strings.ToUpper(command[:1])+command[1:], changed, unchanged, failed, skipped)
	return err
}

func selectedNames(l *loadedLab) string {
	var names []string
	for _, c := range l.Selected {
		names = append(names, c.Name)
	}
	return joinAnd(names)
}
