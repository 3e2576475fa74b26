package app

// The lab flow test's environment: preconditions, the Docker network, the
// lab files, the user's kubeconfig, running the built binary, and the
// cleanup that leaves nothing behind.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/localcluster/localcluster/internal/dockernet"
	"github.com/localcluster/localcluster/internal/testenv"
)

const makeTestHint = "run `make test`, which builds the test image (hack/testimage/build.sh) and the kube-apiserver and etcd binaries (hack/testbin/build.sh) first"

// flowCommandTimeout bounds one run of the binary.
const flowCommandTimeout = 4 * time.Minute

// labFlow is one run of the lab flow test.
type labFlow struct {
	id                    string
	bin                   string
	apiserverBin, etcdBin string

	work       string // everything the test writes
	labDir     string // the lab: lab.yaml and one directory per cluster
	home       string // HOME and XDG_CACHE_HOME of the binary
	kubeconfig string // first entry of KUBECONFIG, holding the user's own context
	otherKube  string // second entry of KUBECONFIG: must never change
	trustDir   string

	net   dockernet.NetworkSpec
	nodes []*labNode // alpha, beta, gamma

	shimDir string // put first on the binary's PATH when not empty (see dockerShim)
}

// labflowPreconditions fails (never skips) when what the test needs is
// missing, saying how to get it.
func labflowPreconditions(t *testing.T) (apiserver, etcd string) {
	t.Helper()
	if out, err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").CombinedOutput(); err != nil {
		t.Fatalf("the Docker engine is not reachable with the docker CLI: %v\n%s\n%s", err, out, makeTestHint)
	}
	if out, err := exec.Command("docker", "image", "inspect", "--format", "{{.Id}}", flowNodeImage).CombinedOutput(); err != nil {
		t.Fatalf("test image %s is missing: %v\n%s\n%s", flowNodeImage, err, out, makeTestHint)
	}
	apiserver, etcd, err := testenv.Binaries()
	if err != nil {
		t.Fatalf("%v\n%s", err, makeTestHint)
	}
	return apiserver, etcd
}

func newFlow(t *testing.T) *labFlow {
	t.Helper()
	apiserver, etcd := labflowPreconditions(t)
	work := t.TempDir()
	f := &labFlow{
		id: labflowID(t), bin: binary(t), apiserverBin: apiserver, etcdBin: etcd,
		work: work, labDir: filepath.Join(work, "lab"), home: filepath.Join(work, "home"),
		kubeconfig: filepath.Join(work, "kube", "config"), otherKube: filepath.Join(work, "kube", "other"),
		trustDir: filepath.Join(work, "trust"),
	}
	t.Cleanup(func() { f.cleanup(t) })
	f.createNetwork(t)
	third := f.net.IPv4Subnet.Addr().As4()
	addr := func(last byte) netip.Addr { return netip.AddrFrom4([4]byte{third[0], third[1], third[2], last}) }
	// Fixed addresses inside the network's container range (.0/28), where
	// Docker would put kind's nodes; beta is moved to .14 by the route step.
	for i, short := range []string{"alpha", "beta", "gamma"} {
		n := &labNode{short: short, name: short + "-" + f.id, nybble: i + 1, addr: addr(byte(11 + i))}
		if short == "beta" {
			n.spareAddr = addr(14)
		}
		n.dir = filepath.Join(work, "nodes", short)
		f.nodes = append(f.nodes, n)
	}
	for _, dir := range []string{f.home, filepath.Dir(f.kubeconfig)} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	f.writeUserKubeconfigs(t)
	f.writeLab(t)
	return f
}

func (f *labFlow) node(short string) *labNode {
	for _, n := range f.nodes {
		if n.short == short {
			return n
		}
	}
	panic("no node " + short)
}

func labflowID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func labflowRand(t *testing.T, n int64) int64 {
	t.Helper()
	v, err := rand.Int(rand.Reader, big.NewInt(n))
	if err != nil {
		t.Fatal(err)
	}
	return v.Int64()
}

