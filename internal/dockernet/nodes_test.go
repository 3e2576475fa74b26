package dockernet

import (
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
)

func TestNodesByLabel(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	labNet := l.ensureNetwork(l.labSpec("nodes"))
	otherNet := l.ensureNetwork(l.labSpec("other"))
	kindA, k3dB, stopped, elsewhere := "a"+l.id, "b"+l.id, "s"+l.id, "z"+l.id

	l.startNode("kind-a", labNet.Name, 1, map[string]string{KindClusterLabel: kindA, KindRoleLabel: "control-plane"})
	l.startNode("k3d-b-server", labNet.Name, 2, map[string]string{K3dClusterLabel: k3dB, K3dRoleLabel: "server"})
	l.startNode("k3d-b-lb", labNet.Name, 3, map[string]string{K3dClusterLabel: k3dB, K3dRoleLabel: "loadbalancer"})
	l.startNode("kind-s", labNet.Name, 4, map[string]string{KindClusterLabel: stopped, KindRoleLabel: "worker"})
	l.startNode("decoy-unlabelled", labNet.Name, 5, nil)
	l.startNode("decoy-elsewhere", otherNet.Name, 6, map[string]string{KindClusterLabel: elsewhere, KindRoleLabel: "control-plane"})
	if err := l.cli.api.ContainerKill(l.ctx, l.name("kind-s"), "KILL"); err != nil {
		t.Fatal(err)
	}
	waitC, errC := l.cli.api.ContainerWait(l.ctx, l.name("kind-s"), container.WaitConditionNotRunning)
	select {
	case <-waitC:
	case err := <-errC:
		t.Fatal(err)
	}

	nodes, err := l.cli.Nodes(l.ctx, labNet.Name)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Cluster, Provider, Role, Container string
		Running, RunsPods, HasV4, HasV6    bool
		State                              string
	}
	var got []row
	for _, n := range nodes {
		got = append(got, row{n.Cluster, n.Provider, n.Role, n.Container, n.Running, n.RunsPods(),
			labNet.IPv4Range.Contains(n.IPv4), labNet.IPv6Subnet.Contains(n.IPv6), n.State})
		if n.Network != labNet.Name {
			t.Errorf("%s: Network = %q, want %q", n.Container, n.Network, labNet.Name)
		}
	}
	want := []row{
		{kindA, ProviderKind, "control-plane", l.name("kind-a"), true, true, true, true, "running"},
		{k3dB, ProviderK3d, "loadbalancer", l.name("k3d-b-lb"), true, false, true, true, "running"},
		{k3dB, ProviderK3d, "server", l.name("k3d-b-server"), true, true, true, true, "running"},
		{stopped, ProviderKind, "worker", l.name("kind-s"), false, true, false, false, "exited"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Nodes(%s):\n got %+v\nwant %+v", labNet.Name, got, want)
	}

	// Without a network: every labelled container on the machine, ours among them.
	all, err := l.cli.Nodes(l.ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var ours []string
	for _, n := range all {
		if strings.HasPrefix(n.Container, l.name("")) {
			ours = append(ours, n.Container)
			if n.Container == l.name("decoy-elsewhere") && !otherNet.IPv4Range.Contains(n.IPv4) {
				t.Errorf("%s: IPv4 %v not taken from its only network %s", n.Container, n.IPv4, otherNet.Name)
			}
		}
	}
	wantAll := []string{l.name("kind-a"), l.name("k3d-b-lb"), l.name("k3d-b-server"), l.name("kind-s"), l.name("decoy-elsewhere")}
	slices.Sort(ours)
	slices.Sort(wantAll)
	if !slices.Equal(ours, wantAll) {
		t.Errorf("Nodes(\"\") found %v of ours, want %v", ours, wantAll)
	}
}
