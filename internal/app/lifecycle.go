package app

import (
	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/workflow"
)

// downOptions are the flags of down.
type downOptions struct {
	Cache bool
}

func newDownCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return newLabCommand(streams, g, downCommand(&downOptions{}))
}

// downCommand is down, its flags set into o.
func downCommand(o *downOptions) labCommand {
	return labCommand{
		Use:   "down DIRS [NAME...]",
		Short: "Take a lab down: everything delete does, and its Docker network",
		Long: `Delete the clusters, the routes and links toward them and their contexts,
as delete does, then remove the lab's Docker network unless other containers
still use it (they are named, and the network is kept).

The image cache (container and volume localcluster-cache) serves every lab on
this machine, so down keeps it; when it is the last user of the lab's network
it only leaves that network. --cache removes it too, with every image it
holds; nodes of other labs whose networks it is on then pull from the
registries directly, and the step names those networks.`,
		Example: `  localcluster down clusters/workshop
  localcluster down --cache clusters/workshop   # and the image cache with every cached image`,
		Flags: func(cmd *cobra.Command) {
			cmd.Flags().BoolVar(&o.Cache, "cache", false, "also remove the image cache and its volume (every cached image), after the network")
		},
		Build: func(l *loadedLab, p *plan.Plan) error {
			workflow.AddDown(p, l.Env, l.Selected, workflow.DownOptions{Cache: o.Cache})
			return nil
		},
	}
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
