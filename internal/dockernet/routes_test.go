package dockernet

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
)

// group is a lab of stand-in nodes: a (kind), b (k3d), c (kind) share a
// group and get routed; d (kind) is outside the group and gets no routes.
type group struct {
	*lab
	net        NetworkSpec
	a, b, c, d testNode
}

func newGroup(t *testing.T) *group {
	l := newLab(t)
	g := &group{lab: l, net: l.ensureNetwork(l.labSpec("routes"))}
	g.a = l.startNode("a", g.net.Name, 1, map[string]string{KindClusterLabel: "a" + l.id, KindRoleLabel: "control-plane"})
	g.b = l.startNode("b", g.net.Name, 2, map[string]string{K3dClusterLabel: "b" + l.id, K3dRoleLabel: "server"})
	g.c = l.startNode("c", g.net.Name, 3, map[string]string{KindClusterLabel: "c" + l.id, KindRoleLabel: "control-plane"})
	g.d = l.startNode("d", g.net.Name, 4, map[string]string{KindClusterLabel: "d" + l.id, KindRoleLabel: "control-plane"})
	return g
}

// mesh builds the routes the way the route step will: discover the nodes by
// label, then route every member's pod CIDRs via its node address in every
// other member.
func (l *lab) mesh(net string, members ...testNode) []Route {
	l.tb.Helper()
	nodes, err := l.cli.Nodes(l.ctx, net)
	if err != nil {
		l.tb.Fatal(err)
	}
	addrs := map[string]Node{}
	for _, n := range nodes {
		addrs[n.Container] = n
	}
	var routes []Route
	for _, from := range members {
		for _, to := range members {
			if from == to {
				continue
			}
			node, ok := addrs[to.container]
			if !ok || !node.IPv4.IsValid() || !node.IPv6.IsValid() {
				l.tb.Fatalf("node %s not discovered with addresses: %+v", to.container, node)
			}
			routes = append(routes,
				Route{Container: from.container, Dst: to.pod4(), Via: node.IPv4},
				Route{Container: from.container, Dst: to.pod6(), Via: node.IPv6})
		}
	}
	return routes
}

func (g *group) members() []testNode { return []testNode{g.a, g.b, g.c} }

// pingAll checks real pod-to-pod packets between every ordered pair, both families.
func (g *group) pingAll(t *testing.T, nodes ...testNode) {
	t.Helper()
	for _, from := range nodes {
		for _, to := range nodes {
			for _, v6 := range []bool{false, true} {
				if from != to {
					if err := g.pingEventually(from, to, v6); err != nil {
						t.Errorf("ping %s -> %s (IPv6 %v): %v", from.container, to.container, v6, err)
					}
				}
			}
		}
	}
}

func (g *group) mustNotPing(t *testing.T, from, to testNode) {
	t.Helper()
	for _, v6 := range []bool{false, true} {
		if err := g.ping(from, to, v6); err == nil {
			t.Errorf("ping %s -> %s (IPv6 %v) succeeded, want no route", from.container, to.container, v6)
		}
	}
}

func TestEnsureRoutesConnectsPods(t *testing.T) {
	t.Parallel()
	g := newGroup(t)
	g.mustNotPing(t, g.a, g.b)

	routes := g.mesh(g.net.Name, g.members()...)
	changed, err := g.cli.EnsureRoutes(g.ctx, routes)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(changed, routes) || len(routes) != 12 {
		t.Errorf("first EnsureRoutes changed %d routes %v, want all %d", len(changed), changed, len(routes))
	}
	g.pingAll(t, g.members()...)
	g.mustNotPing(t, g.a, g.d) // outside the group

	changed, err = g.cli.EnsureRoutes(g.ctx, routes)
	if err != nil || len(changed) != 0 {
		t.Errorf("second EnsureRoutes = %v, %v; want no change", changed, err)
	}
	table := g.mustExec(g.a.container, "ip", "route", "show")
	if want := fmt.Sprintf("%s via %s ", g.b.pod4(), routes[0].Via); !strings.Contains(table, want) {
		t.Errorf("routes in %s:\n%s\nlack %q", g.a.container, table, want)
	}
}

