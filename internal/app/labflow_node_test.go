package app

// Stand-in kind nodes for the lab flow test. kind's node images cannot be
// pulled here, so a node is a busybox container (hack/testimage) with kind's
// labels and name, on the lab's network at a fixed address, running a real
// etcd and kube-apiserver (hack/testbin) on port 6443 of that address, and
// holding a kubeadm-style /etc/kubernetes/admin.conf that kind's library
// reads with `cat`, as it does on a real node. No kubelet, controller-manager
// or scheduler runs: the test does their few jobs itself (see
// labflow_kube_test.go).

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

const (
	flowNodeImage    = "localcluster-testnode:busybox"
	flowTestLabel    = "dev.localcluster.test"
	kindClusterLabel = "io.x-k8s.kind.cluster"
	kindRoleLabel    = "io.x-k8s.kind.role"
	nodeReadyWait    = 3 * time.Minute
)

// labNode is one stand-in cluster node.
type labNode struct {
	short     string     // alpha, beta, gamma: the lab directory
	name      string     // the cluster name, with the test's id
	nybble    int        // subnet nybble: pods 10.<n>.1.0/24, services 10.<n>.2.0/24
	addr      netip.Addr // fixed address on the lab network
	spareAddr netip.Addr // where the test moves it to (step route); may be zero
	dir       string     // host directory mounted as /etc/kubernetes
	pki       *labNodePKI
}

func (n *labNode) container() string { return n.name + "-control-plane" }
func (n *labNode) podCIDR() netip.Prefix {
	return netip.MustParsePrefix(fmt.Sprintf("10.%d.1.0/24", n.nybble))
}
func (n *labNode) serviceCIDR() string { return fmt.Sprintf("10.%d.2.0/24", n.nybble) }

// podAddr is the fake pod address the test puts on the node's lo.
func (n *labNode) podAddr() string { return fmt.Sprintf("10.%d.1.1", n.nybble) }

// server is the API server URL at the node's current address.
func (n *labNode) server() string { return "https://" + netip.AddrPortFrom(n.addr, 6443).String() }

// labNodePKI is what one API server needs: a CA signing its serving and admin
// certificates, and the service-account key pair.
type labNodePKI struct {
	ca, serving, admin labKeyPair
	saKey, saPub       []byte
}

type labKeyPair struct {
	cert    *x509.Certificate
	key     crypto.Signer
	certPEM []byte
	keyPEM  []byte
}

func newLabNodePKI(t *testing.T, n *labNode) *labNodePKI {
	t.Helper()
	ca := labSign(t, &x509.Certificate{
		Subject:  pkix.Name{CommonName: "labflow-ca-" + n.name},
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: true,
	}, nil)
	ips := []net.IP{net.ParseIP(n.addr.String()), net.IPv4(127, 0, 0, 1), net.ParseIP(fmt.Sprintf("10.%d.2.1", n.nybble))}
	if n.spareAddr.IsValid() {
		ips = append(ips, net.ParseIP(n.spareAddr.String()))
	}
	serving := labSign(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: ips,
		DNSNames: []string{n.container(), "localhost", "kubernetes", "kubernetes.default",
			"kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
	}, &ca)
	// kubeadm's admin.conf user: system:masters passes every RBAC check.
	admin := labSign(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kubernetes-admin", Organization: []string{"system:masters"}},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, &ca)
	sa := newLabKey(t)
	pub, err := x509.MarshalPKIXPublicKey(sa.Public())
	if err != nil {
		t.Fatal(err)
	}
	return &labNodePKI{
		ca: ca, serving: serving, admin: admin,
		saKey: labKeyPEM(t, sa), saPub: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}),
	}
}

func newLabKey(t *testing.T) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func labKeyPEM(t *testing.T, k crypto.Signer) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// labSign makes a fresh key and its certificate from tmpl, signed by
// parent (self-signed when nil). Valid for a day.
func labSign(t *testing.T, tmpl *x509.Certificate, parent *labKeyPair) labKeyPair {
	t.Helper()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	key := newLabKey(t)
	signerCert, signerKey := tmpl, key
	if parent != nil {
		signerCert, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return labKeyPair{cert: cert, key: key, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), keyPEM: labKeyPEM(t, key)}
}

