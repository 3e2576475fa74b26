package kubeconfig

import (
	"errors"
	"fmt"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Lookup returns the API server URL of context in the kubeconfig at path,
// e.g. to find an existing cluster's address. An empty context means the
// file's current-context. Reads take no lock: Merge and Remove replace the
// file atomically.
func Lookup(path, context string) (server string, err error) {
	cfg, err := load(path)
	if err != nil {
		return "", err
	}
	_, cluster, err := find(cfg, path, context)
	if err != nil {
		return "", err
	}
	return cluster.Server, nil
}

// RESTConfig builds a client configuration for context in the kubeconfig at
// path; an empty context means the file's current-context. Relative
// certificate and key paths are resolved against the file, as kubectl does.
func RESTConfig(path, context string) (*rest.Config, error) {
	cfg, err := load(path)
	if err != nil {
		return nil, err
	}
	name, _, err := find(cfg, path, context)
	if err != nil {
		return nil, err
	}
	// Go through loading rules rather than the config just read so that
	// paths are resolved exactly as kubectl resolves them.
	rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: path}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: name}
	rc, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("client config for context %q in %s: %w", name, path, err)
	}
	return rc, nil
}

func load(path string) (*clientcmdapi.Config, error) {
	if path == "" {
		return nil, errors.New("no kubeconfig path")
	}
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("read kubeconfig: %w", err)
	}
	return cfg, nil
}

// find returns the context's name, defaulted to current-context, and its
// cluster, which must have a server.
func find(cfg *clientcmdapi.Config, path, context string) (string, *clientcmdapi.Cluster, error) {
	if context == "" {
		context = cfg.CurrentContext
		if context == "" {
			return "", nil, fmt.Errorf("kubeconfig %s has no current-context; name a context", path)
		}
	}
	ctx, ok := cfg.Contexts[context]
	if !ok {
		return "", nil, fmt.Errorf("context %q not found in kubeconfig %s", context, path)
	}
	cluster, ok := cfg.Clusters[ctx.Cluster]
	if !ok {
		return "", nil, fmt.Errorf("context %q in kubeconfig %s names cluster %q, which is not there", context, path, ctx.Cluster)
	}
	if cluster.Server == "" {
		return "", nil, fmt.Errorf("cluster %q in kubeconfig %s has no server", ctx.Cluster, path)
	}
	return context, cluster, nil
}
