package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localcluster/localcluster/internal/imagecache"
	"github.com/localcluster/localcluster/internal/plan"
	"github.com/localcluster/localcluster/internal/testenv"
)

// TestDownCache runs down and delete against the real Docker engine: a lab
// network, a second network standing for another lab's, and a cache
// container on both with its volume. The cache is a stand-in (a busybox
// container named and labelled as the cache, with the volume mounted
// where the cache keeps its images) under a name of the test's own, so
// that the machine's real cache, which other labs use, is never touched;
// down's steps find it by the name the lab's Env gives them, as they find
// the real one.
func TestDownCache(t *testing.T) {
	imagesPreconditions(t)
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	id := hex.EncodeToString(b)
	labNet, otherNet := "lc-down-"+id, "lc-down-other-"+id
	cache := imagecache.Instance{Container: "lc-test-cache-" + id, Volume: "lc-test-cache-" + id}
	dir := t.TempDir()
	subnet := testenv.FreeDockerSubnet(t)
	writeFiles(t, dir, map[string]string{
		"lab.yaml":              fmt.Sprintf("kind: SMA-lab\napiVersion: sma.buoyant.io/v1alpha1\nspec:\n  network:\n    name: %s\n    ipv4Subnet: %s\n", labNet, subnet),
		"dc" + id + "/sma.yaml": fmt.Sprintf("kind: SMA-cluster\napiVersion: sma.buoyant.io/v1alpha1\nmetadata:\n  name: dc%s\nspec:\n  subnet: 1/1\n  provider: kind\n", id),
	})
	t.Cleanup(func() {
		_ = exec.Command("docker", "rm", "-f", cache.Container, "lc-down-user-"+id).Run()
		_ = exec.Command("docker", "volume", "rm", cache.Volume).Run()
		_ = exec.Command("docker", "network", "rm", labNet, otherNet).Run()
	})
	dockerCLI(t, "network", "create", "--subnet", subnet.String(), labNet)
	dockerCLI(t, "network", "create", otherNet)
	dockerCLI(t, "volume", "create", "--label", "io.localcluster.cache=true", cache.Volume)
	dockerCLI(t, "run", "-d", "--name", cache.Container, "--label", "io.localcluster.cache=true", "--network", labNet,
		"-v", cache.Volume+":/var/lib/registry", testNodeImage, "sleep", "3600")
	dockerCLI(t, "network", "connect", otherNet, cache.Container)

	run := func(t *testing.T, c labCommand) string {
		t.Helper()
		stderr, err := runWithCache(t, c, dir, cache)
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		return stderr
	}
	networksOf := func(t *testing.T) string {
		t.Helper()
		return dockerCLI(t, "inspect", "-f", "{{range $n, $_ := .NetworkSettings.Networks}}{{$n}} {{end}}", cache.Container)
	}

	t.Run("delete keeps the cache", func(t *testing.T) {
		out := run(t, deleteCommand())
		wantLine(t, out, "Delete kind cluster", "does not exist")
		if got := networksOf(t); got != labNet+" "+otherNet {
			t.Errorf("after delete the cache is on %q, want both networks", got)
		}
	})
	t.Run("down keeps the cache on a network others use", func(t *testing.T) {
		dockerCLI(t, "run", "-d", "--name", "lc-down-user-"+id, "--network", labNet, testNodeImage, "sleep", "3600")
		out := run(t, downCommand(&downOptions{}))
		wantLine(t, out, fmt.Sprintf("Remove Docker network %q", labNet), "kept: still used by lc-down-user-"+id+", "+cache.Container)
		if got := networksOf(t); got != labNet+" "+otherNet {
			t.Errorf("the cache is on %q, want both networks: the other lab on %s still uses it", got, labNet)
		}
		dockerCLI(t, "rm", "-f", "lc-down-user-"+id)
	})
	t.Run("down keeps the cache and removes the network", func(t *testing.T) {
		out := run(t, downCommand(&downOptions{}))
		wantLine(t, out, fmt.Sprintf("Remove Docker network %q", labNet), "removed; image cache "+cache.Container+" left it")
		if got := networksOf(t); got != otherNet {
			t.Errorf("after down the cache is on %q, want only %s", got, otherNet)
		}
		dockerCLI(t, "volume", "inspect", cache.Volume)
		if out := dockerCLI(t, "network", "ls", "-q", "--filter", "name=^"+labNet+"$"); out != "" {
			t.Errorf("down kept the network %s", labNet)
		}
	})
	t.Run("down --cache", func(t *testing.T) {
		dockerCLI(t, "network", "create", "--subnet", subnet.String(), labNet)
		dockerCLI(t, "network", "connect", labNet, cache.Container)
		out := run(t, downCommand(&downOptions{Cache: true}))
		wantLine(t, out, fmt.Sprintf("Remove Docker network %q", labNet), "removed; image cache")
		wantLine(t, out, "Remove image cache "+cache.Container, "removed container and volume (every cached image); nodes on "+otherNet+" now pull from the registries directly")
		if out, err := exec.Command("docker", "inspect", cache.Container).CombinedOutput(); err == nil {
			t.Errorf("down --cache left the container %s:\n%s", cache.Container, out)
		}
		if out, err := exec.Command("docker", "volume", "inspect", cache.Volume).CombinedOutput(); err == nil {
			t.Errorf("down --cache left the volume %s:\n%s", cache.Volume, out)
		}
		wantLine(t, run(t, downCommand(&downOptions{Cache: true})), "Remove image cache "+cache.Container, "no cache to remove")
	})
}

// runWithCache runs the lab command c on the lab in dir, for real, as
// runLabCommand does, with the lab's cache instance replaced by cache.
// It returns the progress output.
func runWithCache(t *testing.T, c labCommand, dir string, cache imagecache.Instance) (string, error) {
	t.Helper()
	t.Setenv("KUBECONFIG", "")
	t.Setenv("HOME", t.TempDir())
	var out, errOut bytes.Buffer
	streams := Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	g := &GlobalOptions{TrustDir: t.TempDir(), Kubeconfig: filepath.Join(t.TempDir(), "kubeconfig"), Parallel: 4}
	ctx := context.Background()
	a := labArgs{Dirs: []string{dir}}
	l, err := loadLab(ctx, streams, g, a)
	if err != nil {
		return "", err
	}
	defer l.Close()
	l.Env.Cache.Instance = cache
	p := plan.New()
	if err := c.Build(l, p); err != nil {
		return "", err
	}
	err = execute(ctx, streams, g, l, labRun{name: c.Use, args: a}, p)
	return errOut.String(), err
}

// wantLine checks that out has a step line starting with prefix (after
// "✓ " and any "[cluster] ") whose note contains note.
func wantLine(t *testing.T, out, prefix, note string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(line, "✓ ")
		if _, after, found := strings.Cut(rest, "] "); ok && found && strings.HasPrefix(rest, "[") {
			rest = after
		}
		if r, ok2 := strings.CutPrefix(rest, prefix); ok && ok2 && strings.Contains(r, note) {
			return
		}
	}
	t.Errorf("no line \"✓ %s…%s…\" in:\n%s", prefix, note, out)
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, body := range files {
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
