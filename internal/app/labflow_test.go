package app

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/localcluster/localcluster/internal/mesh"
	"github.com/localcluster/localcluster/internal/testenv"
)

// TestLabFlow runs the built binary through a whole lab as a user does —
// create, create again, linkerd, group, link, route after a node moved,
// delete one cluster, delete the rest — against real engines: the Docker
// engine, and three real kube-apiservers inside stand-in kind nodes (see
// labflow_node_test.go), and checks each step by looking at Docker, at
// the clusters through client-go, at the routing tables and with pings
// between the nodes, and at the files.
//
// Stand-ins, because what they replace cannot run here: the nodes (kind's
// node images cannot be pulled), MetalLB's chart
// (testdata/labflow/charts/metallb), Linkerd's charts (internal/mesh's
// testdata/charts), and two controllers' jobs, done by the test: MetalLB's
// address assignment and the token controller's remote-access token.
func TestLabFlow(t *testing.T) {
	testenv.Need(t, "the Docker engine", nil)
	testenv.NeedAPIServers(t)
	began := time.Now()
	f := newRunningFlow(t)
	timings := []string{fmt.Sprintf("%-26s %s", "setup (network, 3 nodes)", time.Since(began).Round(100*time.Millisecond))}
	lb := f.serveLoadBalancers(t)
	defer lb.stop()

	// Later steps build on what a gating step made: when one fails, the
	// rest do not run.
	steps := []struct {
		name string
		run  func(*testing.T)
		gate bool
	}{
		{"create", f.testCreate, true},
		{"create again", f.testCreateAgain, false},
		{"linkerd", f.testLinkerd, true},
		{"group", f.testGroup, true},
		{"link", f.testLink, true},
		{"link and group again", f.testLinkAndGroupAgain, false},
		{"after a node moved", f.testRoute, true},
		{"delete one cluster", f.testDeleteOne, true},
		{"delete the rest", f.testDeleteAll, true},
	}
	for _, s := range steps {
		start := time.Now()
		ok := t.Run(s.name, s.run)
		timings = append(timings, fmt.Sprintf("%-26s %s", s.name, time.Since(start).Round(100*time.Millisecond)))
		if !ok && s.gate {
			break
		}
	}
	t.Logf("timings:\n  %s\n  total %s", strings.Join(timings, "\n  "), time.Since(began).Round(100*time.Millisecond))
}

// newRunningFlow makes the lab's network and its three stand-in nodes,
// running and ready, with the test's docker shim on PATH.
func newRunningFlow(t *testing.T) *labFlow {
	t.Helper()
	f := newFlow(t)
	for _, n := range f.nodes {
		n.pki = newLabNodePKI(t, n)
		n.writeFiles(t)
		f.startNode(t, n)
	}
	for _, n := range f.nodes {
		f.waitReady(t, n)
		f.preparePods(t, n)
	}
	f.dockerShim(t, f.nodes[0])
	return f
}

// newCreatedFlow is a running flow whose lab `create` made, with the
// stand-in load balancers serving until the test ends.
func newCreatedFlow(t *testing.T) *labFlow {
	t.Helper()
	testenv.Need(t, "the Docker engine", nil)
	testenv.NeedAPIServers(t)
	f := newRunningFlow(t)
	lb := f.serveLoadBalancers(t)
	t.Cleanup(func() { lb.stop() })
	mustSucceed(t, f.run(t, "create"))
	return f
}

