package app

// Kubernetes side of the lab flow test: clients through the contexts
// localcluster merged, and the two jobs of controllers that do not run on
// stand-in nodes: MetalLB's controller (addresses for LoadBalancer
// Services) and the token controller (the remote-access token Secret).

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/localcluster/localcluster/internal/mesh"
)

var (
	ipPoolGVR = schema.GroupVersionResource{Group: "metallb.io", Version: "v1beta1", Resource: "ipaddresspools"}
	l2AdvGVR  = schema.GroupVersionResource{Group: "metallb.io", Version: "v1beta1", Resource: "l2advertisements"}
	crdGVR    = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
)

const metallbNamespace = "metallb-system"

// labKube is a cluster reached the way a user reaches it after create: through
// the context localcluster merged into the kubeconfig.
type labKube struct {
	name string
	cs   kubernetes.Interface
	dyn  dynamic.Interface
}

func (f *labFlow) kube(t *testing.T, n *labNode) labKube {
	t.Helper()
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: f.kubeconfig},
		&clientcmd.ConfigOverrides{CurrentContext: n.name}).ClientConfig()
	if err != nil {
		t.Fatalf("context %s: %v", n.name, err)
	}
	cfg.Timeout = 15 * time.Second
	return newLabKube(t, n.name, cfg)
}

func newLabKube(t *testing.T, name string, cfg *rest.Config) labKube {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return labKube{name: name, cs: cs, dyn: dyn}
}

// wantRelease checks that Helm recorded the release as deployed in the
// cluster: one release Secret with status deployed.
func (k labKube) wantRelease(t *testing.T, namespace, name string) {
	t.Helper()
	list, err := k.cs.CoreV1().Secrets(namespace).List(t.Context(), metav1.ListOptions{
		LabelSelector: "owner=helm,name=" + name + ",status=deployed",
	})
	if err != nil {
		t.Errorf("%s: helm release %s/%s: %v", k.name, namespace, name, err)
		return
	}
	if len(list.Items) != 1 {
		t.Errorf("%s: %d deployed revisions of helm release %s/%s, want 1", k.name, len(list.Items), namespace, name)
	}
}

func (k labKube) wantCRD(t *testing.T, name string) {
	t.Helper()
	if _, err := k.dyn.Resource(crdGVR).Get(t.Context(), name, metav1.GetOptions{}); err != nil {
		t.Errorf("%s: CRD %s: %v", k.name, name, err)
	}
}

func (k labKube) configMap(t *testing.T, namespace, name string) *corev1.ConfigMap {
	t.Helper()
	cm, err := k.cs.CoreV1().ConfigMaps(namespace).Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Errorf("%s: configmap %s/%s: %v", k.name, namespace, name, err)
		return &corev1.ConfigMap{}
	}
	return cm
}

// links returns the Link resources of the cluster by name.
func (k labKube) links(t *testing.T) map[string]*unstructured.Unstructured {
	t.Helper()
	list, err := k.dyn.Resource(mesh.LinkGVR).Namespace(mesh.MulticlusterNamespace).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("%s: list links: %v", k.name, err)
	}
	out := map[string]*unstructured.Unstructured{}
	for i := range list.Items {
		out[list.Items[i].GetName()] = &list.Items[i]
	}
	return out
}

// controllers returns the stand-in service-mirror controllers of the
// cluster's multicluster release (ConfigMaps controller-<target>), by
// target, with whether each goes through a gateway.
func (k labKube) controllers(t *testing.T) map[string]string {
	t.Helper()
	list, err := k.cs.CoreV1().ConfigMaps(mesh.MulticlusterNamespace).List(t.Context(), metav1.ListOptions{LabelSelector: "component=controller"})
	if err != nil {
		t.Fatalf("%s: list controllers: %v", k.name, err)
	}
	out := map[string]string{}
	for _, cm := range list.Items {
		out[cm.Data["link"]] = cm.Data["gateway"]
	}
	return out
}

// standIns are stand-in controllers running until stopped.
type standIns struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	errs   []error
}

