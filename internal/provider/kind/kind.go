// Package kind creates lab clusters with kind (sigs.k8s.io/kind) used as a
// Go library: one control-plane node on the lab's Docker network.
//
// kind chooses the Docker network from the process environment
// (KIND_EXPERIMENTAL_DOCKER_NETWORK, read while it provisions nodes); its
// library has no option for it. The environment is process-wide, so a
// Provider sets it (or, for the default network, unsets it) once, before its
// first creation, and refuses a later cluster on a different network. A lab
// uses one network, so this costs nothing; use one Provider per process.
package kind

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"sigs.k8s.io/kind/pkg/cluster"

	"github.com/localcluster/localcluster/internal/provider"
	"github.com/localcluster/localcluster/internal/provider/internal/dockerutil"
	"github.com/localcluster/localcluster/internal/shell"
)

const (
	// Name is the provider name in cluster definitions.
	Name = "kind"

	// networkEnv is how kind's docker backend is told which network to use.
	networkEnv = "KIND_EXPERIMENTAL_DOCKER_NETWORK"

	// kind's container labels (kind keeps these constants internal).
	clusterLabel = "io.x-k8s.kind.cluster"
	roleLabel    = "io.x-k8s.kind.role"

	// cleanupTimeout bounds the removal of leftovers after a failure, which
	// runs even when the caller's context has expired.
	cleanupTimeout = 2 * time.Minute
)

// Options configure a Provider.
type Options struct {
	// Log receives kind's progress lines, prefixed with "[<cluster>] ".
	// nil discards them.
	Log io.Writer
}

// Provider creates kind clusters. The zero value is not usable; call New.
type Provider struct {
	log io.Writer

	mu      sync.Mutex
	network string // the network this process handed to kind, once set
}

var _ provider.Provider = (*Provider)(nil)

// New returns a kind provider.
func New(opts Options) *Provider {
	return &Provider{log: opts.Log}
}

// Name implements provider.Provider.
func (p *Provider) Name() string { return Name }

// Command implements provider.Provider: kind reading the config from stdin.
func (p *Provider) Command(s provider.Spec) string {
	doc, err := p.Config(s)
	if err != nil {
		return "# " + err.Error()
	}
	cmd := "kind create cluster --name " + shell.Quote(s.Name) + " --config -"
	if n := s.NetworkName(); n != provider.DefaultNetwork {
		cmd = networkEnv + "=" + shell.Quote(n) + " " + cmd
	}
	return shell.Heredoc(cmd, doc)
}

// DeleteCommand implements provider.Provider.
func (p *Provider) DeleteCommand(name string) string {
	return "kind delete cluster --name " + shell.Quote(name)
}

// library returns kind's own provider for one cluster; its log lines carry
// the cluster name because creations run in parallel.
func (p *Provider) library(name string) *cluster.Provider {
	return cluster.NewProvider(
		cluster.ProviderWithDocker(),
		cluster.ProviderWithLogger(newLogger(p.log, name)),
	)
}

