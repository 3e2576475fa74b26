package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/localcluster/localcluster/internal/imagecache"
	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/shell"
)

// CacheStepID is the step that starts the lab's image cache.
const CacheStepID = "cache"

// CacheSteps start the lab's pull-through cache when the lab runs its own
// (the default). Nodes fall back to the upstream registries when the cache
// is missing, so a cache that cannot run costs speed, not the lab: the
// step then says why and succeeds.
func CacheSteps(e *Env) []*plan.Step {
	if !e.Cache.Builtin {
		return nil
	}
	network := e.Plan.Network.Name
	in := e.cacheInstance()
	return []*plan.Step{{
		ID: CacheStepID, Needs: []string{NetworkStepID},
		Title:  fmt.Sprintf("Ensure image cache %s on network %q (%s)", in.Container, network, strings.Join(registriesOf(e), ", ")),
		Script: cacheScript(in, network),
		Do: func(ctx context.Context, log plan.Logger) (plan.Result, error) {
			d, err := e.DockerClient(ctx)
			if err != nil {
				return plan.Result{}, err
			}
			api := d.API()
			bin, err := imagecache.CacheBinary()
			if err != nil {
				return plan.Result{}, err
			}
			info, err := api.Info(ctx)
			if err != nil {
				return plan.Result{}, fmt.Errorf("docker info: %w", err)
			}
			var unsupported *imagecache.UnsupportedBinaryError
			if err := imagecache.CheckBinary(bin, imagecache.EngineArch(info.Architecture)); errors.As(err, &unsupported) {
				log.Logf("warning: no image cache: %v", err)
				return plan.Unchanged("no cache; nodes pull from the registries directly"), nil
			}
			ref, built, err := imagecache.EnsureImage(ctx, api, bin)
			if err != nil {
				return plan.Result{}, err
			}
			did, err := in.Ensure(ctx, api, ref, network)
			if err != nil {
				return plan.Result{}, err
			}
			if built {
				did = strings.TrimPrefix(did+"; built image "+ref, "; ")
			}
			if did == "" {
				return plan.Unchanged("runs"), nil
			}
			return plan.Changed(did), nil
		},
	}}
}

func registriesOf(e *Env) []string {
	var regs []string
	for _, m := range e.Cache.Mirrors {
		regs = append(regs, m.Registry)
	}
	return regs
}

// cacheScript is the by-hand equivalent: the one-file image from the
// localcluster binary, the volume, the container on the lab network.
func cacheScript(in imagecache.Instance, network string) string {
	image := imagecache.ImageRepo + `:"$(sha256sum "$(command -v localcluster)" | cut -c1-12)"`
	return strings.Join([]string{
		"# a one-file image made from this (static, linux) localcluster binary and the host's CA bundle; nothing is pulled",
		`root=$(mktemp -d) && mkdir -p "$root/tmp" "$root/etc/ssl/certs" "$root/var/lib/registry" && chmod 1777 "$root/tmp"`,
		`cp "$(command -v localcluster)" "$root/localcluster" && cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"`,
		`tar -C "$root" -c . | docker import --change 'ENTRYPOINT ["/localcluster", "` + imagecache.ServerCommand + `"]' --change 'CMD ["--root", "/var/lib/registry"]' - ` + image,
		"docker volume create --label io.localcluster.cache=true " + in.Volume,
		"docker run -d --name " + in.Container + " --restart unless-stopped --label io.localcluster.cache=true --network " + shell.Quote(network) +
			" -v " + in.Volume + ":/var/lib/registry " + image,
		"# with the cache already running for another lab: docker network connect " + shell.Quote(network) + " " + in.Container,
	}, "\n")
}

// cacheInstance is the cache localcluster runs: the lab's, or the
// default one when the Env was made without Resolve.
func (e *Env) cacheInstance() imagecache.Instance {
	if e.Cache.Instance.Container == "" {
		return imagecache.Default()
	}
	return e.Cache.Instance
}

// CacheRemoveStepID is the step of down --cache.
const CacheRemoveStepID = "cache/remove"

// CacheRemoveSteps remove the cache's container and its volume (every
// cached image), after needs. `delete` and `down` keep the cache, since
// other labs use it; this is for `down --cache`. The cache may still be on
// other labs' networks: the step names them, as their nodes now pull from
// the registries directly.
func CacheRemoveSteps(e *Env, needs []string) []*plan.Step {
	in := e.cacheInstance()
	return []*plan.Step{{
		ID: CacheRemoveStepID, Needs: needs,
		Title: fmt.Sprintf("Remove image cache %s and its volume", in.Container),
		Script: "# nodes on other networks the cache is on (docker inspect -f '{{json .NetworkSettings.Networks}}' " + in.Container +
			") pull from the registries directly from now on\n" +
			"docker rm -f " + in.Container + "\ndocker volume rm " + in.Volume,
		Do: func(ctx context.Context, _ plan.Logger) (plan.Result, error) {
			d, err := e.DockerClient(ctx)
			if err != nil {
				return plan.Result{}, err
			}
			found, err := in.Inspect(ctx, d.API())
			if err != nil {
				return plan.Result{}, err
			}
			if !found.Container && !found.Volume {
				return plan.Unchanged("no cache to remove"), nil
			}
			if err := in.Remove(ctx, d.API(), true); err != nil {
				return plan.Result{}, err
			}
			return plan.Changed(removedNote(found, e.Plan.Network.Name)), nil
		},
	}}
}

// removedNote says what down --cache removed and which networks lost the
// cache.
func removedNote(f imagecache.Found, network string) string {
	var gone []string
	if f.Container {
		gone = append(gone, "container")
	}
	if f.Volume {
		gone = append(gone, "volume (every cached image)")
	}
	note := "removed " + strings.Join(gone, " and ")
	var others []string
	for _, n := range f.Networks {
		if n != network {
			others = append(others, n)
		}
	}
	if len(others) > 0 {
		note += fmt.Sprintf("; nodes on %s now pull from the registries directly", strings.Join(others, ", "))
	}
	return note
}
