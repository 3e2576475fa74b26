// Package external is the provider for clusters that localcluster does not
// create: an existing cluster reached through a context in a kubeconfig.
// It never creates or deletes anything; it only finds the context.
package external

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/localcluster/localcluster/internal/provider"
)

// Name is the provider name in cluster definitions.
const Name = "external"

// probeTimeout bounds the API server check in Status.
const probeTimeout = 5 * time.Second

// Provider knows where each external cluster's context is.
type Provider struct {
	targets map[string]target
}

type target struct {
	context    string // context name in the kubeconfig
	kubeconfig string // "" = $KUBECONFIG or ~/.kube/config
}

var _ provider.Provider = (*Provider)(nil)

// New returns the provider for the external clusters in specs, whose Context
// and Kubeconfig say where to find them. A name it was not given is looked
// up as a context of that name in the default kubeconfig.
func New(specs ...provider.Spec) *Provider {
	p := &Provider{targets: make(map[string]target, len(specs))}
	for _, s := range specs {
		p.targets[s.Name] = targetOf(s)
	}
	return p
}

func targetOf(s provider.Spec) target {
	t := target{context: s.Context, kubeconfig: s.Kubeconfig}
	if t.context == "" {
		t.context = s.Name
	}
	return t
}

func (p *Provider) target(name string) target {
	if t, ok := p.targets[name]; ok {
		return t
	}
	return target{context: name}
}

func (t target) where() string {
	if t.kubeconfig == "" {
		return "the default kubeconfig"
	}
	return t.kubeconfig
}

// Name implements provider.Provider.
func (p *Provider) Name() string { return Name }

// Config implements provider.Provider: an external cluster has no
// provider config, so it returns nil.
func (p *Provider) Config(provider.Spec) ([]byte, error) { return nil, nil }

// Command implements provider.Provider.
func (p *Provider) Command(s provider.Spec) string {
	t := targetOf(s)
	return fmt.Sprintf("# external cluster %s: using context %s in %s, nothing to create", s.Name, t.context, t.where())
}

// DeleteCommand implements provider.Provider.
func (p *Provider) DeleteCommand(name string) string {
	return fmt.Sprintf("# external cluster %s: not created by localcluster, nothing to delete", name)
}

// Create implements provider.Provider: it creates nothing, and fails if the
// context is not there.
func (p *Provider) Create(_ context.Context, s provider.Spec) error {
	t := targetOf(s)
	cfg, err := load(t)
	if err != nil {
		return fmt.Errorf("external cluster %s: %w", s.Name, err)
	}
	if _, ok := cfg.Contexts[t.context]; !ok {
		return fmt.Errorf("external cluster %s: context %q not found in %s: localcluster does not create external clusters; set the context to an existing one", s.Name, t.context, t.where())
	}
	return nil
}

// Delete implements provider.Provider: external clusters are left alone.
func (p *Provider) Delete(context.Context, string) error { return nil }

// Status implements provider.Provider: the cluster exists if its context
// does, and runs if its API server answers /version with those credentials
// within a few seconds.
func (p *Provider) Status(ctx context.Context, name string) (provider.Status, error) {
	t := p.target(name)
	cfg, err := load(t)
	if errors.Is(err, fs.ErrNotExist) {
		return provider.Status{}, nil
	}
	if err != nil {
		return provider.Status{}, fmt.Errorf("status of external cluster %s: %w", name, err)
	}
	if _, ok := cfg.Contexts[t.context]; !ok {
		return provider.Status{}, nil
	}
	return provider.Status{Exists: true, Running: answers(ctx, cfg, t.context)}, nil
}

func answers(ctx context.Context, cfg *clientcmdapi.Config, contextName string) bool {
	rc, err := clientcmd.NewNonInteractiveClientConfig(*cfg, contextName, &clientcmd.ConfigOverrides{}, nil).ClientConfig()
	if err != nil {
		return false
	}
	rc.Timeout = probeTimeout
	dc, err := discovery.NewDiscoveryClientForConfig(rc)
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	return dc.RESTClient().Get().AbsPath("/version").Do(ctx).Error() == nil
}

// Kubeconfig implements provider.Provider: the external context alone,
// with its cluster and user, certificate files inlined.
func (p *Provider) Kubeconfig(_ context.Context, name string) ([]byte, error) {
	t := p.target(name)
	cfg, err := load(t)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of external cluster %s: %w", name, err)
	}
	if _, ok := cfg.Contexts[t.context]; !ok {
		return nil, fmt.Errorf("kubeconfig of external cluster %s: context %q not found in %s", name, t.context, t.where())
	}
	cfg.CurrentContext = t.context
	if err := clientcmdapi.MinifyConfig(cfg); err != nil {
		return nil, fmt.Errorf("kubeconfig of external cluster %s: %w", name, err)
	}
	if err := clientcmdapi.FlattenConfig(cfg); err != nil {
		return nil, fmt.Errorf("kubeconfig of external cluster %s: %w", name, err)
	}
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of external cluster %s: %w", name, err)
	}
	return out, nil
}

// load reads the kubeconfig as kubectl would, with relative file paths
// resolved against the file that names them.
func load(t target) (*clientcmdapi.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = t.kubeconfig
	rules.MigrationRules = nil // loading must not copy files around ~/.kube
	cfg, err := rules.Load()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t.where(), err)
	}
	return cfg, nil
}

// Traits implements provider.Provider: an external cluster has no node on
// the lab network and brings its own load balancer.
func (p *Provider) Traits() provider.Traits { return provider.Traits{} }

// NodeContainer implements provider.Provider: there is none.
func (p *Provider) NodeContainer(string) string { return "" }

// KubeconfigNames implements provider.Provider: the user's own context,
// which the lab never renames or removes.
func (p *Provider) KubeconfigNames(cluster string) provider.KubeconfigNames {
	return provider.KubeconfigNames{Context: p.target(cluster).context}
}

// ContextCommand implements provider.Provider: the context exists already.
func (p *Provider) ContextCommand(cluster, _ string) string {
	t := p.target(cluster)
	return fmt.Sprintf("# external cluster %s: context %s in %s is used as it is", cluster, t.context, t.where())
}
