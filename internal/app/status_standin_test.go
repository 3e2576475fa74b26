package app

// Stand-ins for what the service mirror and its controllers would do in
// a real cluster, for TestStatusFlow, and the faults it injects.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/localcluster/localcluster/internal/mesh"
)

const (
	standInAdminPort = 9999 // the controller's ctrl-admin port in linkerd2's chart
	metricsDir       = "/tmp/lc-metrics"
)

// standInMirrors gives every link the service-mirror Deployment the real
// chart renders (the stand-in chart renders a ConfigMap instead) with the
// status a controller-manager would set; for the gateway link gamma ->
// alpha also the leader pod with its lease and metrics, the probe
// Endpoints and a mirrored Service with endpoints.
func (f *labFlow) standInMirrors(t *testing.T) {
	t.Helper()
	for _, src := range f.nodes {
		for _, dst := range f.nodes {
			if src != dst {
				f.createController(t, src, dst)
			}
		}
	}
	gamma, alpha := f.node("gamma"), f.node("alpha")
	k := f.kube(t, gamma)
	ctx := t.Context()
	ns := mesh.MulticlusterNamespace
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "controller-" + alpha.name + "-0", Namespace: ns, Labels: controllerLabels(alpha)},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "controller", Image: "cr.l5d.io/linkerd/controller:edge-26.8.3",
			Ports: []corev1.ContainerPort{{Name: "ctrl-admin", ContainerPort: standInAdminPort}},
		}}},
	}
	pod, err := k.cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The pod's address is gamma's stand-in pod address, where busybox
	// httpd serves the metrics: the API server's pod proxy reaches it.
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: gamma.podAddr(), PodIPs: []corev1.PodIP{{IP: gamma.podAddr()}}}
	if _, err := k.cs.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	holder := pod.Name
	_, err = k.cs.CoordinationV1().Leases(ns).Create(ctx, &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "service-mirror-write-" + alpha.name, Namespace: ns},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.serveGatewayAlive(t, gamma, alpha, 1)
	f.exec(t, gamma, "sh", "-c", fmt.Sprintf("busybox httpd -p %s:%d -h %s", gamma.podAddr(), standInAdminPort, metricsDir))

	gw, err := f.kube(t, alpha).cs.CoreV1().Services(ns).Get(ctx, mesh.GatewayServiceName, metav1.GetOptions{})
	if err != nil || len(gw.Status.LoadBalancer.Ingress) == 0 {
		t.Fatalf("alpha's gateway address: %v %+v", err, gw)
	}
	gwIP := gw.Status.LoadBalancer.Ingress[0].IP
	f.writeEndpoints(t, gamma, ns, "probe-"+alpha.name, gwIP, 4191)
	_, err = k.cs.CoreV1().Services("default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web-" + alpha.name, Labels: map[string]string{
			"mirror.linkerd.io/mirrored-service": "true", "mirror.linkerd.io/cluster-name": alpha.name,
		}},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.setMirrorEndpoints(t, gamma, alpha, true)
}

func controllerLabels(target *labNode) map[string]string {
	return map[string]string{"linkerd.io/extension": "multicluster", "component": "controller", "mirror.linkerd.io/cluster-name": target.name}
}

