package app

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/workflow"
)

func newDeleteCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "delete DIRS [NAME...]",
		Short: "Delete clusters, the routes toward them and their contexts",
		Long: `Delete the named clusters (default: all), the routes their group peers hold
toward them, and the kubeconfig entries create added. External clusters are
never deleted. The Docker network is left for other labs.`,
		Example: `  localcluster delete clusters faces color
  localcluster delete .`,
		ValidArgsFunction: completeClusters(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := parseLabArgs("delete", args)
			if err != nil {
				return err
			}
			return runDelete(cmd.Context(), streams, g, a)
		},
	}
}

func runDelete(ctx context.Context, streams Streams, g *GlobalOptions, a labArgs) error {
	l, err := loadLab(streams, g, a)
	if err != nil {
		return err
	}
	defer l.Env.Close()
	p := plan.New()
	p.Add(workflow.DeleteSteps(l.Env, l.Selected)...)
	return execute(ctx, streams, g, l, "delete", p)
}
