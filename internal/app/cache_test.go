package app

import (
	"strings"
	"testing"
)

// TestCacheSettings checks what lab.yaml's spec.cache does to create's
// dry-run: the default starts the lab's cache and points every node at it
// (see the create-*.golden files), "enabled: false" leaves both out, and
// existing mirrors configure the nodes without starting a cache.
func TestCacheSettings(t *testing.T) {
	t.Run("off", func(t *testing.T) {
		out, _, err := run(t, "create", "--dryrun", "internal/app/testdata/cachelab-off")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"localcluster-cache", "certs.d", "registries:"} {
			if strings.Contains(out, s) {
				t.Errorf("cache off, but the dry-run mentions %q:\n%s", s, out)
			}
		}
	})
	t.Run("mirrors", func(t *testing.T) {
		out, _, err := run(t, "create", "--dryrun", "internal/app/testdata/cachelab-mirrors")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{
			`[host."http://192.168.1.10:5000"]`,          // kind node, docker.io
			`/etc/containerd/certs.d/quay.io/hosts.toml`, // kind node, quay.io
			`- "https://mirror.example:5443"`,            // k3d node, quay.io
			`"docker.io":` + "\n" + `        endpoint:` + "\n" + `          - "http://192.168.1.10:5000"`, // k3d node
		} {
			if !strings.Contains(out, s) {
				t.Errorf("dry-run lacks %q:\n%s", s, out)
			}
		}
		if strings.Contains(out, "docker run") || strings.Contains(out, "ghcr.io") {
			t.Errorf("existing mirrors, but the dry-run starts a cache or mirrors other registries:\n%s", out)
		}
	})
	t.Run("bad", func(t *testing.T) {
		out, _, err := run(t, "create", "internal/app/testdata/cachelab-bad")
		if ExitCode(err) != 2 {
			t.Fatalf("exit code %d (%v), want 2", ExitCode(err), err)
		}
		for _, s := range []string{`"gcr.io" is not a registry the cache knows`, `docker.io: "192.168.1.10:5000" is not a mirror URL`} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error lacks %q: %v", s, err)
			}
		}
		if out != "" {
			t.Errorf("printed %q; nothing should run", out)
		}
	})
}
