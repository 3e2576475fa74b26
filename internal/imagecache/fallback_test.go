package imagecache

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/rancher/wharfie/pkg/registries"

	"github.com/localcluster/localcluster/internal/provider"
	"github.com/localcluster/localcluster/internal/provider/k3d"
)

// TestK3sMirrorFallsBack pulls as a k3s node does, with k3s's own mirror
// library (wharfie) reading the registries.yaml the k3d provider writes:
// through the cache while it runs, from upstream when it is stopped. The
// stand-in upstream is the registry of the image reference here (it plays
// docker.io's part), so that its default endpoint is reachable.
func TestK3sMirrorFallsBack(t *testing.T) {
	l := newLab(t)
	ctx := context.Background()
	img := l.push(t, "fallback", 128<<10, 2)
	want, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	blobs := 2 + 1
	upHost, cacheHost := l.hostPort(t, l.upstream), l.hostPort(t, l.cache)
	yaml := k3d.RegistriesYAML([]provider.Mirror{{Registry: upHost, Endpoint: "http://" + cacheHost}})
	path := filepath.Join(t.TempDir(), "registries.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	reg, err := registries.GetPrivateRegistries(path)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(upHost + "/library/fallback:1.0")
	if err != nil {
		t.Fatal(err)
	}
	k3sPull := func() error {
		im, err := reg.Image(ref)
		if err != nil {
			return err
		}
		got, err := readAll(im)
		if err == nil && got != want {
			t.Errorf("pulled %s, want %s", got, want)
		}
		return err
	}

	up0, cache0 := l.served(t, l.upstream), l.served(t, l.cache)
	if err := k3sPull(); err != nil {
		t.Fatal(err)
	}
	up1, cache1 := l.served(t, l.upstream), l.served(t, l.cache)
	if d := cache1.BlobGets - cache0.BlobGets; d != blobs {
		t.Errorf("with the cache up, the cache served %d blobs, want %d", d, blobs)
	}
	if d := up1.BlobGets - up0.BlobGets; d != blobs {
		t.Errorf("with the cache up, upstream served %d blobs (to the cache), want %d", d, blobs)
	}

	if err := l.api.ContainerStop(ctx, l.cache.Container, container.StopOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := k3sPull(); err != nil {
		t.Fatalf("with the cache stopped, the pull failed instead of falling back: %v", err)
	}
	if d := l.served(t, l.upstream).BlobGets - up1.BlobGets; d != blobs {
		t.Errorf("with the cache stopped, upstream served %d blobs, want %d (straight to the node)", d, blobs)
	}
}
