package helm

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/kube"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Client talks to one cluster. Its methods may be called concurrently, and
// several Clients (one per cluster) may work at once.
type Client struct {
	kubeContext string // for messages; "" if unknown
	config      *rest.Config
	clientset   kubernetes.Interface
	charts      *chartLoader
	logf        func(format string, args ...any)
	// recoverPending: a release left pending is from an interrupted run
	// (see WithInterruptedRecovery).
	recoverPending bool
}

// Option adjusts a Client.
type Option func(*Client)

// WithCacheDir keeps downloaded charts in dir instead of
// os.UserCacheDir()/localcluster/helm.
func WithCacheDir(dir string) Option {
	return func(c *Client) { c.charts.cacheDir = dir }
}

// WithLogger receives Helm's debug messages (discarded by default).
func WithLogger(logf func(format string, args ...any)) Option {
	return func(c *Client) { c.logf = logf }
}

// WithInterruptedRecovery tells Ensure that no other process is at work on
// the releases it manages — localcluster holds the lab's lock while it
// installs — so that a release left pending-install, pending-upgrade or
// pending-rollback was left by a run that was killed. Ensure then marks
// that revision failed and upgrades from it, as helm does after a failed
// revision, instead of asking a person to clear it.
func WithInterruptedRecovery() Option {
	return func(c *Client) { c.recoverPending = true }
}

// withTransport makes chart downloads use transport (tests trust their
// servers' certificates this way).
func withTransport(transport *http.Transport) Option {
	return func(c *Client) { c.charts.transport = transport }
}

// New makes a client for a kube context in a kubeconfig file. An empty path
// means the usual search ($KUBECONFIG, then ~/.kube/config); an empty context
// the file's current context. The file is read once, here.
func New(kubeconfigPath, kubeContext string, opts ...Option) (*Client, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfigPath != "" {
		rules.ExplicitPath = kubeconfigPath
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: kubeContext}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kube context %q: %w", kubeContext, err)
	}
	c, err := NewFromREST(cfg, opts...)
	if err != nil {
		return nil, err
	}
	c.kubeContext = kubeContext
	return c, nil
}

// NewFromREST makes a client from a REST config.
func NewFromREST(cfg *rest.Config, opts ...Option) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	// client-go's default of 5 requests a second makes Helm crawl.
	if cfg.QPS == 0 {
		cfg.QPS = 50
	}
	if cfg.Burst == 0 {
		cfg.Burst = 100
	}
	// Each request but a watch gets requestTimeout (rest.Config's Timeout
	// would cut watches too: Helm watches hook Jobs for as long as they
	// run, which on a slow network is minutes).
	if cfg.Timeout == 0 {
		cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
			return &requestTimeoutTransport{next: rt, timeout: requestTimeout}
		})
	}
	c := &Client{
		config: cfg,
		charts: &chartLoader{cacheDir: defaultCacheDir()},
		logf:   func(string, ...any) {},
	}
	for _, opt := range opts {
		opt(c)
	}
	// API warnings (deprecations, unknown fields) go to the debug log, not
	// to stderr through klog.
	if cfg.WarningHandler == nil && cfg.WarningHandlerWithContext == nil {
		cfg.WarningHandler = warningLogger(c.logf)
	}
	clientset, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	c.clientset = clientset
	return c, nil
}

// warningLogger passes API server warnings to a log function.
type warningLogger func(format string, args ...any)

func (w warningLogger) HandleWarningHeader(_ int, _ string, text string) {
	w("warning from the API server: %s", text)
}

func defaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "localcluster", "helm")
}

// actionConfig makes a Helm action configuration for one namespace. Each call
// gets its own discovery cache and REST mapper, so CRDs created since the
// last call are seen and nothing is shared between goroutines.
func (c *Client) actionConfig(namespace string) (*action.Configuration, error) {
	getter, err := newRESTGetter(c.config, namespace)
	if err != nil {
		return nil, err
	}
	cfg := new(action.Configuration)
	if err := cfg.Init(getter, namespace, "secret", c.logf); err != nil {
		return nil, fmt.Errorf("helm configuration: %w", err)
	}
	// The namespace for objects whose manifest names none comes from here,
	// never from a kubeconfig.
	if kc, ok := cfg.KubeClient.(*kube.Client); ok {
		kc.Namespace = namespace
	}
	return cfg, nil
}

// restGetter is Helm's and kubectl's RESTClientGetter over a REST config,
// with the namespace fixed.
type restGetter struct {
	config    *rest.Config
	namespace string
	discovery discovery.CachedDiscoveryInterface
	mapper    meta.RESTMapper
}

func newRESTGetter(cfg *rest.Config, namespace string) (*restGetter, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("discovery client: %w", err)
	}
	cached := memory.NewMemCacheClient(dc)
	return &restGetter{
		config:    cfg,
		namespace: namespace,
		discovery: cached,
		mapper:    restmapper.NewDeferredDiscoveryRESTMapper(cached),
	}, nil
}

func (g *restGetter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.config), nil }

func (g *restGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.discovery, nil
}

func (g *restGetter) ToRESTMapper() (meta.RESTMapper, error) { return g.mapper, nil }

func (g *restGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return fixedClientConfig{config: g.config, namespace: g.namespace}
}

// fixedClientConfig answers kubectl's questions about "the kubeconfig" from
// the REST config and namespace the Client was given.
type fixedClientConfig struct {
	config    *rest.Config
	namespace string
}

func (f fixedClientConfig) RawConfig() (clientcmdapi.Config, error) {
	return *clientcmdapi.NewConfig(), nil
}

func (f fixedClientConfig) ClientConfig() (*rest.Config, error) {
	return rest.CopyConfig(f.config), nil
}

func (f fixedClientConfig) Namespace() (string, bool, error) { return f.namespace, true, nil }

func (f fixedClientConfig) ConfigAccess() clientcmd.ConfigAccess { return &clientcmd.PathOptions{} }
