//go:build e2elocal

package e2elocal

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/clientcmd"
)

// TestKindLab is the product's main promise, for real: the unchanged
// localcluster binary creates two kind clusters (one node each, from the
// node image hack/nodeimage builds here) on one Docker network, a pod in
// each cluster reaches a pod in the other by its pod address through the
// routes localcluster added, `route` and `info` see the lab as it is, and
// `stop`/`start` keep and restore it, and `delete` then `down` leave nothing
// behind but the machine's image cache (removed too if the test made it).
//
// What is not the real thing, and why: kind's `docker run --privileged` goes
// through testdata/docker, a shim that swaps the flag for what this machine's
// engine accepts (it refuses --privileged); MetalLB's chart is the lab flow
// test's stand-in (its images cannot be pulled here); the node image's CNI is
// Debian's ptp/host-local plugins written by a small installer, not kindnetd.
func TestKindLab(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker and the local kind node image (make e2e-local)")
	}
	image := os.Getenv(nodeImageEnv)
	if image == "" {
		t.Fatalf("%s is not set: run make e2e-local, which builds the node image and runs this test", nodeImageEnv)
	}
	l := newLab(t, image)
	ctx := t.Context()
	sysctls := readHostSysctls(t)
	cacheBefore := l.cacheExists(ctx)

	l.mustRun(ctx, t, "create", l.dir())
	a, b := l.clusters[0], l.clusters[1]
	ips := map[string]netip.Addr{a.name: l.nodeIP(t, a), b.name: l.nodeIP(t, b)}
	l.checkContexts(t, ips)

	servers := map[string]netip.Addr{}
	for _, c := range l.clusters {
		cs := l.client(t, c)
		node := waitNodeReady(ctx, t, cs, c)
		if got := node.Labels["topology.kubernetes.io/zone"]; got != c.zone {
			t.Errorf("node %s has zone %q, want %q", node.Name, got, c.zone)
		}
		servers[c.name] = startServer(ctx, t, cs, c, "hello-from-"+c.name)
	}
	l.checkMirror(ctx, t)

	// Both ways: a client pod in one cluster fetches the page of the server
	// pod in the other, by pod address, and the server sees the client's own
	// pod address (routes, no NAT between the clusters).
	for _, pair := range [][2]labCluster{{a, b}, {b, a}} {
		from, to := pair[0], pair[1]
		page, client := fetchFrom(ctx, t, l.client(t, from), servers[to.name])
		if page != "hello-from-"+to.name {
			t.Errorf("client in %s got %q from the server in %s, want %q", from.name, page, to.name, "hello-from-"+to.name)
		}
		if !from.podCIDR.Contains(client) {
			t.Errorf("client pod in %s has address %s, want one in %s", from.name, client, from.podCIDR)
		}
		if logs := podLogs(ctx, t, l.client(t, to), "server"); !strings.Contains(logs, client.String()) {
			t.Errorf("server in %s did not see client address %s; its log:\n%s", to.name, client, logs)
		}
	}

	// The kubelets ran: the machine's own kernel parameters are as they were.
	if got := readHostSysctls(t); !maps.Equal(got, sysctls) {
		t.Errorf("kernel parameters of the host changed while the lab ran: before %v, after %v", sysctls, got)
	}

	l.mustRun(ctx, t, "route", l.dir())
	l.checkRoutes(ctx, t, ips)
	l.checkInfo(ctx, t, ips)

	// stop keeps the nodes and what runs in them; start brings the lab
	// back, repairs the contexts and routes should Docker give the nodes
	// new addresses, and the pods answer across the clusters again.
	l.mustRun(ctx, t, "stop", l.dir())
	l.checkStopped(ctx, t)
	// While the lab is stopped, another container takes a's address, as
	// happens on a busy network, so a comes back with a new one.
	l.squat(ctx, t, image, ips[a.name])
	started := time.Now()
	l.mustRun(ctx, t, "start", l.dir())
	ips = map[string]netip.Addr{a.name: l.nodeIP(t, a), b.name: l.nodeIP(t, b)}
	if ips[a.name] == l.squatted {
		t.Fatalf("%s came back with the address %s another container holds", a.name, l.squatted)
	}
	l.checkContexts(t, ips)
	l.checkRoutes(ctx, t, ips)
	for _, c := range l.clusters {
		cs := l.client(t, c)
		waitNodeReady(ctx, t, cs, c)
		servers[c.name] = waitRestarted(ctx, t, cs, c, "server", started)
		deletePod(ctx, t, cs, "client")
	}
	for _, pair := range [][2]labCluster{{a, b}, {b, a}} {
		from, to := pair[0], pair[1]
		if page, _ := fetchFrom(ctx, t, l.client(t, from), servers[to.name]); page != "hello-from-"+to.name {
			t.Errorf("after stop and start, client in %s got %q from the server in %s, want %q", from.name, page, to.name, "hello-from-"+to.name)
		}
	}

	l.unsquat(ctx, t)
	volumes := l.nodeVolumes(ctx, t)
	l.mustRun(ctx, t, "delete", l.dir())
	l.checkGone(ctx, t, volumes)

	// down takes the network too. The machine's image cache (which create
	// started on the lab network) leaves it; it is removed only if this
	// test made it, with down --cache, so a cache of the user's stays.
	down := []string{"down", l.dir()}
	if !cacheBefore {
		down = []string{"down", "--cache", l.dir()}
	}
	l.mustRun(ctx, t, down...)
	if out, err := l.dockerOut(ctx, "network", "inspect", l.network); err == nil {
		t.Errorf("network %s left after down: %s", l.network, out)
	}
	if got := l.cacheExists(ctx); got != cacheBefore {
		t.Errorf("after down, image cache container exists: %v; before the test: %v", got, cacheBefore)
	}
}

