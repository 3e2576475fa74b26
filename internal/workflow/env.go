// Package workflow turns a lab into plan steps: the network, the clusters,
// their kubeconfig entries, routes, load balancers, certificates, Linkerd and
// links. Each step carries its by-hand equivalent for dry-run and an
// idempotent Do that makes it so.
package workflow

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"sync"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/dockernet"
	"github.com/localcluster/localcluster/internal/imagecache"
	"github.com/localcluster/localcluster/internal/provider"
)

// Env is what the steps act on. Its Docker client and providers are made on
// first use, so building a plan, and a dry-run, never connects to anything.
type Env struct {
	Lab        *definition.Lab
	Plan       *addrplan.Plan
	Kubeconfig string // the kubeconfig file entries are merged into
	TrustDir   string
	Force      bool
	Verbose    bool // pass Helm's own debug lines to the progress output
	// APIAddress says which address contexts give the API servers of the
	// lab's nodes: "node" (the node's address on the lab network), "host"
	// (the port the node publishes on 127.0.0.1) or "auto"/"" (node when
	// this machine reaches it, else host).
	APIAddress string
	Charts     Charts
	// Cache is the lab's image cache and the mirrors every node uses.
	Cache imagecache.Config

	// Providers returns the provider of a given name.
	Providers func(name string) (provider.Provider, error)

	dockerOnce sync.Once
	docker     *dockernet.Client
	dockerErr  error

	scratchOnce sync.Once
	scratch     string
	scratchErr  error
}

// Scratch returns a directory for files that live only for this run (the
// archive images load streams into nodes), made on first use and removed
// by Close.
func (e *Env) Scratch() (string, error) {
	e.scratchOnce.Do(func() {
		e.scratch, e.scratchErr = os.MkdirTemp("", "localcluster-run-")
	})
	return e.scratch, e.scratchErr
}

// DockerClient returns the shared Docker client, connecting on first use.
func (e *Env) DockerClient(ctx context.Context) (*dockernet.Client, error) {
	e.dockerOnce.Do(func() {
		e.docker, e.dockerErr = dockernet.New(ctx)
	})
	return e.docker, e.dockerErr
}

// Close releases the Docker client if one was made and removes the
// scratch directory. Closing only drops idle connections, and a scratch
// directory left behind is the system's temporary files, so there is
// nothing to report.
func (e *Env) Close() {
	if e.docker != nil {
		_ = e.docker.Close()
	}
	if e.scratch != "" {
		_ = os.RemoveAll(e.scratch)
	}
}

// providerOf returns the provider of c.
func (e *Env) providerOf(c *addrplan.Cluster) (provider.Provider, error) {
	if e.Providers == nil {
		return nil, fmt.Errorf("no provider %q", c.Def.Provider)
	}
	return e.Providers(c.Def.Provider)
}

// traits say what the lab does with c. A cluster whose provider is
// unknown has none; its steps fail when they ask for the provider.
func (e *Env) traits(c *addrplan.Cluster) provider.Traits {
	p, err := e.providerOf(c)
	if err != nil {
		return provider.Traits{}
	}
	return p.Traits()
}

// Traits say what the lab does with c, as its provider tells.
func (e *Env) Traits(c *addrplan.Cluster) provider.Traits { return e.traits(c) }

// Managed reports whether the lab creates, routes and deletes c, as
// opposed to using a cluster that exists elsewhere.
func (e *Env) Managed(c *addrplan.Cluster) bool { return e.traits(c).Nodes }

// NetworkSpec is the Docker network of the plan, in dockernet's terms.
func (e *Env) NetworkSpec() dockernet.NetworkSpec {
	n := e.Plan.Network
	return dockernet.NetworkSpec{Name: n.Name, IPv4Subnet: n.IPv4Subnet, IPv4Range: n.IPv4Range, IPv6Subnet: n.IPv6Subnet, MTU: n.MTU}
}

// Spec is what a provider needs to create c.
func (e *Env) Spec(c *addrplan.Cluster) provider.Spec {
	return provider.Spec{
		Name: c.Name, Provider: c.Def.Provider, Network: e.Plan.Network.Name,
		PodV4: c.PodV4, ServiceV4: c.ServiceV4, PodV6: c.PodV6, ServiceV6: c.ServiceV6,
		IPFamily: c.IPFamily, Zone: c.Def.Zone, Image: c.Def.Image,
		Context: c.Def.Context, Kubeconfig: c.Def.Kubeconfig,
		Mirrors: e.Cache.Mirrors,
	}
}

// NodeContainer is the name the provider gives the cluster's node. It is
// used only in printed commands; the steps find nodes by label.
func (e *Env) NodeContainer(c *addrplan.Cluster) string {
	p, err := e.providerOf(c)
	if err != nil {
		return c.Name
	}
	return p.NodeContainer(c.Name)
}

// nodeOf finds the running node of a cluster among nodes.
func nodeOf(nodes []dockernet.Node, cluster string) (dockernet.Node, bool) {
	for _, n := range nodes {
		if n.Cluster == cluster && n.RunsPods() {
			return n, true
		}
	}
	return dockernet.Node{}, false
}

// NodeAddr returns the node's address on the lab network for the API
// server URL, IPv4 first.
func NodeAddr(n dockernet.Node) (netip.Addr, error) {
	switch {
	case n.IPv4.IsValid():
		return n.IPv4, nil
	case n.IPv6.IsValid():
		return n.IPv6, nil
	}
	return netip.Addr{}, fmt.Errorf("node %s has no address on the lab network", n.Container)
}

// ServerURL is the API server as other clusters on the network reach it.
func ServerURL(a netip.Addr) string {
	return "https://" + netip.AddrPortFrom(a, 6443).String()
}

// clustersOf returns the plan entries for defs, in order.
func (e *Env) clustersOf(defs []*definition.Cluster) []*addrplan.Cluster {
	out := make([]*addrplan.Cluster, 0, len(defs))
	for _, d := range defs {
		out = append(out, e.Plan.Cluster(d.Name))
	}
	return out
}
