//go:build e2elocal

package e2elocal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeImageEnv names the variable through which make e2e-local hands over
// the node image that hack/nodeimage/build.sh built.
const nodeImageEnv = "LOCALCLUSTER_E2E_NODE_IMAGE"

// podImage is the busybox image that the node image holds in its
// containerd (hack/nodeimage): nothing can be pulled here.
const podImage = "localcluster.test/busybox:e2e"

// kindClusterLabel is the label kind puts on its node containers.
const kindClusterLabel = "io.x-k8s.kind.cluster"

// lab is a two-cluster kind lab in a temporary folder, and the
// environment localcluster runs in: its own HOME and KUBECONFIG, and the
// docker shim of testdata/ first on PATH.
type lab struct {
	root       string // working folder; the lab files are in root/lab
	home       string
	kubeconfig string
	bin        string // the localcluster binary under test
	docker     string // the real docker command
	shimDir    string
	shimLog    string
	network    string
	subnet     netip.Prefix
	clusters   []labCluster
	squatted   netip.Addr // a node's old address, taken by another container
}

type labCluster struct {
	name    string
	nybble  int
	zone    string
	podCIDR netip.Prefix
}

// container is the name kind gives the cluster's one node.
func (c labCluster) container() string { return c.name + "-control-plane" }

// newLab writes the lab files, builds localcluster and registers the
// cleanup that removes whatever the test leaves behind. Docker and the node
// image must be there: the test fails, not skips, without them.
func newLab(t *testing.T, image string) *lab {
	t.Helper()
	docker, err := exec.LookPath("docker")
	if err != nil {
		t.Fatalf("docker is not on PATH: %v", err)
	}
	l := &lab{root: t.TempDir(), docker: docker}
	if out, err := l.dockerOut(t.Context(), "version", "--format", "{{.Server.Version}}"); err != nil {
		t.Fatalf("the Docker engine does not answer: %v\n%s", err, out)
	}
	if out, err := l.dockerOut(t.Context(), "image", "inspect", "--format", "{{.Id}}", image); err != nil {
		t.Fatalf("node image %s is missing (make e2e-local builds it): %v\n%s", image, err, out)
	}
	suffix := randomSuffix(t)
	l.home = filepath.Join(l.root, "home")
	l.kubeconfig = filepath.Join(l.home, ".kube", "config")
	l.network = "lc-e2e-" + suffix
	l.subnet = l.freeSubnet(t)
	// Nybbles 3 and 4: pods 10.3.1.0/24 and 10.4.1.0/24, MetalLB pools
	// .48/28 and .64/28 of the network, above Docker's range (.0/28).
	for i, part := range []string{"a", "b"} {
		nybble := 3 + i
		l.clusters = append(l.clusters, labCluster{
			name:    fmt.Sprintf("e2e-%s-%s", suffix, part),
			nybble:  nybble,
			zone:    "zone-" + part,
			podCIDR: netip.MustParsePrefix(fmt.Sprintf("10.%d.1.0/24", nybble)),
		})
	}
	t.Cleanup(func() { l.sweep(t) })
	l.writeFiles(t, image)
	l.installShim(t)
	l.build(t)
	return l
}