// checkMirror: containerd in each node pulls docker.io images through the
// image cache, as the hosts.toml files localcluster wrote tell it. A pod
// whose image is in no registry makes the node ask for it; the cache's
// access log shows that request (the cache then finds no upstream here,
// offline, and the pull fails, which is expected).
func (l *lab) checkMirror(ctx context.Context, t *testing.T) {
	t.Helper()
	for _, c := range l.clusters {
		cs := l.client(t, c)
		repo := "library/localcluster-mirror-probe-" + c.name
		pod := busyboxPod("mirror-probe", "true", corev1.RestartPolicyNever)
		pod.Spec.Containers[0].Image = "docker.io/" + repo + ":1"
		pod.Spec.Containers[0].ImagePullPolicy = corev1.PullAlways
		createPod(ctx, t, cs, pod)
		waitPod(ctx, t, cs, "mirror-probe", 3*time.Minute, func(p *corev1.Pod) bool {
			for _, st := range p.Status.ContainerStatuses {
				if w := st.State.Waiting; w != nil && (w.Reason == "ErrImagePull" || w.Reason == "ImagePullBackOff") {
					return true
				}
			}
			return false
		})
		logs, err := l.dockerOut(ctx, "logs", cacheContainer)
		if err != nil {
			t.Fatalf("docker logs %s: %v\n%s", cacheContainer, err, logs)
		}
		if want := "/v2/" + repo + "/manifests/1"; !strings.Contains(logs, want) {
			t.Errorf("containerd in %s did not ask the image cache for %s (hosts.toml not read?); the cache's log:\n%s", c.container(), want, logs)
		}
		deletePod(ctx, t, cs, "mirror-probe")
	}
}

// cacheContainer is the machine's image cache, which create starts.
const cacheContainer = "localcluster-cache"

func (l *lab) cacheExists(ctx context.Context) bool {
	_, err := l.dockerOut(ctx, "inspect", "--type", "container", cacheContainer)
	return err == nil
}

// checkContexts: a context named after each cluster whose server is the
// node's address on the lab network, reachable from the other cluster.
func (l *lab) checkContexts(t *testing.T, ips map[string]netip.Addr) {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(l.kubeconfig)
	if err != nil {
		t.Fatalf("load %s: %v", l.kubeconfig, err)
	}
	for _, c := range l.clusters {
		kctx, ok := cfg.Contexts[c.name]
		if !ok {
			t.Fatalf("no context %s in %s", c.name, l.kubeconfig)
		}
		cluster, ok := cfg.Clusters[kctx.Cluster]
		if !ok {
			t.Fatalf("context %s names cluster %q, which is not in %s", c.name, kctx.Cluster, l.kubeconfig)
		}
		if want := "https://" + netip.AddrPortFrom(ips[c.name], 6443).String(); cluster.Server != want {
			t.Errorf("context %s: server %s, want %s", c.name, cluster.Server, want)
		}
	}
}