func (b *standIns) stop() []error {
	b.cancel()
	b.wg.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.errs
}

func (b *standIns) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errs = append(b.errs, err)
}

// serveLoadBalancers does MetalLB's controller's job in every cluster: a
// LoadBalancer Service without an address gets the lowest free address of
// the cluster's IPAddressPool, as the pool object in the cluster says.
// It reaches the API servers with the nodes' own admin credentials.
func (f *labFlow) serveLoadBalancers(t *testing.T) *standIns {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b := &standIns{cancel: cancel}
	for _, n := range f.nodes {
		k := newLabKube(t, n.name, n.adminREST())
		b.wg.Go(func() {
			for ctx.Err() == nil {
				assignLoadBalancers(ctx, k)
				select {
				case <-ctx.Done():
				case <-time.After(300 * time.Millisecond):
				}
			}
		})
	}
	return b
}

// assignLoadBalancers is one pass of the stand-in MetalLB controller;
// errors (a cluster not there yet, or gone) wait for the next pass.
func assignLoadBalancers(ctx context.Context, k labKube) {
	pools, err := k.dyn.Resource(ipPoolGVR).Namespace(metallbNamespace).List(ctx, metav1.ListOptions{})
	if err != nil || len(pools.Items) == 0 {
		return
	}
	addrs, _, _ := unstructured.NestedStringSlice(pools.Items[0].Object, "spec", "addresses")
	if len(addrs) == 0 {
		return
	}
	pool, err := netip.ParsePrefix(addrs[0])
	if err != nil {
		return
	}
	svcs, err := k.cs.CoreV1().Services("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return
	}
	used := map[netip.Addr]bool{}
	for _, s := range svcs.Items {
		for _, in := range s.Status.LoadBalancer.Ingress {
			if a, err := netip.ParseAddr(in.IP); err == nil {
				used[a] = true
			}
		}
	}
	for _, s := range svcs.Items {
		if s.Spec.Type != corev1.ServiceTypeLoadBalancer || len(s.Status.LoadBalancer.Ingress) > 0 {
			continue
		}
		a := pool.Addr()
		for used[a] && pool.Contains(a) {
			a = a.Next()
		}
		if !pool.Contains(a) {
			return
		}
		used[a] = true
		s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: a.String()}}
		_, _ = k.cs.CoreV1().Services(s.Namespace).UpdateStatus(ctx, &s, metav1.UpdateOptions{})
	}
}

// fillTokens does the token controller's job, after delay, in each
// cluster: the remote-access token Secret gets a real token for its
// service account (TokenRequest API) and the cluster's CA, as the mesh
// tests do.
func (f *labFlow) fillTokens(t *testing.T, delay time.Duration) *standIns {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	b := &standIns{cancel: cancel}
	for _, n := range f.nodes {
		k := newLabKube(t, n.name, n.adminREST())
		b.wg.Go(func() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
			if err := fillToken(ctx, k, n.pki.ca.certPEM); err != nil {
				b.fail(fmt.Errorf("%s: fill the remote-access token: %w", n.name, err))
			}
		})
	}
	return b
}

func fillToken(ctx context.Context, k labKube, ca []byte) error {
	tr, err := k.cs.CoreV1().ServiceAccounts(mesh.MulticlusterNamespace).CreateToken(ctx, mesh.RemoteAccessServiceAccount,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{}}, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	secrets := k.cs.CoreV1().Secrets(mesh.MulticlusterNamespace)
	secret, err := secrets.Get(ctx, mesh.RemoteAccessServiceAccount+"-token", metav1.GetOptions{})
	if err != nil {
		return err
	}
	secret.Data = map[string][]byte{corev1.ServiceAccountTokenKey: []byte(tr.Status.Token), corev1.ServiceAccountRootCAKey: ca}
	_, err = secrets.Update(ctx, secret, metav1.UpdateOptions{})
	return err
}

func loadKubeconfigFile(t *testing.T, path string) *clientcmdapi.Config {
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

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func parsePEMCert(t *testing.T, data []byte) *x509.Certificate {
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

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
