package app

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/localcluster/localcluster/internal/mesh"
)

// testGroup: every member linked to every other once the remote-access
// tokens appear, pod-to-pod except where the lab declares a gateway link
// (gamma → alpha), which keeps its gateway; a second run changes nothing.
func (f *labFlow) testGroup(t *testing.T) {
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
			gateway := f.declaresGatewayLink(src, dst)
			total += f.checkLink(t, k, links, dst, gateway)
			if gw, ok := controllers[dst.name]; !ok || gw != fmt.Sprint(gateway) {
				t.Errorf("%s: service mirror for %s: present %v, gateway %q; want gateway %v", src.short, dst.short, ok, gw, gateway)
			}
		}
		if len(links) != 2 || len(controllers) != 2 {
			t.Errorf("%s: %d links and %d controllers, want 2 of each: %v %v", src.short, len(links), len(controllers), sortedKeys(links), controllers)
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
func (f *labFlow) checkLink(t *testing.T, k labKube, links map[string]*unstructured.Unstructured, dst *labNode, gateway bool) int {
	t.Helper()
	link := links[dst.name]
	if link == nil {
		t.Errorf("%s: no Link %s; links: %v", k.name, dst.name, sortedKeys(links))
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
		if _, err := newLabKube(t, dst.name, rc).cs.CoreV1().Services("default").List(t.Context(), metav1.ListOptions{}); err != nil {
			t.Errorf("%s: the credentials for %s do not work: %v", k.name, dst.name, err)
		}
	}
	return 1
}

// testLink: the declared gateway link gamma -> alpha goes through alpha's
// gateway and its load-balancer address.
func (f *labFlow) testLink(t *testing.T) {
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
func (f *labFlow) testLinkAndGroupAgain(t *testing.T) {
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

// declaresGatewayLink mirrors the lab the test writes: gamma declares a
// gateway link to alpha.
func (f *labFlow) declaresGatewayLink(src, dst *labNode) bool {
	return src.short == "gamma" && dst.short == "alpha"
}