// testCreate: the nodes exist and run, so create keeps them, merges their
// contexts, routes the group and installs MetalLB and the pools.
func (f *labFlow) testCreate(t *testing.T) {
	userBefore := loadKubeconfigFile(t, f.kubeconfig)
	otherBefore := mustReadFile(t, f.otherKube)
	r := f.run(t, "create")
	mustSucceed(t, r)
	wantStep(t, r, fmt.Sprintf("Ensure Docker network %q", f.net.Name), "exists and fits the plan")
	for _, n := range f.nodes {
		wantStep(t, r, "["+n.name+"] Create kind cluster", "already exists and runs; kept")
	}

	// The network as the lab says.
	got := strings.TrimSpace(f.docker(t, "network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}}/{{.IPRange}} {{end}}", f.net.Name))
	if want := f.net.IPv4Subnet.String() + "/" + f.net.IPv4Range.String(); !strings.Contains(got, want) {
		t.Errorf("network %s has subnet/range %q, want %s among them", f.net.Name, got, want)
	}

	// Contexts named after the clusters, at the nodes' addresses; the
	// user's own context, current context and second file as they were.
	cfg := loadKubeconfigFile(t, f.kubeconfig)
	for _, n := range f.nodes {
		ctx := cfg.Contexts[n.name]
		switch {
		case ctx == nil:
			t.Errorf("kubeconfig has no context %s; contexts: %v", n.name, sortedKeys(cfg.Contexts))
		case cfg.Clusters[ctx.Cluster] == nil || cfg.Clusters[ctx.Cluster].Server != n.server():
			t.Errorf("context %s: cluster %s is %+v, want server %s", n.name, ctx.Cluster, cfg.Clusters[ctx.Cluster], n.server())
		}
		if cfg.Contexts["kind-"+n.name] != nil {
			t.Errorf("kubeconfig still has kind's context kind-%s", n.name)
		}
	}
	wantUserEntries(t, userBefore, cfg)
	if !bytes.Equal(mustReadFile(t, f.otherKube), otherBefore) {
		t.Errorf("the second KUBECONFIG file %s changed", f.otherKube)
	}
	if fi, err := os.Stat(f.kubeconfig); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("kubeconfig mode after create: %v %v, want -rw------- as the user had it", fi.Mode(), err)
	}

	// Routes in every node toward the others' pod ranges, and real packets.
	for _, a := range f.nodes {
		routes := f.exec(t, a, "ip", "route", "show")
		for _, b := range f.nodes {
			if a == b {
				continue
			}
			if want := fmt.Sprintf("%s via %s", b.podCIDR(), b.addr); !strings.Contains(routes, want) {
				t.Errorf("node %s lacks route %q:\n%s", a.short, want, routes)
			}
		}
	}
	f.pingAll(t, f.nodes)

	// MetalLB (stand-in) and the lab's pool in each cluster.
	third := f.net.IPv4Subnet.Addr().As4()
	for _, n := range f.nodes {
		k := f.kube(t, n)
		k.wantRelease(t, metallbNamespace, "metallb")
		k.wantRelease(t, metallbNamespace, "lb-pool")
		want := []string{fmt.Sprintf("%d.%d.%d.%d/28", third[0], third[1], third[2], 16*n.nybble)}
		pools, err := k.dyn.Resource(ipPoolGVR).Namespace(metallbNamespace).List(t.Context(), metav1.ListOptions{})
		if err != nil || len(pools.Items) != 1 {
			t.Errorf("%s: IPAddressPools: %v (%d), want one", n.short, err, len(pools.Items))
			continue
		}
		if got, _, _ := unstructured.NestedStringSlice(pools.Items[0].Object, "spec", "addresses"); !slices.Equal(got, want) {
			t.Errorf("%s: IPAddressPool %s has addresses %v, want %v", n.short, pools.Items[0].GetName(), got, want)
		}
		adv, err := k.dyn.Resource(l2AdvGVR).Namespace(metallbNamespace).Get(t.Context(), pools.Items[0].GetName(), metav1.GetOptions{})
		if err != nil {
			t.Errorf("%s: L2Advertisement: %v", n.short, err)
		} else if got, _, _ := unstructured.NestedStringSlice(adv.Object, "spec", "ipAddressPools"); !slices.Equal(got, []string{pools.Items[0].GetName()}) {
			t.Errorf("%s: L2Advertisement announces %v, want the pool", n.short, got)
		}
	}
}

