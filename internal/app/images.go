package app

import (
	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/workflow"
)

func newImagesCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "images",
		Short: "Copy images from the host's Docker into the lab's nodes",
		Long: `Copy images into every node of the lab, so that nodes need not pull them.
The lab's image cache (on by default, see lab.yaml's spec.cache) already makes
every image download once per machine; images load is for images that are in
no registry, or for a room with no network at all.`,
	}
	cmd.AddCommand(newImagesLoadCommand(streams, g), newImagesPreloadCommand(streams, g), newImagesListCommand(streams, g))
	return cmd
}

// imagesLoadOptions are the arguments of images load beyond the lab.
type imagesLoadOptions struct {
	Images []string
}

func newImagesLoadCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	o := &imagesLoadOptions{}
	return newLabCommand(streams, g, labCommand{
		Use:   "load DIRS IMAGE...",
		Short: "Copy images from the host's Docker into every node, the clusters in parallel",
		Long: `Save the images from the host's Docker once, then load them into every node
of every kind and k3d cluster of the lab in parallel, with kind's and k3d's own
loading functions (kind load image-archive, k3d image import). kind nodes that
already hold an image are skipped.`,
		Example: `  localcluster images load clusters ghcr.io/buoyantio/faces-workload:2.0.0
  localcluster images load --parallel 1 clusters my-app:dev   # one cluster at a time`,
		Args: func(name string, args []string) (labArgs, error) {
			if len(args) < 2 {
				return labArgs{}, usageErrorf("which images? e.g. localcluster %s clusters IMAGE...", name)
			}
			o.Images = args[1:]
			return parseLabArgs(name, args[:1])
		},
		Build: func(l *loadedLab, p *plan.Plan) error {
			p.Add(workflow.ImageLoadSteps(l.Env, l.Selected, o.Images)...)
			return nil
		},
	})
}
