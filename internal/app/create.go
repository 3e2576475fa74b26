package app

import (
	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/workflow"
)

func newCreateCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return newLabCommand(streams, g, labCommand{
		Use:   "create DIRS [NAME...]",
		Short: "Create clusters, their routes and LoadBalancer pools",
		Long: `Create the Docker network, then the clusters (in parallel), merge their
credentials into the kubeconfig as contexts named after them, add routes
between the clusters of each group and give kind clusters MetalLB.

A cluster that already exists and runs is kept; --force recreates it.`,
		Example: `  localcluster create clusters
  localcluster create --dryrun clusters smiley
  localcluster create clusters cdn faces color`,
		Build: func(l *loadedLab, p *plan.Plan) error {
			if !g.DryRun {
				warnInotify(streams.ErrOut, len(l.Selected), "/proc/sys/fs/inotify/max_user_instances")
			}
			workflow.AddCreate(p, l.Env, l.Selected)
			return nil
		},
		LogsHint: true,
	})
}

func newLBCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return newLabCommand(streams, g, labCommand{
		Use:        "lb DIRS [NAME...]",
		NeedsNodes: true,
		Short:      "Give kind clusters MetalLB and their LoadBalancer pools",
		Example:    `  localcluster lb clusters smiley`,
		Build: func(l *loadedLab, p *plan.Plan) error {
			p.Add(workflow.LBSteps(l.Env, l.Selected, workflow.NoNeeds)...)
			return nil
		},
	})
}

func newRouteCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return newLabCommand(streams, g, labCommand{
		Use:        "route DIRS [NAME...]",
		NeedsNodes: true,
		Short:      "Add or repair the routes between the clusters of each group",
		Long: `For every group a named cluster belongs to, make each member's node route
every other member's pod ranges via that member's node. Routes are replaced,
so running it again changes nothing, and after a Docker restart that gave
nodes new addresses it repairs them.`,
		Example: `  localcluster route clusters`,
		Build: func(l *loadedLab, p *plan.Plan) error {
			p.Add(workflow.RouteSteps(l.Env, l.Selected, workflow.NoNeeds)...)
			return nil
		},
	})
}

func newDeleteCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return newLabCommand(streams, g, deleteCommand())
}

// deleteCommand is delete. It keeps the image cache: other labs use it.
func deleteCommand() labCommand {
	return labCommand{
		Use:   "delete DIRS [NAME...]",
		Short: "Delete clusters, the routes toward them and their contexts",
		Long: `Delete the named clusters (default: all), the routes their group peers hold
toward them, and the kubeconfig entries create added. External clusters are
never deleted. The Docker network is left for other labs (down removes it).`,
		Example: `  localcluster delete clusters faces color
  localcluster delete .`,
		Build: func(l *loadedLab, p *plan.Plan) error {
			p.Add(workflow.DeleteSteps(l.Env, l.Selected)...)
			return nil
		},
	}
}