// testCreateAgain: a second create changes nothing and says so.
func (f *labFlow) testCreateAgain(t *testing.T) {
	before := mustReadFile(t, f.kubeconfig)
	r := f.run(t, "create")
	wantUnchanged(t, r)
	wantStep(t, r, fmt.Sprintf("Ensure Docker network %q", f.net.Name), "exists and fits the plan")
	for _, n := range f.nodes {
		wantStep(t, r, "["+n.name+"] Create kind cluster", "already exists and runs")
		wantStep(t, r, "["+n.name+"] Add context", "already up to date")
		wantStep(t, r, "["+n.name+"] Install MetalLB", "already up to date")
	}
	wantStep(t, r, "Route pod ranges", "all 6 routes in place")
	if !bytes.Equal(mustReadFile(t, f.kubeconfig), before) {
		t.Errorf("the kubeconfig was rewritten by a create that changed nothing")
	}
}

// testLinkerd: certificates, then Linkerd's three releases (stand-in
// charts) with the lab's trust anchor and each cluster's issuer.
func (f *labFlow) testLinkerd(t *testing.T) {
	r := f.run(t, "linkerd")
	mustSucceed(t, r)

	anchorPEM := mustReadFile(t, filepath.Join(f.trustDir, "root.crt"))
	mustReadFile(t, filepath.Join(f.trustDir, "root.key"))
	anchor := parsePEMCert(t, anchorPEM)
	if anchor.Subject.CommonName != "root.linkerd.cluster.local" || !anchor.IsCA {
		t.Errorf("trust anchor: CN %q, CA %v; want root.linkerd.cluster.local, a CA", anchor.Subject.CommonName, anchor.IsCA)
	}
	roots := x509.NewCertPool()
	roots.AddCert(anchor)
	for _, n := range f.nodes {
		dir := filepath.Join(f.labDir, n.short)
		issuerPEM := mustReadFile(t, filepath.Join(dir, "issuer.crt"))
		mustReadFile(t, filepath.Join(dir, "issuer.key"))
		issuer := parsePEMCert(t, issuerPEM)
		if issuer.Subject.CommonName != "identity.linkerd.cluster.local" || !issuer.IsCA || issuer.SignatureAlgorithm != x509.ECDSAWithSHA256 {
			t.Errorf("%s: issuer CN %q, CA %v, signed %v; want identity.linkerd.cluster.local, a CA, ECDSA-SHA256",
				n.short, issuer.Subject.CommonName, issuer.IsCA, issuer.SignatureAlgorithm)
		}
		if _, err := issuer.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			t.Errorf("%s: issuer does not chain to the trust anchor: %v", n.short, err)
		}

		k := f.kube(t, n)
		k.wantRelease(t, mesh.LinkerdNamespace, mesh.CRDsReleaseName)
		k.wantRelease(t, mesh.LinkerdNamespace, mesh.ControlPlaneReleaseName)
		k.wantRelease(t, mesh.MulticlusterNamespace, mesh.MulticlusterReleaseName)
		k.wantCRD(t, "links.multicluster.linkerd.io")
		k.wantCRD(t, "httproutes.gateway.networking.k8s.io") // installGatewayAPI
		bundle := k.configMap(t, mesh.LinkerdNamespace, "linkerd-identity-trust-roots").Data["ca-bundle.crt"]
		if strings.TrimSpace(bundle) != strings.TrimSpace(string(anchorPEM)) {
			t.Errorf("%s: the control plane's trust roots are not the trust dir's root.crt:\n%s", n.short, bundle)
		}
		secret, err := k.cs.CoreV1().Secrets(mesh.LinkerdNamespace).Get(t.Context(), "linkerd-identity-issuer", metav1.GetOptions{})
		if err != nil {
			t.Errorf("%s: issuer secret: %v", n.short, err)
		} else if strings.TrimSpace(string(secret.Data["crt.pem"])) != strings.TrimSpace(string(issuerPEM)) {
			t.Errorf("%s: the control plane's issuer is not %s/issuer.crt", n.short, n.short)
		}
		// Only alpha is the target of a gateway link, so only it has a gateway.
		_, err = k.cs.CoreV1().Services(mesh.MulticlusterNamespace).Get(t.Context(), mesh.GatewayServiceName, metav1.GetOptions{})
		if hasGateway := err == nil; hasGateway != (n.short == "alpha") {
			t.Errorf("%s: gateway Service present = %v (%v), want %v", n.short, hasGateway, err, n.short == "alpha")
		}
	}
	wantUnchanged(t, f.run(t, "linkerd"))
}
