package app

import (
	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/workflow"
)

func newDownCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return newLabCommand(streams, g, labCommand{
		Use:   "down DIRS [NAME...]",
		Short: "Take a lab down: everything delete does, and its Docker network",
		Long: `Delete the clusters, the routes and links toward them and their contexts,
as delete does, then remove the lab's Docker network unless other containers
still use it (they are named, and the network is kept).`,
		Example: `  localcluster down clusters/workshop`,
		Build: func(l *loadedLab, p *plan.Plan) error {
			workflow.AddDown(p, l.Env, l.Selected)
			return nil
		},
	})
}

func newStopCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return newLabCommand(streams, g, labCommand{
		Use:   "stop DIRS [NAME...]",
		Short: "Stop the lab's node containers, keeping everything in them",
		Long: `Stop the node containers of the named clusters (default: all), to free the
machine until start brings the lab back.`,
		Example: `  localcluster stop clusters/workshop`,
		Build: func(l *loadedLab, p *plan.Plan) error {
			p.Add(workflow.StopSteps(l.Env, l.Selected)...)
			return nil
		},
	})
}

func newStartCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return newLabCommand(streams, g, labCommand{
		Use:   "start DIRS [NAME...]",
		Short: "Start a stopped lab and repair what new node addresses broke",
		Long: `Start the node containers of the named clusters (default: all) and wait
until each API server answers. Docker may give the nodes new addresses, so
then repair what depends on them: the contexts, the routes of each group,
and the credentials and gateway addresses of the links that exist. Each
repair says whether it changed anything.`,
		Example: `  localcluster start clusters/workshop`,
		Build: func(l *loadedLab, p *plan.Plan) error {
			workflow.AddStart(p, l.Env, l.Selected)
			return nil
		},
	})
}
