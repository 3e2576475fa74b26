package app

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/workflow"
)

func newRouteCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "route DIRS [NAME...]",
		Short: "Add or repair the routes between the clusters of each group",
		Long: `For every group a named cluster belongs to, make each member's node route
every other member's pod ranges via that member's node. Routes are replaced,
so running it again changes nothing, and after a Docker restart that gave
nodes new addresses it repairs them.`,
		Example:           `  localcluster route clusters`,
		ValidArgsFunction: completeClusters(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := parseLabArgs("route", args)
			if err != nil {
				return err
			}
			return runRoute(cmd.Context(), streams, g, a)
		},
	}
}

func runRoute(ctx context.Context, streams Streams, g *GlobalOptions, a labArgs) error {
	l, err := loadLab(streams, g, a)
	if err != nil {
		return err
	}
	defer l.Env.Close()
	p := plan.New()
	p.Add(workflow.RouteSteps(l.Env, l.Selected, noNeeds)...)
	return execute(ctx, streams, g, l, "route", p)
}
