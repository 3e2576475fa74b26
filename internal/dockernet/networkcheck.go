package dockernet

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/network"
)

// NetworkMismatchError is an existing network that does not fit the lab.
type NetworkMismatchError struct {
	Spec       NetworkSpec
	Problems   []string // what differs, one sentence each
	Containers []string // containers attached to the network
}

func (e *NetworkMismatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Docker network %q exists but does not fit the lab: %s. ", e.Spec.Name, strings.Join(e.Problems, "; "))
	fmt.Fprintf(&b, "Either delete it (docker network rm %s", e.Spec.Name)
	if len(e.Containers) > 0 {
		fmt.Fprintf(&b, ", after removing the containers attached to it: %s", strings.Join(e.Containers, ", "))
	}
	fmt.Fprintf(&b, ") and let localcluster recreate it as `%s`, or configure the lab's network to match the existing one", NetworkCommand(e.Spec))
	return b.String()
}

// SubnetInUseError is a network that cannot be created because another
// Docker network already uses (part of) its address space.
type SubnetInUseError struct {
	Spec   NetworkSpec
	Others []string // "name (subnet)" of the overlapping networks, if known
	Err    error
}

func (e *SubnetInUseError) Error() string {
	subnets := e.Spec.IPv4Subnet.String()
	if e.Spec.IPv6Subnet.IsValid() {
		subnets += " / " + e.Spec.IPv6Subnet.String()
	}
	who := "another Docker network"
	if len(e.Others) > 0 {
		who = "Docker network " + strings.Join(e.Others, ", ")
	}
	return fmt.Sprintf("cannot create Docker network %q: its subnet %s overlaps %s; remove that network or configure the lab with another subnet: %v",
		e.Spec.Name, subnets, who, e.Err)
}

func (e *SubnetInUseError) Unwrap() error { return e.Err }

func (c *Client) subnetInUse(ctx context.Context, spec NetworkSpec, cause error) error {
	inUse := &SubnetInUseError{Spec: spec, Err: cause}
	list, err := c.api.NetworkList(ctx, network.ListOptions{})
	if err != nil {
		return inUse
	}
	for _, n := range list {
		for _, cfg := range n.IPAM.Config {
			p, err := netip.ParsePrefix(cfg.Subnet)
			if err != nil {
				continue
			}
			for _, want := range []netip.Prefix{spec.IPv4Subnet, spec.IPv6Subnet} {
				if want.IsValid() && want.Overlaps(p) {
					inUse.Others = append(inUse.Others, fmt.Sprintf("%s (%s)", n.Name, p))
				}
			}
		}
	}
	return inUse
}

// networkDiffs says, one sentence each, how an existing network differs from
// what the spec needs. Extra capabilities (IPv6 the lab does not use) are fine.
func networkDiffs(spec NetworkSpec, n network.Inspect) []string {
	var problems []string
	if n.Driver != "bridge" {
		problems = append(problems, fmt.Sprintf("its driver is %q, the lab needs bridge", n.Driver))
	}
	if n.Internal {
		problems = append(problems, "it is internal (no outside access), the lab needs outside access")
	}
	v4, v6 := ipamConfigs(n)
	if spec.IPv4Subnet.IsValid() {
		problems = append(problems, ipv4Diffs(spec, v4, n.Containers)...)
	}
	if want := spec.IPv6Subnet; want.IsValid() {
		switch {
		case !n.EnableIPv6:
			problems = append(problems, fmt.Sprintf("IPv6 is off, the lab needs IPv6 subnet %s", want))
		case v6 == nil:
			problems = append(problems, fmt.Sprintf("it has no IPv6 subnet, the lab needs %s", want))
		case !samePrefix(v6.Subnet, want):
			problems = append(problems, fmt.Sprintf("its IPv6 subnet is %s, the lab needs %s", v6.Subnet, want))
		}
	}
	if spec.MTU > 0 {
		mtu, ok := n.Options[optMTU]
		switch {
		case ok && mtu != strconv.Itoa(spec.MTU):
			problems = append(problems, fmt.Sprintf("its MTU is %s, the lab needs %d", mtu, spec.MTU))
		case !ok && spec.MTU != dockerMTU:
			problems = append(problems, fmt.Sprintf("its MTU is Docker's default, the lab needs %d", spec.MTU))
		}
	}
	if on, err := strconv.ParseBool(n.Options[optMasquerade]); err == nil && !on {
		problems = append(problems, "IP masquerading is off, the lab needs it on")
	}
	return problems
}

func ipv4Diffs(spec NetworkSpec, v4 *network.IPAMConfig, attached map[string]network.EndpointResource) []string {
	want := spec.IPv4Subnet
	if v4 == nil {
		return []string{fmt.Sprintf("it has no IPv4 subnet, the lab needs %s", want)}
	}
	if !samePrefix(v4.Subnet, want) {
		return []string{fmt.Sprintf("its IPv4 subnet is %s, the lab needs %s", v4.Subnet, want)}
	}
	if v4.IPRange == "" {
		return unrangedDiffs(spec, attached)
	}
	have, err := netip.ParsePrefix(v4.IPRange)
	if err != nil {
		return []string{fmt.Sprintf("its IPv4 range %q cannot be read", v4.IPRange)}
	}
	if need := spec.ContainerRange(); !containsPrefix(need, have) {
		return []string{fmt.Sprintf("Docker may give containers addresses anywhere in %s, the lab needs them kept within %s (the rest of the subnet is for load balancer pools)", have, need)}
	}
	return nil
}

func ipamConfigs(n network.Inspect) (v4, v6 *network.IPAMConfig) {
	for i, cfg := range n.IPAM.Config {
		p, err := netip.ParsePrefix(cfg.Subnet)
		if err != nil {
			continue
		}
		if p.Addr().Is4() && v4 == nil {
			v4 = &n.IPAM.Config[i]
		}
		if p.Addr().Is6() && v6 == nil {
			v6 = &n.IPAM.Config[i]
		}
	}
	return v4, v6
}

func samePrefix(s string, want netip.Prefix) bool {
	p, err := netip.ParsePrefix(s)
	return err == nil && p.Masked() == want
}

// unrangedDiffs accepts a network made by hand without an IP range, as the
// workshops make it: Docker hands out addresses from the bottom of the
// subnet, so it fits while every container it has addressed so far is
// within the lab's container range, below the load balancer pools.
func unrangedDiffs(spec NetworkSpec, attached map[string]network.EndpointResource) []string {
	need := spec.ContainerRange()
	var inPools []string
	for _, ep := range attached {
		p, err := netip.ParsePrefix(ep.IPv4Address)
		if err == nil && !need.Contains(p.Addr()) {
			inPools = append(inPools, fmt.Sprintf("%s has %s", ep.Name, p.Addr()))
		}
	}
	if len(inPools) == 0 {
		return nil
	}
	sort.Strings(inPools)
	return []string{fmt.Sprintf("it has no IP range and containers already hold addresses outside %s, where the load balancer pools are (%s)",
		need, strings.Join(inPools, ", "))}
}
