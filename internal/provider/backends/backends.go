// Package backends wires the cluster providers together: the app builds
// one Registry per run with New and asks it for each cluster's provider.
// (It is a package of its own because provider cannot import its backends,
// which import it.)
package backends

import (
	"io"

	"github.com/localcluster/localcluster/internal/provider"
	"github.com/localcluster/localcluster/internal/provider/external"
	"github.com/localcluster/localcluster/internal/provider/k3d"
	"github.com/localcluster/localcluster/internal/provider/kind"
)

// Options configure the providers of one run.
type Options struct {
	// Log receives kind's progress lines, prefixed per cluster. k3d logs
	// through its own process-wide logger to stderr.
	Log io.Writer
	// Specs are the lab's clusters; the external provider finds each
	// external cluster's context in its spec.
	Specs []provider.Spec
}

// New returns a registry holding the kind, k3d and external providers.
func New(opts Options) provider.Registry {
	return provider.NewRegistry(
		kind.New(kind.Options{Log: opts.Log}),
		k3d.New(),
		external.New(opts.Specs...),
	)
}