// createController makes the Deployment controller-<dst> in src, as
// linkerd2's controller/deployment.yaml names and labels it, available.
func (f *labFlow) createController(t *testing.T, src, dst *labNode) {
	t.Helper()
	one := int32(1)
	labels := controllerLabels(dst)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "controller-" + dst.name, Namespace: mesh.MulticlusterNamespace, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"component": "controller", "mirror.linkerd.io/cluster-name": dst.name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "controller", Image: "cr.l5d.io/linkerd/controller:edge-26.8.3"}}},
			},
		},
	}
	cs := f.kube(t, src).cs.AppsV1().Deployments(mesh.MulticlusterNamespace)
	d, err := cs.Create(t.Context(), d, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d.Status = appsv1.DeploymentStatus{Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1, UpdatedReplicas: 1, ObservedGeneration: d.Generation}
	if _, err := cs.UpdateStatus(t.Context(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// scaleController sets the replicas of src's controller for dst and the
// status a controller-manager would then report; at 0 the pod goes too.
func (f *labFlow) scaleController(t *testing.T, src, dst *labNode, n int32) {
	t.Helper()
	k := f.kube(t, src)
	cs := k.cs.AppsV1().Deployments(mesh.MulticlusterNamespace)
	d, err := cs.Get(t.Context(), "controller-"+dst.name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d.Spec.Replicas = &n
	if d, err = cs.Update(t.Context(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	d.Status = appsv1.DeploymentStatus{Replicas: n, ReadyReplicas: n, AvailableReplicas: n, UpdatedReplicas: n, ObservedGeneration: d.Generation}
	if _, err := cs.UpdateStatus(t.Context(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := k.cs.CoreV1().Pods(mesh.MulticlusterNamespace)
	name := "controller-" + dst.name + "-0"
	if n == 0 {
		if err := pods.Delete(t.Context(), name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		return
	}
	pod, err := pods.Create(t.Context(), &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: mesh.MulticlusterNamespace, Labels: controllerLabels(dst)},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "controller", Image: "cr.l5d.io/linkerd/controller:edge-26.8.3",
			Ports: []corev1.ContainerPort{{Name: "ctrl-admin", ContainerPort: standInAdminPort}},
		}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: src.podAddr(), PodIPs: []corev1.PodIP{{IP: src.podAddr()}}}
	if _, err := pods.UpdateStatus(t.Context(), pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// serveGatewayAlive writes the metrics the service mirror in src serves:
// gateway_alive for dst, 1 when its probes succeed.
func (f *labFlow) serveGatewayAlive(t *testing.T, src, dst *labNode, alive int) {
	t.Helper()
	metrics := fmt.Sprintf(`# HELP gateway_alive A gauge which is 1 if the gateway is alive and 0 if it is not.
# TYPE gateway_alive gauge
gateway_alive{gateway_name="linkerd-gateway",gateway_namespace="linkerd-multicluster",target_cluster_name=%q} %d
`, dst.name, alive)
	f.exec(t, src, "sh", "-c", fmt.Sprintf("mkdir -p %s && printf '%%s' '%s' > %s/metrics", metricsDir, metrics, metricsDir))
}

func (f *labFlow) writeEndpoints(t *testing.T, n *labNode, namespace, name, ip string, port int32) {
	t.Helper()
	//nolint:staticcheck // the service mirror writes core/v1 Endpoints
	eps := f.kube(t, n).cs.CoreV1().Endpoints(namespace)
	//nolint:staticcheck // as above
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		//nolint:staticcheck // as above
		Subsets: []corev1.EndpointSubset{{
			//nolint:staticcheck // as above
			Addresses: []corev1.EndpointAddress{{IP: ip}},
			//nolint:staticcheck // as above
			Ports: []corev1.EndpointPort{{Port: port}},
		}},
	}
	existing, err := eps.Get(t.Context(), name, metav1.GetOptions{})
	if err == nil {
		existing.Subsets = ep.Subsets
		_, err = eps.Update(t.Context(), existing, metav1.UpdateOptions{})
	} else {
		_, err = eps.Create(t.Context(), ep, metav1.CreateOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// setMirrorEndpoints gives the Service mirrored from dst into src its
// endpoints (the gateway's address, as the service mirror writes them for
// a gateway link), or takes them away.
func (f *labFlow) setMirrorEndpoints(t *testing.T, src, dst *labNode, present bool) {
	t.Helper()
	name := "web-" + dst.name
	if present {
		f.writeEndpoints(t, src, "default", name, f.spareNetAddr(byte(16*dst.nybble)), 4143)
		return
	}
	//nolint:staticcheck // the service mirror writes core/v1 Endpoints
	eps := f.kube(t, src).cs.CoreV1().Endpoints("default")
	ep, err := eps.Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ep.Subsets = nil
	if _, err := eps.Update(t.Context(), ep, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// writeExpiredIssuer replaces n's issuer with one signed by the lab's
// anchor that expired yesterday.
func (f *labFlow) writeExpiredIssuer(t *testing.T, n *labNode) {
	t.Helper()
	anchorCert := parsePEMCert(t, mustReadFile(t, filepath.Join(f.trustDir, "root.crt")))
	block, _ := pem.Decode(mustReadFile(t, filepath.Join(f.trustDir, "root.key")))
	if block == nil {
		t.Fatal("no PEM in root.key")
	}
	anchorKey, err := parseAnyECKey(block)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "identity.linkerd.cluster.local"},
		NotBefore:    time.Now().Add(-400 * 24 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, MaxPathLen: 0, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, anchorCert, key.Public(), anchorKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(f.labDir, n.short)
	mustWrite(t, filepath.Join(dir, "issuer.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	mustWrite(t, filepath.Join(dir, "issuer.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
}

func parseAnyECKey(b *pem.Block) (*ecdsa.PrivateKey, error) {
	if k, err := x509.ParseECPrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("root.key is not an ECDSA key")
	}
	return ec, nil
}

// otherAnchorPEM is a trust anchor of another lab.
func otherAnchorPEM(t *testing.T) []byte {
	t.Helper()
	kp := labSign(t, &x509.Certificate{
		Subject:  pkix.Name{CommonName: "root.linkerd.cluster.local"},
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}, nil)
	return kp.certPEM
}

// setTrustRoots replaces the control plane's trust roots in n and returns
// what they were.
func (f *labFlow) setTrustRoots(t *testing.T, n *labNode, bundle []byte) []byte {
	t.Helper()
	cms := f.kube(t, n).cs.CoreV1().ConfigMaps(mesh.LinkerdNamespace)
	cm, err := cms.Get(t.Context(), "linkerd-identity-trust-roots", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	old := []byte(cm.Data["ca-bundle.crt"])
	cm.Data["ca-bundle.crt"] = string(bytes.TrimSpace(bundle))
	if _, err := cms.Update(t.Context(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	return old
}

// revokeRemoteAccess deletes and recreates n's remote-access service
// account: every token issued for the old one is rejected from then on.
func (f *labFlow) revokeRemoteAccess(t *testing.T, n *labNode) {
	t.Helper()
	sas := newLabKube(t, n.name, n.adminREST()).cs.CoreV1().ServiceAccounts(mesh.MulticlusterNamespace)
	sa, err := sas.Get(t.Context(), mesh.RemoteAccessServiceAccount, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sas.Delete(t.Context(), sa.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	fresh := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa.Name, Namespace: sa.Namespace, Labels: sa.Labels, Annotations: sa.Annotations}}
	if _, err := sas.Create(t.Context(), fresh, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}