// checkRoutes: each node routes the other cluster's pod subnet via the
// other node.
func (l *lab) checkRoutes(ctx context.Context, t *testing.T, ips map[string]netip.Addr) {
	t.Helper()
	for _, c := range l.clusters {
		for _, peer := range l.clusters {
			if peer.name == c.name {
				continue
			}
			out, err := l.dockerOut(ctx, "exec", c.container(), "ip", "route", "show", peer.podCIDR.String())
			if err != nil {
				t.Fatalf("ip route in %s: %v\n%s", c.container(), err, out)
			}
			if want := "via " + ips[peer.name].String(); !strings.Contains(out, want) {
				t.Errorf("%s routes %s as %q, want %q", c.container(), peer.podCIDR, out, want)
			}
		}
	}
}

// infoCluster is the part of `info -o json` the test checks.
type infoCluster struct {
	Name     string   `json:"name"`
	Provider string   `json:"provider"`
	Pods     []string `json:"podCIDRs"`
	Nodes    []struct {
		Container string `json:"container"`
		State     string `json:"state"`
		IPv4      string `json:"ipv4"`
	} `json:"nodes"`
}

// checkInfo: info reports both clusters, their pod subnets and their
// running nodes with the addresses Docker gave them.
func (l *lab) checkInfo(ctx context.Context, t *testing.T, ips map[string]netip.Addr) {
	t.Helper()
	out, err := l.runStdout(ctx, t, "info", l.dir(), "-o", "json")
	if err != nil {
		t.Fatalf("localcluster info: %v", err)
	}
	var list []infoCluster
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		var wrapped struct {
			Clusters []infoCluster `json:"clusters"`
		}
		if err2 := json.Unmarshal([]byte(out), &wrapped); err2 != nil {
			t.Fatalf("info -o json is not a list of clusters: %v\n%s", err, out)
		}
		list = wrapped.Clusters
	}
	byName := map[string]infoCluster{}
	for _, ci := range list {
		byName[ci.Name] = ci
	}
	for _, c := range l.clusters {
		ci, ok := byName[c.name]
		switch {
		case !ok:
			t.Errorf("info does not list %s:\n%s", c.name, out)
		case ci.Provider != "kind":
			t.Errorf("info: %s has provider %q, want kind", c.name, ci.Provider)
		case len(ci.Pods) != 1 || ci.Pods[0] != c.podCIDR.String():
			t.Errorf("info: %s has pod subnets %v, want [%s]", c.name, ci.Pods, c.podCIDR)
		case len(ci.Nodes) != 1:
			t.Errorf("info: %s has nodes %+v, want one", c.name, ci.Nodes)
		case ci.Nodes[0].Container != c.container() || ci.Nodes[0].State != "running" || ci.Nodes[0].IPv4 != ips[c.name].String():
			t.Errorf("info: %s node %+v, want %s running at %s", c.name, ci.Nodes[0], c.container(), ips[c.name])
		}
	}
}

// squat runs a container (the node image, only sleeping) on the lab
// network at addr.
func (l *lab) squat(ctx context.Context, t *testing.T, image string, addr netip.Addr) {
	t.Helper()
	name := l.network + "-squatter"
	out, err := l.dockerOut(ctx, "run", "-d", "--name", name, "--network", l.network, "--ip", addr.String(),
		"--entrypoint", "sleep", image, "3600")
	if err != nil {
		t.Fatalf("docker run %s at %s: %v\n%s", name, addr, err, out)
	}
	l.squatted = addr
	t.Cleanup(func() { _, _ = l.dockerOut(context.Background(), "rm", "-f", name) })
}

