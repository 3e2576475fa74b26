package workflow

import (
	"slices"
	"strings"
	"testing"

	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/helm"
	"github.com/localcluster/localcluster/internal/mesh"
	"github.com/localcluster/localcluster/internal/plan"
)

// TestLabImages renders the workshop lab's charts — stand-ins: the helm
// package's chart of every pod-template kind as MetalLB's, internal/mesh's
// Linkerd charts — and lists their images: the MetalLB stand-in's, once,
// though three kind clusters install it (the k3d one does not).
func TestLabImages(t *testing.T) {
	e := workshopEnv(t)
	e.Charts.MetalLB = helm.Chart{Repo: "../helm/testdata/charts/podkinds"}
	e.Charts.Linkerd = mesh.ChartSource{Repo: "../mesh/testdata/charts", Version: "2026.8.3",
		CRDs: "linkerd-crds", ControlPlane: "linkerd-control-plane", Multicluster: "linkerd-multicluster"}
	got, err := LabImages(e, e.Lab.Clusters)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range []string{"cronjob", "daemonset", "deploy", "deploy-init", "ephemeral", "hook", "hook-init", "pod", "replicaset", "shared", "statefulset"} {
		want = append(want, "example.test/"+n+":v1")
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("images:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	// Only k3d's cdn: no MetalLB, so no image from the stand-in.
	cdn := e.Lab.Clusters[slices.IndexFunc(e.Lab.Clusters, func(c *definition.Cluster) bool { return c.Name == "cdn" })]
	got, err = LabImages(e, []*definition.Cluster{cdn})
	if err != nil || len(got) != 0 {
		t.Errorf("cdn (k3d, no MetalLB): images %v, err %v; want none", got, err)
	}

	e.Charts.MetalLB = helm.Chart{Repo: "../helm/testdata/charts/missing"}
	if _, err := LabImages(e, e.Lab.Clusters); err == nil || !strings.Contains(err.Error(), "charts/missing") {
		t.Errorf("a chart that is not there: err %v, want one naming it", err)
	}
}

// TestInjectedImages reads the proxy's and proxy-init's images from
// control-plane values as the chart's templates compose them.
func TestInjectedImages(t *testing.T) {
	image := func(name, version string) map[string]any {
		return map[string]any{"image": map[string]any{"name": name, "version": version}}
	}
	tests := []struct {
		name   string
		values map[string]any
		want   []string
	}{
		{"proxy at linkerdVersion (edge charts: proxy-init runs from it)",
			map[string]any{"linkerdVersion": "edge-26.8.3", "proxy": image("cr.l5d.io/linkerd/proxy", "")},
			[]string{"cr.l5d.io/linkerd/proxy:edge-26.8.3"}},
		{"own versions, a proxy-init image",
			map[string]any{"linkerdVersion": "stable-2.14.0", "proxy": image("cr.l5d.io/linkerd/proxy", "v9"), "proxyInit": image("cr.l5d.io/linkerd/proxy-init", "v2.2.3")},
			[]string{"cr.l5d.io/linkerd/proxy:v9", "cr.l5d.io/linkerd/proxy-init:v2.2.3"}},
		{"the CNI plugin replaces proxy-init",
			map[string]any{"linkerdVersion": "stable-2.14.0", "cniEnabled": true, "proxy": image("cr.l5d.io/linkerd/proxy", ""), "proxyInit": image("cr.l5d.io/linkerd/proxy-init", "v2.2.3")},
			[]string{"cr.l5d.io/linkerd/proxy:stable-2.14.0"}},
		{"no proxy in the values", map[string]any{"linkerdVersion": "x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := InjectedImages(tt.values); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestImagePreloadSteps: the pull comes first, the save waits for it,
// every cluster's load for the save; no images, no steps.
func TestImagePreloadSteps(t *testing.T) {
	e := workshopEnv(t)
	p := plan.New()
	p.Add(ImagePreloadSteps(e, e.Lab.Clusters, []string{"a:1", "b:2"})...)
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if save := closure(p, imagesSaveID); save[imagesPullID] == nil {
		t.Errorf("the save does not wait for the pull")
	}
	if s := ImagePreloadSteps(e, e.Lab.Clusters, nil); len(s) != 0 {
		t.Errorf("no images gave %d steps", len(s))
	}
}
