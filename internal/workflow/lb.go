package workflow

import (
	"context"
	"fmt"
	"strings"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/helm"
	"github.com/localcluster/localcluster/internal/plan"
)

// MetalLBReleases are the two releases that give a kind cluster
// LoadBalancer addresses from its pools: MetalLB from chart (its own, or the
// lab's choice) and the pool from our embedded chart, so the user's files
// are never edited.
func MetalLBReleases(chart helm.Chart, c *addrplan.Cluster) []helm.Release {
	var pools []string
	for _, p := range c.LBPools() {
		pools = append(pools, p.String())
	}
	metallb := helm.MetalLBRelease()
	metallb.Chart = chart
	return []helm.Release{metallb, helm.LBPoolRelease(pools)}
}

// LBSteps gives MetalLB and their address pools to the clusters whose
// provider has no service load balancer of its own (kind's).
func LBSteps(e *Env, defs []*definition.Cluster, needs func(cluster string) string) []*plan.Step {
	var steps []*plan.Step
	for _, c := range e.clustersOf(defs) {
		if t := e.traits(c); !t.Nodes || !t.MetalLB {
			continue
		}
		if len(c.LBPools()) == 0 {
			steps = append(steps, &plan.Step{
				ID: stepID(LBStep, c.Name), Cluster: c.Name, Title: "No LoadBalancer pool (subnet nybble 0)",
				Script: "# " + c.Name + ": nybble 0 gives no MetalLB pool; LoadBalancer Services stay pending",
				Do: func(context.Context, plan.Logger) (plan.Result, error) {
					return plan.Unchanged("no pool for nybble 0"), nil
				},
			})
			continue
		}
		releases := MetalLBReleases(e.Charts.MetalLB, c)
		var script []string
		for _, r := range releases {
			script = append(script, helm.Command(c.Name, r))
		}
		s := &plan.Step{
			ID: stepID(LBStep, c.Name), Cluster: c.Name,
			Title:  fmt.Sprintf("Install MetalLB with pool %s", joinPrefixes(c.LBPools()...)),
			Script: strings.Join(script, "\n"),
			Do: func(ctx context.Context, log plan.Logger) (plan.Result, error) {
				client, err := e.helmClient(c, log)
				if err != nil {
					return plan.Result{}, err
				}
				return ensureAll(ctx, client, releases, log)
			},
		}
		if id := needs(c.Name); id != "" {
			s.Needs = []string{id}
		}
		steps = append(steps, s)
	}
	return steps
}
