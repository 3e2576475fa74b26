package workflow

import (
	"net/netip"
	"reflect"
	"sort"
	"testing"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/dockernet"
	"github.com/localcluster/localcluster/internal/mesh"
)

func planOf(t *testing.T, defs ...*definition.Cluster) *addrplan.Plan {
	t.Helper()
	p, err := addrplan.Compute(&definition.Lab{Clusters: defs}, addrplan.DefaultNetwork())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func cluster(name, subnet, group string, v6 bool) *definition.Cluster {
	id, err := definition.ParseSubnetID(subnet)
	if err != nil {
		panic(err)
	}
	return &definition.Cluster{Name: name, Provider: "kind", Subnet: &id, V4: true, V6: v6, Group: group, Pos: map[string]definition.Pos{}}
}

func TestGroupRoutesSkipMissingNodesAndFamilies(t *testing.T) {
	p := planOf(t, cluster("a", "A1/1", "g", true), cluster("b", "B2/2", "g", false), cluster("c", "C3/3", "g", true))
	nodes := []dockernet.Node{
		{Cluster: "a", Provider: "kind", Role: "control-plane", Container: "a-control-plane", IPv4: netip.MustParseAddr("192.168.155.2"), IPv6: netip.MustParseAddr("fc00::2"), Running: true},
		{Cluster: "b", Provider: "kind", Role: "control-plane", Container: "b-control-plane", IPv4: netip.MustParseAddr("192.168.155.3"), Running: true},
		// c has no running node yet.
	}
	routes, missing := GroupRoutes(p.Group("g"), nodes)
	if !reflect.DeepEqual(missing, []string{"c"}) {
		t.Errorf("missing = %v", missing)
	}
	var got []string
	for _, r := range routes {
		got = append(got, r.String())
	}
	sort.Strings(got)
	want := []string{
		"10.1.1.0/24 via 192.168.155.2 in b-control-plane",
		"10.2.1.0/24 via 192.168.155.3 in a-control-plane",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("routes = %v, want %v (b has no IPv6, so a gets no v6 route to it, and b holds no v6 route)", got, want)
	}
}

func TestKeepControllersCarriesDeployedLinks(t *testing.T) {
	deployed, err := mesh.MergeControllers(map[string]any{"gateway": map[string]any{"enabled": true}},
		mesh.Controller{Target: "adhoc", Gateway: true}, mesh.Controller{Target: "gone"})
	if err != nil {
		t.Fatal(err)
	}
	values, err := mesh.MergeControllers(map[string]any{}, mesh.Controller{Target: "declared"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := keepControllers(values, deployed, "gone")
	if err != nil {
		t.Fatal(err)
	}
	targets, err := mesh.ControllerTargets(out)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(targets)
	if !reflect.DeepEqual(targets, []string{"adhoc", "declared"}) {
		t.Errorf("targets = %v", targets)
	}
	if !gatewayEnabled(deployed) || gatewayEnabled(values) {
		t.Error("gatewayEnabled misread the values")
	}
}

func TestLinksOfGroupsAndDeclarations(t *testing.T) {
	cdn := cluster("cdn", "CD/D", "", false)
	cdn.GatewayLinks = []string{"faces"}
	faces, smiley := cluster("faces", "01/1", "face", false), cluster("smiley", "51/5", "face", false)
	p := planOf(t, cdn, faces, smiley)
	e := &Env{Plan: p, Lab: &definition.Lab{Clusters: []*definition.Cluster{cdn, faces, smiley}}, Providers: testProviders}
	var got []string
	for _, l := range GroupLinks(e, []*definition.Cluster{smiley}) {
		got = append(got, l.id())
	}
	if !reflect.DeepEqual(got, []string{"link/faces/smiley", "link/smiley/faces"}) {
		t.Errorf("group links = %v", got)
	}
	decl := DeclaredGatewayLinks(e, []*definition.Cluster{faces})
	if len(decl) != 1 || decl[0].id() != "link/cdn/faces" || !decl[0].Gateway {
		t.Errorf("declared = %+v", decl)
	}
	if DeclaredGatewayLinks(e, []*definition.Cluster{smiley}) != nil {
		t.Error("smiley is in no declared link")
	}
	if !e.isGatewayTarget("faces") || e.isGatewayTarget("cdn") {
		t.Error("isGatewayTarget")
	}
	deleting := map[string]bool{"faces": true}
	if got := linkedDeleted(e, p.Cluster("cdn"), deleting); !reflect.DeepEqual(got, []string{"faces"}) {
		t.Errorf("cdn links toward deleted: %v", got)
	}
	if got := linkedDeleted(e, p.Cluster("smiley"), deleting); !reflect.DeepEqual(got, []string{"faces"}) {
		t.Errorf("smiley links toward deleted: %v", got)
	}
}

// A gateway link declared between two members of a group wins over the
// group's pod-to-pod link for that pair: Linkerd has one Link per target,
// and group and link must not undo each other.
func TestGroupKeepsDeclaredGatewayLinks(t *testing.T) {
	a, b := cluster("a", "A1/1", "g", false), cluster("b", "B2/2", "g", false)
	b.GatewayLinks = []string{"a"}
	p := planOf(t, a, b)
	e := &Env{Plan: p, Lab: &definition.Lab{Clusters: []*definition.Cluster{a, b}}, Providers: testProviders}
	got := map[string]bool{}
	for _, l := range GroupLinks(e, []*definition.Cluster{a}) {
		got[l.id()] = l.Gateway
	}
	want := map[string]bool{"link/a/b": false, "link/b/a": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("group links (id → gateway) = %v, want %v", got, want)
	}
}
