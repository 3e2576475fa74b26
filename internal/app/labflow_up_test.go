package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/localcluster/localcluster/internal/mesh"
	"github.com/localcluster/localcluster/internal/testenv"
)

// TestUpFlow runs the built binary through a lab's life with the one-command
// verbs — up, up again, stop, start after a node got a new address, down —
// on the same stand-ins as TestLabFlow (see there for what they replace),
// and checks that up ends where create, linkerd, group and link end, and
// that start repairs the context, the routes and the links.
func TestUpFlow(t *testing.T) {
	testenv.Need(t, "the Docker engine", nil)
	testenv.NeedAPIServers(t)
	f := newRunningFlow(t)
	lb := f.serveLoadBalancers(t)
	defer lb.stop()
	for _, s := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"up", f.testUp},
		{"up again", func(t *testing.T) { wantUnchanged(t, f.run(t, "up")) }},
		{"api address host and node", f.testAPIAddress},
		{"stop, move a node, start", f.testStopStart},
		{"down", f.testDown},
	} {
		if !t.Run(s.name, s.run) {
			break
		}
	}
}

// testUp: one command leaves the lab as the four commands do: contexts,
// routes with real packets, MetalLB, Linkerd's releases, every group link
// pod-to-pod and the declared gateway link through alpha's gateway.
func (f *labFlow) testUp(t *testing.T) {
	tokens := f.fillTokensOnceThere()
	r := f.run(t, "up")
	tokens.stop()
	mustSucceed(t, r)
	for _, want := range []string{"Cluster times: ", "Critical path: "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("up does not report %q:\n%s", want, r.stderr)
		}
	}
	f.checkUpState(t)
}

// checkUpState checks that the lab is as up leaves it: contexts, routes
// with real packets, the releases, and every link with its service mirror.
func (f *labFlow) checkUpState(t *testing.T) {
	t.Helper()
	cfg := loadKubeconfigFile(t, f.kubeconfig)
	for _, n := range f.nodes {
		if c := cfg.Clusters[n.name]; c == nil || c.Server != n.server() {
			t.Errorf("context %s: %+v, want server %s", n.name, c, n.server())
		}
	}
	f.pingAll(t, f.nodes)
	for _, src := range f.nodes {
		k := f.kube(t, src)
		for _, rel := range []struct{ ns, name string }{
			{metallbNamespace, "metallb"}, {metallbNamespace, "lb-pool"},
			{mesh.LinkerdNamespace, mesh.CRDsReleaseName}, {mesh.LinkerdNamespace, mesh.ControlPlaneReleaseName},
			{mesh.MulticlusterNamespace, mesh.MulticlusterReleaseName},
		} {
			k.wantRelease(t, rel.ns, rel.name)
		}
		links, controllers := k.links(t), k.controllers(t)
		for _, dst := range f.nodes {
			if dst == src {
				continue
			}
			gateway := f.declaresGatewayLink(src, dst)
			f.checkLink(t, k, links, dst, gateway)
			if gw, ok := controllers[dst.name]; !ok || gw != fmt.Sprint(gateway) {
				t.Errorf("%s: service mirror for %s: present %v, gateway %q; want gateway %v", src.short, dst.short, ok, gw, gateway)
			}
		}
	}
}

// testStopStart: stop stops every node; beta comes back at another
// address; start brings the nodes up and repairs beta's context, the
// routes toward beta and the credentials its peers hold.
func (f *labFlow) testStopStart(t *testing.T) {
	r := f.run(t, "stop")
	mustSucceed(t, r)
	for _, n := range f.nodes {
		if state := strings.TrimSpace(f.docker(t, "inspect", "-f", "{{.State.Running}}", n.container())); state != "false" {
			t.Errorf("%s runs after stop (%s)", n.container(), state)
		}
	}
	wantUnchanged(t, f.run(t, "stop"))

	beta := f.node("beta")
	f.docker(t, "network", "disconnect", f.net.Name, beta.container())
	f.docker(t, "network", "connect", "--ip", beta.spareAddr.String(), f.net.Name, beta.container())
	beta.addr = beta.spareAddr

	r = f.run(t, "start")
	mustSucceed(t, r)
	for _, n := range f.nodes {
		wantStep(t, r, "["+n.name+"] Start the node containers", "started; API server answers at "+n.server())
	}
	wantStep(t, r, "["+beta.name+"] Add context", "server "+beta.server())
	wantStep(t, r, "Route pod ranges", "routes added or repaired")
	for _, n := range f.nodes {
		f.preparePods(t, n) // a restarted node lost the test's fake pod address
	}
	f.pingAll(t, f.nodes)
	cfg := loadKubeconfigFile(t, f.kubeconfig)
	if c := cfg.Clusters[beta.name]; c == nil || c.Server != beta.server() {
		t.Errorf("beta's context after start: %+v, want server %s", c, beta.server())
	}
	for _, src := range []*labNode{f.node("alpha"), f.node("gamma")} {
		k := f.kube(t, src)
		f.checkLink(t, k, k.links(t), beta, false)
	}
	wantUnchanged(t, f.run(t, "start"))
}

