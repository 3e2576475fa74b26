package addrplan

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/localcluster/localcluster/internal/definition"
)

// FuzzCompute builds labs from bytes, three per cluster, on one of a few
// networks, and checks what Compute promises: a plan whose ranges never
// overlap and follow the scheme, or problems that are well formed and do
// not grow with the square of the lab.
func FuzzCompute(f *testing.F) {
	f.Add([]byte{0, 0x07, 0x51, 0x05, 0x07, 0x50, 0x04, 0x05, 0xCD, 0x0D})
	f.Add([]byte{1, 0x01, 0, 0, 0x01, 0, 0, 0x03, 0, 0})
	f.Add([]byte{2, 0x0B, 0x51, 0x05, 0x0B, 0x61, 0x05})
	f.Add([]byte{3, 0x05, 0x10, 0x00, 0x02, 0, 0, 0x12, 0x10, 0x01})
	long := []byte{0}
	for i := 0; i < 40; i++ {
		long = append(long, 0x01, 0, 0) // automatic IPv4 clusters: more than there are IDs
	}
	f.Add(long)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		network := fuzzNetwork(data[0])
		l := fuzzLab(data[1:])
		plan, err := Compute(l, network)
		if err != nil {
			checkProblems(t, err, len(l.Clusters))
			return
		}
		checkPlan(t, plan, l)
	})
}

func fuzzNetwork(b byte) Network {
	n := DefaultNetwork()
	switch b % 4 {
	case 1:
		n.IPv6Subnet = netip.Prefix{}
	case 2:
		n.IPv4Range = netip.MustParsePrefix("192.168.155.0/25")
	case 3:
		n.IPv4Subnet = netip.MustParsePrefix("10.5.0.0/16")
		n.IPv4Range = LowestRange(n.IPv4Subnet)
	}
	return n
}

// fuzzLab reads up to 64 clusters of three bytes: flags (bit 0 IPv4, bit 1
// IPv6, bit 2 a written subnet, bits 3-4 the provider, bit 5 a group), the
// byte ID and the nybble ID.
func fuzzLab(data []byte) *definition.Lab {
	var defs []*definition.Cluster
	for i := 0; i+2 < len(data) && len(defs) < 64; i += 3 {
		flags := data[i]
		provider := []string{"kind", "k3d", "external", "kind"}[flags>>3&3]
		subnet := ""
		if flags&4 != 0 {
			subnet = fmt.Sprintf("%02X/%X", data[i+1], data[i+2]&0xF)
		}
		group := ""
		if flags&32 != 0 && provider != "external" {
			group = "g"
		}
		defs = append(defs, def(fmt.Sprintf("c%02d", len(defs)), provider, subnet, flags&1 != 0, flags&2 != 0, group))
	}
	return lab(defs...)
}

func checkProblems(t *testing.T, err error, clusters int) {
	t.Helper()
	var problems definition.Problems
	if !errors.As(err, &problems) || len(problems) == 0 {
		t.Fatalf("error is not Problems: %v", err)
	}
	// Each cluster can clash with others once, with the network once per
	// range and with the network's families; the lab as a whole a few
	// times more. Anything beyond is a cascade.
	if limit := 7*clusters + 5; len(problems) > limit {
		t.Fatalf("%d problems for %d clusters (more than %d):\n%v", len(problems), clusters, limit, err)
	}
	for _, p := range problems {
		if p.Msg == "" || strings.Contains(p.Msg, "\n") || p.Field == "" {
			t.Fatalf("badly formed problem %#v", p)
		}
	}
}

func checkPlan(t *testing.T, plan *Plan, l *definition.Lab) {
	t.Helper()
	if len(plan.Clusters) != len(l.Clusters) {
		t.Fatalf("plan has %d clusters, lab %d", len(plan.Clusters), len(l.Clusters))
	}
	n := plan.Network
	for i, c := range plan.Clusters {
		d := c.Def
		if !c.HasRanges() {
			if len(ranges(c)) != 0 {
				t.Fatalf("external cluster %s has ranges", c.Name)
			}
			continue
		}
		if c.PodV4.IsValid() != d.V4 || c.ServiceV4.IsValid() != d.V4 || c.PodV6.IsValid() != d.V6 || c.ServiceV6.IsValid() != d.V6 {
			t.Fatalf("%s: ranges do not follow its families: %+v", c.Name, c)
		}
		if c.AutoSubnet && d.V4 && c.Subnet.Nybble == 0 {
			t.Fatalf("%s: automatic nybble 0 leaves no MetalLB pool", c.Name)
		}
		if (c.LBv4.IsValid() || c.LBv6.IsValid()) && d.Provider != "kind" {
			t.Fatalf("%s: %s cluster has a MetalLB pool", c.Name, d.Provider)
		}
		if c.LBv4.IsValid() && (!contains(n.IPv4Subnet, c.LBv4) || c.LBv4.Overlaps(n.IPv4Range)) {
			t.Fatalf("%s: pool %s outside %s or inside Docker's range %s", c.Name, c.LBv4, n.IPv4Subnet, n.IPv4Range)
		}
		for _, r := range ranges(c) {
			if r.what != "MetalLB pool" && (r.p.Overlaps(n.IPv4Subnet) || r.p.Overlaps(n.IPv6Subnet)) {
				t.Fatalf("%s: %s %s overlaps the Docker network", c.Name, r.what, r.p)
			}
		}
		for _, o := range plan.Clusters[i+1:] {
			if clash := clashes(c, o); len(clash) > 0 {
				t.Fatalf("plan accepted with %s and %s overlapping: %v", c.Name, o.Name, clash)
			}
		}
	}
}
