// Package provider defines what localcluster needs from a cluster backend
// (kind, k3d, or an existing cluster) and the pieces the backends share.
//
// Each backend lives in its own folder (provider/kind, provider/k3d,
// provider/external) and implements Provider. A Registry, built once by the
// app, maps the provider names used in cluster definitions to instances.
package provider

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// DefaultNetwork is the Docker network every lab cluster joins unless told
// otherwise. Workshops create it beforehand (see the dockernet package).
const DefaultNetwork = "kind"

// Spec is everything a provider needs to create one cluster, computed by the
// address plan.
type Spec struct {
	Name     string
	Provider string // "kind" | "k3d" | "external"
	Network  string // Docker network to join, "" means DefaultNetwork

	// PodV4, ServiceV4, PodV6 and ServiceV6 are the zero Prefix when that
	// family is off.
	PodV4, ServiceV4, PodV6, ServiceV6 netip.Prefix

	IPFamily string // "ipv4" | "ipv6" | "dual"
	Zone     string // topology.kubernetes.io/zone label on the node, "" = none
	Image    string // "" = the provider's default (runs Kubernetes >= 1.31)

	// Context and Kubeconfig locate an external cluster: the context name
	// ("" = the cluster name) in the kubeconfig file ("" = $KUBECONFIG or
	// ~/.kube/config). Other providers ignore them.
	Context, Kubeconfig string
}

// Status is what exists of a cluster right now, discovered from Docker (or,
// for an external cluster, from its kubeconfig).
type Status struct {
	Exists  bool
	Running bool
	// Nodes are the names of the containers that are Kubernetes nodes,
	// sorted; empty for external clusters.
	Nodes []string
}

// Provider creates, inspects and deletes clusters of one kind.
//
// Config and Command have no side effects and need no Docker, so that a dry
// run can print them. Create, Delete, Status and Kubeconfig talk to Docker.
type Provider interface {
	// Name is the provider name used in cluster definitions.
	Name() string
	// Config renders the provider's own config document for s as YAML,
	// checked with the provider's own validation where it is public.
	Config(s Spec) ([]byte, error)
	// Command is the shell command a person would run to create s by hand.
	Command(s Spec) string
	// DeleteCommand is the shell command a person would run to delete the
	// cluster by hand.
	DeleteCommand(name string) string
	// Status reports what exists of the cluster.
	Status(ctx context.Context, name string) (Status, error)
	// Create creates the cluster without touching the user's kubeconfig.
	// On failure it removes whatever it created for that cluster and returns
	// an error naming the cause. It returns an error wrapping
	// ErrClusterExists, and changes nothing, if the cluster already exists.
	Create(ctx context.Context, s Spec) error
	// Delete removes the cluster and everything created for it. Deleting a
	// cluster that does not exist is not an error.
	Delete(ctx context.Context, name string) error
	// Kubeconfig returns the cluster's admin kubeconfig (context
	// kind-<name> or k3d-<name>, or the external context) without writing
	// any file.
	Kubeconfig(ctx context.Context, name string) ([]byte, error)

	// Traits say what the lab does with the provider's clusters.
	Traits() Traits
	// NodeContainer is the name of the cluster's node container, for
	// printed commands (the steps find nodes by label); "" when the
	// provider has no nodes on the lab network.
	NodeContainer(cluster string) string
	// KubeconfigNames are the names the provider's own tools give the
	// cluster's context, cluster and user entries, which the lab renames
	// to the cluster's name and removes on delete.
	KubeconfigNames(cluster string) KubeconfigNames
	// ContextCommand is what a person runs to merge the cluster's
	// credentials into the kubeconfig file (default one when ""), making
	// the context KubeconfigNames names.
	ContextCommand(cluster, kubeconfig string) string
}

// Traits say what localcluster does with a provider's clusters.
type Traits struct {
	// Nodes is true when the clusters are node containers on the lab's
	// Docker network that the lab creates, routes, stops and deletes, and
	// that get address ranges from the plan. False for clusters that exist
	// elsewhere and are only used.
	Nodes bool
	// MetalLB is true when LoadBalancer Services need MetalLB with a pool
	// carved from the lab network; false when the provider brings its own
	// service load balancer.
	MetalLB bool
}

// KubeconfigNames are the names of one cluster's kubeconfig entries.
type KubeconfigNames struct {
	Context, Cluster, User string
}

// ErrClusterExists is wrapped by Create when the cluster already exists.
var ErrClusterExists = errors.New("cluster already exists")

// Registry maps provider names to provider instances. Build one per run and
// share it: the kind provider serialises what it must set process-wide.
type Registry map[string]Provider

// NewRegistry returns a registry holding ps under their names.
func NewRegistry(ps ...Provider) Registry {
	r := make(Registry, len(ps))
	for _, p := range ps {
		r[p.Name()] = p
	}
	return r
}

// For returns the provider called name.
func (r Registry) For(name string) (Provider, error) {
	if p, ok := r[name]; ok {
		return p, nil
	}
	names := make([]string, 0, len(r))
	for n := range r {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("unknown cluster provider %q (known: %s)", name, strings.Join(names, ", "))
}

// ImageError reports a node image that is not present locally and could not
// be pulled. Both kind and k3d pull before they create nodes, so this is
// the usual cause of a failed create on a machine without registry access.
type ImageError struct {
	Image  string // the image reference, as the provider asked for it
	Reason string // the engine's last word on the pull
	Err    error  // the provider's own error
}

func (e *ImageError) Error() string {
	return fmt.Sprintf("node image %s is not present locally and could not be pulled (%s): "+
		"load it with docker load, or make its registry reachable", e.Image, e.Reason)
}

func (e *ImageError) Unwrap() error { return e.Err }
