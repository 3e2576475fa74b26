package imagecache

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// These tests run the real cache: localcluster built as a static Linux
// binary, imported as the one-file image, serving distribution's registry
// in a container. The stand-ins: a second container from the same image in
// plain mode plays docker.io (it serves images made here with random
// layers), and the test process plays the nodes, pulling through the
// cache's port published on 127.0.0.1 with go-containerregistry's client
// and, for the fallback, with k3s's own mirror library (wharfie) reading
// the registries.yaml the k3d provider generates. No containerd runs here.

var (
	binOnce sync.Once
	binDir  string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// staticBinary builds localcluster the way the cache image needs it.
func staticBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "localcluster-cache-bin-")
		if binErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, "localcluster"), "../../localcluster")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return filepath.Join(binDir, "localcluster")
}

// cacheImage makes the cache image of bin, checked first as the cache
// step checks it, and removes it after the test if it made it.
func cacheImage(t testing.TB, bin string) (client.APIClient, string) {
	t.Helper()
	ctx := context.Background()
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	info, err := api.Info(ctx)
	if err != nil {
		t.Fatalf("these tests need Docker: %v", err)
	}
	if err := CheckBinary(bin, EngineArch(info.Architecture)); err != nil {
		t.Fatalf("the cache cannot run %s: %v", bin, err)
	}
	ref, created, err := EnsureImage(ctx, api, bin)
	if err != nil {
		t.Fatal(err)
	}
	if created {
		t.Cleanup(func() { _, _ = api.ImageRemove(context.Background(), ref, imageRemoveOptions()) })
	}
	return api, ref
}

// lab is one test's Docker objects: a network, the stand-in upstream and
// the cache, all removed at the end.
type lab struct {
	api             client.APIClient
	network         string
	upstream, cache Instance
	image           string
}

func newLab(t testing.TB) *lab {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Docker (skipped with -short)")
	}
	ctx := context.Background()
	api, ref := cacheImage(t, staticBinary(t))
	suffix := randomSuffix(t)
	l := &lab{api: api, network: "lc-cache-test-" + suffix, image: ref}
	if _, err := api.NetworkCreate(ctx, l.network, network.CreateOptions{Labels: map[string]string{managedLabel: "test"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.NetworkRemove(context.Background(), l.network) })
	up := "lc-test-upstream-" + suffix
	l.upstream = Instance{Container: up, Volume: up, Args: []string{"--plain", ":5000"}, Loopback: true}
	c := "lc-test-cache-" + suffix
	l.cache = Instance{Container: c, Volume: c, Args: []string{"--upstream", "docker.io=http://" + up + ":5000"}, Loopback: true}
	for _, in := range []Instance{l.upstream, l.cache} {
		t.Cleanup(func() { _ = in.Remove(context.Background(), api, true) })
		if _, err := in.Ensure(ctx, api, ref, l.network); err != nil {
			t.Fatal(err)
		}
	}
	l.waitReady(t, l.upstream)
	l.waitReady(t, l.cache)
	return l
}

// waitReady waits until the registry of in answers /v2/ on the host.
func (l *lab) waitReady(t testing.TB, in Instance) {
	t.Helper()
	host := l.hostPort(t, in)
	var err error
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		var resp *http.Response
		if resp, err = http.Get("http://" + host + "/v2/"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("GET /v2/: %s", resp.Status)
		}
	}
	ct, ierr := l.api.ContainerInspect(context.Background(), in.Container)
	state := fmt.Sprint(ierr)
	if ierr == nil {
		state = fmt.Sprintf("%s (exit %d) %s", ct.State.Status, ct.State.ExitCode, ct.State.Error)
	}
	t.Fatalf("%s never answered on %s: %v; container %s; log:\n%s", in.Container, host, err, state, l.logs(t, in))
}

func (l *lab) logs(_ testing.TB, in Instance) string {
	rc, err := l.api.ContainerLogs(context.Background(), in.Container, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return err.Error()
	}
	defer func() { _ = rc.Close() }()
	var out strings.Builder
	_, _ = stdcopy.StdCopy(&out, &out, rc)
	return out.String()
}

func randomSuffix(t testing.TB) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func (l *lab) hostPort(t testing.TB, in Instance) string {
	t.Helper()
	hp, err := in.HostPort(context.Background(), l.api, 5000)
	if err != nil {
		t.Fatal(err)
	}
	return hp
}

// push puts images made here (random layers) into the stand-in upstream.
func (l *lab) push(t testing.TB, repo string, size, layers int64) v1.Image {
	t.Helper()
	img, err := random.Image(size, layers)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(l.hostPort(t, l.upstream)+"/library/"+repo+":1.0", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	retry(t, func() error { return remote.Write(ref, img) })
	return img
}

// retry gives a server that has just started a few seconds to listen.
func retry(t testing.TB, f func() error) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if err = f(); err == nil {
			return
		}
	}
	t.Fatal(err)
}

// pull fetches an image's manifest, config and every layer from host.
func pull(host, repo string) (v1.Hash, error) {
	ref, err := name.ParseReference(host+"/library/"+repo+":1.0", name.Insecure)
	if err != nil {
		return v1.Hash{}, err
	}
	img, err := remote.Image(ref)
	if err != nil {
		return v1.Hash{}, err
	}
	return readAll(img)
}

