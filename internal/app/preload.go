package app

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/workflow"
)

func newImagesPreloadCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return newLabCommand(streams, g, labCommand{
		Use:   "preload DIRS [NAME...]",
		Short: "Copy the images the lab needs into every node: Linkerd's, the multicluster extension's, MetalLB's",
		Long: `Find the images the lab is known to need by rendering the charts it installs,
with the lab's own values: Linkerd's CRDs and control plane, the multicluster
extension (with each cluster's mc-values.yaml), MetalLB for kind clusters, and
the proxy images Linkerd injects into meshed pods. Images the host's Docker
has are used; the others are pulled by the host's engine. Then they are
loaded into every node, as images load does.

The demos' own images are not in the list: the lab does not say which demo
it runs; load them with images load.

The host's engine pulls with its own configuration, not through the lab's
cache (which only the nodes reach); offline, the missing images are named.
images list prints the list without doing anything.`,
		Example: `  localcluster images preload clusters/workshop
  localcluster images preload --dryrun clusters/workshop   # the list, as docker pull commands`,
		Build: func(l *loadedLab, p *plan.Plan) error {
			images, err := workflow.LabImages(l.Env, l.Selected)
			if err != nil {
				return err
			}
			p.Add(workflow.ImagePreloadSteps(l.Env, l.Selected, images)...)
			return nil
		},
	})
}

// imagesListOptions are the flags of images list.
type imagesListOptions struct {
	Output string
}

func newImagesListCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	o := &imagesListOptions{}
	cmd := &cobra.Command{
		Use:   "list DIRS [NAME...]",
		Short: "Print the images the lab is known to need, one a line",
		Long: `Print the images images preload would copy into the nodes: every image of
the pod templates of the charts the lab installs, rendered with the lab's own
values, and the proxy images Linkerd injects. Nothing is pulled or changed.`,
		Example:           `  localcluster images list clusters/workshop`,
		ValidArgsFunction: completeClusters(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Output != "text" && o.Output != "json" && o.Output != "yaml" {
				return usageErrorf("-o %s: want text, json or yaml", o.Output)
			}
			a, err := parseLabArgs("images list", args)
			if err != nil {
				return err
			}
			return runImagesList(cmd.Context(), streams, g, a, o.Output)
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "text", "text (one image a line), json or yaml")
	return cmd
}

func runImagesList(ctx context.Context, streams Streams, g *GlobalOptions, a labArgs, output string) error {
	l, err := loadLab(ctx, streams, g, a)
	if err != nil {
		return err
	}
	defer l.Close()
	images, err := workflow.LabImages(l.Env, l.Selected)
	if err != nil {
		return err
	}
	if output != "text" {
		return writeStructured(streams.Out, output, map[string]any{"images": images})
	}
	for _, im := range images {
		if _, err := fmt.Fprintln(streams.Out, im); err != nil {
			return err
		}
	}
	return nil
}
