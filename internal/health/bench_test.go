package health

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/localcluster/localcluster/internal/addrplan"
	"github.com/localcluster/localcluster/internal/certs"
	"github.com/localcluster/localcluster/internal/definition"
	"github.com/localcluster/localcluster/internal/provider"
	"github.com/localcluster/localcluster/internal/testenv"
)

// BenchmarkStatusSevenClusters checks a lab of seven clusters, each a real
// kube-apiserver (internal/testenv), declared as external clusters so that
// no node containers are needed, linked in a ring both ways (14 links),
// with certificates made. Nothing is installed in them, so the Linkerd
// and link checks find nothing: the figures are those of the API calls a
// status makes, all clusters at once ("parallel") against one cluster
// after another ("one-by-one"). It prints figures; it asserts nothing
// about speed.
func BenchmarkStatusSevenClusters(b *testing.B) {
	names := []string{"c1", "c2", "c3", "c4", "c5", "c6", "c7"}
	servers := testenv.Start(b, names...)
	kubeconfig := testenv.MergedKubeconfig(b, servers...)
	dir := b.TempDir()
	for _, n := range names {
		sma := fmt.Sprintf("kind: SMA-cluster\napiVersion: sma.buoyant.io/v1alpha1\nmetadata: {name: %s}\nspec:\n  provider: external\n  context: %s\n  kubeconfig: %s\n", n, n, kubeconfig)
		if err := os.MkdirAll(filepath.Join(dir, n), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n, "sma.yaml"), []byte(sma), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	lab, err := definition.Load([]string{dir})
	if err != nil {
		b.Fatal(err)
	}
	p, err := addrplan.Compute(lab, addrplan.DefaultNetwork())
	if err != nil {
		b.Fatal(err)
	}
	trust := filepath.Join(dir, "trust")
	var cs []certs.Cluster
	for _, c := range lab.Clusters {
		cs = append(cs, certs.Cluster{Name: c.Name, Dir: c.Dir})
	}
	if _, err := certs.Ensure(certs.Options{TrustDir: trust, Clusters: cs}); err != nil {
		b.Fatal(err)
	}
	var links []Link
	for i, n := range names {
		next := names[(i+1)%len(names)]
		links = append(links, Link{Source: n, Target: next}, Link{Source: next, Target: n})
	}
	opts := Options{
		Plan: p, Clusters: names, Links: links, TrustDir: trust, Fixes: Fixes{Dirs: dir},
		KubeTarget: func(c *addrplan.Cluster) (string, string) { return kubeconfig, c.Def.Context },
		Traits:     func(*addrplan.Cluster) provider.Traits { return provider.Traits{} }, // external clusters
	}
	if r := Run(context.Background(), opts); r.Summary.OK == 0 {
		b.Fatalf("no check passed: %v", r.Problems())
	}
	b.Run("parallel", func(b *testing.B) {
		for b.Loop() {
			Run(context.Background(), opts)
		}
	})
	b.Run("one-by-one", func(b *testing.B) {
		for b.Loop() {
			for _, n := range names {
				one := opts
				one.Clusters = []string{n}
				Run(context.Background(), one)
			}
		}
	})
}
