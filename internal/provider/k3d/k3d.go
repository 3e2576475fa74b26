// Package k3d creates lab clusters with k3d (github.com/k3d-io/k3d/v5) used
// as a Go library, through the same steps as `k3d cluster create --config`:
// the config is read back with k3d's own schema check and decoding, then
// processed, transformed and validated by k3d's config package, run with
// client.ClusterRun and, on failure, rolled back with client.ClusterDelete.
//
// k3d logs through its own process-wide logger (logrus, to stderr); this
// package leaves it as k3d sets it up.
package k3d

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/k3d-io/k3d/v5/pkg/client"
	k3dconfig "github.com/k3d-io/k3d/v5/pkg/config"
	"github.com/k3d-io/k3d/v5/pkg/config/v1alpha5"
	"github.com/k3d-io/k3d/v5/pkg/runtimes"
	k3dtypes "github.com/k3d-io/k3d/v5/pkg/types"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/localcluster/localcluster/internal/provider"
	"github.com/localcluster/localcluster/internal/provider/internal/dockerutil"
	"github.com/localcluster/localcluster/internal/shell"
)

const (
	// Name is the provider name in cluster definitions.
	Name = "k3d"

	// cleanupTimeout bounds the rollback after a failure, which runs even
	// when the caller's context has expired.
	cleanupTimeout = 2 * time.Minute
)

// Provider creates k3d clusters.
type Provider struct {
	rt runtimes.Runtime
}

var _ provider.Provider = (*Provider)(nil)

// New returns a k3d provider using k3d's Docker runtime (whose client
// negotiates the API version with the engine).
func New() *Provider { return &Provider{rt: runtimes.Docker} }

// Name implements provider.Provider.
func (p *Provider) Name() string { return Name }

// Command implements provider.Provider: k3d reading the config from stdin
// (`--config -` is supported by k3d's CLI).
func (p *Provider) Command(s provider.Spec) string {
	doc, err := p.Config(s)
	if err != nil {
		return "# " + err.Error()
	}
	return shell.Heredoc("k3d cluster create --config -", doc)
}

// DeleteCommand implements provider.Provider.
func (p *Provider) DeleteCommand(name string) string {
	return "k3d cluster delete " + shell.Quote(name)
}

// Create implements provider.Provider.
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
		return fmt.Errorf("create k3d cluster %s: %w", s.Name, err)
	}
	cc, err := p.clusterConfig(ctx, raw)
	if err != nil {
		return fmt.Errorf("create k3d cluster %s: %w", s.Name, err)
	}
	if _, err := client.ClusterGet(ctx, p.rt, &k3dtypes.Cluster{Name: s.Name}); err == nil {
		return fmt.Errorf("create k3d cluster %s: %w", s.Name, provider.ErrClusterExists)
	}

	if err := p.run(ctx, cc); err != nil {
		cause := fmt.Errorf("create k3d cluster %s: %w", s.Name, explain(err))
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if rerr := p.rollback(cctx, dc, s.Name); rerr != nil {
			return errors.Join(cause, fmt.Errorf("roll back k3d cluster %s: %w", s.Name, rerr))
		}
		return cause
	}
	return nil
}

// clusterConfig turns the rendered config into k3d's ClusterConfig exactly
// as the k3d CLI does for `cluster create --config`.
func (p *Provider) clusterConfig(ctx context.Context, raw []byte) (*v1alpha5.ClusterConfig, error) {
	sc, err := parse(raw)
	if err != nil {
		return nil, err
	}
	if err := k3dconfig.ProcessSimpleConfig(&sc); err != nil {
		return nil, fmt.Errorf("process k3d config: %w", err)
	}
	cc, err := k3dconfig.TransformSimpleToClusterConfig(ctx, p.rt, sc, "")
	if err != nil {
		return nil, fmt.Errorf("transform k3d config: %w", err)
	}
	if cc, err = k3dconfig.ProcessClusterConfig(*cc); err != nil {
		return nil, fmt.Errorf("process k3d cluster config: %w", err)
	}
	if err := k3dconfig.ValidateClusterConfig(ctx, p.rt, *cc); err != nil {
		return nil, fmt.Errorf("validate k3d cluster config: %w", err)
	}
	return cc, nil
}

// run calls client.ClusterRun under a context of its own. ClusterRun starts
// the k3d-tools container in a goroutine and, when creating the nodes
// fails, returns without waiting for it; cancelling the context stops that
// goroutine from creating a container after the rollback has looked.
func (p *Provider) run(ctx context.Context, cc *v1alpha5.ClusterConfig) error {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	err := client.ClusterRun(rctx, p.rt, cc)
	if err != nil {
		cancel()
		// The goroutine holds this lock while it works: taking it waits
		// for an in-flight tools container to finish (or fail, cancelled).
		client.EnsureToolsNodeMutex.Lock()
		client.EnsureToolsNodeMutex.Unlock() //nolint:staticcheck // empty critical section: waiting is the point
	}
	return err
}

