// Package addrplan computes every address of a lab from its definitions:
// pod and service ranges, MetalLB pools and the Docker network they live in.
// It does no I/O, so dry-run, info and create all see the same numbers.
//
// The scheme is the one the older Python tool computes, which workshops
// depend on: IPv4 ranges come from the nybble ID, IPv6 ranges from the byte
// ID, and MetalLB pools are carved from the Docker network.
package addrplan

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/localcluster/localcluster/internal/definition"
)

// Network is the Docker network every cluster of the lab joins.
type Network struct {
	Name       string
	IPv4Subnet netip.Prefix // zero when the network has no IPv4
	IPv4Range  netip.Prefix // where Docker may hand out container addresses
	IPv6Subnet netip.Prefix // zero when the network has no IPv6
	MTU        int
}

// DefaultNetwork is the network the workshops create.
func DefaultNetwork() Network {
	return Network{
		Name:       "kind",
		IPv4Subnet: netip.MustParsePrefix("192.168.155.0/24"),
		// Nybble 0 has no MetalLB pool, so the lowest /28 is free for nodes.
		IPv4Range:  netip.MustParsePrefix("192.168.155.0/28"),
		IPv6Subnet: netip.MustParsePrefix("fc00:f853:ccd:e793::/64"),
		MTU:        1500,
	}
}

// Cluster is one cluster's share of the address plan.
type Cluster struct {
	Name       string
	Def        *definition.Cluster
	Subnet     definition.SubnetID
	AutoSubnet bool   // Subnet was assigned, not written in sma.yaml
	IPFamily   string // "ipv4", "ipv6" or "dual"

	PodV4, ServiceV4 netip.Prefix // zero when IPv4 is off
	PodV6, ServiceV6 netip.Prefix // zero when IPv6 is off
	LBv4, LBv6       netip.Prefix // MetalLB pools, kind clusters only
}

// HasRanges reports whether localcluster assigns this cluster addresses;
// external clusters bring their own.
func (c *Cluster) HasRanges() bool { return c.Def.Provider != definition.ProviderExternal }

// LBPools returns the cluster's MetalLB pools, IPv4 first.
func (c *Cluster) LBPools() []netip.Prefix {
	var pools []netip.Prefix
	for _, p := range []netip.Prefix{c.LBv4, c.LBv6} {
		if p.IsValid() {
			pools = append(pools, p)
		}
	}
	return pools
}

// PodCIDRs returns the cluster's pod ranges, IPv4 first.
func (c *Cluster) PodCIDRs() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range []netip.Prefix{c.PodV4, c.PodV6} {
		if p.IsValid() {
			out = append(out, p)
		}
	}
	return out
}

// Plan is the address plan of a whole lab.
type Plan struct {
	Network  Network
	Clusters []*Cluster // sorted by name
	byName   map[string]*Cluster
}

// Cluster returns the named cluster's plan, or nil.
func (p *Plan) Cluster(name string) *Cluster { return p.byName[name] }

// Group returns the clusters of a group, sorted by name.
func (p *Plan) Group(group string) []*Cluster {
	var out []*Cluster
	if group == "" {
		return nil
	}
	for _, c := range p.Clusters {
		if c.Def.Group == group {
			out = append(out, c)
		}
	}
	return out
}

// Groups returns the names of all groups, sorted.
func (p *Plan) Groups() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range p.Clusters {
		if g := c.Def.Group; g != "" && !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	sort.Strings(out)
	return out
}

// Compute assigns subnets to clusters that have none, derives every range
// and checks the whole lab for overlaps. All problems come back at once, as
// definition.Problems.
func Compute(lab *definition.Lab, network Network) (*Plan, error) {
	plan := &Plan{Network: network, byName: map[string]*Cluster{}}
	var problems definition.Problems
	problems = append(problems, checkNetwork(lab, network)...)
	ids, assignProblems := assignSubnets(lab.Clusters)
	problems = append(problems, assignProblems...)
	for _, def := range lab.Clusters {
		c := derive(def, ids[def.Name], network)
		c.AutoSubnet = def.Subnet == nil
		plan.Clusters = append(plan.Clusters, c)
		plan.byName[c.Name] = c
	}
	sort.Slice(plan.Clusters, func(i, j int) bool { return plan.Clusters[i].Name < plan.Clusters[j].Name })
	problems = append(problems, checkGroups(plan)...)
	problems = append(problems, checkOverlaps(plan)...)
	if len(problems) > 0 {
		sortProblems(problems)
		return nil, problems
	}
	return plan, nil
}

func ipFamily(v4, v6 bool) string {
	switch {
	case v4 && v6:
		return "dual"
	case v6:
		return "ipv6"
	default:
		return "ipv4"
	}
}

// derive computes a cluster's ranges from its subnet ID.
func derive(def *definition.Cluster, id definition.SubnetID, network Network) *Cluster {
	c := &Cluster{Name: def.Name, Def: def, Subnet: id, IPFamily: ipFamily(def.V4, def.V6)}
	if !c.HasRanges() {
		return c
	}
	kind := def.Provider == definition.ProviderKind
	if def.V4 {
		c.PodV4 = v4Range(id.Nybble, 1)
		c.ServiceV4 = v4Range(id.Nybble, 2)
		if kind && id.Nybble != 0 && network.IPv4Subnet.IsValid() {
			c.LBv4 = v4Pool(network.IPv4Subnet, id.Nybble)
		}
	}
	if def.V6 {
		c.PodV6 = v6Range(id.Byte, 1, 64)
		c.ServiceV6 = v6Range(id.Byte, 2, 112)
		if kind && network.IPv6Subnet.IsValid() {
			c.LBv6 = v6Pool(network.IPv6Subnet, id.Byte)
		}
	}
	return c
}

// v4Range is 10.<nybble>.<third>.0/24; the nybble is read as decimal.
func v4Range(nybble, third uint8) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, nybble, third, 0}), 24)
}

// v6Range is fd00:<byte>:<third>::/bits, the byte as the second group.
func v6Range(b, third uint8, bits int) netip.Prefix {
	var a [16]byte
	a[0], a[1] = 0xfd, 0x00
	a[3] = b
	a[5] = third
	return netip.PrefixFrom(netip.AddrFrom16(a), bits)
}

// v4Pool is <first three octets of the network>.<nybble*16>/28.
func v4Pool(network netip.Prefix, nybble uint8) netip.Prefix {
	a := network.Addr().As4()
	a[3] = nybble * 16
	return netip.PrefixFrom(netip.AddrFrom4(a), 28)
}

// v6Pool is <network /64>:<byte>::/96.
func v6Pool(network netip.Prefix, b uint8) netip.Prefix {
	a := network.Masked().Addr().As16()
	for i := 8; i < 16; i++ {
		a[i] = 0
	}
	a[9] = b
	return netip.PrefixFrom(netip.AddrFrom16(a), 96)
}

// String renders a range for people: "-" when unset.
func String(p netip.Prefix) string {
	if !p.IsValid() {
		return "-"
	}
	return p.String()
}

func describe(c *Cluster) string {
	return fmt.Sprintf("cluster %q (%s)", c.Name, c.Def.File)
}

// LowestRange is the lowest /28 of an IPv4 subnet: the part no MetalLB pool
// uses (nybble 0 has none), so Docker may hand it to containers.
func LowestRange(subnet netip.Prefix) netip.Prefix {
	if !subnet.Addr().Is4() || subnet.Bits() > 28 {
		return subnet
	}
	return netip.PrefixFrom(subnet.Masked().Addr(), 28)
}
