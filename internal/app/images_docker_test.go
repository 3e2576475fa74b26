package app

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Stand-in kind nodes for images load: busybox containers carrying kind's
// labels, so that kind's own library finds them and runs its real
// LoadImageArchive against them. Inside, three scripts stand in for the
// node's containerd: `containerd config dump` prints a version 2 config
// (kind reads the snapshotter from it), `crictl` knows no image (so kind
// loads), and `ctr images import -` stores what kind streams into it.
const standInScripts = `printf '#!/bin/sh\nprintf "version = 2\\n[plugins.\\"io.containerd.grpc.v1.cri\\".containerd]\\nsnapshotter = \\"overlayfs\\"\\n"\n' > /bin/containerd
printf '#!/bin/sh\nexit 1\n' > /bin/crictl
printf '#!/bin/sh\ncat > /tmp/imported.tar\n' > /bin/ctr
chmod +x /bin/containerd /bin/crictl /bin/ctr
exec sleep 3600`

const testNodeImage = "localcluster-testnode:busybox"

func imagesPreconditions(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Docker (skipped with -short)")
	}
	if out, err := exec.Command("docker", "image", "inspect", testNodeImage).CombinedOutput(); err != nil {
		t.Fatalf("needs Docker and the image %s (make testimage): %v\n%s", testNodeImage, err, out)
	}
}

func dockerCLI(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// standInLab writes a lab of n kind clusters and starts a stand-in node
// for each; everything is removed at the end.
func standInLab(t testing.TB, n int) (dir string, nodes []string) {
	t.Helper()
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	id := hex.EncodeToString(b)
	dir = t.TempDir()
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("il%s-%d", id, i)
		body := fmt.Sprintf("kind: SMA-cluster\napiVersion: sma.buoyant.io/v1alpha1\nmetadata:\n  name: %s\nspec:\n  subnet: %X/%X\n  provider: kind\n", name, i, i)
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "sma.yaml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		node := name + "-control-plane"
		t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", node).Run() })
		dockerCLI(t, "run", "-d", "--name", node, "--label", "io.x-k8s.kind.cluster="+name,
			"--label", "io.x-k8s.kind.role=control-plane", testNodeImage, "sh", "-c", standInScripts)
		nodes = append(nodes, node)
	}
	for _, node := range nodes { // the scripts are written as the node starts
		for i := 0; exec.Command("docker", "exec", node, "test", "-x", "/bin/ctr").Run() != nil; i++ {
			if i == 100 {
				t.Fatalf("%s: stand-in scripts never appeared: %s", node, dockerCLI(t, "logs", node))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return dir, nodes
}

// savedSize is the size of `docker save image`, what every node must get.
func savedSize(t testing.TB, image string) int64 {
	t.Helper()
	f := filepath.Join(t.TempDir(), "saved.tar")
	dockerCLI(t, "save", "-o", f, image)
	fi, err := os.Stat(f)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func importedSize(t testing.TB, node string) int64 {
	t.Helper()
	out := dockerCLI(t, "exec", node, "sh", "-c", "wc -c < /tmp/imported.tar")
	n, err := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	if err != nil {
		t.Fatalf("%s: %q", node, out)
	}
	return n
}

// TestImagesLoadStandInNodes runs `images load` against three stand-in
// kind nodes through kind's own library. Where Docker allows privileged
// exec (kind's loader asks for it, as real kind nodes are privileged),
// each node must receive the whole archive of the image. Where it does not
// (this machine's sandbox refuses privileged containers and execs), each
// cluster's step must fail naming its node and the refused exec, and the
// command must exit 1 after trying every cluster.
func TestImagesLoadStandInNodes(t *testing.T) {
	imagesPreconditions(t)
	dir, nodes := standInLab(t, 3)
	want := savedSize(t, testNodeImage)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	// The lab lock's directory stays by design (it falls back to TMPDIR
	// without a runtime directory); keep it out of the one checked here.
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	_, stderr, err := runWithDocker(t, "images", "load", dir, testNodeImage)
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the run left %s in the temporary directory; the archive lives only for the run", left[0].Name())
	}
	if !strings.Contains(stderr, "✓ Save 1 image from the host's Docker") {
		t.Errorf("the image was not saved from the host's Docker:\n%s", stderr)
	}
	if err != nil {
		if ExitCode(err) != 1 {
			t.Fatalf("exit code %d: %v", ExitCode(err), err)
		}
		for _, n := range nodes {
			if !strings.Contains(err.Error(), "docker exec --privileged "+n+" containerd config dump") {
				t.Errorf("error does not show kind's loader reaching %s: %v", n, err)
			}
		}
		if !strings.Contains(stderr, "3 failed") {
			t.Errorf("not every cluster was tried:\n%s", stderr)
		}
		t.Logf("this Docker refuses privileged exec, so kind's loader stops before streaming: %v", err)
		return
	}
	for _, n := range nodes {
		if got := importedSize(t, n); got != want {
			t.Errorf("%s received %d bytes, want the %d of docker save", n, got, want)
		}
	}
}

// BenchmarkImagesLoadStreams times what `images load` does per node once
// kind's loader has its snapshotter — stream the saved archive of a 64 MiB
// image into the node through `docker exec -i` — for the seven stand-in
// nodes of a workshop lab, all at once (as the steps run) and one by one.
// It streams without kind's --privileged, which this machine refuses.
func BenchmarkImagesLoadStreams(b *testing.B) {
	imagesPreconditions(b)
	image := bigImage(b, 64<<20)
	archive := filepath.Join(b.TempDir(), "images.tar")
	dockerCLI(b, "save", "-o", archive, image)
	_, nodes := standInLab(b, 7)
	stream := func(node string) error {
		f, err := os.Open(archive)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		cmd := exec.Command("docker", "exec", "-i", node, "ctr", "--namespace=k8s.io", "images", "import", "-")
		cmd.Stdin = f
		return cmd.Run()
	}
	for _, parallel := range []bool{true, false} {
		b.Run(fmt.Sprintf("parallel-%v", parallel), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				errs := make(chan error, len(nodes))
				for _, n := range nodes {
					if parallel {
						go func() { errs <- stream(n) }()
					} else {
						errs <- stream(n)
					}
				}
				for range nodes {
					if err := <-errs; err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// bigImage imports an image holding size random bytes.
func bigImage(b *testing.B, size int64) string {
	b.Helper()
	dir := b.TempDir()
	data := make([]byte, size)
	if _, err := rand.Read(data); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "blob"), data, 0o644); err != nil {
		b.Fatal(err)
	}
	tag := "localcluster-bench-load:" + strconv.FormatInt(time.Now().UnixNano(), 36)
	out, err := exec.Command("sh", "-c", "tar -C "+dir+" -c blob | docker import - "+tag).CombinedOutput()
	if err != nil {
		b.Fatalf("docker import: %v\n%s", err, out)
	}
	b.Cleanup(func() { _ = exec.Command("docker", "image", "rm", tag).Run() })
	return tag
}
