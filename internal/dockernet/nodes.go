package dockernet

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
)

// Providers and the labels they put on their node containers
// (kind: pkg/cluster/internal/providers/docker/constants.go;
// k3d: pkg/types/types.go).
const (
	ProviderKind = "kind"
	ProviderK3d  = "k3d"

	KindClusterLabel = "io.x-k8s.kind.cluster"
	KindRoleLabel    = "io.x-k8s.kind.role"
	K3dClusterLabel  = "k3d.cluster"
	K3dRoleLabel     = "k3d.role"
)

var providerLabels = []struct{ provider, cluster, role string }{
	{ProviderKind, KindClusterLabel, KindRoleLabel},
	{ProviderK3d, K3dClusterLabel, K3dRoleLabel},
}

// Node is a container of a kind or k3d cluster.
type Node struct {
	Cluster, Provider, Role, Container string // Provider "kind" or "k3d"
	Network                            string // network the addresses are on
	IPv4, IPv6                         netip.Addr
	Running                            bool
	State                              string
	// HostAPI is where the node publishes its API server port (6443) on
	// this machine's loopback, when it does and runs.
	HostAPI netip.AddrPort
}

// apiPort is the port API servers listen on inside kind and k3d nodes.
const apiPort = 6443

// RunsPods tells Kubernetes nodes (kind control-plane/worker, k3d
// server/agent) from helper containers such as k3d's load balancer, which
// carry the cluster label too but hold no pods and need no routes.
func (n Node) RunsPods() bool {
	switch n.Provider {
	case ProviderKind:
		return n.Role == "control-plane" || n.Role == "worker"
	case ProviderK3d:
		return n.Role == "server" || n.Role == "agent"
	}
	return false
}

// Nodes lists the containers of all kind and k3d clusters, found by their
// labels, that are attached to network netName (any network if "").
// Addresses are those on that network; with network "" they are taken from
// DefaultNetworkName, or from the container's only network.
func (c *Client) Nodes(ctx context.Context, netName string) ([]Node, error) {
	var nodes []Node
	for _, p := range providerLabels {
		list, err := c.api.ContainerList(ctx, container.ListOptions{
			All:     true,
			Filters: filters.NewArgs(filters.Arg("label", p.cluster)),
		})
		if err != nil {
			return nil, fmt.Errorf("listing %s node containers: %w", p.provider, err)
		}
		for _, s := range list {
			n, ok := nodeFromSummary(s, p.provider, p.cluster, p.role, netName)
			if ok {
				nodes = append(nodes, n)
			}
		}
	}
	slices.SortFunc(nodes, func(a, b Node) int {
		return cmp.Or(cmp.Compare(a.Cluster, b.Cluster), cmp.Compare(a.Provider, b.Provider),
			cmp.Compare(a.Role, b.Role), cmp.Compare(a.Container, b.Container))
	})
	return nodes, nil
}

func nodeFromSummary(s container.Summary, provider, clusterLabel, roleLabel, net string) (Node, bool) {
	n := Node{
		Cluster:  s.Labels[clusterLabel],
		Provider: provider,
		Role:     s.Labels[roleLabel],
		Running:  s.State == container.StateRunning,
		State:    string(s.State),
	}
	if len(s.Names) > 0 {
		n.Container = strings.TrimPrefix(s.Names[0], "/")
	}
	var nets map[string]*network.EndpointSettings
	if s.NetworkSettings != nil {
		nets = s.NetworkSettings.Networks
	}
	if net == "" {
		net = DefaultNetworkName
		if _, ok := nets[net]; !ok && len(nets) == 1 {
			for name := range nets {
				net = name
			}
		}
	} else if _, ok := nets[net]; !ok {
		return Node{}, false
	}
	if ep := nets[net]; ep != nil {
		n.Network = net
		n.IPv4 = parseAddr(ep.IPAddress)
		n.IPv6 = parseAddr(ep.GlobalIPv6Address)
	}
	n.HostAPI = hostAPI(s.Ports)
	return n, true
}

// hostAPI finds the published API port. A port bound to every address is
// reached on 127.0.0.1.
func hostAPI(ports []container.Port) netip.AddrPort {
	for _, p := range ports {
		if p.PrivatePort != apiPort || p.PublicPort == 0 || p.Type != "tcp" {
			continue
		}
		a := parseAddr(p.IP)
		switch {
		case !a.IsValid(), a.IsUnspecified() && a.Is4():
			a = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		case a.IsUnspecified():
			a = netip.IPv6Loopback()
		}
		return netip.AddrPortFrom(a, p.PublicPort)
	}
	return netip.AddrPort{}
}

func parseAddr(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}
