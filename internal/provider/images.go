package provider

import "context"

// ImageLoader is a provider that can copy images from an archive made by
// `docker save` into every node of a cluster, with the provider's own
// library function for it.
type ImageLoader interface {
	// LoadArchive imports the archive into every node of the cluster. It
	// reports false when every node already had every image in it.
	LoadArchive(ctx context.Context, cluster, archive string, images []string) (bool, error)
	// LoadCommand is the by-hand equivalent.
	LoadCommand(cluster, archive string) string
}
