package mesh

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/localcluster/localcluster/internal/helm"
	"github.com/localcluster/localcluster/internal/testenv/golden"
)

// fakePEMs stand in for certificates in tests that only look at values.
func fakeCluster(name string) Cluster {
	return Cluster{
		Name:           name,
		TrustAnchorPEM: []byte("-----BEGIN CERTIFICATE-----\nANCHOR\n-----END CERTIFICATE-----\n"),
		IssuerCertPEM:  []byte("-----BEGIN CERTIFICATE-----\nISSUER\n-----END CERTIFICATE-----\n"),
		IssuerKeyPEM:   []byte("-----BEGIN EC PRIVATE KEY-----\nSECRETKEY\n-----END EC PRIVATE KEY-----\n"),
	}
}

// releaseCases cover every value the builders can set.
func releaseCases() map[string]Cluster {
	gw := fakeCluster("faces")
	gw.GatewayAPI = true
	gw.Gateway = true
	gw.Controllers = []Controller{{Target: "smiley"}, {Target: "color"}, {Target: "cdn", Gateway: true}}

	dual := fakeCluster("smiley")
	dual.IPv6 = true
	dual.Controllers = []Controller{{Target: "faces"}}
	dual.MulticlusterValues = map[string]any{
		"gateway": map[string]any{"serviceType": "NodePort"},
		"controllers": []any{
			map[string]any{"link": map[string]any{"ref": map[string]any{"name": "faces"}}, "logLevel": "debug"},
			map[string]any{"link": map[string]any{"ref": map[string]any{"name": "by-hand"}}, "gateway": map[string]any{"enabled": false}},
		},
	}
	return map[string]Cluster{"gateway-target": gw, "dual-stack-with-mc-values": dual}
}

func TestReleasesGolden(t *testing.T) {
	for name, c := range releaseCases() {
		t.Run(name, func(t *testing.T) {
			rs, err := Releases(DefaultChartSource(), c)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, r := range rs {
				values, err := yaml.Marshal(r.Values)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "# release %s in %s: chart %s, create namespace %v, wait %v for %s, secret %v\n%s---\n",
					r.Name, r.Namespace, r.Chart, r.CreateNamespace, r.Wait, r.Timeout, r.SecretValues, values)
			}
			got := []byte(b.String())
			golden.Assert(t, filepath.Join("testdata", "golden", name+".yaml"), got)
		})
	}
}

// TestReleaseValuesMatchCharts checks every value path the builders set
// against the transcript of linkerd2's values.yaml files, and the stand-in
// charts' defaults against it too, so the integration tests exercise the
// names Linkerd's real charts read.
func TestReleaseValuesMatchCharts(t *testing.T) {
	var fixture struct {
		Linkerd2 string                    `json:"linkerd2"`
		Charts   map[string]map[string]any `json:"charts"`
	}
	readYAML(t, filepath.Join("testdata", "linkerd2-values-edge-26.8.3.yaml"), &fixture)
	if fixture.Linkerd2 != "edge-26.8.3" || DefaultChartSource().Version != "2026.8.3" {
		t.Fatalf("fixture is for %s, default chart version is %s: transcribe the values of the pinned version", fixture.Linkerd2, DefaultChartSource().Version)
	}
	mc := fixture.Charts["linkerd-multicluster"]
	entrySchema := MergeValues(mc["controllerDefaults"].(map[string]any), mc["controllerEntry"].(map[string]any))

	for name, c := range releaseCases() {
		c.MulticlusterValues = nil // the user's values are theirs to get right
		rs, err := Releases(DefaultChartSource(), c)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			schema, ok := fixture.Charts[r.Chart.Name]
			if !ok {
				t.Fatalf("%s: no fixture for chart %s", name, r.Chart.Name)
			}
			for _, p := range leafPaths(r.Values, "") {
				if strings.HasPrefix(p.path, "controllers.") {
					continue
				}
				checkPath(t, r.Chart.Name, schema, p)
			}
			list, err := controllerList(r.Values)
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range list {
				for _, p := range leafPaths(e.(map[string]any), "") {
					checkPath(t, fmt.Sprintf("%s controllers[%d]", r.Chart.Name, i), entrySchema, p)
				}
			}
		}
	}

	for chart, schema := range fixture.Charts {
		var defaults map[string]any
		readYAML(t, filepath.Join("testdata", "charts", chart, "values.yaml"), &defaults)
		for _, p := range leafPaths(defaults, "") {
			if got, _ := lookup(schema, p.path); !reflect.DeepEqual(normalize(got), normalize(p.value)) {
				t.Errorf("stand-in chart %s: default %s = %#v, linkerd2 has %#v", chart, p.path, p.value, got)
			}
		}
	}
}