// Create implements provider.Provider. kind's library takes no context:
// ctx is checked before kind starts and bounds the cleanup, but a running
// kind creation is not interrupted.
func (p *Provider) Create(ctx context.Context, s provider.Spec) error {
	raw, err := p.Config(s)
	if err != nil {
		return err
	}
	dc, err := dockerutil.New()
	if err != nil {
		return err
	}
	defer func() { _ = dc.Close() }()
	if err := dc.CheckNetwork(ctx, s.NetworkName()); err != nil {
		return fmt.Errorf("create kind cluster %s: %w", s.Name, err)
	}
	st, err := status(ctx, dc, s.Name)
	if err != nil {
		return fmt.Errorf("create kind cluster %s: %w", s.Name, err)
	}
	if st.Exists {
		return fmt.Errorf("create kind cluster %s: %w", s.Name, provider.ErrClusterExists)
	}
	if err := p.useNetwork(s.NetworkName()); err != nil {
		return fmt.Errorf("create kind cluster %s: %w", s.Name, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("create kind cluster %s: %w", s.Name, err)
	}

	err = withScratchKubeconfig(func(path string) error {
		return p.library(s.Name).Create(s.Name,
			cluster.CreateWithRawConfig(raw),
			cluster.CreateWithKubeconfigPath(path),
		)
	})
	if err == nil {
		return nil
	}
	// kind deletes the nodes it made when it fails; sweep anyway, so that a
	// half-finished deletion does not leave a container behind.
	cause := fmt.Errorf("create kind cluster %s: %w", s.Name, explain(err))
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if serr := dc.Sweep(cctx, dockerutil.Label{Key: clusterLabel, Value: s.Name}); serr != nil {
		return errors.Join(cause, fmt.Errorf("remove leftovers of kind cluster %s: %w", s.Name, serr))
	}
	return cause
}

// useNetwork hands the network to kind through the environment, once.
func (p *Provider) useNetwork(name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.network {
	case name:
		return nil
	case "":
		// For the default network, unset rather than set: kind then uses
		// its own default without warning, and a value left in the user's
		// shell cannot redirect it.
		var err error
		if name == provider.DefaultNetwork {
			err = os.Unsetenv(networkEnv)
		} else {
			err = os.Setenv(networkEnv, name)
		}
		if err != nil {
			return fmt.Errorf("set %s: %w", networkEnv, err)
		}
		p.network = name
		return nil
	default:
		return fmt.Errorf("kind clusters in one run must share one docker network: already using %q, asked for %q", p.network, name)
	}
}

// withScratchKubeconfig runs fn with a kubeconfig path in a throwaway
// directory. kind always writes (on success) or prunes (on failure) a
// kubeconfig; pointing it here keeps the user's file untouched, and the
// caller fetches the kubeconfig with Kubeconfig instead.
func withScratchKubeconfig(fn func(path string) error) error {
	dir, err := os.MkdirTemp("", "localcluster-kind-")
	if err != nil {
		return fmt.Errorf("scratch kubeconfig: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	return fn(filepath.Join(dir, "kubeconfig"))
}

// Delete implements provider.Provider.
func (p *Provider) Delete(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete kind cluster %s: %w", name, err)
	}
	err := withScratchKubeconfig(func(path string) error {
		return p.library(name).Delete(name, path)
	})
	if err != nil {
		return fmt.Errorf("delete kind cluster %s: %w", name, err)
	}
	dc, err := dockerutil.New()
	if err != nil {
		return err
	}
	defer func() { _ = dc.Close() }()
	if err := dc.Sweep(ctx, dockerutil.Label{Key: clusterLabel, Value: name}); err != nil {
		return fmt.Errorf("delete kind cluster %s: %w", name, err)
	}
	return nil
}

// Status implements provider.Provider.
func (p *Provider) Status(ctx context.Context, name string) (provider.Status, error) {
	dc, err := dockerutil.New()
	if err != nil {
		return provider.Status{}, err
	}
	defer func() { _ = dc.Close() }()
	return status(ctx, dc, name)
}

func status(ctx context.Context, dc *dockerutil.Client, name string) (provider.Status, error) {
	cs, err := dc.Containers(ctx, dockerutil.Label{Key: clusterLabel, Value: name})
	if err != nil {
		return provider.Status{}, err
	}
	st := provider.Status{Exists: len(cs) > 0}
	running := true
	for _, c := range cs {
		switch c.Labels[roleLabel] {
		case "control-plane", "worker":
			st.Nodes = append(st.Nodes, c.Name)
			running = running && c.Running
		}
	}
	st.Running = len(st.Nodes) > 0 && running
	return st, nil
}

// Kubeconfig implements provider.Provider: the admin kubeconfig with the
// host's address for the API server, as `kind get kubeconfig` prints it.
func (p *Provider) Kubeconfig(ctx context.Context, name string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("kubeconfig of kind cluster %s: %w", name, err)
	}
	cfg, err := p.library(name).KubeConfig(name, false)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of kind cluster %s: %w", name, err)
	}
	return []byte(cfg), nil
}

// Traits implements provider.Provider: kind nodes live on the lab network,
// and kind has no service load balancer of its own.
func (p *Provider) Traits() provider.Traits { return provider.Traits{Nodes: true, MetalLB: true} }

// NodeContainer implements provider.Provider: kind names a one-node
// cluster's node <name>-control-plane.
func (p *Provider) NodeContainer(cluster string) string { return cluster + "-control-plane" }

// KubeconfigNames implements provider.Provider: kind-<name> for all three.
func (p *Provider) KubeconfigNames(cluster string) provider.KubeconfigNames {
	n := "kind-" + cluster
	return provider.KubeconfigNames{Context: n, Cluster: n, User: n}
}

// ContextCommand implements provider.Provider.
func (p *Provider) ContextCommand(cluster, kubeconfig string) string {
	cmd := "kind export kubeconfig --name " + shell.Quote(cluster)
	if kubeconfig != "" {
		cmd += " --kubeconfig " + shell.Quote(kubeconfig)
	}
	return cmd
}