func (l *lab) unsquat(ctx context.Context, t *testing.T) {
	t.Helper()
	if out, err := l.dockerOut(ctx, "rm", "-f", l.network+"-squatter"); err != nil {
		t.Fatalf("remove the squatter: %v\n%s", err, out)
	}
}

// checkStopped: every node container of the lab is stopped, not removed.
func (l *lab) checkStopped(ctx context.Context, t *testing.T) {
	t.Helper()
	for _, c := range l.clusters {
		out, err := l.dockerOut(ctx, "inspect", "--format", "{{.State.Status}}", c.container())
		if err != nil {
			t.Fatalf("docker inspect %s after stop: %v\n%s", c.container(), err, out)
		}
		if out != "exited" {
			t.Errorf("after stop, node %s is %q, want exited", c.container(), out)
		}
	}
}

// nodeVolumes lists the volumes mounted into the lab's nodes (kind's /var
// volume), which delete must remove too.
func (l *lab) nodeVolumes(ctx context.Context, t *testing.T) []string {
	t.Helper()
	var vols []string
	for _, c := range l.clusters {
		out, err := l.dockerOut(ctx, "inspect", "--format", `{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}`, c.container())
		if err != nil {
			t.Fatalf("docker inspect %s: %v\n%s", c.container(), err, out)
		}
		vols = append(vols, strings.Fields(out)...)
	}
	if len(vols) == 0 {
		t.Fatal("the nodes have no volumes; kind mounts one on /var")
	}
	return vols
}

// checkGone: no node container, no node volume and no kubeconfig entry of
// the lab is left; only the image cache may still be on the lab network.
func (l *lab) checkGone(ctx context.Context, t *testing.T, volumes []string) {
	t.Helper()
	for _, c := range l.clusters {
		ids, err := l.containers(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) > 0 {
			t.Errorf("containers of %s left after delete: %v", c.name, ids)
		}
	}
	for _, v := range volumes {
		if _, err := l.dockerOut(ctx, "volume", "inspect", v); err == nil {
			t.Errorf("volume %s left after delete", v)
		}
	}
	cfg, err := clientcmd.LoadFromFile(l.kubeconfig)
	if err != nil {
		t.Fatalf("load %s: %v", l.kubeconfig, err)
	}
	for _, c := range l.clusters {
		for _, name := range []string{c.name, "kind-" + c.name} {
			if _, ok := cfg.Contexts[name]; ok {
				t.Errorf("context %s left in the kubeconfig", name)
			}
			if _, ok := cfg.Clusters[name]; ok {
				t.Errorf("cluster %s left in the kubeconfig", name)
			}
			if _, ok := cfg.AuthInfos[name]; ok {
				t.Errorf("user %s left in the kubeconfig", name)
			}
		}
	}
	attached, err := l.dockerOut(ctx, "network", "inspect", "--format", "{{range .Containers}}{{.Name}} {{end}}", l.network)
	if err != nil {
		t.Fatalf("docker network inspect %s: %v\n%s", l.network, err, attached)
	}
	if attached != "" && attached != cacheContainer {
		t.Errorf("network %s still has %s attached; only the image cache may stay", l.network, attached)
	}
}

// runStdout runs localcluster and returns its standard output alone (for
// -o json), logging both streams.
func (l *lab) runStdout(ctx context.Context, t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := l.command(ctx, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	t.Logf("localcluster %s (%s, %v):\n%s%s", strings.Join(args, " "), time.Since(start).Round(time.Second), err, out, stderr.String())
	if err != nil {
		return "", fmt.Errorf("%w: %s", err, stderr.String())
	}
	return string(out), nil
}

// readHostSysctls reads the machine-wide kernel parameters that the kubelet
// wants set its own way (the node image keeps it from touching them).
func readHostSysctls(t *testing.T) map[string]string {
	t.Helper()
	values := map[string]string{}
	for _, key := range []string{"vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic", "kernel/panic_on_oops", "kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes"} {
		raw, err := os.ReadFile(filepath.Join("/proc/sys", key))
		if err != nil {
			t.Fatalf("read /proc/sys/%s: %v", key, err)
		}
		values[key] = strings.TrimSpace(string(raw))
	}
	return values
}
