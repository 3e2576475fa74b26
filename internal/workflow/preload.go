package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/helm"
	"github.com/localcluster/localcluster/internal/mesh"
	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/provider"
	"github.com/localcluster/localcluster/internal/shell"
)

const imagesPullID = "images/pull"

// renderPEM stands in for the certificates when charts are rendered only
// for their images: no template takes an image from them.
const renderPEM = "<not needed to list images>"

// LabImages are the images the selected clusters are known to need: every
// image of every pod template (hooks and CRDs included) of the charts the
// lab installs in them, rendered with the lab's own values — Linkerd's
// CRDs and control plane, the multicluster extension with each cluster's
// mc-values.yaml and declared links, MetalLB where the provider needs it —
// and the images Linkerd injects into meshed pods (its proxy, and its
// proxy-init where the chart names one and the CNI plugin is off), which
// are in the values, not in any pod spec. Sorted, once each.
func LabImages(e *Env, defs []*definition.Cluster) ([]string, error) {
	seen := map[string]bool{}
	var errs []error
	for _, c := range e.clustersOf(defs) {
		releases, err := e.releasesOf(c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range releases {
			out, err := helm.Render(r, provider.KubeVersion(c.Def.Image))
			if err != nil {
				errs = append(errs, fmt.Errorf("cluster %s: %w", c.Name, err))
				continue
			}
			ims, err := helm.Images(out.Manifests)
			if err != nil {
				errs = append(errs, fmt.Errorf("cluster %s: release %s: %w", c.Name, r.Name, err))
			}
			if r.Name == mesh.ControlPlaneReleaseName {
				ims = append(ims, InjectedImages(out.Values)...)
			}
			for _, im := range ims {
				seen[im] = true
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(seen))
	for im := range seen {
		out = append(out, im)
	}
	sort.Strings(out)
	return out, nil
}

// releasesOf are the releases the lab installs in c, as up installs them.
func (e *Env) releasesOf(c *addrplan.Cluster) ([]helm.Release, error) {
	var rs []helm.Release
	if e.traits(c).MetalLB {
		rs = append(rs, MetalLBReleases(e.Charts.MetalLB, c)...)
	}
	mc := e.meshCluster(c)
	mc.TrustAnchorPEM, mc.IssuerCertPEM, mc.IssuerKeyPEM = []byte(renderPEM), []byte(renderPEM), []byte(renderPEM)
	mc.Controllers = e.declaredControllers(c)
	linkerd, err := mesh.Releases(e.Charts.Linkerd, mc)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", c.Name, err)
	}
	return append(rs, linkerd...), nil
}

// InjectedImages are the images Linkerd's proxy injector adds to meshed
// pods, read from the control plane's values: the proxy, tagged with its
// own version or linkerdVersion, and proxy-init's image where the chart
// has one (older charts; newer ones run proxy-init from the proxy image)
// unless the CNI plugin replaces it.
func InjectedImages(values map[string]any) []string {
	version, _ := values["linkerdVersion"].(string)
	var out []string
	if im := imageOf(values, "proxy", version); im != "" {
		out = append(out, im)
	}
	if cni, _ := values["cniEnabled"].(bool); !cni {
		if im := imageOf(values, "proxyInit", version); im != "" {
			out = append(out, im)
		}
	}
	return out
}

// imageOf is <key>.image.name:<key>.image.version, the version defaulting
// to def, or "" when the values name no image.
func imageOf(values map[string]any, key, def string) string {
	m, _ := values[key].(map[string]any)
	im, _ := m["image"].(map[string]any)
	name, _ := im["name"].(string)
	if name == "" {
		return ""
	}
	version, _ := im["version"].(string)
	if version == "" {
		version = def
	}
	if version == "" {
		return name
	}
	return name + ":" + version
}

// ImagePreloadSteps make images present in the host's Docker — those it
// has are used, the others pulled by the host's engine — then load them
// into every node as ImageLoadSteps does. No images, no steps.
func ImagePreloadSteps(e *Env, defs []*definition.Cluster, images []string) []*plan.Step {
	if len(images) == 0 {
		return nil
	}
	var script []string
	for _, im := range images {
		q := shell.Quote(im)
		script = append(script, "docker image inspect "+q+" >/dev/null 2>&1 || docker pull "+q)
	}
	pull := &plan.Step{
		ID:     imagesPullID,
		Title:  fmt.Sprintf("Ensure the host's Docker has the lab's %s", imageCount(len(images))),
		Script: strings.Join(script, "\n"),
		Do: func(ctx context.Context, log plan.Logger) (plan.Result, error) {
			d, err := e.DockerClient(ctx)
			if err != nil {
				return plan.Result{}, err
			}
			pulled, err := ensureImages(ctx, d.API(), images, log)
			if err != nil {
				return plan.Result{}, err
			}
			if len(pulled) == 0 {
				return plan.Unchanged("all there"), nil
			}
			return plan.Changed("pulled " + strings.Join(pulled, ", ")), nil
		},
	}
	load := ImageLoadSteps(e, defs, images)
	load[0].Needs = append(load[0].Needs, imagesPullID)
	return append([]*plan.Step{pull}, load...)
}

// ensureImages pulls the images the engine lacks, one at a time (the
// engine downloads layers in parallel itself), and fails naming every
// image it could not get.
func ensureImages(ctx context.Context, api client.APIClient, images []string, log plan.Logger) ([]string, error) {
	var pulled, missing []string
	var errs []error
	for _, im := range images {
		_, err := api.ImageInspect(ctx, im)
		switch {
		case err == nil:
			continue
		case !cerrdefs.IsNotFound(err):
			return nil, fmt.Errorf("docker image inspect %s: %w", im, err)
		}
		log.Logf("pulling %s", im)
		if err := pullImage(ctx, api, im); err != nil {
			missing = append(missing, im)
			errs = append(errs, fmt.Errorf("%s: %w", im, err))
			continue
		}
		pulled = append(pulled, im)
	}
	if len(missing) > 0 {
		return pulled, fmt.Errorf("the host's Docker lacks %s and could not pull them (offline?):\n  %s\n"+
			"connect to a network and run again, or bring them in from another machine (docker save there, docker load -i FILE here), then run again\n%w",
			imageCount(len(missing)), strings.Join(missing, "\n  "), errors.Join(errs...))
	}
	return pulled, nil
}

func pullImage(ctx context.Context, api client.APIClient, ref string) error {
	rc, err := api.ImagePull(ctx, ref, image.PullOptions{})
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	return readPullStream(rc)
}

// readPullStream reads the engine's progress messages to the end: a pull
// that fails midway reports it in the stream, not in the call.
func readPullStream(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var m jsonmessage.JSONMessage
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if m.Error != nil {
			return m.Error
		}
	}
}
