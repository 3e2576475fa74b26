package addrplan

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/localcluster/localcluster/internal/definition"
)

// assignSubnets returns every cluster's subnet ID: the one written in its
// definition, or the lowest IDs no other cluster uses. Clusters are visited
// in name order so the result does not depend on the order files are found.
func assignSubnets(clusters []*definition.Cluster) (map[string]definition.SubnetID, definition.Problems) {
	ids := map[string]definition.SubnetID{}
	usedNybble := map[uint8]bool{}
	usedByte := map[uint8]bool{}
	for _, c := range clusters {
		if c.Subnet != nil {
			ids[c.Name] = *c.Subnet
			if c.V4 {
				usedNybble[c.Subnet.Nybble] = true
			}
			if c.V6 {
				usedByte[c.Subnet.Byte] = true
			}
		}
	}
	sorted := append([]*definition.Cluster(nil), clusters...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var problems definition.Problems
	for _, c := range sorted {
		if c.Subnet != nil || c.Provider == definition.ProviderExternal {
			continue
		}
		var id definition.SubnetID
		// Nybble 0 would leave a kind cluster without a MetalLB pool, so
		// automatic IDs start at 1.
		if c.V4 {
			n, ok := lowestFree(usedNybble, 1, 15)
			if !ok {
				problems = append(problems, noFreeID(c, "IPv4", "nybble", 15))
				continue
			}
			id.Nybble = n
		}
		if c.V6 {
			b, ok := lowestFree(usedByte, 1, 255)
			if !ok {
				problems = append(problems, noFreeID(c, "IPv6", "byte", 255))
				continue
			}
			id.Byte = b
		}
		ids[c.Name] = id
	}
	return ids, problems
}

func lowestFree(used map[uint8]bool, lo, hi int) (uint8, bool) {
	for i := lo; i <= hi; i++ {
		if !used[uint8(i)] {
			used[uint8(i)] = true
			return uint8(i), true
		}
	}
	return 0, false
}

func noFreeID(c *definition.Cluster, family, what string, limit int) definition.Problem {
	return definition.Problem{
		Pos:   c.Pos["metadata.name"],
		Field: "spec.subnet",
		Msg: fmt.Sprintf("no free %s %s left for cluster %q: a lab holds at most %d %s clusters; set spec.subnet or turn %s off",
			family, what, c.Name, limit, family, family),
	}
}

// checkNetwork checks the lab's network settings against the scheme: the
// MetalLB pools must fit in the IPv4 subnet and Docker must not hand out
// addresses inside them.
func checkNetwork(lab *definition.Lab, n Network) definition.Problems {
	var problems definition.Problems
	where := definition.Pos{File: lab.SettingsFile}
	add := func(msg string, args ...any) {
		problems = append(problems, definition.Problem{Pos: where, Field: "spec.network", Msg: fmt.Sprintf(msg, args...)})
	}
	if n.IPv4Subnet.IsValid() {
		if !n.IPv4Subnet.Addr().Is4() {
			add("ipv4Subnet %s is not an IPv4 range", n.IPv4Subnet)
		} else if n.IPv4Subnet.Bits() > 24 {
			add("ipv4Subnet %s is smaller than a /24: MetalLB pools are carved from <first three octets>.<nybble*16>/28", n.IPv4Subnet)
		}
		if n.IPv4Range.IsValid() && !contains(n.IPv4Subnet, n.IPv4Range) {
			add("ipv4Range %s is not inside ipv4Subnet %s", n.IPv4Range, n.IPv4Subnet)
		}
	}
	if n.IPv6Subnet.IsValid() && (n.IPv6Subnet.Addr().Is4() || n.IPv6Subnet.Bits() > 64) {
		add("ipv6Subnet %s must be an IPv6 range of /64 or larger: MetalLB pools are <prefix>:<byte>::/96", n.IPv6Subnet)
	}
	for _, c := range lab.Clusters {
		if c.Provider == definition.ProviderExternal {
			continue
		}
		if c.V6 && !n.IPv6Subnet.IsValid() {
			problems = append(problems, definition.Problem{
				Pos: c.Pos["spec.v6Enabled"], Field: "spec.v6Enabled",
				Msg: fmt.Sprintf("cluster %q wants IPv6 but network %q has no IPv6 subnet; set spec.network.ipv6Subnet in lab.yaml", c.Name, n.Name),
			})
		}
		if c.V4 && !n.IPv4Subnet.IsValid() {
			problems = append(problems, definition.Problem{
				Pos: c.Pos["spec.v4Enabled"], Field: "spec.v4Enabled",
				Msg: fmt.Sprintf("cluster %q wants IPv4 but network %q has no IPv4 subnet; set spec.network.ipv4Subnet in lab.yaml", c.Name, n.Name),
			})
		}
	}
	return problems
}

// checkGroups refuses pod-to-pod groups with external clusters: their pods
// cannot be routed to from the Docker network.
func checkGroups(p *Plan) definition.Problems {
	var problems definition.Problems
	for _, c := range p.Clusters {
		if c.Def.Provider == definition.ProviderExternal && c.Def.Group != "" {
			problems = append(problems, definition.Problem{
				Pos: c.Def.Pos["spec.group"], Field: "spec.group",
				Msg: fmt.Sprintf("external cluster %q cannot join group %q: pod-to-pod links need routes localcluster cannot add outside Docker; link it through gateways with spec.gatewayLinks instead", c.Name, c.Def.Group),
			})
		}
	}
	return problems
}

type namedRange struct {
	what string
	p    netip.Prefix
}

func ranges(c *Cluster) []namedRange {
	var out []namedRange
	for _, r := range []namedRange{
		{"pods", c.PodV4}, {"services", c.ServiceV4}, {"pods", c.PodV6},
		{"services", c.ServiceV6}, {"MetalLB pool", c.LBv4}, {"MetalLB pool", c.LBv6},
	} {
		if r.p.IsValid() {
			out = append(out, r)
		}
	}
	return out
}

// checkOverlaps compares every range of every cluster with every other
// cluster's and with the Docker network.
func checkOverlaps(p *Plan) definition.Problems {
	var problems definition.Problems
	for i, a := range p.Clusters {
		problems = append(problems, checkAgainstNetwork(a, p.Network)...)
		for _, b := range p.Clusters[i+1:] {
			if clash := clashes(a, b); len(clash) > 0 {
				problems = append(problems, definition.Problem{
					Pos: subnetPos(b), Field: "spec.subnet",
					Msg: fmt.Sprintf("cluster %q (subnet %s) overlaps %s (subnet %s): %s; give one of them another subnet ID",
						b.Name, b.Subnet, describe(a), a.Subnet, strings.Join(clash, ", ")),
				})
			}
		}
	}
	return problems
}

func clashes(a, b *Cluster) []string {
	var out []string
	for _, ra := range ranges(a) {
		for _, rb := range ranges(b) {
			if ra.p.Overlaps(rb.p) {
				out = append(out, fmt.Sprintf("%s %s overlaps %s %s", rb.what, rb.p, ra.what, ra.p))
			}
		}
	}
	return out
}

func checkAgainstNetwork(c *Cluster, n Network) definition.Problems {
	var problems definition.Problems
	for _, r := range ranges(c) {
		isPool := r.what == "MetalLB pool"
		for _, netRange := range []netip.Prefix{n.IPv4Subnet, n.IPv6Subnet} {
			if !netRange.IsValid() || isPool {
				continue
			}
			if r.p.Overlaps(netRange) {
				problems = append(problems, definition.Problem{
					Pos: subnetPos(c), Field: "spec.subnet",
					Msg: fmt.Sprintf("cluster %q %s %s overlaps Docker network %q (%s); pick another subnet ID or another network range in lab.yaml", c.Name, r.what, r.p, n.Name, netRange),
				})
			}
		}
		if isPool && r.p.Addr().Is4() && n.IPv4Range.IsValid() && r.p.Overlaps(n.IPv4Range) {
			problems = append(problems, definition.Problem{
				Pos: subnetPos(c), Field: "spec.subnet",
				Msg: fmt.Sprintf("cluster %q MetalLB pool %s overlaps the addresses Docker hands to containers (%s); use a nybble of 1 or more, or move spec.network.ipv4Range in lab.yaml", c.Name, r.p, n.IPv4Range),
			})
		}
	}
	return problems
}

func subnetPos(c *Cluster) definition.Pos {
	if pos, ok := c.Def.Pos["spec.subnet"]; ok {
		return pos
	}
	return c.Def.Pos["metadata.name"]
}

func contains(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

func sortProblems(ps definition.Problems) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i].Pos, ps[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
}
