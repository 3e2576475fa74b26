package workflow

import (
	"fmt"

	"k8s.io/client-go/rest"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/kubeconfig"
)

// reach is how this process talks to a cluster's API server. A cluster
// whose context is missing gets an error that says how to get one.
func (e *Env) reach(c *addrplan.Cluster) (*rest.Config, error) {
	path, kctx := e.kubeTarget(c)
	if _, err := kubeconfig.Lookup(path, kctx); err != nil {
		if !e.Managed(c) {
			return nil, fmt.Errorf("external cluster %s: %w; check spec.context and spec.kubeconfig in %s", c.Name, err, c.Def.File)
		}
		return nil, fmt.Errorf("cluster %s has no context %q in %s (%w); create it first: localcluster create %s %s",
			c.Name, kctx, path, err, c.Def.Dir, c.Name)
	}
	return kubeconfig.RESTConfig(path, kctx)
}
