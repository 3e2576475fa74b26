package certs

import (
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkEnsureSevenClusters makes an anchor and seven issuers, written
// and synced to disk, as for a full workshop lab.
func BenchmarkEnsureSevenClusters(b *testing.B) {
	base := b.TempDir()
	names := []string{"smiley", "face", "color", "cdn", "east", "west", "north"}
	n := 0
	for b.Loop() {
		dir := filepath.Join(base, strconv.Itoa(n))
		n++
		opts := Options{TrustDir: filepath.Join(dir, "certs")}
		for _, name := range names {
			opts.Clusters = append(opts.Clusters, Cluster{Name: name, Dir: filepath.Join(dir, "clusters", name)})
		}
		actions, err := Ensure(opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(actions) != 8 {
			b.Fatalf("%d actions, want 8", len(actions))
		}
	}
}
