package k3d

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/k3d-io/k3d/v5/pkg/config/v1alpha5"
	k3dtypes "github.com/k3d-io/k3d/v5/pkg/types"
	"github.com/k3d-io/k3d/v5/version"

	"github.com/localcluster/localcluster/internal/provider"
	"github.com/localcluster/localcluster/internal/testenv/golden"
)

// specs are the address plans of the old script for subnet 51/5.
func specs() map[string]provider.Spec {
	v4 := provider.Spec{
		Name: "smiley", Provider: Name, IPFamily: provider.IPv4,
		PodV4: netip.MustParsePrefix("10.5.1.0/24"), ServiceV4: netip.MustParsePrefix("10.5.2.0/24"),
	}
	v6 := provider.Spec{
		Name: "smiley", Provider: Name, IPFamily: provider.IPv6,
		PodV6: netip.MustParsePrefix("fd00:51:1::/64"), ServiceV6: netip.MustParsePrefix("fd00:51:2::/112"),
	}
	dual := v4
	dual.IPFamily, dual.PodV6, dual.ServiceV6 = provider.Dual, v6.PodV6, v6.ServiceV6

	with := func(s provider.Spec, f func(*provider.Spec)) provider.Spec { f(&s); return s }
	return map[string]provider.Spec{
		"v4":        v4,
		"v6":        v6,
		"dual":      dual,
		"v4-zone":   with(v4, func(s *provider.Spec) { s.Zone = "zone-east" }),
		"v6-zone":   with(v6, func(s *provider.Spec) { s.Zone = "zone-west" }),
		"dual-zone": with(dual, func(s *provider.Spec) { s.Zone = "zone-east" }),
		"v4-image":  with(v4, func(s *provider.Spec) { s.Image = "rancher/k3s:v1.33.1-k3s1" }),
		"dual-zone-image-network": with(dual, func(s *provider.Spec) {
			s.Zone, s.Image, s.Network = "zone-east", "rancher/k3s:v1.31.9-k3s1", "lab"
		}),
	}
}

func assertGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Assert(t, filepath.Join("testdata", name+".golden"), got)
}

func TestConfigGolden(t *testing.T) {
	p := New()
	for name, s := range specs() {
		t.Run(name, func(t *testing.T) {
			raw, err := p.Config(s)
			if err != nil {
				t.Fatal(err)
			}
			assertGolden(t, name, raw)
			assertGolden(t, name+".command", []byte(p.Command(s)+"\n"))

			// Read back as `k3d cluster create --config` does: schema,
			// viper, k3d's decoding. Nothing may be lost on the way.
			sc, err := parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if want := build(s); !reflect.DeepEqual(sc, want) {
				t.Errorf("re-parsed config =\n%+v\nwant\n%+v", sc, want)
			}

			// And through k3d's process/transform/validate, which needs no
			// Docker for this config: check what k3d would create.
			cc, err := p.clusterConfig(context.Background(), raw)
			if err != nil {
				t.Fatal(err)
			}
			checkClusterConfig(t, cc, s)
		})
	}
}

func checkClusterConfig(t *testing.T, cc *v1alpha5.ClusterConfig, s provider.Spec) {
	t.Helper()
	if !cc.ClusterCreateOpts.DisableLoadBalancer || cc.ServerLoadBalancer != nil {
		t.Error("k3d would create a server load balancer")
	}
	if !cc.ClusterCreateOpts.WaitForServer {
		t.Error("k3d would not wait for the server")
	}
	if cc.KubeconfigOpts.UpdateDefaultKubeconfig || cc.KubeconfigOpts.SwitchCurrentContext {
		t.Error("k3d CLI would update the default kubeconfig")
	}
	if cc.Network.Name != s.NetworkName() || !cc.Network.External {
		t.Errorf("network = %+v, want the existing network %q", cc.Network, s.NetworkName())
	}
	if len(cc.Nodes) != 1 || cc.Nodes[0].Role != k3dtypes.ServerRole {
		t.Fatalf("nodes = %+v, want one server", cc.Nodes)
	}
	n := cc.Nodes[0]
	wantImage := s.Image
	if wantImage == "" {
		wantImage = DefaultImage
	}
	if n.Image != wantImage {
		t.Errorf("image = %q, want %q", n.Image, wantImage)
	}
	join := func(ps []netip.Prefix) string {
		var parts []string
		for _, p := range ps {
			parts = append(parts, p.String())
		}
		return strings.Join(parts, ",")
	}
	wantArgs := []string{
		"--cluster-cidr=" + join(s.PodSubnets()),
		"--service-cidr=" + join(s.ServiceSubnets()),
		"--disable=traefik",
		"--disable=metrics-server",
	}
	if !slices.Equal(n.Args, wantArgs) {
		t.Errorf("k3s args = %q, want %q", n.Args, wantArgs)
	}
	if got := n.K3sNodeLabels[provider.ZoneLabel]; got != s.Zone {
		t.Errorf("zone label = %q, want %q", got, s.Zone)
	}
}

func TestDefaultImageIsK3ds(t *testing.T) {
	if want := k3dtypes.DefaultK3sImageRepo + ":" + version.K3sVersion; DefaultImage != want {
		t.Errorf("DefaultImage = %s, but k3d's default is %s: update it", DefaultImage, want)
	}
	if err := provider.CheckImageVersion(DefaultImage); err != nil {
		t.Error(err)
	}
}

func TestCommands(t *testing.T) {
	p := New()
	if got := p.Command(specs()["v4"]); !strings.HasPrefix(got, "k3d cluster create --config - <<'EOF'\n") || !strings.HasSuffix(got, "\nEOF") {
		t.Errorf("Command = %q", got)
	}
	if got, want := p.DeleteCommand("smiley"), "k3d cluster delete smiley"; got != want {
		t.Errorf("DeleteCommand = %q, want %q", got, want)
	}
}

func TestConfigRejects(t *testing.T) {
	s := specs()["v4"]
	s.Name = "a-cluster-name-longer-than-32-characters"
	_, err := New().Config(s)
	want := "k3d config for a-cluster-name-longer-than-32-characters: Cluster name must be <= 32 characters, but has 40"
	if err == nil || err.Error() != want {
		t.Errorf("Config(long name) error = %v, want %s", err, want)
	}
}

// TestBrokenConfigs checks that k3d's JSON schema refuses broken documents.
func TestBrokenConfigs(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"invalid-no-servers.yaml", "servers: Must be greater than or equal to 1"},
		{"invalid-unknown-option.yaml", "options.k3d: Additional property disableLoadBalancer is not allowed"},
		{"invalid-name.yaml", "metadata.name: Does not match format 'hostname'"},
		{"invalid-api-version.yaml", "unsupported apiVersion 'k3d.io/v1alpha9'"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			_, err = parse(raw)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("parse error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