// testDown: the clusters, their contexts and, since nothing else uses it,
// the network are gone; the user's entries stay.
func (f *labFlow) testDown(t *testing.T) {
	userBefore := loadKubeconfigFile(t, f.kubeconfig)
	r := f.run(t, "down")
	mustSucceed(t, r)
	wantStep(t, r, fmt.Sprintf("Remove Docker network %q", f.net.Name), "removed")
	if out := f.docker(t, "ps", "-aq", "--filter", "label="+flowTestLabel+"="+f.id); strings.TrimSpace(out) != "" {
		t.Errorf("node containers remain: %s", out)
	}
	if out := f.docker(t, "network", "ls", "-q", "--filter", "name=^"+f.net.Name+"$"); strings.TrimSpace(out) != "" {
		t.Errorf("down left the network %s", f.net.Name)
	}
	cfg := loadKubeconfigFile(t, f.kubeconfig)
	for _, n := range f.nodes {
		if cfg.Contexts[n.name] != nil {
			t.Errorf("context %s remains", n.name)
		}
	}
	wantUserEntries(t, userBefore, cfg)
	wantStep(t, f.run(t, "down"), fmt.Sprintf("Remove Docker network %q", f.net.Name), "does not exist")
}

// fillTokensOnceThere does the token controller's job in each cluster as
// soon as the multicluster extension has made the remote-access token
// Secret, which up does partway through.
func (f *labFlow) fillTokensOnceThere() *standIns {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	b := &standIns{cancel: cancel}
	for _, n := range f.nodes {
		cfg := n.adminREST()
		b.wg.Go(func() {
			cs, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				b.fail(err)
				return
			}
			k := labKube{cs: cs}
			for ctx.Err() == nil {
				if fillToken(ctx, k, n.pki.ca.certPEM) == nil {
					return
				}
				select {
				case <-ctx.Done():
				case <-time.After(300 * time.Millisecond):
				}
			}
		})
	}
	return b
}

// testAPIAddress: with --api-address host the contexts use the port each
// node publishes on 127.0.0.1 and work; the link credentials keep the
// node addresses other clusters reach; node mode puts the contexts back.
func (f *labFlow) testAPIAddress(t *testing.T) {
	r := f.run(t, "create", "--api-address", "host")
	mustSucceed(t, r)
	cfg := loadKubeconfigFile(t, f.kubeconfig)
	for _, n := range f.nodes {
		host := "https://" + strings.TrimSpace(f.docker(t, "port", n.container(), "6443/tcp"))
		if c := cfg.Clusters[n.name]; c == nil || c.Server != host {
			t.Errorf("context %s with --api-address host: %+v, want server %s", n.name, c, host)
			continue
		}
		rest, err := clientcmd.NewNonInteractiveClientConfig(*cfg, n.name, &clientcmd.ConfigOverrides{}, nil).ClientConfig()
		if err != nil {
			t.Fatal(err)
		}
		cs, err := kubernetes.NewForConfig(rest)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Discovery().ServerVersion(); err != nil {
			t.Errorf("context %s at the published port does not answer: %v", n.name, err)
		}
	}
	mustSucceed(t, f.run(t, "group"))
	for _, src := range f.nodes {
		k := f.kube(t, src)
		for _, dst := range f.nodes {
			if dst != src && !f.declaresGatewayLink(src, dst) {
				f.checkLink(t, k, k.links(t), dst, false)
			}
		}
	}
	r = f.run(t, "create", "--api-address", "node")
	mustSucceed(t, r)
	cfg = loadKubeconfigFile(t, f.kubeconfig)
	for _, n := range f.nodes {
		if c := cfg.Clusters[n.name]; c == nil || c.Server != n.server() {
			t.Errorf("context %s with --api-address node: %+v, want server %s", n.name, c, n.server())
		}
	}
	if r := f.run(t, "create", "--api-address", "sideways"); r.code != 2 {
		t.Errorf("--api-address sideways: exit %d, want 2", r.code)
	}
}
