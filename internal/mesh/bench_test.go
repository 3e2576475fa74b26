package mesh

import (
	"context"
	"sync"
	"testing"
)

// BenchmarkLinkGroupOfFour links a group of four clusters all-to-all
// pod-to-pod (12 links: GenerateLink reading the target, ApplyLink writing
// the source), one link after another and all at once, and re-applies the
// 12 links unchanged. The releases are installed once, outside the timing;
// the links are removed between iterations, outside the timing too.
func BenchmarkLinkGroupOfFour(b *testing.B) {
	skipShort(b)
	names := []string{"g1", "g2", "g3", "g4"}
	l := startLab(b, names...)
	var clusters []Cluster
	var specs []LinkSpec
	for _, src := range names {
		c := Cluster{Name: src}
		for _, dst := range names {
			if dst != src {
				c.Controllers = append(c.Controllers, Controller{Target: dst})
				specs = append(specs, LinkSpec{Source: l.endpoint(src, ""), Target: l.endpoint(dst, "")})
			}
		}
		clusters = append(clusters, c)
	}
	l.ensureAll(b, standInCharts(b), clusters...)
	for _, n := range names {
		l.fillToken(b, n)
	}
	ctx := context.Background()

	linkAll := func(b *testing.B, parallel, wantChanged bool) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		run := func(s LinkSpec) {
			changed, err := EnsureLink(ctx, s)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				b.Errorf("link %s into %s: %v", s.Target.Name, s.Source.Name, err)
			} else if changed != wantChanged {
				b.Errorf("link %s into %s: changed = %v, want %v", s.Target.Name, s.Source.Name, changed, wantChanged)
			}
		}
		for _, s := range specs {
			if parallel {
				wg.Go(func() { run(s) })
			} else {
				run(s)
			}
		}
		wg.Wait()
	}
	unlinkAll := func(b *testing.B) {
		for _, s := range specs {
			if _, err := Unlink(ctx, s.Source.RESTConfig, s.Target.Name); err != nil {
				b.Fatal(err)
			}
		}
	}
	perLink := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*len(specs)), "ms/link")
	}

	for _, mode := range []struct {
		name     string
		parallel bool
	}{{"one-by-one", false}, {"parallel", true}} {
		b.Run(mode.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				unlinkAll(b)
				b.StartTimer()
				linkAll(b, mode.parallel, true)
			}
			perLink(b)
		})
	}
	b.Run("unchanged", func(b *testing.B) {
		unlinkAll(b)
		linkAll(b, true, true)
		b.ResetTimer()
		for range b.N {
			linkAll(b, true, false)
		}
		perLink(b)
	})
}
