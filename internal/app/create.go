package app

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/workflow"
)

func newCreateCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "create DIRS [NAME...]",
		Short: "Create clusters, their routes and LoadBalancer pools",
		Long: `Create the Docker network, then the clusters (in parallel), merge their
credentials into the kubeconfig as contexts named after them, add routes
between the clusters of each group and give kind clusters MetalLB.

A cluster that already exists and runs is kept; --force recreates it.`,
		Example: `  localcluster create clusters
  localcluster create --dryrun clusters smiley
  localcluster create clusters cdn faces color`,
		ValidArgsFunction: completeClusters(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := parseLabArgs("create", args)
			if err != nil {
				return err
			}
			return runCreate(cmd.Context(), streams, g, a)
		},
	}
}

func runCreate(ctx context.Context, streams Streams, g *GlobalOptions, a labArgs) error {
	l, err := loadLab(streams, g, a)
	if err != nil {
		return err
	}
	defer l.Env.Close()
	if !g.DryRun {
		warnInotify(streams.ErrOut, len(l.Selected), "/proc/sys/fs/inotify/max_user_instances")
	}
	p := plan.New()
	p.Add(workflow.NetworkStep(l.Env))
	p.Add(workflow.CreateSteps(l.Env, l.Selected)...)
	ready := workflow.ReadyAfter(p)
	p.Add(workflow.RouteSteps(l.Env, l.Selected, ready)...)
	p.Add(workflow.LBSteps(l.Env, l.Selected, ready)...)
	err = execute(ctx, streams, g, l, "create", p)
	if err != nil && !g.DryRun && ctx.Err() == nil {
		return fmt.Errorf("%w\n%s", err, logsHint(a))
	}
	return err
}
