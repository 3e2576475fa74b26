package backends

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"

	"github.com/localcluster/localcluster/internal/provider"
	"github.com/localcluster/localcluster/internal/provider/k3d"
	"github.com/localcluster/localcluster/internal/provider/kind"
	"github.com/localcluster/localcluster/internal/testenv"
)

// TestCreateFailsCleanly creates a kind and a k3d cluster, in parallel, on
// a network of its own, against this machine's real Docker engine, which
// cannot pull images. Both creations must fail naming the missing node
// image, leave nothing of either cluster behind, leave the user's
// kubeconfig alone, and change nothing else in Docker.
func TestCreateFailsCleanly(t *testing.T) {
	dc := dockerClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("KUBECONFIG", filepath.Join(home, "kubeconfig"))
	t.Setenv("KIND_EXPERIMENTAL_DOCKER_NETWORK", "") // restored afterwards: the kind provider sets it

	before := takeSnapshot(ctx, t, dc)
	netName := uniqueName(t)
	createNetwork(ctx, t, dc, netName)

	reg := New(Options{Log: logWriter{t}})
	base := uniqueName(t)
	t.Run("create", func(t *testing.T) { // returns once both parallel creations are done
		createBoth(ctx, t, reg, dc, base, netName)
	})
	t.Run("untouched", func(t *testing.T) {
		nw, err := dc.NetworkInspect(ctx, netName, network.InspectOptions{})
		if err != nil {
			t.Fatalf("the lab network is gone: %v", err)
		}
		if len(nw.Containers) > 0 {
			t.Errorf("containers still attached to the lab network: %v", nw.Containers)
		}
		if err := dc.NetworkRemove(ctx, netName); err != nil {
			t.Fatal(err)
		}
		takeSnapshot(ctx, t, dc).diff(t, before)
		entries, err := os.ReadDir(home)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			t.Errorf("the providers wrote %s into $HOME or $KUBECONFIG", e.Name())
		}
	})
}

func createBoth(ctx context.Context, t *testing.T, reg provider.Registry, dc *client.Client, base, netName string) {
	for _, tc := range []struct {
		provider, image, label string
		spec                   provider.Spec
	}{
		{kind.Name, kind.DefaultImage, "io.x-k8s.kind.cluster", spec(base+"-kind", kind.Name, netName)},
		{k3d.Name, k3d.DefaultImage, "k3d.cluster", spec(base+"-k3d", k3d.Name, netName)},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			t.Parallel()
			skipK3dUnderRace(t, tc.provider)
			p, err := reg.For(tc.provider)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = p.Create(ctx, tc.spec)
			t.Logf("Create failed after %s with: %v", time.Since(start).Round(time.Millisecond), err)
			var imageErr *provider.ImageError
			switch {
			case err == nil:
				t.Fatal("Create succeeded on a machine that cannot pull images")
			case !errors.As(err, &imageErr):
				t.Fatalf("Create error does not report the missing image: %v", err)
			case imageErr.Image != tc.image || !strings.Contains(err.Error(), tc.image):
				t.Errorf("Create error names image %q, want %q: %v", imageErr.Image, tc.image, err)
			case !strings.Contains(err.Error(), tc.spec.Name):
				t.Errorf("Create error does not name the cluster: %v", err)
			}

			// ClusterRun's tools-node goroutine may outlive Create: give
			// anything late a moment to show up before looking.
			time.Sleep(2 * time.Second)
			if left := leftovers(ctx, t, dc, tc.label, tc.spec.Name); len(left) > 0 {
				t.Errorf("left behind: %q", left)
			}
			st, err := p.Status(ctx, tc.spec.Name)
			if err != nil || st.Exists || st.Running || len(st.Nodes) > 0 {
				t.Errorf("Status after failed create = %+v, %v; want nothing", st, err)
			}
			// Deleting what does not exist is fine.
			if err := p.Delete(ctx, tc.spec.Name); err != nil {
				t.Errorf("Delete after failed create: %v", err)
			}
		})
	}
}

