package provider

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func dualSpec() Spec {
	return Spec{
		Name:      "smiley",
		IPFamily:  Dual,
		PodV4:     netip.MustParsePrefix("10.5.1.0/24"),
		ServiceV4: netip.MustParsePrefix("10.5.2.0/24"),
		PodV6:     netip.MustParsePrefix("fd00:51:1::/64"),
		ServiceV6: netip.MustParsePrefix("fd00:51:2::/112"),
	}
}

func TestSpecValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Spec)
		want   []string // every line of the joined error, in order
	}{
		{name: "dual ok", mutate: func(*Spec) {}},
		{name: "v4 ok", mutate: func(s *Spec) { s.IPFamily, s.PodV6, s.ServiceV6 = IPv4, netip.Prefix{}, netip.Prefix{} }},
		{name: "v6 ok", mutate: func(s *Spec) { s.IPFamily, s.PodV4, s.ServiceV4 = IPv6, netip.Prefix{}, netip.Prefix{} }},
		{name: "zone and image ok", mutate: func(s *Spec) { s.Zone, s.Image = "zone-east", "rancher/k3s:v1.31.0-k3s1" }},
		{
			name:   "every problem at once",
			mutate: func(s *Spec) { s.Name, s.Zone, s.Image = "", "east zone", "kindest/node:v1.29.2" },
			want: []string{
				`cluster name is empty`,
				`zone "east zone" is not a valid label value: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
				`image kindest/node:v1.29.2 runs Kubernetes 1.29, but Linkerd needs 1.31 or newer: choose a newer image`,
			},
		},
		{
			name:   "bad family",
			mutate: func(s *Spec) { s.IPFamily = "both" },
			want:   []string{`ipFamily "both" is not one of ipv4, ipv6, dual`},
		},
		{
			name:   "v4 with v6 prefixes",
			mutate: func(s *Spec) { s.IPFamily = IPv4 },
			want: []string{
				`IPv6 pod subnet fd00:51:1::/64 is set but ipFamily is ipv4`,
				`IPv6 service subnet fd00:51:2::/112 is set but ipFamily is ipv4`,
			},
		},
		{
			name: "wrong families, host bits, missing",
			mutate: func(s *Spec) {
				s.PodV4 = netip.MustParsePrefix("fd00::/64")
				s.ServiceV4 = netip.MustParsePrefix("10.5.2.1/24")
				s.PodV6 = netip.MustParsePrefix("::ffff:10.0.0.0/120")
				s.ServiceV6 = netip.Prefix{}
			},
			want: []string{
				`IPv4 pod subnet fd00::/64 is not an IPv4 prefix`,
				`IPv4 service subnet 10.5.2.1/24 has host bits set (did you mean 10.5.2.0/24?)`,
				`IPv6 pod subnet ::ffff:10.0.0.0/120 is not an IPv6 prefix`,
				`IPv6 service subnet is missing for ipFamily dual`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := dualSpec()
			tc.mutate(&s)
			err := s.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tc.want)
			}
			if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("Validate() =\n%s\nwant\n%s", err, strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestSubnetsV4First(t *testing.T) {
	s := dualSpec()
	got := s.PodSubnets()
	if len(got) != 2 || !got[0].Addr().Is4() || !got[1].Addr().Is6() {
		t.Errorf("PodSubnets() = %v, want IPv4 then IPv6", got)
	}
	s.IPFamily, s.PodV4, s.ServiceV4 = IPv6, netip.Prefix{}, netip.Prefix{}
	if got := s.ServiceSubnets(); len(got) != 1 || got[0] != s.ServiceV6 {
		t.Errorf("ServiceSubnets() = %v, want [%s]", got, s.ServiceV6)
	}
	if n := s.NetworkName(); n != "kind" {
		t.Errorf("NetworkName() = %q, want kind", n)
	}
}

func TestCheckImageVersion(t *testing.T) {
	for image, ok := range map[string]bool{
		"kindest/node:v1.37.0@sha256:abc":        true,
		"kindest/node:v1.30.13":                  false,
		"docker.io/rancher/k3s:v1.29.4-k3s1":     false,
		"rancher/k3s:v1.31.0-k3s1":               true,
		"rancher/k3s:v1.9-k3s1":                  false,
		"registry:5000/rancher/k3s:v1.33.1-k3s1": true,
		"rancher/k3s:latest":                     true,
		"my/node":                                true,
		"":                                       true,
	} {
		if err := CheckImageVersion(image); (err == nil) != ok {
			t.Errorf("CheckImageVersion(%q) = %v, want ok=%v", image, err, ok)
		}
	}
}

type fake struct{ name string }

func (f fake) Name() string                                     { return f.name }
func (fake) Config(Spec) ([]byte, error)                        { return nil, nil }
func (fake) Command(Spec) string                                { return "" }
func (fake) DeleteCommand(string) string                        { return "" }
func (fake) Status(context.Context, string) (Status, error)     { return Status{}, nil }
func (fake) Create(context.Context, Spec) error                 { return nil }
func (fake) Delete(context.Context, string) error               { return nil }
func (fake) Kubeconfig(context.Context, string) ([]byte, error) { return nil, nil }
func (fake) Traits() Traits                                     { return Traits{} }
func (fake) NodeContainer(string) string                        { return "" }
func (fake) KubeconfigNames(string) KubeconfigNames             { return KubeconfigNames{} }
func (fake) ContextCommand(string, string) string               { return "" }

func TestRegistry(t *testing.T) {
	r := NewRegistry(fake{"kind"}, fake{"k3d"})
	if p, err := r.For("k3d"); err != nil || p.Name() != "k3d" {
		t.Errorf("For(k3d) = %v, %v", p, err)
	}
	_, err := r.For("minikube")
	if err == nil || err.Error() != `unknown cluster provider "minikube" (known: k3d, kind)` {
		t.Errorf("For(minikube) error = %v", err)
	}
}

func TestImageErrorUnwraps(t *testing.T) {
	inner := errors.New("exit status 1")
	err := error(&ImageError{Image: "kindest/node:v1.37.0", Reason: "no such host", Err: inner})
	if !errors.Is(err, inner) {
		t.Error("ImageError does not unwrap to the provider's error")
	}
	want := "node image kindest/node:v1.37.0 is not present locally and could not be pulled (no such host): load it with docker load, or make its registry reachable"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
}
