package backends

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"

	"github.com/localcluster/localcluster/internal/testenv"
)

// testPrefix marks Docker objects made by tests; objects of other tests
// running at the same time carry it too and are ignored when comparing.
const testPrefix = "lc-test-"

func uniqueName(t *testing.T) string {
	t.Helper()
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return testPrefix + hex.EncodeToString(b)
}

func dockerClient(t *testing.T) *client.Client {
	t.Helper()
	dc, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dc.Close() })
	_, err = dc.Ping(context.Background())
	testenv.Need(t, "the Docker engine", err)
	return dc
}

// snapshot is what exists in Docker, minus other tests' objects.
type snapshot struct {
	containers, volumes, networks, nodeImages []string
}

func takeSnapshot(ctx context.Context, t *testing.T, dc *client.Client) snapshot {
	t.Helper()
	var s snapshot
	cs, err := dc.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	ignoredVolumes := map[string]bool{} // anonymous volumes of ignored containers
	for _, c := range cs {
		name := strings.TrimPrefix(c.Names[0], "/")
		if strings.Contains(name, testPrefix) || othersTestObject(name, c.Labels) {
			for _, m := range c.Mounts {
				ignoredVolumes[m.Name] = true
			}
			continue
		}
		s.containers = append(s.containers, name)
	}
	vs, err := dc.VolumeList(ctx, volume.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs.Volumes {
		if !strings.Contains(v.Name, testPrefix) && !ignoredVolumes[v.Name] {
			s.volumes = append(s.volumes, v.Name)
		}
	}
	ns, err := dc.NetworkList(ctx, network.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		if !strings.Contains(n.Name, testPrefix) && !othersTestObject(n.Name, n.Labels) {
			s.networks = append(s.networks, n.Name+" "+n.ID)
		}
	}
	is, err := dc.ImageList(ctx, image.ListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range is {
		for _, tag := range i.RepoTags {
			if strings.Contains(tag, "kindest/") || strings.Contains(tag, "rancher/k3s") || strings.Contains(tag, "k3d-io/") {
				s.nodeImages = append(s.nodeImages, tag)
			}
		}
	}
	for _, l := range [][]string{s.containers, s.volumes, s.networks, s.nodeImages} {
		sort.Strings(l)
	}
	return s
}

// othersTestObject tells the Docker objects of the other packages' tests,
// which run at the same time and make and remove their own: the lab flows'
// and dockernet's (labelled dev.localcluster.test) and imagecache's
// networks (lc-cache-test-...). Whether they come or go says nothing about
// this test.
func othersTestObject(name string, labels map[string]string) bool {
	_, labelled := labels["dev.localcluster.test"]
	return labelled || strings.HasPrefix(name, "lc-cache-test-")
}

// diff checks, on the snapshot taken now, that nothing that existed before
// is gone and that no node image appeared. Objects that appeared are not
// compared: the tests of other packages run at the same time and make their
// own; this test's objects are checked by label and name elsewhere.
func (now snapshot) diff(t *testing.T, before snapshot) {
	t.Helper()
	for _, c := range []struct {
		what        string
		before, now []string
	}{
		{"containers", before.containers, now.containers},
		{"volumes", before.volumes, now.volumes},
		{"networks", before.networks, now.networks},
	} {
		for _, name := range c.before {
			if !slices.Contains(c.now, name) {
				t.Errorf("%s: %s existed before and is gone", c.what, name)
			}
		}
	}
	if !slices.Equal(before.nodeImages, now.nodeImages) {
		t.Errorf("node images changed:\nbefore %q\nafter  %q", before.nodeImages, now.nodeImages)
	}
}

func createNetwork(ctx context.Context, t *testing.T, dc *client.Client, name string) {
	t.Helper()
	if _, err := dc.NetworkCreate(ctx, name, network.CreateOptions{Driver: "bridge"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dc.NetworkRemove(context.Background(), name) })
}

// leftovers lists containers and volumes that carry label or whose name
// contains name.
func leftovers(ctx context.Context, t *testing.T, dc *client.Client, label, name string) []string {
	t.Helper()
	var out []string
	cs, err := dc.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Labels[label] == name || strings.Contains(c.Names[0], name) {
			out = append(out, "container "+c.Names[0])
		}
	}
	vs, err := dc.VolumeList(ctx, volume.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs.Volumes {
		if v.Labels[label] == name || strings.Contains(v.Name, name) {
			out = append(out, "volume "+v.Name)
		}
	}
	return out
}

// logWriter sends provider progress to the test log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// skipK3dUnderRace skips k3d creations under the race detector: k3d's
// ClusterRun races with itself (its tools-node goroutine and the node
// creation both build a docker CLI client, which writes docker/cli's global
// config directory), a race in k3d that this module cannot fix.
func skipK3dUnderRace(t *testing.T, providerName string) {
	t.Helper()
	if raceDetector && providerName == "k3d" {
		t.Skip("k3d's ClusterRun has a data race of its own (docker/cli config.SetDir); run without -race")
	}
}
