//go:build e2e

package backends

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/localcluster/localcluster/internal/provider"
	"github.com/localcluster/localcluster/internal/provider/k3d"
	"github.com/localcluster/localcluster/internal/provider/kind"
)

// TestEndToEnd creates a real kind and a real k3d cluster, in parallel, on
// a network of its own, checks what Status and Kubeconfig report and what
// the clusters themselves say about their addresses and zone label, and
// deletes them. It needs a Docker engine that can pull the node images and
// run privileged containers, so it only runs with -tags e2e:
//
//	go test -tags e2e -run TestEndToEnd -timeout 30m ./internal/provider/backends/
func TestEndToEnd(t *testing.T) {
	dc := dockerClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("KUBECONFIG", filepath.Join(home, "kubeconfig"))
	t.Setenv("KIND_EXPERIMENTAL_DOCKER_NETWORK", "")

	before := takeSnapshot(ctx, t, dc)
	netName := uniqueName(t)
	createNetwork(ctx, t, dc, netName)
	reg := New(Options{Log: logWriter{t}})
	base := uniqueName(t)

	t.Run("lifecycle", func(t *testing.T) {
		for _, tc := range []struct {
			provider, context, node, label string
			pods, services                 string
		}{
			{kind.Name, "kind-" + base + "-kind", base + "-kind-control-plane", "io.x-k8s.kind.cluster", "10.14.1.0/24", "10.14.2.0/24"},
			{k3d.Name, "k3d-" + base + "-k3d", "k3d-" + base + "-k3d-server-0", "k3d.cluster", "10.15.1.0/24", "10.15.2.0/24"},
		} {
			t.Run(tc.provider, func(t *testing.T) {
				t.Parallel()
				skipK3dUnderRace(t, tc.provider)
				p, err := reg.For(tc.provider)
				if err != nil {
					t.Fatal(err)
				}
				s := provider.Spec{
					Name: base + "-" + tc.provider, Provider: tc.provider, Network: netName,
					IPFamily: provider.IPv4,
					PodV4:    netip.MustParsePrefix(tc.pods), ServiceV4: netip.MustParsePrefix(tc.services),
					Zone: "zone-e2e",
				}
				t.Cleanup(func() { _ = p.Delete(context.Background(), s.Name) })
				if err := p.Create(ctx, s); err != nil {
					t.Fatalf("Create: %v", err)
				}
				if err := p.Create(ctx, s); !errors.Is(err, provider.ErrClusterExists) {
					t.Errorf("second Create = %v, want ErrClusterExists", err)
				}
				st, err := p.Status(ctx, s.Name)
				if err != nil || !st.Exists || !st.Running || len(st.Nodes) != 1 || st.Nodes[0] != tc.node {
					t.Errorf("Status = %+v, %v; want running with node %s", st, err, tc.node)
				}
				checkCluster(ctx, t, p, s, tc.context)

				if err := p.Delete(ctx, s.Name); err != nil {
					t.Fatalf("Delete: %v", err)
				}
				if st, err := p.Status(ctx, s.Name); err != nil || st.Exists {
					t.Errorf("Status after Delete = %+v, %v", st, err)
				}
				if left := leftovers(ctx, t, dc, tc.label, s.Name); len(left) > 0 {
					t.Errorf("left behind: %q", left)
				}
				if err := p.Delete(ctx, s.Name); err != nil {
					t.Errorf("second Delete = %v, want nil", err)
				}
			})
		}
	})

	if err := dc.NetworkRemove(ctx, netName); err != nil {
		t.Errorf("remove test network: %v", err)
	}
	takeSnapshot(ctx, t, dc).diff(t, before)
}

// checkCluster reads the cluster through the kubeconfig the provider
// returns: the node carries the zone, its pod CIDR and the kubernetes
// Service come from the spec's ranges.
func checkCluster(ctx context.Context, t *testing.T, p provider.Provider, s provider.Spec, contextName string) {
	t.Helper()
	raw, err := p.Kubeconfig(ctx, s.Name)
	if err != nil {
		t.Fatalf("Kubeconfig: %v", err)
	}
	cfg, err := clientcmd.Load(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Contexts[contextName]; !ok {
		t.Fatalf("kubeconfig has no context %s", contextName)
	}
	rc, err := clientcmd.NewNonInteractiveClientConfig(*cfg, contextName, nil, nil).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list nodes: %v", err)
	}
	if len(nodes.Items) != 1 {
		t.Fatalf("%d nodes, want 1", len(nodes.Items))
	}
	n := nodes.Items[0]
	if got := n.Labels[provider.ZoneLabel]; got != s.Zone {
		t.Errorf("node zone label = %q, want %q", got, s.Zone)
	}
	if cidr, err := netip.ParsePrefix(n.Spec.PodCIDR); err != nil || !s.PodV4.Overlaps(cidr) {
		t.Errorf("node pod CIDR %q is not in %s", n.Spec.PodCIDR, s.PodV4)
	}
	svc, err := cs.CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ip, err := netip.ParseAddr(svc.Spec.ClusterIP); err != nil || !s.ServiceV4.Contains(ip) {
		t.Errorf("kubernetes Service IP %q is not in %s", svc.Spec.ClusterIP, s.ServiceV4)
	}
}
