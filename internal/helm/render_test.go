package helm

import (
	"slices"
	"strings"
	"testing"
)

// TestRenderImages renders a stand-in chart holding every kind of pod
// template, a hook and a CRD, with a value overriding the chart's, and
// collects the images: every container, init and ephemeral container of
// every template, the hook's included, once each; nothing from fields
// named image outside a pod spec.
func TestRenderImages(t *testing.T) {
	out, err := Render(Release{Name: "kinds", Namespace: "default",
		Chart:  Chart{Repo: "testdata/charts/podkinds"},
		Values: map[string]any{"tag": "v2"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.Manifests, "widgets.example.test") {
		t.Errorf("the chart's CRD is not among the manifests")
	}
	if out.Values["tag"] != "v2" || out.Values["registry"] != "example.test" {
		t.Errorf("values %v: want the release's tag over the chart's registry", out.Values)
	}
	got, err := Images(out.Manifests)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range []string{"cronjob", "daemonset", "deploy", "deploy-init", "ephemeral", "hook", "hook-init", "pod", "replicaset", "shared", "statefulset"} {
		want = append(want, "example.test/"+n+":v2")
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("images:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestImagesBadManifest(t *testing.T) {
	if _, err := Images("a: [\n"); err == nil {
		t.Error("a manifest that is not YAML gave no error")
	}
}