// createNetwork makes the lab's network as `localcluster create` would
// (dockernet.EnsureNetwork with the lab's spec, plus the test's label),
// because the stand-in nodes must exist, at fixed addresses, before create
// runs; create must then find that it "exists and fits the plan". The subnet is a
// random free 192.168.2xx.0/24; the IPv6 subnet a random ULA /64, so that
// it clashes with no other network (the lab's default IPv6 subnet is
// kind's, which other labs and tests use).
func (f *labFlow) createNetwork(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	d, err := dockernet.New(ctx)
	if err != nil {
		t.Fatalf("%v\n%s", err, makeTestHint)
	}
	defer func() { _ = d.Close() }()
	for attempt := 0; ; attempt++ {
		third := f.freeThirdOctet(t)
		subnet := netip.MustParsePrefix(fmt.Sprintf("192.168.%d.0/24", third))
		f.net = dockernet.NetworkSpec{
			Name:       "lc-flow-" + f.id,
			IPv4Subnet: subnet,
			IPv4Range:  netip.PrefixFrom(subnet.Addr(), 28),
			IPv6Subnet: netip.MustParsePrefix(fmt.Sprintf("fd7c:%x:%x:%x::/64", labflowRand(t, 0xffff), labflowRand(t, 0xffff), labflowRand(t, 0xffff))),
			MTU:        1500,
			Labels:     map[string]string{flowTestLabel: f.id},
		}
		_, err := d.EnsureNetwork(ctx, f.net)
		var inUse *dockernet.SubnetInUseError
		if errors.As(err, &inUse) && attempt < 5 {
			continue // another test took it meanwhile
		}
		if err != nil {
			t.Fatalf("create the lab network: %v", err)
		}
		return
	}
}

// freeThirdOctet picks c in 192.168.c.0/24, 200 <= c < 250, that no Docker
// network uses.
func (f *labFlow) freeThirdOctet(t *testing.T) int {
	t.Helper()
	return int(testenv.FreeDockerSubnet(t).Addr().As4()[2])
}

// cleanup removes the test's containers and network, even after a
// failure, then checks that nothing labelled for the test remains.
func (f *labFlow) cleanup(t *testing.T) {
	filter := "label=" + flowTestLabel + "=" + f.id
	out, _ := exec.Command("docker", "ps", "-aq", "--filter", filter).Output()
	if ids := strings.Fields(string(out)); len(ids) > 0 {
		if out, err := exec.Command("docker", append([]string{"rm", "-f", "-v"}, ids...)...).CombinedOutput(); err != nil {
			t.Errorf("cleanup: docker rm: %v\n%s", err, out)
		}
	}
	if f.net.Name != "" {
		out, _ := exec.Command("docker", "network", "ls", "-q", "--filter", filter, "--filter", "name="+f.net.Name).Output()
		if len(bytes.TrimSpace(out)) > 0 {
			if out, err := exec.Command("docker", "network", "rm", f.net.Name).CombinedOutput(); err != nil {
				t.Errorf("cleanup: docker network rm: %v\n%s", err, out)
			}
		}
	}
	ctrs, _ := exec.Command("docker", "ps", "-aq", "--filter", filter).Output()
	nets, _ := exec.Command("docker", "network", "ls", "-q", "--filter", filter).Output()
	if left := strings.Fields(string(ctrs) + " " + string(nets)); len(left) > 0 {
		t.Errorf("cleanup: containers or networks labelled %s=%s remain: %v", flowTestLabel, f.id, left)
	}
}

// flowUserKubeconfig is the user's own file before the lab: a context for a
// cluster elsewhere, current. localcluster must leave it as it is.
const flowUserKubeconfig = `apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://prod.example.invalid:443
  name: prod
contexts:
- context:
    cluster: prod
    namespace: shop
    user: prod-admin
  name: prod
current-context: prod
preferences: {}
users:
- name: prod-admin
  user:
    token: not-a-real-token
`

