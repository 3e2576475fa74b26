package app

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/imagecache"
)

// cacheServerOptions are the flags of the hidden command the cache
// container runs (see imagecache.EnsureImage).
type cacheServerOptions struct {
	Root      string
	Upstreams []string // REGISTRY=URL
	Plain     string
}

func newCacheServerCommand(streams Streams) *cobra.Command {
	o := &cacheServerOptions{}
	cmd := &cobra.Command{
		Use:    imagecache.ServerCommand,
		Short:  "Serve the lab's pull-through image cache (run inside its container)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			urls := map[string]string{}
			for _, kv := range o.Upstreams {
				reg, url, ok := strings.Cut(kv, "=")
				if !ok || !knownCacheRegistry(reg) || url == "" {
					return usageErrorf("--upstream %q: want REGISTRY=URL with a registry of %s", kv, strings.Join(definition.CacheRegistries, ", "))
				}
				urls[reg] = url
			}
			return imagecache.Serve(cmd.Context(), imagecache.ServeOptions{Root: o.Root, URLs: urls, Plain: o.Plain, Log: streams.Out})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Root, "root", "/var/lib/registry", "storage directory")
	f.StringArrayVar(&o.Upstreams, "upstream", nil, "REGISTRY=URL: fetch REGISTRY's images from URL instead")
	f.StringVar(&o.Plain, "plain", "", "serve one plain registry (push and pull) on this address instead of the caches")
	return cmd
}

func knownCacheRegistry(reg string) bool {
	for _, r := range definition.CacheRegistries {
		if r == reg {
			return true
		}
	}
	return false
}
