package mesh

import (
	"context"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/localcluster/localcluster/internal/helm"
)

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// meshLab is three clusters as a workshop has them: east and west linked
// pod-to-pod both ways, north linked to east through east's gateway.
func meshLab() []Cluster {
	return []Cluster{
		{Name: "east", GatewayAPI: true, Gateway: true, Controllers: []Controller{{Target: "west"}}},
		{Name: "west", GatewayAPI: true, IPv6: true, Controllers: []Controller{{Target: "east"}},
			MulticlusterValues: map[string]any{"controllers": []any{
				map[string]any{"link": map[string]any{"ref": map[string]any{"name": "east"}}, "logLevel": "debug"},
			}}},
		{Name: "north", Controllers: []Controller{{Target: "east", Gateway: true}}},
	}
}

func TestInstallReleases(t *testing.T) {
	skipShort(t)
	l := startLab(t, "east", "west", "north")
	src := standInCharts(t)
	ctx := context.Background()

	for name, outcomes := range l.ensureAll(t, src, meshLab()...) {
		for i, o := range outcomes {
			if o.Action != helm.Installed {
				t.Errorf("%s: release %d was %s, want installed", name, i, o.Action)
			}
		}
	}

	for _, name := range []string{"east", "west", "north"} {
		cs := l.servers[name].Clientset
		roots, err := cs.CoreV1().ConfigMaps(LinkerdNamespace).Get(ctx, "linkerd-identity-trust-roots", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got, want := roots.Data["ca-bundle.crt"], strings.TrimSpace(string(l.pki.anchor)); got != want {
			t.Errorf("%s: trust roots = %q, want the anchor %q", name, got, want)
		}
		config, err := cs.CoreV1().ConfigMaps(LinkerdNamespace).Get(ctx, LinkerdConfigMapName, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var values struct {
			DisableIPv6 bool `json:"disableIPv6"`
			Identity    struct {
				Issuer struct {
					TLS map[string]string `json:"tls"`
				} `json:"issuer"`
			} `json:"identity"`
		}
		if err := yaml.Unmarshal([]byte(config.Data["values"]), &values); err != nil {
			t.Fatalf("%s: linkerd-config values: %v", name, err)
		}
		if want := name != "west"; values.DisableIPv6 != want {
			t.Errorf("%s: disableIPv6 = %v, want %v", name, values.DisableIPv6, want)
		}
		if values.Identity.Issuer.TLS["crtPEM"] != string(l.pki.issuerCrt) {
			t.Errorf("%s: issuer certificate did not reach linkerd-config: %q", name, values.Identity.Issuer.TLS["crtPEM"])
		}
		if _, err := l.dynamic(t, name).Resource(crdGVR).Get(ctx, "httproutes.gateway.networking.k8s.io", metav1.GetOptions{}); (name == "north") != apierrors.IsNotFound(err) {
			t.Errorf("%s: Gateway API CRD: %v (want it only where GatewayAPI is set)", name, err)
		}
		_, err = cs.CoreV1().Services(MulticlusterNamespace).Get(ctx, GatewayServiceName, metav1.GetOptions{})
		if (name == "east") == apierrors.IsNotFound(err) {
			t.Errorf("%s: gateway Service: %v (want it only on east)", name, err)
		}
	}

	controllers := map[string]map[string]map[string]string{
		"east":  {"west": {"gateway": "false", "logLevel": "info"}},
		"west":  {"east": {"gateway": "false", "logLevel": "debug"}},
		"north": {"east": {"gateway": "true", "logLevel": "info"}},
	}
	for name, want := range controllers {
		got := l.controllerConfigMaps(t, name)
		for target, data := range want {
			for k, v := range data {
				if got[target][k] != v {
					t.Errorf("%s: controller for %s: %s = %q, want %q (all: %v)", name, target, k, got[target][k], v, got)
				}
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: controllers %v, want only %v", name, got, want)
		}
	}
	if _, err := l.servers["north"].Clientset.CoreV1().Services(MulticlusterNamespace).Get(ctx, "probe-east", metav1.GetOptions{}); err != nil {
		t.Errorf("north: probe Service of the gateway link to east: %v", err)
	}

	for name, outcomes := range l.ensureAll(t, src, meshLab()...) {
		for i, o := range outcomes {
			if o.Action != helm.Unchanged {
				t.Errorf("%s: release %d was %s on the second run, want unchanged", name, i, o.Action)
			}
		}
	}
}
