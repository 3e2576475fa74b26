package app

import (
	"context"
	"os"
	"path/filepath"

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
	cmd.AddCommand(newImagesLoadCommand(streams, g))
	return cmd
}

// imagesLoadOptions are the arguments of images load.
type imagesLoadOptions struct {
	Lab    labArgs
	Images []string
}

func newImagesLoadCommand(streams Streams, g *GlobalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "load DIRS IMAGE...",
		Short: "Copy images from the host's Docker into every node, the clusters in parallel",
		Long: `Save the images from the host's Docker once, then load them into every node
of every kind and k3d cluster of the lab in parallel, with kind's and k3d's own
loading functions (kind load image-archive, k3d image import). kind nodes that
already hold an image are skipped.`,
		Example: `  localcluster images load clusters ghcr.io/buoyantio/faces-workload:2.0.0
  localcluster images load --parallel 1 clusters my-app:dev   # one cluster at a time`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageErrorf("which images? e.g. localcluster images load clusters IMAGE...")
			}
			a, err := parseLabArgs("images load", args[:1])
			if err != nil {
				return err
			}
			return runImagesLoad(cmd.Context(), streams, g, imagesLoadOptions{Lab: a, Images: args[1:]})
		},
	}
}

func runImagesLoad(ctx context.Context, streams Streams, g *GlobalOptions, o imagesLoadOptions) error {
	l, err := loadLab(ctx, streams, g, o.Lab)
	if err != nil {
		return err
	}
	defer l.Close()
	unlock, err := lockLab(g, l)
	if err != nil {
		return err
	}
	defer unlock()
	// The archive lives only for this run; a dry-run names it but makes
	// nothing.
	archive := "localcluster-images.tar"
	if !g.DryRun {
		dir, err := os.MkdirTemp("", "localcluster-images-")
		if err != nil {
			return err
		}
		defer func() { _ = os.RemoveAll(dir) }()
		archive = filepath.Join(dir, archive)
	}
	p := plan.New()
	p.Add(workflow.ImageLoadSteps(l.Env, l.Selected, o.Images, archive)...)
	return execute(ctx, streams, g, l, labRun{name: "images load", args: o.Lab}, p)
}
