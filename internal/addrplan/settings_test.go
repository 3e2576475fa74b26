package addrplan

import (
	"net/netip"
	"testing"

	"github.com/localcluster/localcluster/internal/definition"
)

func TestNetworkFrom(t *testing.T) {
	def := DefaultNetwork()
	v4 := netip.MustParsePrefix("192.168.200.0/24")
	v6 := netip.MustParsePrefix("fd00:aa::/64")
	tests := []struct {
		name string
		in   definition.NetworkSettings
		want Network
	}{
		{"defaults", definition.NetworkSettings{}, def},
		{"own network has no IPv6 unless it says so", definition.NetworkSettings{Name: "lab2", IPv4Subnet: v4},
			Network{Name: "lab2", IPv4Subnet: v4, IPv4Range: netip.MustParsePrefix("192.168.200.0/28"), MTU: 1500}},
		{"own network with IPv6", definition.NetworkSettings{Name: "lab2", IPv6Subnet: v6, MTU: 1400},
			Network{Name: "lab2", IPv4Subnet: def.IPv4Subnet, IPv4Range: def.IPv4Range, IPv6Subnet: v6, MTU: 1400}},
		{"explicit range", definition.NetworkSettings{IPv4Subnet: v4, IPv4Range: netip.MustParsePrefix("192.168.200.0/29")},
			Network{Name: "kind", IPv4Subnet: v4, IPv4Range: netip.MustParsePrefix("192.168.200.0/29"), MTU: 1500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NetworkFrom(tt.in); got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