// rollback undoes a failed creation as the k3d CLI does, then removes what
// k3d's rollback misses: when no node container was created, ClusterDelete
// finds no cluster and leaves the image volume behind.
func (p *Provider) rollback(ctx context.Context, dc *dockerutil.Client, name string) error {
	err := client.ClusterDelete(ctx, p.rt, &k3dtypes.Cluster{Name: name}, k3dtypes.ClusterDeleteOpts{SkipRegistryCheck: true})
	if errors.Is(err, client.ClusterGetNoNodesFoundError) {
		err = nil
	}
	return errors.Join(err, dc.Sweep(ctx, clusterLabel(name)))
}

func clusterLabel(name string) dockerutil.Label {
	return dockerutil.Label{Key: k3dtypes.LabelClusterName, Value: name}
}

// pullFailure finds k3d's report of a failed pull; k3d flattens its error
// chain with %+v, so only the message is left to read.
var pullFailure = regexp.MustCompile(`failed to pull (?:the )?image '([^']+)': `)

func explain(err error) error {
	msg := err.Error()
	all := pullFailure.FindAllStringSubmatchIndex(msg, -1)
	if all == nil {
		return err
	}
	last := all[len(all)-1]
	return &provider.ImageError{
		Image:  msg[last[2]:last[3]],
		Reason: strings.TrimSpace(msg[last[1]:]),
		Err:    err,
	}
}

// Delete implements provider.Provider.
func (p *Provider) Delete(ctx context.Context, name string) error {
	dc, err := dockerutil.New()
	if err != nil {
		return err
	}
	defer func() { _ = dc.Close() }()
	err = client.ClusterDelete(ctx, p.rt, &k3dtypes.Cluster{Name: name}, k3dtypes.ClusterDeleteOpts{})
	if err != nil && !errors.Is(err, client.ClusterGetNoNodesFoundError) {
		return fmt.Errorf("delete k3d cluster %s: %w", name, err)
	}
	if err := dc.Sweep(ctx, clusterLabel(name)); err != nil {
		return fmt.Errorf("delete k3d cluster %s: %w", name, err)
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
	cs, err := dc.Containers(ctx, clusterLabel(name))
	if err != nil {
		return provider.Status{}, err
	}
	st := provider.Status{Exists: len(cs) > 0}
	running := true
	for _, c := range cs {
		switch k3dtypes.Role(c.Labels[k3dtypes.LabelRole]) {
		case k3dtypes.ServerRole, k3dtypes.AgentRole:
			st.Nodes = append(st.Nodes, c.Name)
			running = running && c.Running
		}
	}
	st.Running = len(st.Nodes) > 0 && running
	return st, nil
}

// Kubeconfig implements provider.Provider: the admin kubeconfig as
// `k3d kubeconfig get` prints it (server on the host's published port).
func (p *Provider) Kubeconfig(ctx context.Context, name string) ([]byte, error) {
	cfg, err := client.KubeconfigGet(ctx, p.rt, &k3dtypes.Cluster{Name: name})
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of k3d cluster %s: %w", name, err)
	}
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of k3d cluster %s: %w", name, err)
	}
	return out, nil
}

// Traits implements provider.Provider: k3d nodes live on the lab network,
// and k3s brings its own service load balancer (servicelb).
func (p *Provider) Traits() provider.Traits { return provider.Traits{Nodes: true} }

// NodeContainer implements provider.Provider: k3d names the first server
// k3d-<name>-server-0.
func (p *Provider) NodeContainer(cluster string) string { return "k3d-" + cluster + "-server-0" }

// KubeconfigNames implements provider.Provider.
func (p *Provider) KubeconfigNames(cluster string) provider.KubeconfigNames {
	return provider.KubeconfigNames{Context: "k3d-" + cluster, Cluster: "k3d-" + cluster, User: "admin@k3d-" + cluster}
}

// ContextCommand implements provider.Provider. k3d's merge writes to
// $KUBECONFIG's file with --kubeconfig-merge-default.
func (p *Provider) ContextCommand(cluster, kubeconfig string) string {
	env := ""
	if kubeconfig != "" {
		env = "KUBECONFIG=" + shell.Quote(kubeconfig) + " "
	}
	return env + "k3d kubeconfig merge " + shell.Quote(cluster) + " --kubeconfig-merge-default --kubeconfig-switch-context=false"
}
