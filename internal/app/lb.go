package app

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/workflow"
)

func newLBCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return &cobra.Command{
		Use:               "lb DIRS [NAME...]",
		Short:             "Give kind clusters MetalLB and their LoadBalancer pools",
		Example:           `  localcluster lb clusters smiley`,
		ValidArgsFunction: completeClusters(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := parseLabArgs("lb", args)
			if err != nil {
				return err
			}
			return runLB(cmd.Context(), streams, g, a)
		},
	}
}

func runLB(ctx context.Context, streams Streams, g *GlobalOptions, a labArgs) error {
	l, err := loadLab(streams, g, a)
	if err != nil {
		return err
	}
	defer l.Env.Close()
	p := plan.New()
	p.Add(workflow.LBSteps(l.Env, l.Selected, noNeeds)...)
	return execute(ctx, streams, g, l, "lb", p)
}

func noNeeds(string) string { return "" }
