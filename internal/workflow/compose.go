package workflow

import (
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/plan"
)

// AddCreate adds what create does: the network, the clusters and their
// contexts, the routes of their groups and their load balancers.
func AddCreate(p *plan.Plan, e *Env, defs []*definition.Cluster) {
	p.Add(NetworkStep(e))
	p.Add(CacheSteps(e)...)
	p.Add(CreateSteps(e, defs)...)
	ready := After(p, KubeconfigStep, CreateStep)
	p.Add(RouteSteps(e, defs, ready)...)
	p.Add(LBSteps(e, defs, ready)...)
}

// AddLinkerd adds what linkerd does: the certificates, then per cluster the
// CRDs and control plane (after ready, where the plan has it) and the
// multicluster extension.
func AddLinkerd(p *plan.Plan, e *Env, defs []*definition.Cluster, ready func(string) string) {
	p.Add(CertsStep(e, defs, CertsOptions{}))
	p.Add(LinkerdSteps(e, defs, ready)...)
	p.Add(MulticlusterSteps(e, defs, After(p, LinkerdStep))...)
}

// AddUp adds, in one graph, what create, linkerd, group and link do. No
// phase waits for another cluster's: Linkerd waits for its own cluster's
// load balancer (the gateway needs an address) or context, and a link for
// the multicluster extension at both of its ends.
func AddUp(p *plan.Plan, e *Env, defs []*definition.Cluster) {
	AddCreate(p, e, defs)
	AddLinkerd(p, e, defs, After(p, LBStep, KubeconfigStep, CreateStep))
	p.Add(LinkSteps(e, LabLinks(e, defs), After(p, MulticlusterStep))...)
}

// AddStart adds what start does: start the nodes, then repair what their
// new addresses broke: contexts, routes and the links that exist.
func AddStart(p *plan.Plan, e *Env, defs []*definition.Cluster) {
	p.Add(StartSteps(e, defs)...)
	p.Add(ContextSteps(e, defs, After(p, StartStep))...)
	ready := After(p, KubeconfigStep, StartStep)
	p.Add(RouteSteps(e, defs, ready)...)
	p.Add(RepairLinkSteps(e, LabLinks(e, defs), ready)...)
}

// DownOptions say what down removes beyond what delete does.
type DownOptions struct {
	// Cache also removes the image cache and its volume, after the network.
	Cache bool
}

// AddDown adds what down does: everything delete does, then the network,
// then with o.Cache the image cache.
func AddDown(p *plan.Plan, e *Env, defs []*definition.Cluster, o DownOptions) {
	steps := DeleteSteps(e, defs)
	p.Add(steps...)
	ids := make([]string, 0, len(steps))
	for _, s := range steps {
		ids = append(ids, s.ID)
	}
	p.Add(NetworkRemoveStep(e, ids))
	if o.Cache {
		p.Add(CacheRemoveSteps(e, []string{NetworkRemoveStepID})...)
	}
}
