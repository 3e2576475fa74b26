package addrplan

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/localcluster/localcluster/internal/definition"
)

func def(name, provider, subnet string, v4, v6 bool, group string) *definition.Cluster {
	d := &definition.Cluster{
		Name: name, Provider: provider, V4: v4, V6: v6, Group: group,
		File: "clusters/" + name + "/sma.yaml", Dir: "clusters/" + name,
		Pos: map[string]definition.Pos{
			"metadata.name": {File: "clusters/" + name + "/sma.yaml", Line: 4, Col: 9},
		},
	}
	if subnet != "" {
		id, err := definition.ParseSubnetID(subnet)
		if err != nil {
			panic(err)
		}
		d.Subnet = &id
		d.Pos["spec.subnet"] = definition.Pos{File: d.File, Line: 6, Col: 11}
	}
	return d
}

func lab(defs ...*definition.Cluster) *definition.Lab { return &definition.Lab{Clusters: defs} }

// The seven clusters of the Practical Multicluster workshop, with the
// addresses the old tool computes for them.
func TestWorkshopLab(t *testing.T) {
	l, err := definition.Load([]string{"../../clusters/workshop"})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Compute(l, DefaultNetwork())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][4]string{ // pods, services, LB pool, family
		"cdn":       {"10.13.1.0/24", "10.13.2.0/24", "-", "ipv4"},
		"faces":     {"10.1.1.0/24", "10.1.2.0/24", "192.168.155.16/28", "ipv4"},
		"smiley":    {"10.5.1.0/24", "10.5.2.0/24", "192.168.155.80/28", "ipv4"},
		"color":     {"10.12.1.0/24", "10.12.2.0/24", "192.168.155.192/28", "ipv4"},
		"color-b":   {"10.11.1.0/24", "10.11.2.0/24", "192.168.155.176/28", "ipv4"},
		"faces-dr":  {"10.2.1.0/24", "10.2.2.0/24", "-", "ipv4"},
		"smiley-dr": {"10.6.1.0/24", "10.6.2.0/24", "-", "ipv4"},
	}
	if len(plan.Clusters) != len(want) {
		t.Fatalf("plan has %d clusters, want %d", len(plan.Clusters), len(want))
	}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			c := plan.Cluster(name)
			if c == nil {
				t.Fatalf("no cluster %s", name)
			}
			got := [4]string{String(c.PodV4), String(c.ServiceV4), String(c.LBv4), c.IPFamily}
			if got != w {
				t.Errorf("got %v, want %v", got, w)
			}
			if c.PodV6.IsValid() || c.LBv6.IsValid() || c.AutoSubnet {
				t.Errorf("unexpected IPv6 %s / %s or auto subnet %v", c.PodV6, c.LBv6, c.AutoSubnet)
			}
		})
	}
	if got := names(plan.Group("face")); got != "color,color-b,faces,smiley" {
		t.Errorf("group face = %s", got)
	}
	if got := strings.Join(plan.Groups(), ","); got != "dr,face" {
		t.Errorf("groups = %s", got)
	}
}

func names(cs []*Cluster) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return strings.Join(out, ",")
}

