package helm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// Rendered is a release rendered without a cluster, as `helm template`
// does it.
type Rendered struct {
	// Manifests are every document the release would apply: its
	// templates, its CRDs and its hook manifests.
	Manifests string
	// Values are the chart's defaults with the release's values over
	// them, as the templates saw them.
	Values map[string]any
}

// RenderKubeVersion is the Kubernetes version charts are rendered for
// when the caller knows none: that of kind's default node image. Helm's
// own default (1.20) is older than what Linkerd's charts require.
const RenderKubeVersion = "v1.37.0"

// Render renders r's chart with r's values, hooks and CRDs included,
// without a cluster, for Kubernetes kubeVersion ("" for
// RenderKubeVersion). The chart is fetched as Ensure fetches it (a chart
// not yet cached is downloaded into the cache).
func Render(r Release, kubeVersion string) (Rendered, error) {
	if err := r.validate(); err != nil {
		return Rendered{}, err
	}
	l := &chartLoader{cacheDir: defaultCacheDir()}
	ch, err := l.load(r.Chart)
	if err != nil {
		return Rendered{}, err
	}
	if kubeVersion == "" {
		kubeVersion = RenderKubeVersion
	}
	kv, err := chartutil.ParseKubeVersion(kubeVersion)
	if err != nil {
		return Rendered{}, fmt.Errorf("render %s: %w", r.Name, err)
	}
	return render(ch, r, kv)
}

func render(ch *chart.Chart, r Release, kv *chartutil.KubeVersion) (Rendered, error) {
	cfg := &action.Configuration{
		Releases: storage.Init(driver.NewMemory()),
		Log:      func(string, ...any) {},
	}
	in := action.NewInstall(cfg)
	in.DryRun, in.ClientOnly, in.Replace, in.IncludeCRDs = true, true, true, true
	in.ReleaseName, in.Namespace, in.KubeVersion = r.Name, r.Namespace, kv
	rel, err := in.Run(ch, r.Values)
	if err != nil {
		return Rendered{}, fmt.Errorf("render %s (chart %s): %w", r.Name, r.Chart, err)
	}
	var b strings.Builder
	b.WriteString(rel.Manifest)
	for _, h := range rel.Hooks {
		b.WriteString("\n---\n")
		b.WriteString(h.Manifest)
	}
	vals, err := chartutil.CoalesceValues(ch, r.Values)
	if err != nil {
		return Rendered{}, fmt.Errorf("values of %s: %w", r.Name, err)
	}
	return Rendered{Manifests: b.String(), Values: vals}, nil
}

// podSpecLists are the lists of a pod spec whose entries run an image.
var podSpecLists = []string{"containers", "initContainers", "ephemeralContainers"}

// Images are the images every pod template in manifests runs, sorted and
// once each: containers, init and ephemeral containers of Pods and of the
// templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs
// and CronJobs, and of any other object that holds a pod spec.
func Images(manifests string) ([]string, error) {
	seen := map[string]bool{}
	dec := yaml.NewDecoder(bytes.NewReader([]byte(manifests)))
	for {
		var doc any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read rendered manifests: %w", err)
		}
		collectImages(doc, seen)
	}
	out := make([]string, 0, len(seen))
	for im := range seen {
		out = append(out, im)
	}
	sort.Strings(out)
	return out, nil
}

// collectImages walks any YAML value: wherever a map has a pod spec's
// list of containers, their images are collected. Walking everything
// finds pod specs at any depth (a CronJob's is four levels down).
func collectImages(v any, seen map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for _, key := range podSpecLists {
			list, _ := v[key].([]any)
			for _, c := range list {
				if c, ok := c.(map[string]any); ok {
					if im, ok := c["image"].(string); ok && im != "" {
						seen[im] = true
					}
				}
			}
		}
		for _, child := range v {
			collectImages(child, seen)
		}
	case []any:
		for _, child := range v {
			collectImages(child, seen)
		}
	}
}
