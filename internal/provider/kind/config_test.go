package kind

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/kind/pkg/apis/config/defaults"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"

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
		"v4-image":  with(v4, func(s *provider.Spec) { s.Image = "kindest/node:v1.33.1" }),
		"dual-zone-image-network": with(dual, func(s *provider.Spec) {
			s.Zone, s.Image, s.Network = "zone-east", "kindest/node:v1.31.9", "lab net"
		}),
	}
}

func assertGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Assert(t, filepath.Join("testdata", name+".golden"), got)
}

func TestConfigGolden(t *testing.T) {
	p := New(Options{})
	for name, s := range specs() {
		t.Run(name, func(t *testing.T) {
			raw, err := p.Config(s)
			if err != nil {
				t.Fatal(err)
			}
			assertGolden(t, name, raw)
			assertGolden(t, name+".command", []byte(p.Command(s)+"\n"))

			// Read back the way kind reads --config, and check it says
			// what the spec says.
			cfg, err := parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(cfg); err != nil {
				t.Errorf("re-parsed config fails kind's rules: %v", err)
			}
			want, _ := build(s)
			if !reflect.DeepEqual(cfg, want) {
				t.Errorf("re-parsed config = %+v, want %+v", cfg, want)
			}
			checkAgainstSpec(t, cfg, s)
		})
	}
}

func checkAgainstSpec(t *testing.T, cfg *v1alpha4.Cluster, s provider.Spec) {
	t.Helper()
	if len(cfg.Nodes) != 1 || cfg.Nodes[0].Role != v1alpha4.ControlPlaneRole {
		t.Fatalf("nodes = %+v, want one control-plane", cfg.Nodes)
	}
	n := cfg.Nodes[0]
	wantImage := s.Image
	if wantImage == "" {
		wantImage = DefaultImage
	}
	if n.Image != wantImage {
		t.Errorf("image = %q, want %q", n.Image, wantImage)
	}
	if got := n.Labels[provider.ZoneLabel]; got != s.Zone {
		t.Errorf("zone label = %q, want %q", got, s.Zone)
	}
	if string(cfg.Networking.IPFamily) != s.IPFamily {
		t.Errorf("ipFamily = %q, want %q", cfg.Networking.IPFamily, s.IPFamily)
	}
	first := func(ps []netip.Prefix) string { return ps[0].String() }
	if !strings.HasPrefix(cfg.Networking.PodSubnet, first(s.PodSubnets())) ||
		!strings.HasPrefix(cfg.Networking.ServiceSubnet, first(s.ServiceSubnets())) {
		t.Errorf("subnets = %q / %q, want IPv4 first from %+v", cfg.Networking.PodSubnet, cfg.Networking.ServiceSubnet, s)
	}
}

func TestDefaultImageIsKinds(t *testing.T) {
	if DefaultImage != defaults.Image {
		t.Errorf("DefaultImage = %s, but kind's default is %s: update it", DefaultImage, defaults.Image)
	}
	if err := provider.CheckImageVersion(DefaultImage); err != nil {
		t.Error(err)
	}
}

func TestCommandNetwork(t *testing.T) {
	p := New(Options{})
	s := specs()["v4"]
	if got := p.Command(s); !strings.HasPrefix(got, "kind create cluster --name smiley --config - <<'EOF'\n") {
		t.Errorf("default network: command starts %q", strings.SplitN(got, "\n", 2)[0])
	}
	s.Network = "lab"
	if got := p.Command(s); !strings.HasPrefix(got, "KIND_EXPERIMENTAL_DOCKER_NETWORK=lab kind create cluster --name smiley --config - <<'EOF'\n") {
		t.Errorf("network lab: command starts %q", strings.SplitN(got, "\n", 2)[0])
	}
	if got, want := p.DeleteCommand("smiley"), "kind delete cluster --name smiley"; got != want {
		t.Errorf("DeleteCommand = %q, want %q", got, want)
	}
}

func TestConfigRejects(t *testing.T) {
	p := New(Options{})
	s := specs()["v4"]
	s.Name = "Smiley_1"
	_, err := p.Config(s)
	want := `kind config for Smiley_1: "Smiley_1" is not a valid kind cluster name: it must match ^[a-z0-9.-]+$`
	if err == nil || err.Error() != want {
		t.Errorf("Config(bad name) error = %v, want %s", err, want)
	}
	if got := p.Command(s); got != "# "+want {
		t.Errorf("Command(bad name) = %q, want the error as a comment", got)
	}
}

// TestBrokenConfigs checks that kind's strict decoding and kind's rules (as
// repeated in validate) refuse broken documents.
func TestBrokenConfigs(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"invalid-unknown-field.yaml", "field podSubnets not found in type v1alpha4.Networking"},
		{"invalid-api-version.yaml", `want kind.x-k8s.io/v1alpha4 Cluster, got "kind.x-k8s.io/v1alpha3" "Cluster"`},
		{"invalid-dual-one-family.yaml", "invalid pod subnet: expected one IPv4 and one IPv6 CIDR for dual-stack networking"},
		{"invalid-family-mismatch.yaml", "invalid service subnet: expected one IPv4 CIDR for IPv4 family"},
		{"invalid-role.yaml", `node 0: "master" is not a valid node role` + "\nmust have at least one control-plane node"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := parse(raw)
			if err == nil {
				err = validate(cfg)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
