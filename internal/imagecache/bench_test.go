package imagecache

import (
	"fmt"
	"testing"
)

// BenchmarkSevenClusterPulls reports the bytes the stand-in upstream
// serves when the seven nodes of a workshop lab each pull the lab's image
// set, straight from upstream and through the cache. The image set is
// five images (like Linkerd's proxy, controller and init, MetalLB and a
// demo application) made here, scaled down to 1 MiB each.
func BenchmarkSevenClusterPulls(b *testing.B) {
	const nodes, images = 7, 5
	for i := 0; i < b.N; i++ {
		l := newLab(b)
		var repos []string
		for j := 0; j < images; j++ {
			repo := fmt.Sprintf("set%d-%d", i, j)
			l.push(b, repo, 512<<10, 2)
			repos = append(repos, repo)
		}
		upHost, cacheHost := l.hostPort(b, l.upstream), l.hostPort(b, l.cache)
		pullAll := func(host string) {
			for n := 0; n < nodes; n++ {
				for _, repo := range repos {
					if _, err := pull(host, repo); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
		before := l.served(b, l.upstream).Bytes
		pullAll(upHost)
		direct := l.served(b, l.upstream).Bytes - before
		// The first pull also waits for the cache to listen; what it
		// fetched upstream counts.
		before = l.served(b, l.upstream).Bytes
		retry(b, func() error { _, err := pull(cacheHost, repos[0]); return err })
		pullAll(cacheHost)
		cached := l.served(b, l.upstream).Bytes - before
		b.ReportMetric(float64(direct)/(1<<20), "MiB-upstream-direct")
		b.ReportMetric(float64(cached)/(1<<20), "MiB-upstream-cached")
		b.ReportMetric(float64(direct)/float64(max(cached, 1)), "x-saved")
	}
}