type leaf struct {
	path  string
	value any
}

// leafPaths lists the dotted paths of values' leaves; a list is a leaf.
func leafPaths(values map[string]any, prefix string) []leaf {
	var out []leaf
	for k, v := range values {
		p := prefix + k
		if m, ok := v.(map[string]any); ok && len(m) > 0 {
			out = append(out, leafPaths(m, p+".")...)
			continue
		}
		out = append(out, leaf{p, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

func lookup(values map[string]any, path string) (any, bool) {
	var cur any = values
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func checkPath(t *testing.T, where string, schema map[string]any, p leaf) {
	t.Helper()
	def, ok := lookup(schema, p.path)
	if !ok {
		t.Errorf("%s: value %s is not in linkerd2's values.yaml", where, p.path)
		return
	}
	if kind(def) != kind(p.value) {
		t.Errorf("%s: value %s is a %s, linkerd2's default %#v is a %s", where, p.path, kind(p.value), def, kind(def))
	}
}

func kind(v any) string {
	switch v.(type) {
	case bool:
		return "bool"
	case string:
		return "string"
	case float64, int, int64:
		return "number"
	case []any:
		return "list"
	case map[string]any:
		return "map"
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// normalize makes a block scalar with no lines ("") and null compare equal,
// as both mean "not provided" to the charts.
func normalize(v any) any {
	if v == nil {
		return ""
	}
	return v
}

func readYAML(t *testing.T, file string, into any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func TestControlPlaneReleaseNeedsCertificates(t *testing.T) {
	c := fakeCluster("faces")
	c.IssuerCertPEM, c.IssuerKeyPEM = nil, nil
	_, err := ControlPlaneRelease(DefaultChartSource(), c)
	want := "issuer certificate of cluster faces is empty: run `localcluster certs` first\n" +
		"issuer key of cluster faces is empty: run `localcluster certs` first"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestMulticlusterReleaseRejectsBadUserControllers(t *testing.T) {
	c := fakeCluster("faces")
	c.MulticlusterValues = map[string]any{"controllers": []any{map[string]any{"logLevel": "debug"}}}
	_, err := MulticlusterRelease(DefaultChartSource(), c)
	want := "mc-values of cluster faces: controllers[0]: link.ref.name is required"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

// TestChartSourceForEnterprise configures other chart names and a license,
// as Buoyant Enterprise for Linkerd needs, and checks the license is merged
// and never printed.
func TestChartSourceForEnterprise(t *testing.T) {
	src := ChartSource{
		Repo: "https://helm.buoyant.cloud", Version: "2.19.1",
		CRDs: "linkerd-enterprise-crds", ControlPlane: "linkerd-enterprise-control-plane", Multicluster: "linkerd-enterprise-multicluster",
		ExtraValues:  map[string]map[string]any{"linkerd-enterprise-control-plane": {"license": "LICENSE-KEY"}},
		SecretValues: map[string][]string{"linkerd-enterprise-control-plane": {"license"}},
	}
	rs, err := Releases(src, fakeCluster("faces"))
	if err != nil {
		t.Fatal(err)
	}
	cp := rs[1]
	if cp.Name != ControlPlaneReleaseName || cp.Chart != (helm.Chart{Repo: src.Repo, Name: src.ControlPlane, Version: "2.19.1"}) {
		t.Errorf("control plane release = %s from %+v", cp.Name, cp.Chart)
	}
	if cp.Values["license"] != "LICENSE-KEY" {
		t.Errorf("license not in values: %v", cp.Values["license"])
	}
	if !reflect.DeepEqual(cp.SecretValues, []string{issuerKeyPath, "license"}) {
		t.Errorf("SecretValues = %v", cp.SecretValues)
	}
	cmd := helm.Command("faces", cp)
	for _, secret := range []string{"LICENSE-KEY", "SECRETKEY"} {
		if strings.Contains(cmd, secret) {
			t.Errorf("helm command shows %s:\n%s", secret, cmd)
		}
	}
	if rs[0].Chart.Name != src.CRDs || rs[2].Chart.Name != src.Multicluster || rs[2].Values["license"] != nil {
		t.Errorf("releases: %+v / %+v, multicluster values %v", rs[0].Chart, rs[2].Chart, rs[2].Values)
	}
}
