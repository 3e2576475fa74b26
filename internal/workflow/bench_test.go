package workflow

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/localcluster/localcluster/internal/plan"
)

// simulated is how long each kind of step takes on a laptop, scaled down
// 1,000 times (kind create ≈ 40 s, k3d ≈ 20 s, MetalLB ≈ 30 s, Linkerd's
// control plane ≈ 60 s, multicluster and a change of its controllers
// ≈ 30 s, a link ≈ 2 s).
func simulated(e *Env, s *plan.Step) time.Duration {
	kind, rest, _ := strings.Cut(s.ID, "/")
	switch kind {
	case CreateStep:
		if c := e.Plan.Cluster(rest); c != nil && c.Def.Provider == "k3d" {
			return 20 * time.Millisecond
		}
		return 40 * time.Millisecond
	case LBStep:
		return 30 * time.Millisecond
	case LinkerdStep:
		return 60 * time.Millisecond
	case MulticlusterStep, "controllers":
		return 30 * time.Millisecond
	case "gateway":
		// The multicluster release already has the gateway of a declared
		// gateway link's target: the step finds it unchanged.
		return time.Millisecond
	case "link":
		return 2 * time.Millisecond
	}
	return 500 * time.Microsecond // network, contexts, certificates, routes
}

// stub makes every step sleep for its simulated time.
func stub(e *Env, p *plan.Plan) {
	for _, s := range p.Steps() {
		d := simulated(e, s)
		s.Do = func(ctx context.Context, _ plan.Logger) (plan.Result, error) {
			time.Sleep(d)
			return plan.Changed("simulated"), nil
		}
	}
}

// criticalPath is the longest chain of simulated durations through p.
func criticalPath(e *Env, p *plan.Plan) time.Duration {
	order, _ := p.Order()
	finish := map[string]time.Duration{}
	var longest time.Duration
	for _, s := range order {
		var start time.Duration
		for _, n := range s.Needs {
			start = max(start, finish[n])
		}
		finish[s.ID] = start + simulated(e, s)
		longest = max(longest, finish[s.ID])
	}
	return longest
}

var benchParallel = 8

func run(b *testing.B, p *plan.Plan) time.Duration {
	start := time.Now()
	if _, err := (&plan.Executor{Stderr: &strings.Builder{}, Parallel: benchParallel}).Run(context.Background(), p); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// BenchmarkUpSimulated runs up's plan for the seven-cluster workshop lab
// with simulated step durations and reports its wall time against the
// critical path (goal: at most 1.05×) and against create, linkerd, group
// and link run one after the other.
func BenchmarkUpSimulated(b *testing.B) {
	e := workshopEnv(b)
	defs := e.Lab.Clusters
	var up, seq, crit time.Duration
	for b.Loop() {
		p := plan.New()
		AddUp(p, e, defs)
		stub(e, p)
		crit = criticalPath(e, p)
		up += run(b, p)

		var total time.Duration
		for _, build := range []func(*plan.Plan){
			func(p *plan.Plan) { AddCreate(p, e, defs) },
			func(p *plan.Plan) { AddLinkerd(p, e, defs, NoNeeds) },
			func(p *plan.Plan) { p.Add(LinkSteps(e, GroupLinks(e, defs), NoNeeds)...) },
			func(p *plan.Plan) { p.Add(LinkSteps(e, DeclaredGatewayLinks(e, defs), NoNeeds)...) },
		} {
			p := plan.New()
			build(p)
			stub(e, p)
			total += run(b, p)
		}
		seq += total
	}
	n := time.Duration(b.N)
	b.ReportMetric(float64(up/n)/float64(time.Millisecond), "up-ms")
	b.ReportMetric(float64(crit)/float64(time.Millisecond), "critical-ms")
	b.ReportMetric(float64(up/n)/float64(crit), "up/critical")
	b.ReportMetric(float64(seq/n)/float64(time.Millisecond), "4-commands-ms")
	b.ReportMetric(float64(seq)/float64(up), "4-commands/up")
}
