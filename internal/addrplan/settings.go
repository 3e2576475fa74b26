package addrplan

import (
	"net/netip"

	"github.com/localcluster/localcluster/internal/definition"
)

// NetworkFrom applies lab.yaml's network settings over the default
// network.
func NetworkFrom(s definition.NetworkSettings) Network {
	n := DefaultNetwork()
	if s.Name != "" {
		n.Name = s.Name
	}
	if s.IPv4Subnet.IsValid() {
		n.IPv4Subnet = s.IPv4Subnet
		// A custom subnet without a custom range gets the same shape as the
		// default: its lowest /28, which no MetalLB pool uses.
		n.IPv4Range = LowestRange(s.IPv4Subnet)
	}
	if s.IPv4Range.IsValid() {
		n.IPv4Range = s.IPv4Range
	}
	// A lab on a network of its own has IPv6 only if it says so: the
	// default IPv6 subnet is kind's, and Docker refuses a second network
	// with the same pool.
	if s.Name != "" || s.IPv4Subnet.IsValid() {
		n.IPv6Subnet = netip.Prefix{}
	}
	if s.IPv6Subnet.IsValid() {
		n.IPv6Subnet = s.IPv6Subnet
	}
	if s.MTU != 0 {
		n.MTU = s.MTU
	}
	return n
}