func (f *labFlow) writeUserKubeconfigs(t *testing.T) {
	t.Helper()
	other := strings.NewReplacer("prod", "staging", "shop", "cart").Replace(flowUserKubeconfig)
	for path, data := range map[string]string{f.kubeconfig: flowUserKubeconfig, f.otherKube: other} {
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// writeLab writes lab.yaml and one sma.yaml per cluster: three kind
// clusters in group g1, gamma declaring a gateway link to alpha. The charts
// are local stand-ins: MetalLB's from testdata/labflow, Linkerd's the ones
// internal/mesh's tests use.
func (f *labFlow) writeLab(t *testing.T) {
	t.Helper()
	metallb, err := filepath.Abs(filepath.Join("testdata", "labflow", "charts", "metallb"))
	if err != nil {
		t.Fatal(err)
	}
	linkerd, err := filepath.Abs(filepath.Join("..", "mesh", "testdata", "charts"))
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
    ipv4Range: %s
    ipv6Subnet: "%s"
    mtu: 1500
  # The machine's image cache is a container shared by every lab, so the
  # flows, which run in parallel with other tests, leave it out; it is
  # tested on its own (TestDownCache, TestMirrorsReachExistingClusters,
  # internal/imagecache) and on real nodes (make e2e-local).
  cache:
    enabled: false
  metallb:
    repo: %s    # stand-in for MetalLB's published chart
  linkerd:
    repo: %s    # stand-ins for Linkerd's published charts
    version: "2026.8.3"
    charts:
      crds: linkerd-crds
      controlPlane: linkerd-control-plane
      multicluster: linkerd-multicluster
`, f.net.Name, f.net.IPv4Subnet, f.net.IPv4Range, f.net.IPv6Subnet, metallb, linkerd),
	}
	for _, n := range f.nodes {
		extra := ""
		if n.short == "gamma" {
			extra = "  gatewayLinks: [" + f.node("alpha").name + "]\n"
		}
		files[filepath.Join(n.short, "sma.yaml")] = fmt.Sprintf(`kind: SMA-cluster
apiVersion: sma.buoyant.io/v1alpha1
metadata:
  name: %s
spec:
  subnet: %X%d/%d
  v4Enabled: true
  v6Enabled: false
  provider: kind
  group: g1
  zone: zone-%s
%s`, n.name, 9+n.nybble, n.nybble, n.nybble, n.short, extra)
	}
	for rel, body := range files {
		path := filepath.Join(f.labDir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// dockerShimScript drops the --privileged of `docker exec --privileged`
// and passes every other docker command through unchanged.
const dockerShimScript = `#!/bin/sh
# Written by localcluster's lab flow test (internal/app/labflow_env_test.go).
# This Docker engine cannot grant privileged execs ("unable to apply caps:
# operation not permitted"); kind's library reads a node's admin.conf with
# "docker exec --privileged <node> cat /etc/kubernetes/admin.conf". A plain
# exec reads the same file. Nothing else is changed.
if [ "$1" = exec ] && [ "$2" = --privileged ]; then
	shift 2
	exec %[1]q exec "$@"
fi
exec %[1]q "$@"
`

// dockerShim checks whether this Docker engine runs privileged execs, as
// kind's library asks for when it reads a node's kubeconfig. Real kind
// nodes are privileged containers and it works; an engine that lacks the
// capabilities itself (a Docker inside a restricted container) refuses
// even that. Then the binary gets a docker command on its PATH that runs
// such execs unprivileged (dockerShimScript); the product code is the same.
func (f *labFlow) dockerShim(t *testing.T, n *labNode) {
	t.Helper()
	out, err := exec.Command("docker", "exec", "--privileged", n.container(), "cat", "/etc/kubernetes/admin.conf").CombinedOutput()
	if err == nil {
		return
	}
	if !strings.Contains(string(out), "unable to apply caps") {
		t.Fatalf("docker exec --privileged %s: %v\n%s", n.container(), err, out)
	}
	dockerCLI, err := exec.LookPath("docker")
	if err != nil {
		t.Fatal(err)
	}
	f.shimDir = filepath.Join(f.work, "shim")
	if err := os.MkdirAll(f.shimDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.shimDir, "docker"), []byte(fmt.Sprintf(dockerShimScript, dockerCLI)), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("this Docker engine refuses privileged execs (%s); kind's kubeconfig read runs unprivileged through %s/docker",
		strings.TrimSpace(string(out)), f.shimDir)
}

// runResult is one run of the binary.
type runResult struct {
	args           []string
	stdout, stderr string
	code           int
	took           time.Duration
}

func (r runResult) output() string { return r.stdout + r.stderr }

// run runs the built binary as a user would, from the work directory, with
// KUBECONFIG naming the user's files and a private HOME.
func (f *labFlow) run(t *testing.T, command string, rest ...string) runResult {
	t.Helper()
	r := f.runQuiet(command, rest...)
	if r.code == -1 {
		t.Fatalf("localcluster %s: %s", strings.Join(r.args, " "), r.stderr)
	}
	t.Logf("localcluster %s: exit %d in %s\n%s%s", strings.Join(r.args, " "), r.code, r.took.Round(100*time.Millisecond), r.stdout, r.stderr)
	return r
}

// runQuiet runs the binary as run does, from any goroutine: a failure to
// start is in the result (code -1) instead of failing a test.
func (f *labFlow) runQuiet(command string, rest ...string) runResult {
	ctx, cancel := context.WithTimeout(context.Background(), flowCommandTimeout)
	defer cancel()
	cmd := f.command(ctx, command, rest...)
	args := cmd.Args[1:]
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := runResult{args: args, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		r.code = exitErr.ExitCode()
	case err != nil:
		r.code, r.stderr = -1, r.stderr+err.Error()
	}
	return r
}

// command is the binary run as a user would, from the work directory,
// with KUBECONFIG naming the user's files, a private HOME and a private
// runtime directory (where the lab lock lives).
func (f *labFlow) command(ctx context.Context, command string, rest ...string) *exec.Cmd {
	args := append([]string{command, "--trust-dir", f.trustDir, f.labDir}, rest...)
	cmd := exec.CommandContext(ctx, f.bin, args...)
	cmd.Dir = f.work
	cmd.Env = append(os.Environ(),
		"KUBECONFIG="+f.kubeconfig+string(os.PathListSeparator)+f.otherKube,
		"HOME="+f.home, "XDG_CACHE_HOME="+filepath.Join(f.home, ".cache"),
		"XDG_RUNTIME_DIR="+f.runtimeDir())
	if f.shimDir != "" {
		cmd.Env = append(cmd.Env, "PATH="+f.shimDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	return cmd
}

// runtimeDir is the binary's XDG_RUNTIME_DIR, outside HOME, which some
// tests check is left empty.
func (f *labFlow) runtimeDir() string { return filepath.Join(f.work, "run") }

// mustSucceed fails the test now unless the run exited 0.
func mustSucceed(t *testing.T, r runResult) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("localcluster %s: exit %d, want 0\n%s", strings.Join(r.args, " "), r.code, r.output())
	}
}

var flowSummaryRE = regexp.MustCompile(`(?m)^\w+: (\d+) changed, (\d+) already as wanted, (\d+) failed, (\d+) skipped$`)

// counts reads the summary line of a run: changed, unchanged, failed and
// skipped steps.
func runCounts(t *testing.T, r runResult) (changed, unchanged, failed, skipped int) {
	t.Helper()
	m := flowSummaryRE.FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("localcluster %s printed no summary line:\n%s", strings.Join(r.args, " "), r.stderr)
	}
	n := func(s string) int { v, _ := strconv.Atoi(s); return v }
	return n(m[1]), n(m[2]), n(m[3]), n(m[4])
}

// wantUnchanged checks that a re-run changed nothing and said so.
func wantUnchanged(t *testing.T, r runResult) {
	t.Helper()
	mustSucceed(t, r)
	changed, unchanged, failed, skipped := runCounts(t, r)
	if changed != 0 || failed != 0 || skipped != 0 || unchanged == 0 {
		t.Errorf("localcluster %s: %d changed, %d unchanged, %d failed, %d skipped; want every step unchanged\n%s",
			strings.Join(r.args, " "), changed, unchanged, failed, skipped, r.stderr)
	}
}

// wantStep checks that the run reports the step that starts with prefix
// (after "✓ ") with a note containing note.
func wantStep(t *testing.T, r runResult, prefix, note string) {
	t.Helper()
	for _, line := range strings.Split(r.stderr, "\n") {
		if rest, ok := strings.CutPrefix(line, "✓ "+prefix); ok && strings.Contains(rest, note) {
			return
		}
	}
	t.Errorf("localcluster %s: no line \"✓ %s…%s…\" in:\n%s", strings.Join(r.args, " "), prefix, note, r.stderr)
}
