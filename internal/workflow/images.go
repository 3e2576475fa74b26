package workflow

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/provider"
	"github.com/localcluster/localcluster/internal/shell"
)

const imagesSaveID = "images/save"

// imagesArchive is the name of the archive images are saved into.
const imagesArchive = "localcluster-images.tar"

// ImageLoadSteps save images from the host's Docker into archive once,
// then load that archive into every node of each cluster, the clusters in
// parallel, each through its provider's own loader (kind's and k3d's
// library functions). External clusters have no nodes to load into.
func ImageLoadSteps(e *Env, defs []*definition.Cluster, images []string) []*plan.Step {
	// The archive lives only for this run, in the run's scratch directory;
	// a dry-run names it but makes nothing.
	archive := func() (string, error) {
		dir, err := e.Scratch()
		if err != nil {
			return "", err
		}
		return filepath.Join(dir, imagesArchive), nil
	}
	quoted := make([]string, len(images))
	for i, im := range images {
		quoted[i] = shell.Quote(im)
	}
	steps := []*plan.Step{{
		ID:     imagesSaveID,
		Title:  fmt.Sprintf("Save %s from the host's Docker", imageCount(len(images))),
		Script: "docker save -o " + imagesArchive + " " + strings.Join(quoted, " "),
		Do: func(ctx context.Context, _ plan.Logger) (plan.Result, error) {
			d, err := e.DockerClient(ctx)
			if err != nil {
				return plan.Result{}, err
			}
			archive, err := archive()
			if err != nil {
				return plan.Result{}, err
			}
			n, err := saveImages(ctx, func(ctx context.Context, ims []string) (io.ReadCloser, error) { return d.API().ImageSave(ctx, ims) }, images, archive)
			if err != nil {
				return plan.Result{}, err
			}
			return plan.Changed(fmt.Sprintf("%d MiB", n>>20)), nil
		},
	}}
	for _, c := range e.clustersOf(defs) {
		if !e.Managed(c) {
			continue
		}
		s := &plan.Step{ID: "images/" + c.Name, Cluster: c.Name, Needs: []string{imagesSaveID},
			Title: fmt.Sprintf("Load %s into the nodes", imageCount(len(images)))}
		p, err := e.providerOf(c)
		loader, ok := p.(provider.ImageLoader)
		switch {
		case err != nil:
			s.Do = failing(err)
		case !ok:
			s.Do = failing(fmt.Errorf("provider %s cannot load images", c.Def.Provider))
		default:
			s.Script = loader.LoadCommand(c.Name, imagesArchive)
			name := c.Name
			s.Do = func(ctx context.Context, _ plan.Logger) (plan.Result, error) {
				archive, err := archive()
				if err != nil {
					return plan.Result{}, err
				}
				loaded, err := loader.LoadArchive(ctx, name, archive, images)
				switch {
				case err != nil:
					return plan.Result{}, err
				case !loaded:
					return plan.Unchanged("every node has them"), nil
				}
				return plan.Changed("loaded"), nil
			}
		}
		steps = append(steps, s)
	}
	return steps
}

type saveFunc func(ctx context.Context, images []string) (io.ReadCloser, error)

func saveImages(ctx context.Context, save saveFunc, images []string, archive string) (int64, error) {
	rc, err := save(ctx, images)
	if err != nil {
		return 0, fmt.Errorf("docker save: %w", err)
	}
	defer func() { _ = rc.Close() }()
	f, err := os.Create(archive)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, rc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("docker save: %w", err)
	}
	return n, nil
}

// imageCount is "1 image", "2 images".
func imageCount(n int) string {
	if n == 1 {
		return "1 image"
	}
	return fmt.Sprintf("%d images", n)
}
