// Package app is localcluster's command layer: one file per command, each
// parsing flags into an Options struct and handing the work to a plain
// function that builds a plan and gives it to the executor.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/lablock"
	"github.com/localcluster/localcluster/internal/shell"
)

// Streams are where a command reads and writes: results to Out, progress
// and logs to ErrOut.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// StdStreams are the process's standard streams.
func StdStreams() Streams { return Streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr} }

// Run runs localcluster with args (without the program name).
func Run(ctx context.Context, streams Streams, args []string) error {
	root := newRootCommand(streams, args)
	root.SetArgs(args)
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	_, err := root.ExecuteContextC(ctx)
	switch {
	case err == nil, isFlagError(err):
		return err
	case strings.HasPrefix(err.Error(), "unknown command "):
		// cobra's own message names the command and suggests the nearest.
		return &UsageError{Err: fmt.Errorf("%w\nrun 'localcluster --help' for the commands", err)}
	}
	return err
}

// GlobalOptions are the flags every command has.
type GlobalOptions struct {
	DryRun     bool
	Force      bool
	TrustDir   string
	Kubeconfig string
	Parallel   int
	Verbose    bool
	APIAddress string

	// invocation is the command line, as the lab lock tells it to a
	// second invocation.
	invocation string
}

func newRootCommand(streams Streams, args []string) *cobra.Command {
	g := &GlobalOptions{invocation: shell.Join(append([]string{"localcluster"}, args...)...)}
	root := &cobra.Command{
		Use:   "localcluster",
		Short: "Multicluster Kubernetes labs on one machine",
		Long: `localcluster stands up kind and k3d clusters on one Docker network, with
non-overlapping address ranges and routes between them, a shared Linkerd
trust anchor, Linkerd and its multicluster extension in every cluster, and
links between clusters, pod-to-pod or through gateways.

Clusters are defined by sma.yaml files; the first argument of most commands
is a comma-separated list of directories to search for them, the rest are
cluster names (default: all).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	f := root.PersistentFlags()
	f.BoolVar(&g.DryRun, "dryrun", false, "print what would be done, as commands you could run by hand, and change nothing")
	f.BoolVar(&g.Force, "force", false, "recreate what exists (clusters, issuer certificates)")
	f.StringVar(&g.TrustDir, "trust-dir", "./certs", "directory holding the Linkerd trust anchor root.crt/root.key")
	f.StringVar(&g.Kubeconfig, "kubeconfig", "", "kubeconfig file to update (default: first of $KUBECONFIG, else ~/.kube/config)")
	f.IntVar(&g.Parallel, "parallel", 8, "how many steps may run at once")
	f.BoolVarP(&g.Verbose, "verbose", "v", false, "show Helm's own progress lines too")
	f.StringVar(&g.APIAddress, "api-address", "auto", "API server address in your contexts: node (the node's address on the Docker network), host (the port it publishes on 127.0.0.1) or auto (node when it answers from here)")
	// --dry-run is the usual spelling; the old tool's --dryrun stays the
	// documented one.
	f.BoolVar(&g.DryRun, "dry-run", false, "same as --dryrun")
	_ = f.MarkHidden("dry-run")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })

	root.AddCommand(
		newCreateCommand(streams, g),
		newLBCommand(streams, g),
		newRouteCommand(streams, g),
		newDeleteCommand(streams, g),
		newCertsCommand(streams, g),
		newLinkerdCommand(streams, g),
		newMulticlusterCommand(streams, g),
		newGroupCommand(streams, g),
		newLinkCommand(streams, g),
		newUnlinkCommand(streams, g),
		newUpCommand(streams, g),
		newDownCommand(streams, g),
		newStopCommand(streams, g),
		newStartCommand(streams, g),
		newInfoCommand(streams, g),
		newStatusCommand(streams, g),
		newLogsCommand(streams, g),
		newVersionCommand(streams),
		newImagesCommand(streams, g),
		newCacheServerCommand(streams),
	)
	refuseUnknownSubcommands(root)
	return root
}

// refuseUnknownSubcommands makes a command that only groups others (images)
// refuse a name it does not know, as the root does, instead of printing its
// help and succeeding.
func refuseUnknownSubcommands(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Runnable() || !c.HasSubCommands() {
			continue
		}
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return usageErrorf("unknown command %q for %q; run '%s --help' for its commands", args[0], cmd.CommandPath(), cmd.CommandPath())
		}
		refuseUnknownSubcommands(c)
	}
}

// ExitLabBusy is the exit code when another localcluster holds the lab's
// lock: nothing was done, and the same command can simply run again later.
const ExitLabBusy = 3

// UsageError is a mistake in how the command was called.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErrorf(format string, args ...any) error {
	return &UsageError{Err: errorf(format, args...)}
}

func isFlagError(err error) bool {
	var ue *UsageError
	return errors.As(err, &ue)
}

// ExitCode maps an error to the process exit code: 0 for success, 2 for
// mistakes in the call or the lab definition (nothing was changed), 3 when
// another localcluster is working on the lab (nothing was changed; run
// again once it is done), 1 for failures while doing the work, 130 when
// interrupted.
func ExitCode(err error) int {
	var ue *UsageError
	var problems definition.Problems
	switch {
	case err == nil:
		return 0
	case errors.Is(err, lablock.ErrHeld):
		return ExitLabBusy
	case errors.As(err, &ue), errors.As(err, &problems):
		return 2
	case errors.Is(err, context.Canceled):
		return 130
	default:
		return 1
	}
}