func randomSuffix(t *testing.T) string {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// freeSubnet picks a /24 for the lab's network that no Docker network on
// this engine uses: other tests run on the same engine at the same time.
func (l *lab) freeSubnet(t *testing.T) netip.Prefix {
	t.Helper()
	var used []netip.Prefix
	ids, err := l.dockerOut(t.Context(), "network", "ls", "-q")
	if err != nil {
		t.Fatalf("docker network ls: %v", err)
	}
	for _, id := range strings.Fields(ids) {
		out, err := l.dockerOut(t.Context(), "network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}} {{end}}", id)
		if err != nil {
			continue // removed in the meantime
		}
		for _, s := range strings.Fields(out) {
			if p, err := netip.ParsePrefix(s); err == nil {
				used = append(used, p)
			}
		}
	}
	for third := 200; third < 250; third++ {
		p := netip.MustParsePrefix(fmt.Sprintf("192.168.%d.0/24", third))
		free := true
		for _, u := range used {
			if u.Overlaps(p) {
				free = false
				break
			}
		}
		if free {
			return p
		}
	}
	t.Fatalf("no free 192.168.200-249.0/24 for the lab network; in use: %v", used)
	return netip.Prefix{}
}

// writeFiles writes lab.yaml and one sma.yaml per cluster, in the format
// workshops use, with the node image set.
func (l *lab) writeFiles(t *testing.T, image string) {
	t.Helper()
	// MetalLB's chart and images cannot be had here: lab.yaml points at the
	// stand-in chart the lab flow test uses (CRDs only, no controller).
	charts, err := filepath.Abs(filepath.Join("..", "app", "testdata", "labflow", "charts"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"lab.yaml": fmt.Sprintf(`kind: SMA-lab
apiVersion: sma.buoyant.io/v1alpha1
spec:
  network:
    name: %s
    ipv4Subnet: %s
  metallb:
    repo: %s    # stand-in for MetalLB's published chart
`, l.network, l.subnet, charts),
	}
	for _, c := range l.clusters {
		files[filepath.Join(c.name, "sma.yaml")] = fmt.Sprintf(`kind: SMA-cluster
apiVersion: sma.buoyant.io/v1alpha1
metadata:
  name: %s
spec:
  subnet: %02x/%x
  v4Enabled: true
  v6Enabled: false
  provider: kind
  group: e2e
  zone: %s
  image: %s
`, c.name, 0xe0+c.nybble, c.nybble, c.zone, image)
	}
	for name, content := range files {
		path := filepath.Join(l.dir(), name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(l.kubeconfig), 0o755); err != nil {
		t.Fatal(err)
	}
}

// dir is the lab folder given to localcluster.
func (l *lab) dir() string { return filepath.Join(l.root, "lab") }

// installShim copies testdata/docker (see the comment in it: kind's
// --privileged, which this machine's engine refuses) into a folder that
// goes first on localcluster's PATH.
func (l *lab) installShim(t *testing.T) {
	t.Helper()
	shim, err := os.ReadFile(filepath.Join("testdata", "docker"))
	if err != nil {
		t.Fatal(err)
	}
	l.shimDir = filepath.Join(l.root, "shim")
	l.shimLog = filepath.Join(l.root, "docker-shim.log")
	if err := os.MkdirAll(l.shimDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(l.shimDir, "docker"), shim, 0o755); err != nil {
		t.Fatal(err)
	}
}

// build compiles the product as a user gets it.
func (l *lab) build(t *testing.T) {
	t.Helper()
	l.bin = filepath.Join(l.root, "localcluster")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", l.bin, "./localcluster")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./localcluster: %v\n%s", err, out)
	}
}

// command is localcluster with the lab's environment.
func (l *lab) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, l.bin, args...)
	cmd.Dir = l.root
	cmd.Env = append(os.Environ(),
		"HOME="+l.home,
		"KUBECONFIG="+l.kubeconfig,
		"PATH="+l.shimDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"LOCALCLUSTER_E2E_DOCKER="+l.docker,
		"LOCALCLUSTER_E2E_DOCKER_LOG="+l.shimLog,
	)
	return cmd
}

// run runs localcluster and logs what it said.
func (l *lab) run(ctx context.Context, t *testing.T, args ...string) (string, error) {
	t.Helper()
	start := time.Now()
	out, err := l.command(ctx, args...).CombinedOutput()
	t.Logf("localcluster %s (%s, %v):\n%s", strings.Join(args, " "), time.Since(start).Round(time.Second), err, out)
	return string(out), err
}

// mustRun is run that fails the test when localcluster fails.
func (l *lab) mustRun(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	out, err := l.run(ctx, t, args...)
	if err != nil {
		t.Fatalf("localcluster %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// dockerOut runs the real docker command.
func (l *lab) dockerOut(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, l.docker, args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// nodeIP is the address of the cluster's node on the lab network.
func (l *lab) nodeIP(t *testing.T, c labCluster) netip.Addr {
	t.Helper()
	out, err := l.dockerOut(t.Context(), "inspect", "--format",
		fmt.Sprintf(`{{(index .NetworkSettings.Networks %q).IPAddress}}`, l.network), c.container())
	if err != nil {
		t.Fatalf("docker inspect %s: %v\n%s", c.container(), err, out)
	}
	ip, err := netip.ParseAddr(out)
	if err != nil || !l.subnet.Contains(ip) {
		t.Fatalf("node %s has address %q on %s, want one in %s", c.container(), out, l.network, l.subnet)
	}
	return ip
}

// containers lists the containers kind made for cluster c.
func (l *lab) containers(ctx context.Context, c labCluster) ([]string, error) {
	out, err := l.dockerOut(ctx, "ps", "-aq", "--filter", "label="+kindClusterLabel+"="+c.name)
	if err != nil {
		return nil, fmt.Errorf("docker ps: %w: %s", err, out)
	}
	return strings.Fields(out), nil
}

// sweep removes what a failed run left behind: node containers with their
// volumes, then the lab network. Only objects of this lab are touched.
func (l *lab) sweep(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, c := range l.clusters {
		ids, err := l.containers(ctx, c)
		if err != nil {
			t.Logf("cleanup: %v", err)
			continue
		}
		if len(ids) > 0 {
			out, err := l.dockerOut(ctx, append([]string{"rm", "-f", "-v"}, ids...)...)
			t.Logf("cleanup: removed leftover containers of %s: %v %s", c.name, err, out)
		}
	}
	if _, err := l.dockerOut(ctx, "network", "inspect", l.network); err == nil {
		_, _ = l.dockerOut(ctx, "network", "disconnect", "--force", l.network, cacheContainer)
		out, err := l.dockerOut(ctx, "network", "rm", l.network)
		t.Logf("cleanup: removed network %s: %v %s", l.network, err, out)
	}
}
