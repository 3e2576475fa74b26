package workflow

import "github.com/localcluster/localcluster/internal/plan"

// Kinds of per-cluster steps: a step's ID is "<kind>/<cluster>", so a
// command that composes several builders can say what a step waits for.
const (
	CreateStep       = "create"
	KubeconfigStep   = "kubeconfig"
	LBStep           = "lb"
	LinkerdStep      = "linkerd"
	MulticlusterStep = "multicluster"
	StartStep        = "start"
)

func stepID(kind, cluster string) string { return kind + "/" + cluster }

// NoNeeds is the needs function of a builder whose steps wait for nothing
// else in the plan: what they act on is expected to exist already.
func NoNeeds(string) string { return "" }

// After returns, for a plan, a function naming a cluster's first step of
// the given kinds that the plan has, or "" when it has none of them. With
// After(p, LBStep, KubeconfigStep), a step waits for the cluster's load
// balancer where it gets one, else for its context.
func After(p *plan.Plan, kinds ...string) func(cluster string) string {
	return func(cluster string) string {
		for _, k := range kinds {
			if id := stepID(k, cluster); p.Has(id) {
				return id
			}
		}
		return ""
	}
}
