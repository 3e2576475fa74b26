package app

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/localcluster/localcluster/internal/mesh"
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
	if testing.Short() {
		t.Skip("runs the Docker engine and three kube-apiservers; skipped with -short")
	}
	began := time.Now()
	f := newFlow(t)
	for _, n := range f.nodes {
		n.pki = newNodePKI(t, n)
		n.writeFiles(t)
		f.startNode(t, n)
	}
	for _, n := range f.nodes {
		f.waitReady(t, n)
		f.preparePods(t, n)
	}
	f.dockerShim(t, f.nodes[0])
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
		{"route after a node moved", f.testRoute, true},
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
	home, _ := exec.Command("find", f.home).CombinedOutput()
	t.Logf("HOME:\n%s", home)
	t.Logf("timings:\n  %s\n  total %s", strings.Join(timings, "\n  "), time.Since(began).Round(100*time.Millisecond))
}

// testCreate: the nodes exist and run, so create keeps them, merges their
// contexts, routes the group and installs MetalLB and the pools.
func (f *flow) testCreate(t *testing.T) {
	userBefore := loadKubeconfig(t, f.kubeconfig)
	otherBefore := readFile(t, f.otherKube)
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
	cfg := loadKubeconfig(t, f.kubeconfig)
	for _, n := range f.nodes {
		ctx := cfg.Contexts[n.name]
		switch {
		case ctx == nil:
			t.Errorf("kubeconfig has no context %s; contexts: %v", n.name, keys(cfg.Contexts))
		case cfg.Clusters[ctx.Cluster] == nil || cfg.Clusters[ctx.Cluster].Server != n.server():
			t.Errorf("context %s: cluster %s is %+v, want server %s", n.name, ctx.Cluster, cfg.Clusters[ctx.Cluster], n.server())
		}
		if cfg.Contexts["kind-"+n.name] != nil {
			t.Errorf("kubeconfig still has kind's context kind-%s", n.name)
		}
	}
	wantUserEntries(t, userBefore, cfg)
	if !bytes.Equal(readFile(t, f.otherKube), otherBefore) {
		t.Errorf("the second KUBECONFIG file %s changed", f.otherKube)
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
func (f *flow) testCreateAgain(t *testing.T) {
	before := readFile(t, f.kubeconfig)
	r := f.run(t, "create")
	wantUnchanged(t, r)
	wantStep(t, r, fmt.Sprintf("Ensure Docker network %q", f.net.Name), "exists and fits the plan")
	for _, n := range f.nodes {
		wantStep(t, r, "["+n.name+"] Create kind cluster", "already exists and runs")
		wantStep(t, r, "["+n.name+"] Add context", "already up to date")
		wantStep(t, r, "["+n.name+"] Install MetalLB", "already up to date")
	}
	wantStep(t, r, "Route pod ranges", "all 6 routes in place")
	if !bytes.Equal(readFile(t, f.kubeconfig), before) {
		t.Errorf("the kubeconfig was rewritten by a create that changed nothing")
	}
}

// testLinkerd: certificates, then Linkerd's three releases (stand-in
// charts) with the lab's trust anchor and each cluster's issuer.
func (f *flow) testLinkerd(t *testing.T) {
	r := f.run(t, "linkerd")
	mustSucceed(t, r)

	anchorPEM := readFile(t, filepath.Join(f.trustDir, "root.crt"))
	readFile(t, filepath.Join(f.trustDir, "root.key"))
	anchor := parseCert(t, anchorPEM)
	if anchor.Subject.CommonName != "root.linkerd.cluster.local" || !anchor.IsCA {
		t.Errorf("trust anchor: CN %q, CA %v; want root.linkerd.cluster.local, a CA", anchor.Subject.CommonName, anchor.IsCA)
	}
	roots := x509.NewCertPool()
	roots.AddCert(anchor)
	for _, n := range f.nodes {
		dir := filepath.Join(f.labDir, n.short)
		issuerPEM := readFile(t, filepath.Join(dir, "issuer.crt"))
		readFile(t, filepath.Join(dir, "issuer.key"))
		issuer := parseCert(t, issuerPEM)
		if _, err := issuer.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			t.Errorf("%s: issuer does not chain to the trust anchor: %v", n.short, err)
		}

		k := f.kube(t, n)
		k.wantRelease(t, mesh.LinkerdNamespace, mesh.CRDsReleaseName)
		k.wantRelease(t, mesh.LinkerdNamespace, mesh.ControlPlaneReleaseName)
		k.wantRelease(t, mesh.MulticlusterNamespace, mesh.MulticlusterReleaseName)
		k.wantCRD(t, "links.multicluster.linkerd.io")
		k.wantCRD(t, "httproutes.gateway.networking.k8s.io") // installGatewayAPI
		roots := k.configMap(t, mesh.LinkerdNamespace, "linkerd-identity-trust-roots").Data["ca-bundle.crt"]
		if strings.TrimSpace(roots) != strings.TrimSpace(string(anchorPEM)) {
			t.Errorf("%s: the control plane's trust roots are not certs/root.crt:\n%s", n.short, roots)
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
}

// testGroup: every member linked to every other, pod-to-pod, once the
// remote-access tokens appear; a second run changes nothing.
func (f *flow) testGroup(t *testing.T) {
	// The token Secrets stay empty for a while, as on a fresh cluster:
	// group must wait for them, not fail.
	tokens := f.fillTokens(t, 2*time.Second)
	r := f.run(t, "group")
	for _, err := range tokens.stop() {
		t.Error(err)
	}
	mustSucceed(t, r)

	total := 0
	for _, src := range f.nodes {
		k := f.kube(t, src)
		links := k.links(t)
		controllers := k.controllers(t)
		for _, dst := range f.nodes {
			if dst == src {
				continue
			}
			total += f.checkLink(t, k, links, dst, false)
			if gw, ok := controllers[dst.name]; !ok || gw != "false" {
				t.Errorf("%s: service mirror for %s: present %v, gateway %q; want a pod-to-pod controller", src.short, dst.short, ok, gw)
			}
		}
		if len(links) != 2 || len(controllers) != 2 {
			t.Errorf("%s: %d links and %d controllers, want 2 of each: %v %v", src.short, len(links), len(controllers), keys(links), controllers)
		}
	}
	if total != 6 {
		t.Errorf("%d links in place, want 6", total)
	}
	wantUnchanged(t, f.run(t, "group"))
}

// checkLink checks the Link toward dst in k's cluster and its credentials,
// which must reach dst's API server at its node address with a token that
// works; it returns 1 when the link is in place.
func (f *flow) checkLink(t *testing.T, k kube, links map[string]*unstructured.Unstructured, dst *node, gateway bool) int {
	t.Helper()
	link := links[dst.name]
	if link == nil {
		t.Errorf("%s: no Link %s; links: %v", k.name, dst.name, keys(links))
		return 0
	}
	spec := stringFields(link, "spec")
	if spec["targetClusterName"] != dst.name || spec["clusterCredentialsSecret"] != mesh.CredentialsSecretName(dst.name) {
		t.Errorf("%s: Link %s spec %v", k.name, dst.name, spec)
	}
	if hasGateway := spec["gatewayAddress"] != ""; hasGateway != gateway {
		t.Errorf("%s: Link %s has gateway address %q, want a gateway link: %v", k.name, dst.name, spec["gatewayAddress"], gateway)
	}
	for _, ns := range []string{mesh.MulticlusterNamespace, mesh.LinkerdNamespace} {
		secret, err := k.cs.CoreV1().Secrets(ns).Get(t.Context(), mesh.CredentialsSecretName(dst.name), metav1.GetOptions{})
		if err != nil {
			t.Errorf("%s: credentials for %s in %s: %v", k.name, dst.name, ns, err)
			continue
		}
		raw := secret.Data[mesh.KubeconfigKey]
		creds, err := clientcmd.Load(raw)
		if err != nil {
			t.Errorf("%s: credentials for %s: %v", k.name, dst.name, err)
			continue
		}
		for _, c := range creds.Clusters {
			if c.Server != dst.server() {
				t.Errorf("%s: credentials for %s point at %s, want %s", k.name, dst.name, c.Server, dst.server())
			}
		}
		if ns != mesh.LinkerdNamespace {
			continue
		}
		if secret.Labels[mesh.ClusterNameLabel] != dst.name {
			t.Errorf("%s: credentials in %s lack label %s=%s", k.name, ns, mesh.ClusterNameLabel, dst.name)
		}
		// What the service mirror would do with them: read dst's services.
		rc, err := clientcmd.RESTConfigFromKubeConfig(raw)
		if err != nil {
			t.Errorf("%s: credentials for %s: %v", k.name, dst.name, err)
			continue
		}
		rc.Timeout = 10 * time.Second
		if _, err := newKube(t, dst.name, rc).cs.CoreV1().Services("default").List(t.Context(), metav1.ListOptions{}); err != nil {
			t.Errorf("%s: the credentials for %s do not work: %v", k.name, dst.name, err)
		}
	}
	return 1
}

// testLink: the declared gateway link gamma -> alpha goes through alpha's
// gateway and its load-balancer address.
func (f *flow) testLink(t *testing.T) {
	alpha, gamma := f.node("alpha"), f.node("gamma")
	r := f.run(t, "link")
	mustSucceed(t, r)

	svc, err := f.kube(t, alpha).cs.CoreV1().Services(mesh.MulticlusterNamespace).Get(t.Context(), mesh.GatewayServiceName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("alpha's gateway: %v", err)
	}
	if len(svc.Status.LoadBalancer.Ingress) != 1 {
		t.Fatalf("alpha's gateway has no load-balancer address: %+v", svc.Status.LoadBalancer)
	}
	gwAddr := svc.Status.LoadBalancer.Ingress[0].IP
	third := f.net.IPv4Subnet.Addr().As4()
	if pool := netip.PrefixFrom(netip.AddrFrom4([4]byte{third[0], third[1], third[2], byte(16 * alpha.nybble)}), 28); !pool.Contains(netip.MustParseAddr(gwAddr)) {
		t.Errorf("alpha's gateway address %s is outside alpha's pool %s", gwAddr, pool)
	}

	k := f.kube(t, gamma)
	links := k.links(t)
	f.checkLink(t, k, links, alpha, true)
	if link := links[alpha.name]; link != nil {
		spec := stringFields(link, "spec")
		if spec["gatewayAddress"] != gwAddr || spec["gatewayPort"] != "4143" || spec["gatewayIdentity"] == "" {
			t.Errorf("gamma's Link to alpha: gateway %s:%s identity %q; want %s:4143 and an identity",
				spec["gatewayAddress"], spec["gatewayPort"], spec["gatewayIdentity"], gwAddr)
		}
		probe := stringFields(link, "spec", "probeSpec")
		if probe["port"] != "4191" || probe["path"] != "/ready" {
			t.Errorf("gamma's Link to alpha: probe %v, want port 4191 path /ready", probe)
		}
	}
	if gw := k.controllers(t)[alpha.name]; gw != "true" {
		t.Errorf("gamma's service mirror for alpha: gateway %q, want true", gw)
	}
	if _, err := k.cs.CoreV1().Services(mesh.MulticlusterNamespace).Get(t.Context(), "probe-"+alpha.name, metav1.GetOptions{}); err != nil {
		t.Errorf("gamma's gateway probe Service for alpha: %v", err)
	}
}

// testLinkAndGroupAgain: with the lab's links all made, running link and
// group again changes nothing. gamma is in alpha's group and declares a
// gateway link to it, so both commands speak of the link gamma -> alpha.
func (f *flow) testLinkAndGroupAgain(t *testing.T) {
	wantUnchanged(t, f.run(t, "link"))
	wantUnchanged(t, f.run(t, "group"))
	link := f.kube(t, f.node("gamma")).links(t)[f.node("alpha").name]
	if link == nil {
		t.Fatal("gamma's Link to alpha is gone")
	}
	if addr := stringFields(link, "spec")["gatewayAddress"]; addr == "" {
		t.Errorf("gamma's declared gateway link to alpha was turned into a pod-to-pod link (no gateway address) by group")
	}
}

// testRoute: beta's node comes back at another address (as after a Docker
// restart); route repairs every route that involves it.
func (f *flow) testRoute(t *testing.T) {
	beta := f.node("beta")
	f.docker(t, "network", "disconnect", f.net.Name, beta.container())
	f.docker(t, "network", "connect", "--ip", beta.spareAddr.String(), f.net.Name, beta.container())
	beta.addr = beta.spareAddr
	f.preparePods(t, beta)
	// alpha still routes beta's pods via beta's old address.
	if err := f.pingOnce(f.node("alpha"), beta); err == nil {
		t.Fatalf("alpha reaches beta's pods before route ran: the test does not test anything")
	}

	r := f.run(t, "route")
	mustSucceed(t, r)
	wantStep(t, r, "Route pod ranges", "routes added or repaired")
	for _, n := range f.nodes {
		routes := f.exec(t, n, "ip", "route", "show")
		for _, other := range f.nodes {
			if other == n {
				continue
			}
			if want := fmt.Sprintf("%s via %s", other.podCIDR(), other.addr); !strings.Contains(routes, want) {
				t.Errorf("node %s lacks route %q:\n%s", n.short, want, routes)
			}
		}
	}
	f.pingAll(t, f.nodes)
	wantUnchanged(t, f.run(t, "route"))
}

// testDeleteOne: beta goes, with the routes and links its peers held
// toward it and its context; the rest stays.
func (f *flow) testDeleteOne(t *testing.T) {
	userBefore := loadKubeconfig(t, f.kubeconfig)
	beta := f.node("beta")
	r := f.run(t, "delete", beta.name)
	mustSucceed(t, r)

	if out := f.docker(t, "ps", "-aq", "--filter", "label="+kindCluster+"="+beta.name); strings.TrimSpace(out) != "" {
		t.Errorf("beta's node container remains: %s", out)
	}
	stay := []*node{f.node("alpha"), f.node("gamma")}
	for _, n := range stay {
		if routes := f.exec(t, n, "ip", "route", "show"); strings.Contains(routes, beta.podCIDR().String()) {
			t.Errorf("node %s still routes beta's pods:\n%s", n.short, routes)
		}
		k := f.kube(t, n)
		if _, ok := k.links(t)[beta.name]; ok {
			t.Errorf("%s still holds a Link to beta", n.short)
		}
		if _, ok := k.controllers(t)[beta.name]; ok {
			t.Errorf("%s still runs a service mirror for beta", n.short)
		}
		for _, ns := range []string{mesh.MulticlusterNamespace, mesh.LinkerdNamespace} {
			if _, err := k.cs.CoreV1().Secrets(ns).Get(t.Context(), mesh.CredentialsSecretName(beta.name), metav1.GetOptions{}); err == nil {
				t.Errorf("%s still holds beta's credentials in %s", n.short, ns)
			}
		}
	}
	f.pingAll(t, stay)

	cfg := loadKubeconfig(t, f.kubeconfig)
	if cfg.Contexts[beta.name] != nil || cfg.Clusters[beta.name] != nil || cfg.AuthInfos[beta.name] != nil {
		t.Errorf("beta's context, cluster or user remains in the kubeconfig")
	}
	for _, n := range stay {
		if cfg.Contexts[n.name] == nil {
			t.Errorf("context %s is gone", n.name)
		}
	}
	wantUserEntries(t, userBefore, cfg)
}

// testDeleteAll: the rest goes too; the user's own entries stay, and so
// does the network (other labs may use it).
func (f *flow) testDeleteAll(t *testing.T) {
	userBefore := loadKubeconfig(t, f.kubeconfig)
	otherBefore := readFile(t, f.otherKube)
	r := f.run(t, "delete")
	mustSucceed(t, r)
	wantStep(t, r, "["+f.node("beta").name+"] Delete kind cluster", "does not exist")

	if out := f.docker(t, "ps", "-aq", "--filter", "label="+testLabel+"="+f.id); strings.TrimSpace(out) != "" {
		t.Errorf("node containers remain: %s", out)
	}
	cfg := loadKubeconfig(t, f.kubeconfig)
	for _, n := range f.nodes {
		if cfg.Contexts[n.name] != nil || cfg.Clusters[n.name] != nil || cfg.AuthInfos[n.name] != nil {
			t.Errorf("%s's context, cluster or user remains in the kubeconfig", n.name)
		}
	}
	wantUserEntries(t, userBefore, cfg)
	if len(cfg.Contexts) != 1 || len(cfg.Clusters) != 1 || len(cfg.AuthInfos) != 1 {
		t.Errorf("the kubeconfig holds more than the user's own entries: %v %v %v", keys(cfg.Contexts), keys(cfg.Clusters), keys(cfg.AuthInfos))
	}
	if !bytes.Equal(readFile(t, f.otherKube), otherBefore) {
		t.Errorf("the second KUBECONFIG file %s changed", f.otherKube)
	}
	if out := f.docker(t, "network", "ls", "-q", "--filter", "name=^"+f.net.Name+"$"); strings.TrimSpace(out) == "" {
		t.Errorf("delete removed the network %s; it is documented to stay", f.net.Name)
	}
}

// pingAll pings from every node's pod address to every other's.
func (f *flow) pingAll(t *testing.T, nodes []*node) {
	t.Helper()
	for _, a := range nodes {
		for _, b := range nodes {
			if a != b {
				if err := f.ping(a, b); err != nil {
					t.Error(err)
				}
			}
		}
	}
}

func loadKubeconfig(t *testing.T, path string) *clientcmdapi.Config {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// wantUserEntries checks that the user's own context, cluster and user and
// their current context are as they were.
func wantUserEntries(t *testing.T, before, after *clientcmdapi.Config) {
	t.Helper()
	if after.CurrentContext != before.CurrentContext {
		t.Errorf("current-context is %q, was %q", after.CurrentContext, before.CurrentContext)
	}
	if after.Contexts["prod"] == nil || !reflect.DeepEqual(after.Contexts["prod"], before.Contexts["prod"]) ||
		!reflect.DeepEqual(after.Clusters["prod"], before.Clusters["prod"]) ||
		!reflect.DeepEqual(after.AuthInfos["prod-admin"], before.AuthInfos["prod-admin"]) {
		t.Errorf("the user's own context changed: now %+v %+v", after.Contexts["prod"], after.Clusters["prod"])
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func parseCert(t *testing.T, data []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("no PEM block in %q", data)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// stringFields returns the string fields of the object's map at path.
func stringFields(u *unstructured.Unstructured, path ...string) map[string]string {
	m, _, _ := unstructured.NestedMap(u.Object, path...)
	out := map[string]string{}
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
