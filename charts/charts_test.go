package charts

import (
	"reflect"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"sigs.k8s.io/yaml"
)

func TestNames(t *testing.T) {
	if got := Names(); !reflect.DeepEqual(got, []string{LBPool}) {
		t.Errorf("Names() = %q, want [%s]", got, LBPool)
	}
	if _, err := Files("nope"); err == nil || !strings.Contains(err.Error(), `no embedded chart "nope"`) {
		t.Errorf("Files(nope) error = %v", err)
	}
	if _, err := Files("../lb-pool"); err == nil {
		t.Error("Files(../lb-pool) succeeded")
	}
}

// render renders the lb-pool templates the way helm install would, without
// a cluster.
func render(t *testing.T, values map[string]any) (map[string]string, error) {
	t.Helper()
	ch, err := Load(LBPool)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := chartutil.ToRenderValues(ch, values, chartutil.ReleaseOptions{
		Name: "lb-pool", Namespace: "metallb-system", IsInstall: true,
	}, chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	return engine.Render(ch, vals)
}

func TestLBPoolRendering(t *testing.T) {
	tests := []struct {
		name  string
		pools []any
	}{
		{"ipv4", []any{"192.168.155.80/28"}},
		{"ipv6", []any{"fc00:f853:ccd:e793:51::/96"}},
		{"dual", []any{"192.168.155.80/28", "fc00:f853:ccd:e793:51::/96"}},
		{"range", []any{"192.168.155.80-192.168.155.95"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := render(t, map[string]any{"pools": tt.pools})
			if err != nil {
				t.Fatal(err)
			}
			var pool, adv map[string]any
			if err := yaml.Unmarshal([]byte(out["lb-pool/templates/ipaddresspool.yaml"]), &pool); err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal([]byte(out["lb-pool/templates/l2advertisement.yaml"]), &adv); err != nil {
				t.Fatal(err)
			}
			wantPool := map[string]any{
				"apiVersion": "metallb.io/v1beta1",
				"kind":       "IPAddressPool",
				"metadata": map[string]any{
					"name": "localcluster", "namespace": "metallb-system",
					"labels": map[string]any{"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/part-of": "localcluster"},
				},
				"spec": map[string]any{"addresses": tt.pools, "autoAssign": true},
			}
			if !reflect.DeepEqual(pool, wantPool) {
				t.Errorf("IPAddressPool =\n%v\nwant\n%v", pool, wantPool)
			}
			wantAdv := map[string]any{
				"apiVersion": "metallb.io/v1beta1",
				"kind":       "L2Advertisement",
				"metadata": map[string]any{
					"name": "localcluster", "namespace": "metallb-system",
					"labels": map[string]any{"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/part-of": "localcluster"},
				},
				"spec": map[string]any{"ipAddressPools": []any{"localcluster"}},
			}
			if !reflect.DeepEqual(adv, wantAdv) {
				t.Errorf("L2Advertisement =\n%v\nwant\n%v", adv, wantAdv)
			}
		})
	}
}

func TestLBPoolInterfaces(t *testing.T) {
	out, err := render(t, map[string]any{"pools": []any{"10.0.0.0/28"}, "interfaces": []any{"eth0"}})
	if err != nil {
		t.Fatal(err)
	}
	var adv struct {
		Spec struct {
			Interfaces []string `json:"interfaces"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(out["lb-pool/templates/l2advertisement.yaml"]), &adv); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(adv.Spec.Interfaces, []string{"eth0"}) {
		t.Errorf("spec.interfaces = %q, want [eth0]", adv.Spec.Interfaces)
	}
}

func TestLBPoolNeedsPools(t *testing.T) {
	_, err := render(t, nil)
	if err == nil || !strings.Contains(err.Error(), "pools must list at least one address range") {
		t.Errorf("rendering without pools: error = %v", err)
	}
}