// adminConf is the node's /etc/kubernetes/admin.conf as kubeadm writes it
// on a kind node: cluster named after the kind cluster, user
// kubernetes-admin, server the node's container name. kind renames all
// three to kind-<name>; localcluster renames them to <name> and points the
// server at the node's address.
func (n *labNode) adminConf() string {
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: %[2]s
    server: https://%[1]s-control-plane:6443
  name: %[1]s
contexts:
- context:
    cluster: %[1]s
    user: kubernetes-admin
  name: kubernetes-admin@%[1]s
current-context: kubernetes-admin@%[1]s
preferences: {}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: %[3]s
    client-key-data: %[4]s
`, n.name, b64(n.pki.ca.certPEM), b64(n.pki.admin.certPEM), b64(n.pki.admin.keyPEM))
}

// launchScript starts etcd and kube-apiserver in the container. The API
// server listens on every address, so it survives the test moving the
// node to another address; the shell stays as PID 1 so that a crashed API
// server leaves a running container with its log to read.
func (n *labNode) launchScript() string {
	return fmt.Sprintf(`#!/bin/sh
# Stand-in for a kind node's control plane (localcluster lab flow test).
mkdir -p /tmp/etcd /tmp/apiserver
/opt/lc/etcd --name node --data-dir /tmp/etcd \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster node=http://127.0.0.1:2380 --unsafe-no-fsync=true >/tmp/etcd.log 2>&1 &
/opt/lc/kube-apiserver \
  --bind-address=0.0.0.0 --secure-port=6443 --advertise-address=%[1]s \
  --cert-dir=/tmp/apiserver \
  --tls-cert-file=/etc/kubernetes/pki/apiserver.crt --tls-private-key-file=/etc/kubernetes/pki/apiserver.key \
  --client-ca-file=/etc/kubernetes/pki/ca.crt \
  --etcd-servers=http://127.0.0.1:2379 \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file=/etc/kubernetes/pki/sa.pub \
  --service-account-signing-key-file=/etc/kubernetes/pki/sa.key \
  --service-cluster-ip-range=%[2]s \
  --authorization-mode=RBAC --allow-privileged=true \
  --disable-admission-plugins=ServiceAccount \
  --enable-priority-and-fairness=false --profiling=false
echo "kube-apiserver exited with status $?"
exec sleep 2147483647
`, n.addr, n.serviceCIDR())
}

// writeFiles writes what the container mounts as /etc/kubernetes.
func (n *labNode) writeFiles(t *testing.T) {
	t.Helper()
	files := map[string][]byte{
		"admin.conf":        []byte(n.adminConf()),
		"launch.sh":         []byte(n.launchScript()),
		"pki/ca.crt":        n.pki.ca.certPEM,
		"pki/apiserver.crt": n.pki.serving.certPEM,
		"pki/apiserver.key": n.pki.serving.keyPEM,
		"pki/sa.key":        n.pki.saKey,
		"pki/sa.pub":        n.pki.saPub,
	}
	for rel, data := range files {
		path := filepath.Join(n.dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// startNode runs the node container on the lab network at its fixed
// address, as kind would have started it.
func (f *labFlow) startNode(t *testing.T, n *labNode) {
	t.Helper()
	f.docker(t, "run", "-d",
		"--name", n.container(), "--hostname", n.container(),
		"--network", f.net.Name, "--ip", n.addr.String(),
		"--cap-add", "NET_ADMIN",
		// kind publishes the API server on a loopback port of the host,
		// which its library reads to write the host's kubeconfig.
		"--publish", "127.0.0.1::6443",
		"--label", kindClusterLabel+"="+n.name, "--label", kindRoleLabel+"=control-plane",
		"--label", flowTestLabel+"="+f.id,
		"-v", f.apiserverBin+":/opt/lc/kube-apiserver:ro",
		"-v", f.etcdBin+":/opt/lc/etcd:ro",
		"-v", n.dir+":/etc/kubernetes:ro",
		flowNodeImage, "sh", "/etc/kubernetes/launch.sh")
}

// adminREST reaches the node's API server directly, as its admin.
func (n *labNode) adminREST() *rest.Config {
	return &rest.Config{
		Host: n.server(),
		TLSClientConfig: rest.TLSClientConfig{
			CAData: n.pki.ca.certPEM, CertData: n.pki.admin.certPEM, KeyData: n.pki.admin.keyPEM,
		},
		QPS: 100, Burst: 200, Timeout: 10 * time.Second,
	}
}

// waitReady waits until the node's API server answers /readyz and has
// made its namespaces, and fails with the node's logs if it does not.
func (f *labFlow) waitReady(t *testing.T, n *labNode) {
	t.Helper()
	cs, err := kubernetes.NewForConfig(n.adminREST())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), nodeReadyWait)
	defer cancel()
	for {
		body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && string(body) == "ok" {
			_, err = cs.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
			if err == nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("node %s: API server at %s not ready after %s: %v\n%s", n.container(), n.server(), nodeReadyWait, err, f.nodeLogs(n))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (f *labFlow) nodeLogs(n *labNode) string {
	logs, _ := exec.Command("docker", "logs", "--tail", "30", n.container()).CombinedOutput()
	etcd, _ := exec.Command("docker", "exec", n.container(), "tail", "-n", "10", "/tmp/etcd.log").CombinedOutput()
	return fmt.Sprintf("--- docker logs %s:\n%s--- etcd log:\n%s", n.container(), logs, etcd)
}

// preparePods gives the node its fake pod address and takes its default
// route away, so that a packet toward a pod range without a route fails
// in the sender instead of leaving through the Docker host.
func (f *labFlow) preparePods(t *testing.T, n *labNode) {
	t.Helper()
	if !strings.Contains(f.exec(t, n, "ip", "addr", "show", "dev", "lo"), " "+n.podAddr()+"/") {
		f.exec(t, n, "ip", "addr", "add", n.podAddr()+"/32", "dev", "lo")
	}
	if strings.Contains(f.exec(t, n, "ip", "route", "show"), "default") {
		f.exec(t, n, "ip", "route", "del", "default")
	}
}

// exec runs a command in the node and returns its output.
func (f *labFlow) exec(t *testing.T, n *labNode, cmd ...string) string {
	t.Helper()
	return f.docker(t, append([]string{"exec", n.container()}, cmd...)...)
}

// ping sends packets from a's pod address to b's until one is answered,
// three at most: the first may wait for neighbour discovery.
func (f *labFlow) ping(a, b *labNode) error {
	var err error
	for range 3 {
		if err = f.pingOnce(a, b); err == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return err
}

func (f *labFlow) pingOnce(a, b *labNode) error {
	out, err := exec.Command("docker", "exec", a.container(), "ping", "-c1", "-W1", "-I", a.podAddr(), b.podAddr()).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ping %s (%s) -> %s (%s): %v: %s", a.short, a.podAddr(), b.short, b.podAddr(), err, bytes.TrimSpace(out))
	}
	return nil
}

// docker runs the docker CLI and fails the test if it fails.
func (f *labFlow) docker(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("docker", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// pingAll pings from every node's pod address to every other's.
func (f *labFlow) pingAll(t *testing.T, nodes []*labNode) {
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