// After a Docker restart nodes may come back with other addresses; here b is
// reconnected with a new one. Re-running repairs the routes.
func TestEnsureRoutesRepairsMovedNode(t *testing.T) {
	t.Parallel()
	g := newGroup(t)
	if _, err := g.cli.EnsureRoutes(g.ctx, g.mesh(g.net.Name, g.members()...)); err != nil {
		t.Fatal(err)
	}
	g.pingAll(t, g.members()...)

	newV4 := shiftRange(netip.MustParsePrefix("0.0.0.200/32"), g.net.IPv4Subnet).Addr()
	newV6 := netip.MustParseAddr(strings.TrimSuffix(g.net.IPv6Subnet.Addr().String(), "::") + "::200")
	if err := g.cli.api.NetworkDisconnect(g.ctx, g.net.Name, g.b.container, true); err != nil {
		t.Fatal(err)
	}
	err := g.cli.api.NetworkConnect(g.ctx, g.net.Name, g.b.container, &network.EndpointSettings{
		IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: newV4.String(), IPv6Address: newV6.String()},
	})
	if err != nil {
		t.Fatal(err)
	}
	g.dropDefaultRoutes(g.b.container)
	g.addPodAddrs(g.b)
	g.mustNotPing(t, g.a, g.b)

	routes := g.mesh(g.net.Name, g.members()...)
	changed, err := g.cli.EnsureRoutes(g.ctx, routes)
	if err != nil {
		t.Fatal(err)
	}
	var want []Route // routes toward b's new address, and b's own routes lost with its interface
	for _, r := range routes {
		if r.Container == g.b.container || r.Via == newV4 || r.Via == newV6 {
			want = append(want, r)
		}
	}
	if !slices.Equal(changed, want) || len(want) != 8 {
		t.Errorf("repair changed %v\nwant %v", changed, want)
	}
	g.pingAll(t, g.members()...)
	if changed, err := g.cli.EnsureRoutes(g.ctx, routes); err != nil || len(changed) != 0 {
		t.Errorf("EnsureRoutes after repair = %v, %v; want no change", changed, err)
	}
}

// Deleting cluster c removes the routes a and b hold toward it: to its pod
// CIDRs, and anything else via its node address.
func TestRemoveRoutesOfDeletedCluster(t *testing.T) {
	t.Parallel()
	g := newGroup(t)
	if _, err := g.cli.EnsureRoutes(g.ctx, g.mesh(g.net.Name, g.members()...)); err != nil {
		t.Fatal(err)
	}
	nodes, err := g.cli.Nodes(g.ctx, g.net.Name)
	if err != nil {
		t.Fatal(err)
	}
	var cNode Node
	for _, n := range nodes {
		if n.Container == g.c.container {
			cNode = n
		}
	}
	g.mustExec(g.a.container, "ip", "route", "replace", "10.99.1.0/24", "via", cNode.IPv4.String())
	if err := g.cli.api.ContainerRemove(g.ctx, g.c.container, container.RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}

	containers := []string{g.a.container, g.b.container, g.c.container} // c is gone: skipped
	removed, err := g.cli.RemoveRoutes(g.ctx, containers,
		[]netip.Prefix{g.c.pod4(), g.c.pod6()}, []netip.Addr{cNode.IPv4, cNode.IPv6})
	if err != nil {
		t.Fatal(err)
	}
	if removed != 5 { // a and b: v4 + v6 each, and a's extra route via c
		t.Errorf("removed %d routes, want 5", removed)
	}
	for _, n := range []testNode{g.a, g.b} {
		table := g.mustExec(n.container, "ip", "route", "show") + g.mustExec(n.container, "ip", "-6", "route", "show")
		for _, gone := range []string{g.c.pod4().String(), g.c.pod6().String(), "via " + cNode.IPv4.String() + " ", "via " + cNode.IPv6.String() + " "} {
			if strings.Contains(table, gone) {
				t.Errorf("%s still routes %q:\n%s", n.container, gone, table)
			}
		}
		if !strings.Contains(table, "10.") {
			t.Errorf("%s lost its other routes:\n%s", n.container, table)
		}
	}
	g.pingAll(t, g.a, g.b)
	if removed, err := g.cli.RemoveRoutes(g.ctx, containers, []netip.Prefix{g.c.pod4()}, []netip.Addr{cNode.IPv4}); err != nil || removed != 0 {
		t.Errorf("second RemoveRoutes = %d, %v; want 0, nil", removed, err)
	}
}

// Failures name the container, the route and what ip said, and do not stop
// the other routes.
func TestEnsureRoutesReportsFailures(t *testing.T) {
	t.Parallel()
	g := newGroup(t)
	if err := g.cli.api.ContainerKill(g.ctx, g.d.container, "KILL"); err != nil {
		t.Fatal(err)
	}
	good := Route{Container: g.a.container, Dst: g.b.pod4(), Via: g.mesh(g.net.Name, g.a, g.b)[0].Via}
	offLink := Route{Container: g.a.container, Dst: netip.MustParsePrefix("10.77.1.0/24"), Via: netip.MustParseAddr("203.0.113.9")}
	stopped := Route{Container: g.d.container, Dst: g.b.pod4(), Via: good.Via}
	missing := Route{Container: g.name("missing"), Dst: g.b.pod4(), Via: good.Via}

	changed, err := g.cli.EnsureRoutes(g.ctx, []Route{good, offLink, stopped, missing})
	if !slices.Equal(changed, []Route{good}) {
		t.Errorf("changed = %v, want only %v", changed, good)
	}
	if err == nil {
		t.Fatal("EnsureRoutes succeeded with broken routes")
	}
	t.Logf("EnsureRoutes error:\n%v", err)
	for _, want := range []string{
		"container " + g.a.container + ": route 10.77.1.0/24 via 203.0.113.9: docker exec " + g.a.container +
			" ip route replace 10.77.1.0/24 via 203.0.113.9: exit status 2: ip: RTNETLINK answers:",
		"container " + g.d.container + ": reading routes",
		"is not running",
		"container " + missing.Container + ": reading routes",
		"No such container",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\ndoes not mention %q", err, want)
		}
	}
}