func readAll(img v1.Image) (v1.Hash, error) {
	if _, err := img.RawConfigFile(); err != nil {
		return v1.Hash{}, err
	}
	layers, err := img.Layers()
	if err != nil {
		return v1.Hash{}, err
	}
	for _, layer := range layers {
		rc, err := layer.Compressed()
		if err != nil {
			return v1.Hash{}, err
		}
		_, err = io.Copy(io.Discard, rc)
		_ = rc.Close()
		if err != nil {
			return v1.Hash{}, err
		}
	}
	return img.Digest()
}

// served counts what a server's access log says it served: blob and
// manifest GETs and the bytes of all responses.
type served struct {
	BlobGets, ManifestGets, ManifestHeads int
	Bytes                                 int64
}

// served reads the log until it stops growing: a request's line is
// written after its response, so a client can finish before its line is in
// the container's log.
func (l *lab) served(t testing.TB, in Instance) served {
	t.Helper()
	last := l.readServed(t, in)
	for i := 0; i < 20; i++ {
		time.Sleep(250 * time.Millisecond)
		now := l.readServed(t, in)
		if now == last {
			return now
		}
		last = now
	}
	return last
}

func (l *lab) readServed(t testing.TB, in Instance) served {
	t.Helper()
	rc, err := l.api.ContainerLogs(context.Background(), in.Container, container.LogsOptions{ShowStdout: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	pr, pw := io.Pipe()
	go func() { _, err := stdcopy.StdCopy(pw, io.Discard, rc); pw.CloseWithError(err) }()
	var s served
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		var site, method, path string
		var status int
		var n int64
		if _, err := fmt.Sscanf(sc.Text(), "%s %s %s %d %d", &site, &method, &path, &status, &n); err != nil {
			continue // the "serving ..." lines
		}
		s.Bytes += n
		switch {
		case method == "GET" && strings.Contains(path, "/blobs/"):
			s.BlobGets++
		case method == "GET" && strings.Contains(path, "/manifests/"):
			s.ManifestGets++
		case method == "HEAD" && strings.Contains(path, "/manifests/"):
			s.ManifestHeads++
		}
	}
	return s
}

func imageRemoveOptions() image.RemoveOptions { return image.RemoveOptions{PruneChildren: true} }

// TestPullThroughCache: the first pull through the cache fetches every
// blob from upstream once; six more pulls (the other clusters of a
// seven-cluster lab) fetch no blob upstream; the cache still has them
// after its container restarts.
func TestPullThroughCache(t *testing.T) {
	l := newLab(t)
	ctx := context.Background()
	img := l.push(t, "testimg", 256<<10, 3)
	want, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	blobs := 3 + 1 // layers and config
	before := l.served(t, l.upstream)
	cacheHost := l.hostPort(t, l.cache)
	var got v1.Hash
	retry(t, func() (err error) { got, err = pull(cacheHost, "testimg"); return err })
	if got != want {
		t.Fatalf("pulled %s through the cache, pushed %s", got, want)
	}
	first := l.served(t, l.upstream)
	if d := first.BlobGets - before.BlobGets; d != blobs {
		t.Fatalf("first pull fetched %d blobs upstream, want %d", d, blobs)
	}
	for i := 0; i < 6; i++ {
		if _, err := pull(cacheHost, "testimg"); err != nil {
			t.Fatalf("pull %d: %v", i+2, err)
		}
	}
	after := l.served(t, l.upstream)
	if d := after.BlobGets - first.BlobGets; d != 0 {
		t.Errorf("six more pulls fetched %d blobs upstream, want 0 (cache hits)", d)
	}
	// distribution checks a tag's digest upstream on every pull (HEAD); the
	// manifest body itself comes from the cache.
	if d := after.ManifestGets - first.ManifestGets; d != 0 {
		t.Errorf("six more pulls fetched the manifest upstream %d times, want 0", d)
	}
	t.Logf("upstream: first pull %d bytes; six more pulls %d bytes (%d tag checks)",
		first.Bytes-before.Bytes, after.Bytes-first.Bytes, after.ManifestHeads-first.ManifestHeads)

	// The cache survives a restart of its container: storage is the volume.
	if err := l.api.ContainerRestart(ctx, l.cache.Container, container.StopOptions{}); err != nil {
		t.Fatal(err)
	}
	cacheHost = l.hostPort(t, l.cache)
	retry(t, func() (err error) { got, err = pull(cacheHost, "testimg"); return err })
	if got != want {
		t.Errorf("after restart pulled %s, want %s", got, want)
	}
	if d := l.served(t, l.upstream).BlobGets - after.BlobGets; d != 0 {
		t.Errorf("after the cache restarted, a pull fetched %d blobs upstream, want 0", d)
	}

	// A pull by digest needs no upstream at all: stop the upstream.
	if err := l.api.ContainerStop(ctx, l.upstream.Container, container.StopOptions{}); err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(cacheHost+"/library/testimg@"+want.String(), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	byDigest, err := remote.Image(ref)
	if err == nil {
		_, err = readAll(byDigest)
	}
	if err != nil {
		t.Errorf("pull by digest with upstream down: %v", err)
	}
}