func TestRanges(t *testing.T) {
	tests := []struct {
		name                     string
		d                        *definition.Cluster
		pod4, svc4, pod6, svc6   string
		lb4, lb6, family, subnet string
	}{
		{"v4 kind", def("a", "kind", "51/5", true, false, ""), "10.5.1.0/24", "10.5.2.0/24", "-", "-", "192.168.155.80/28", "-", "ipv4", "51/5"},
		{"v6 kind", def("a", "kind", "51/5", false, true, ""), "-", "-", "fd00:51:1::/64", "fd00:51:2::/112", "-", "fc00:f853:ccd:e793:51::/96", "ipv6", "51/5"},
		{"dual kind", def("a", "kind", "CD/D", true, true, ""), "10.13.1.0/24", "10.13.2.0/24", "fd00:cd:1::/64", "fd00:cd:2::/112", "192.168.155.208/28", "fc00:f853:ccd:e793:cd::/96", "dual", "CD/D"},
		{"small byte", def("a", "kind", "05/5", false, true, ""), "-", "-", "fd00:5:1::/64", "fd00:5:2::/112", "-", "fc00:f853:ccd:e793:5::/96", "ipv6", "05/5"},
		{"nybble 0 has no v4 pool", def("a", "kind", "10/0", true, false, ""), "10.0.1.0/24", "10.0.2.0/24", "-", "-", "-", "-", "ipv4", "10/0"},
		{"k3d has no MetalLB", def("a", "k3d", "52/6", true, true, ""), "10.6.1.0/24", "10.6.2.0/24", "fd00:52:1::/64", "fd00:52:2::/112", "-", "-", "dual", "52/6"},
		{"auto", def("a", "kind", "", true, true, ""), "10.1.1.0/24", "10.1.2.0/24", "fd00:1:1::/64", "fd00:1:2::/112", "192.168.155.16/28", "fc00:f853:ccd:e793:1::/96", "dual", "01/1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := Compute(lab(tt.d), DefaultNetwork())
			if tt.subnet == "10/0" {
				// Nybble 0's pool would be the addresses Docker hands out,
				// but with no pool there is nothing to clash.
				if err != nil {
					t.Fatal(err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			c := plan.Cluster("a")
			got := []string{String(c.PodV4), String(c.ServiceV4), String(c.PodV6), String(c.ServiceV6), String(c.LBv4), String(c.LBv6), c.IPFamily, c.Subnet.String()}
			want := []string{tt.pod4, tt.svc4, tt.pod6, tt.svc6, tt.lb4, tt.lb6, tt.family, tt.subnet}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
		})
	}
}

func TestAutoSubnetsTakeLowestFreeIDsInNameOrder(t *testing.T) {
	l := lab(
		def("zeta", "kind", "", true, true, ""),
		def("taken", "kind", "01/1", true, true, ""),
		def("alpha", "k3d", "", true, true, ""),
		def("v6only", "kind", "", false, true, ""),
	)
	plan, err := Compute(l, DefaultNetwork())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"alpha": "02/2", "taken": "01/1", "v6only": "03/0", "zeta": "04/3"} {
		c := plan.Cluster(name)
		if got := c.Subnet.String(); got != want {
			t.Errorf("%s: subnet %s, want %s", name, got, want)
		}
		if c.AutoSubnet != (name != "taken") {
			t.Errorf("%s: AutoSubnet = %v", name, c.AutoSubnet)
		}
	}
}

func TestOverlapsAreReportedWithBothClusters(t *testing.T) {
	tests := []struct {
		name string
		defs []*definition.Cluster
		want []string
	}{
		{
			name: "same nybble across groups",
			defs: []*definition.Cluster{def("a", "kind", "51/5", true, false, "g1"), def("b", "k3d", "61/5", true, false, "g2")},
			want: []string{`clusters/b/sma.yaml:6:11: spec.subnet: cluster "b" (subnet 61/5) overlaps cluster "a" (clusters/a/sma.yaml) (subnet 51/5): pods 10.5.1.0/24 overlaps pods 10.5.1.0/24, services 10.5.2.0/24 overlaps services 10.5.2.0/24`},
		},
		{
			name: "same byte for IPv6",
			defs: []*definition.Cluster{def("a", "kind", "51/5", false, true, ""), def("b", "kind", "51/6", false, true, "")},
			want: []string{"pods fd00:51:1::/64 overlaps pods fd00:51:1::/64", "MetalLB pool fc00:f853:ccd:e793:51::/96 overlaps MetalLB pool fc00:f853:ccd:e793:51::/96"},
		},
		{
			name: "same byte is fine when IPv6 is off",
			defs: []*definition.Cluster{def("a", "kind", "51/5", true, false, ""), def("b", "kind", "51/6", true, false, "")},
		},
		{
			name: "nybble 0 has no pool to clash",
			defs: []*definition.Cluster{def("a", "kind", "10/0", true, false, "")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compute(lab(tt.defs...), DefaultNetwork())
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, w)
				}
			}
		})
	}
}

func TestNetworkChecks(t *testing.T) {
	n := DefaultNetwork()
	n.IPv4Range = netip.MustParsePrefix("192.168.155.0/25") // covers pools 1..7
	_, err := Compute(lab(def("a", "kind", "51/5", true, false, "")), n)
	if err == nil || !strings.Contains(err.Error(), "MetalLB pool 192.168.155.80/28 overlaps the addresses Docker hands to containers (192.168.155.0/25)") {
		t.Errorf("err = %v", err)
	}
	n = DefaultNetwork()
	n.IPv4Subnet = netip.MustParsePrefix("10.5.0.0/16")
	n.IPv4Range = LowestRange(n.IPv4Subnet)
	_, err = Compute(lab(def("a", "k3d", "51/5", true, false, "")), n)
	if err == nil || !strings.Contains(err.Error(), `pods 10.5.1.0/24 overlaps Docker network "kind" (10.5.0.0/16)`) {
		t.Errorf("err = %v", err)
	}
	n = DefaultNetwork()
	n.IPv6Subnet = netip.Prefix{}
	_, err = Compute(lab(def("a", "kind", "51/5", true, true, "")), n)
	if err == nil || !strings.Contains(err.Error(), "has no IPv6 subnet") {
		t.Errorf("err = %v", err)
	}
}

