package workflow

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/dockernet"
	"github.com/localcluster/localcluster/internal/kubeconfig"
	"github.com/localcluster/localcluster/internal/plan"
)

// API address modes (--api-address).
const (
	APIAddressAuto = "auto"
	APIAddressNode = "node"
	APIAddressHost = "host"
)

// reachTimeout bounds the connection attempt that decides, in auto mode,
// whether this machine reaches the node addresses.
const reachTimeout = 1500 * time.Millisecond

// CheckAPIAddress validates an --api-address value.
func CheckAPIAddress(mode string) error {
	switch mode {
	case "", APIAddressAuto, APIAddressNode, APIAddressHost:
		return nil
	}
	return fmt.Errorf("--api-address %s: want auto, node or host", mode)
}

// node returns the running node of a managed cluster.
func (e *Env) node(ctx context.Context, cluster string) (dockernet.Node, error) {
	d, err := e.DockerClient(ctx)
	if err != nil {
		return dockernet.Node{}, err
	}
	nodes, err := d.Nodes(ctx, e.Plan.Network.Name)
	if err != nil {
		return dockernet.Node{}, err
	}
	n, ok := nodeOf(nodes, cluster)
	if !ok {
		return dockernet.Node{}, fmt.Errorf("no running node of cluster %s on Docker network %q", cluster, e.Plan.Network.Name)
	}
	return n, nil
}

// contextServer is the API server address the user's context gets: the
// node's address on the lab network where this machine reaches it (Linux),
// else the port the node publishes on loopback (Docker Desktop for Mac,
// some Colima and Podman machines), as --api-address says.
func (e *Env) contextServer(ctx context.Context, c *addrplan.Cluster, log plan.Logger) (string, error) {
	n, err := e.node(ctx, c.Name)
	if err != nil {
		return "", err
	}
	addr, err := NodeAddr(n)
	if err != nil {
		return "", err
	}
	nodeURL := ServerURL(addr)
	host := ""
	if n.HostAPI.IsValid() {
		host = "https://" + n.HostAPI.String()
	}
	switch e.APIAddress {
	case APIAddressNode:
		return nodeURL, nil
	case APIAddressHost:
		if host == "" {
			return "", fmt.Errorf("node %s publishes no API port on this machine: use --api-address node", n.Container)
		}
		return host, nil
	}
	if reachable(ctx, netip.AddrPortFrom(addr, 6443)) || host == "" {
		return nodeURL, nil
	}
	log.Logf("this machine does not reach %s (Docker Desktop?): the context uses the published port %s; other clusters still use the node address", nodeURL, host)
	return host, nil
}

func reachable(ctx context.Context, ap netip.AddrPort) bool {
	ctx, cancel := context.WithTimeout(ctx, reachTimeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", ap.String())
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// peerServer is a cluster's API server as other clusters reach it: its
// node's address on the lab network, whatever the user's context says, or
// an external cluster's own server.
func (e *Env) peerServer(ctx context.Context, c *addrplan.Cluster) (string, error) {
	if !e.Managed(c) {
		path, kctx := e.kubeTarget(c)
		return kubeconfig.Lookup(path, kctx)
	}
	addr, err := e.nodeAddr(ctx, c.Name)
	if err != nil {
		return "", err
	}
	return ServerURL(addr), nil
}
