package dockernet

import (
	"fmt"
	"net/netip"
	"testing"
)

// BenchmarkEnsureRoutes measures a full mesh of v4+v6 routes between 4 and 8
// node containers, applied in parallel (DefaultParallelism) and one by one.
// "apply" starts from no routes (removed outside the timer); "noop" re-runs
// on routes already in place, which only reads the routing tables.
func BenchmarkEnsureRoutes(b *testing.B) {
	l := newLab(b)
	spec := l.ensureNetwork(l.labSpec("bench"))
	var nodes []testNode
	for i := range 8 {
		nodes = append(nodes, l.startNode(fmt.Sprint("n", i), spec.Name, i+1,
			map[string]string{KindClusterLabel: fmt.Sprint("n", i, l.id), KindRoleLabel: "control-plane"}))
	}
	modes := []struct {
		name        string
		parallelism int
	}{{"parallel", 0}, {"serial", 1}}
	for _, size := range []int{4, 8} {
		members := nodes[:size]
		routes := l.mesh(spec.Name, members...)
		var containers []string
		var dsts []netip.Prefix
		for _, n := range members {
			containers = append(containers, n.container)
			dsts = append(dsts, n.pod4(), n.pod6())
		}
		for _, mode := range modes {
			b.Run(fmt.Sprintf("nodes=%d/%s/apply", size, mode.name), func(b *testing.B) {
				l.cli.Parallelism = mode.parallelism
				for b.Loop() {
					b.StopTimer()
					if _, err := l.cli.RemoveRoutes(l.ctx, containers, dsts, nil); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					changed, err := l.cli.EnsureRoutes(l.ctx, routes)
					if err != nil || len(changed) != len(routes) {
						b.Fatalf("EnsureRoutes changed %d of %d: %v", len(changed), len(routes), err)
					}
				}
				b.ReportMetric(float64(len(routes)), "routes")
			})
			b.Run(fmt.Sprintf("nodes=%d/%s/noop", size, mode.name), func(b *testing.B) {
				l.cli.Parallelism = mode.parallelism
				for b.Loop() {
					changed, err := l.cli.EnsureRoutes(l.ctx, routes)
					if err != nil || len(changed) != 0 {
						b.Fatalf("EnsureRoutes changed %d: %v", len(changed), err)
					}
				}
			})
		}
	}
}