func TestExternalClustersHaveNoRangesAndNoGroup(t *testing.T) {
	ext := def("cloud", "external", "", true, false, "")
	plan, err := Compute(lab(ext, def("a", "kind", "", true, false, "")), DefaultNetwork())
	if err != nil {
		t.Fatal(err)
	}
	if c := plan.Cluster("cloud"); c.PodV4.IsValid() || c.HasRanges() {
		t.Errorf("external cluster got ranges: %+v", c)
	}
	if got := plan.Cluster("a").Subnet.String(); got != "00/1" {
		t.Errorf("a got %s: the external cluster must not use an ID", got)
	}
	grouped := def("cloud", "external", "", true, false, "g")
	grouped.Pos["spec.group"] = definition.Pos{File: grouped.File, Line: 9, Col: 10}
	_, err = Compute(lab(grouped), DefaultNetwork())
	if err == nil || !strings.Contains(err.Error(), "sma.yaml:9:10: spec.group: external cluster \"cloud\" cannot join group \"g\"") {
		t.Errorf("err = %v", err)
	}
}

// Running out of IDs is one problem per IP family, however many clusters
// are left without one; they are not also reported as overlapping.
func TestAddressSpaceExhausted(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		v4, v6    bool
		want      string
		wantLines int
	}{
		{"one too many IPv4", 16, true, false,
			`clusters/c015/sma.yaml:4:9: spec.subnet: no free IPv4 nybble left for "c015": there are 15 (1 to F) and the other clusters use them all, so a lab holds at most 15 IPv4 clusters; turn IPv4 off for some, or split the lab`, 1},
		{"a hundred IPv4", 100, true, false,
			`clusters/c015/sma.yaml:4:9: spec.subnet: no free IPv4 nybble left for "c015", "c016", "c017", "c018", "c019" and 80 more: there are 15 (1 to F) and the other clusters use them all, so a lab holds at most 15 IPv4 clusters; turn IPv4 off for some, or split the lab`, 1},
		{"three hundred IPv6", 300, false, true,
			`clusters/c255/sma.yaml:4:9: spec.subnet: no free IPv6 byte left for "c255", "c256", "c257", "c258", "c259" and 40 more: there are 255 (1 to FF) and the other clusters use them all, so a lab holds at most 255 IPv6 clusters; turn IPv6 off for some, or split the lab`, 1},
		{"dual stack runs out of IPv4 first", 40, true, true,
			`no free IPv4 nybble left for "c015", "c016", "c017", "c018", "c019" and 20 more`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var defs []*definition.Cluster
			for i := 0; i < tt.n; i++ {
				defs = append(defs, def(fmt.Sprintf("c%03d", i), "k3d", "", tt.v4, tt.v6, ""))
			}
			_, err := Compute(lab(defs...), DefaultNetwork())
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n%v\ndoes not contain\n%s", err, tt.want)
			}
			var problems definition.Problems
			if !errors.As(err, &problems) || len(problems) != tt.wantLines {
				t.Errorf("got %d problems, want %d:\n%v", len(problems), tt.wantLines, err)
			}
		})
	}
}

// Many clusters sharing one written subnet ID give one problem per
// cluster to change, not one per pair.
func TestSharedSubnetIsOneProblemPerCluster(t *testing.T) {
	var defs []*definition.Cluster
	for i := 0; i < 20; i++ {
		defs = append(defs, def(fmt.Sprintf("c%02d", i), "k3d", "51/5", true, false, ""))
	}
	_, err := Compute(lab(defs...), DefaultNetwork())
	var problems definition.Problems
	if !errors.As(err, &problems) || len(problems) != 19 {
		t.Fatalf("got %d problems, want 19:\n%v", len(problems), err)
	}
	want := `clusters/c03/sma.yaml:6:11: spec.subnet: cluster "c03" (subnet 51/5) overlaps cluster "c00" (clusters/c00/sma.yaml) (subnet 51/5): pods 10.5.1.0/24 overlaps pods 10.5.1.0/24, services 10.5.2.0/24 overlaps services 10.5.2.0/24; it also overlaps "c01" and "c02"; give one of them another subnet ID`
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error\n%v\ndoes not contain\n%s", err, want)
	}
}

func BenchmarkCompute100(b *testing.B) {
	var defs []*definition.Cluster
	for i := 1; i <= 100; i++ {
		defs = append(defs, def(fmt.Sprintf("c%03d", i), "kind", fmt.Sprintf("%02X/0", i), false, true, fmt.Sprintf("g%d", i%10)))
	}
	l := lab(defs...)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Compute(l, DefaultNetwork()); err != nil {
			b.Fatal(err)
		}
	}
}
