package kind

import (
	"context"
	"fmt"
	"os"

	"sigs.k8s.io/kind/pkg/cluster/nodes"
	"sigs.k8s.io/kind/pkg/cluster/nodeutils"

	"github.com/localcluster/localcluster/internal/provider"
	"github.com/localcluster/localcluster/internal/provider/internal/dockerutil"
	"github.com/localcluster/localcluster/internal/shell"
)

var _ provider.ImageLoader = (*Provider)(nil)

// LoadCommand implements provider.ImageLoader.
func (p *Provider) LoadCommand(cluster, archive string) string {
	return "kind load image-archive " + shell.Quote(archive) + " --name " + shell.Quote(cluster)
}

// LoadArchive implements provider.ImageLoader with kind's own
// nodeutils.LoadImageArchive (containerd's ctr import on each node), as
// `kind load` does; like it, nodes that already hold every image by ID
// are skipped.
func (p *Provider) LoadArchive(ctx context.Context, cluster, archive string, images []string) (bool, error) {
	dc, err := dockerutil.New()
	if err != nil {
		return false, err
	}
	defer func() { _ = dc.Close() }()
	ids, err := dc.ImageIDs(ctx, images)
	if err != nil {
		return false, err
	}
	ns, err := p.library(cluster).ListInternalNodes(cluster)
	if err != nil {
		return false, fmt.Errorf("nodes of kind cluster %s: %w", cluster, err)
	}
	if len(ns) == 0 {
		return false, fmt.Errorf("kind cluster %s has no nodes: create it first", cluster)
	}
	loaded := false
	for _, n := range ns {
		if err := ctx.Err(); err != nil {
			return loaded, err
		}
		if hasAll(n, images, ids) {
			continue
		}
		if err := loadInto(n, archive); err != nil {
			return loaded, fmt.Errorf("load images into %s: %w", n.String(), err)
		}
		loaded = true
	}
	return loaded, nil
}

func hasAll(n nodes.Node, images, ids []string) bool {
	for i, image := range images {
		if id, err := nodeutils.ImageID(n, image); err != nil || id != ids[i] {
			return false
		}
	}
	return true
}

func loadInto(n nodes.Node, archive string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	return nodeutils.LoadImageArchive(n, f)
}
