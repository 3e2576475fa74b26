package k3d

import (
	"context"
	"fmt"

	"github.com/k3d-io/k3d/v5/pkg/client"
	k3dtypes "github.com/k3d-io/k3d/v5/pkg/types"

	"github.com/localcluster/localcluster/internal/provider"
	"github.com/localcluster/localcluster/internal/shell"
)

var _ provider.ImageLoader = (*Provider)(nil)

// LoadCommand implements provider.ImageLoader.
func (p *Provider) LoadCommand(cluster, archive string) string {
	return "k3d image import --mode direct --cluster " + shell.Quote(cluster) + " " + shell.Quote(archive)
}

// LoadArchive implements provider.ImageLoader with k3d's own
// client.ImageImportIntoClusterMulti in direct mode: streamed into each
// node's containerd, with no k3d-tools container (whose image would have
// to be pulled).
func (p *Provider) LoadArchive(ctx context.Context, cluster, archive string, _ []string) (bool, error) {
	c, err := client.ClusterGet(ctx, p.rt, &k3dtypes.Cluster{Name: cluster})
	if err != nil {
		return false, fmt.Errorf("k3d cluster %s: %w", cluster, err)
	}
	err = client.ImageImportIntoClusterMulti(ctx, p.rt, []string{archive}, c, k3dtypes.ImageImportOpts{Mode: k3dtypes.ImportModeDirect})
	if err != nil {
		return false, fmt.Errorf("load images into k3d cluster %s: %w", cluster, err)
	}
	return true, nil
}