// TestCreateNeedsTheNetwork checks that no provider makes the lab network
// itself (parallel creations would race to make it twice).
func TestCreateNeedsTheNetwork(t *testing.T) {
	dc := dockerClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t.Setenv("KIND_EXPERIMENTAL_DOCKER_NETWORK", "")
	before := takeSnapshot(ctx, t, dc)
	netName := uniqueName(t)
	reg := New(Options{})
	for _, name := range []string{kind.Name, k3d.Name} {
		p, _ := reg.For(name)
		err := p.Create(ctx, spec(netName+"-"+name, name, netName))
		want := `docker network "` + netName + `" does not exist: create the lab network first`
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: Create without the network = %v, want %q", name, err, want)
		}
	}
	if _, err := dc.NetworkInspect(ctx, netName, network.InspectOptions{}); err == nil {
		t.Errorf("a provider created network %s", netName)
	}
	takeSnapshot(ctx, t, dc).diff(t, before)
}

func spec(name, providerName, netName string) provider.Spec {
	return provider.Spec{
		Name:      name,
		Provider:  providerName,
		Network:   netName,
		IPFamily:  provider.IPv4,
		PodV4:     netip.MustParsePrefix("10.13.1.0/24"),
		ServiceV4: netip.MustParsePrefix("10.13.2.0/24"),
		Zone:      "zone-test",
	}
}

// TestCreateFailsAfterNodesExist gets further: the node image is present
// (the busybox stand-in from hack/testimage, under a node-like tag), so
// kind and k3d create node containers before failing (kind when the node
// does not boot, k3d when it cannot pull its tools image). Their own
// rollbacks and ours must still leave nothing behind.
func TestCreateFailsAfterNodesExist(t *testing.T) {
	dc := dockerClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	const stand = "localcluster-testnode:busybox"
	_, err := dc.ImageInspect(ctx, stand)
	testenv.Need(t, "the "+stand+" image (make testimage builds it)", err)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "kubeconfig"))
	t.Setenv("KIND_EXPERIMENTAL_DOCKER_NETWORK", "")

	before := takeSnapshot(ctx, t, dc)
	netName := uniqueName(t)
	createNetwork(ctx, t, dc, netName)
	nodeImage := uniqueName(t) + "/node:v1.99.0"
	if err := dc.ImageTag(ctx, stand, nodeImage); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if _, err := dc.ImageRemove(context.Background(), nodeImage, image.RemoveOptions{}); err != nil {
			t.Errorf("untag %s: %v", nodeImage, err)
		}
	}()

	reg := New(Options{Log: logWriter{t}})
	base := uniqueName(t)
	t.Run("create", func(t *testing.T) {
		for _, tc := range []struct{ provider, label string }{
			{kind.Name, "io.x-k8s.kind.cluster"},
			{k3d.Name, "k3d.cluster"},
		} {
			t.Run(tc.provider, func(t *testing.T) {
				t.Parallel()
				skipK3dUnderRace(t, tc.provider)
				p, _ := reg.For(tc.provider)
				s := spec(base+"-"+tc.provider, tc.provider, netName)
				s.Image = nodeImage
				err := p.Create(ctx, s)
				t.Logf("Create: %v", err)
				if err == nil || !strings.Contains(err.Error(), s.Name) {
					t.Fatalf("Create = %v, want an error naming %s", err, s.Name)
				}
				time.Sleep(2 * time.Second)
				if left := leftovers(ctx, t, dc, tc.label, s.Name); len(left) > 0 {
					t.Errorf("left behind: %q", left)
				}
			})
		}
	})
	if err := dc.NetworkRemove(ctx, netName); err != nil {
		t.Errorf("remove the test network (still in use?): %v", err)
	}
	takeSnapshot(ctx, t, dc).diff(t, before)
}
