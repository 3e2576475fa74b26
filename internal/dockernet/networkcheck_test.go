package dockernet

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/network"
)

func TestNetworkCommand(t *testing.T) {
	got := NetworkCommand(DefaultNetwork())
	want := "docker network create --driver bridge --subnet 192.168.155.0/24 --ip-range 192.168.155.0/28" +
		" --ipv6 --subnet fc00:f853:ccd:e793::/64" +
		" --opt com.docker.network.bridge.enable_ip_masquerade=true --opt com.docker.network.driver.mtu=1500" +
		" --label dev.localcluster.network=true kind"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestNetworkSpecValidate(t *testing.T) {
	tests := []struct {
		name string
		spec NetworkSpec
		want string
	}{
		{name: "default", spec: DefaultNetwork()},
		{name: "every problem at once",
			spec: NetworkSpec{IPv4Subnet: pfx("10.0.0.1/24"), IPv4Range: pfx("10.1.0.0/28"), IPv6Subnet: pfx("10.2.0.0/16"), MTU: 100},
			want: "network name is empty\n" +
				"IPv4 subnet 10.0.0.1/24 is not an IPv4 network address (want e.g. 10.0.0.0/24)\n" +
				"IPv4 range 10.1.0.0/28 is not a network inside subnet 10.0.0.1/24\n" +
				"IPv6 subnet 10.2.0.0/16 is not an IPv6 network address\n" +
				"MTU 100 is too small"},
		{name: "range without subnet", spec: NetworkSpec{Name: "n", IPv4Range: pfx("10.1.0.0/28")},
			want: "IPv4 range 10.1.0.0/28 given without an IPv4 subnet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errString(tt.spec.Validate()); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestNetworkDiffs(t *testing.T) {
	fits := network.Inspect{
		Name: "kind", Driver: "bridge", EnableIPv6: true,
		IPAM: network.IPAM{Config: []network.IPAMConfig{
			{Subnet: "192.168.155.0/24", IPRange: "192.168.155.0/28", Gateway: "192.168.155.1"},
			{Subnet: "fc00:f853:ccd:e793::/64", Gateway: "fc00:f853:ccd:e793::1"},
		}},
		Options: map[string]string{optMasquerade: "true", optMTU: "1500"},
	}
	tests := []struct {
		name   string
		change func(n *network.Inspect)
		want   []string
	}{
		{name: "fits", change: func(*network.Inspect) {}},
		{name: "workshop network without options fits", change: func(n *network.Inspect) {
			n.Options = nil
			n.IPAM.Config[0].IPRange = "192.168.155.0/29" // narrower is fine
		}},
		{name: "other subnet", change: func(n *network.Inspect) { n.IPAM.Config[0].Subnet = "172.18.0.0/16" },
			want: []string{"its IPv4 subnet is 172.18.0.0/16, the lab needs 192.168.155.0/24"}},
		{name: "workshop network without a range fits while its containers are low", change: func(n *network.Inspect) {
			n.IPAM.Config[0].IPRange = ""
			n.Containers = map[string]network.EndpointResource{"a": {Name: "faces-control-plane", IPv4Address: "192.168.155.2/24"}}
		}},
		{name: "no range and a container in the pools", change: func(n *network.Inspect) {
			n.IPAM.Config[0].IPRange = ""
			n.Containers = map[string]network.EndpointResource{
				"a": {Name: "faces-control-plane", IPv4Address: "192.168.155.2/24"},
				"b": {Name: "other", IPv4Address: "192.168.155.80/24"},
			}
		}, want: []string{"it has no IP range and containers already hold addresses outside 192.168.155.0/28, where the load balancer pools are (other has 192.168.155.80)"}},
		{name: "range wider than the lab's", change: func(n *network.Inspect) { n.IPAM.Config[0].IPRange = "192.168.155.0/25" },
			want: []string{"Docker may give containers addresses anywhere in 192.168.155.0/25, the lab needs them kept within 192.168.155.0/28 (the rest of the subnet is for load balancer pools)"}},
		{name: "no IPv6, wrong MTU, no masquerade, internal", change: func(n *network.Inspect) {
			n.EnableIPv6 = false
			n.IPAM.Config = n.IPAM.Config[:1]
			n.Options = map[string]string{optMasquerade: "false", optMTU: "9000"}
			n.Internal = true
		}, want: []string{
			"it is internal (no outside access), the lab needs outside access",
			"IPv6 is off, the lab needs IPv6 subnet fc00:f853:ccd:e793::/64",
			"its MTU is 9000, the lab needs 1500",
			"IP masquerading is off, the lab needs it on",
		}},
		{name: "other IPv6 subnet and driver", change: func(n *network.Inspect) {
			n.IPAM.Config[1].Subnet = "fd00::/64"
			n.Driver = "macvlan"
		}, want: []string{
			`its driver is "macvlan", the lab needs bridge`,
			"its IPv6 subnet is fd00::/64, the lab needs fc00:f853:ccd:e793::/64",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := fits
			n.IPAM.Config = slices.Clone(fits.IPAM.Config)
			tt.change(&n)
			if got := networkDiffs(DefaultNetwork(), n); !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestMismatchErrorSaysHowToFix(t *testing.T) {
	err := error(&NetworkMismatchError{Spec: DefaultNetwork(), Problems: []string{"IPv6 is off"}, Containers: []string{"smiley-control-plane"}})
	for _, want := range []string{`"kind" exists`, "IPv6 is off", "docker network rm kind", "smiley-control-plane", NetworkCommand(DefaultNetwork()), "configure the lab"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	var mm *NetworkMismatchError
	if !errors.As(err, &mm) {
		t.Error("errors.As does not find *NetworkMismatchError")
	}
}

func TestNewWithoutDocker(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	c, err := New(context.Background())
	if err == nil {
		_ = c.Close()
		t.Fatal("New succeeded without a daemon")
	}
	want := "cannot reach Docker at unix:///nonexistent/docker.sock: connect: no such file or directory; is Docker running?"
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err, want)
	}
}
