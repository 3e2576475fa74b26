package mesh

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"path/filepath"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/localcluster/localcluster/internal/helm"
	"github.com/localcluster/localcluster/internal/testenv"
)

// The integration tests run real kube-apiservers (package testenv) and
// install the stand-in charts of testdata/charts through package helm, the
// code path the product uses. Linkerd's own charts and images cannot be
// reached here; no controller-manager runs, so the tests do its two jobs
// themselves (fillToken, setGatewayAddress).

// standInCharts is the chart source for the stand-ins of Linkerd's charts.
func standInCharts(t testing.TB) ChartSource {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "charts"))
	if err != nil {
		t.Fatal(err)
	}
	src := DefaultChartSource()
	src.Repo = dir
	return src
}

func skipShort(t testing.TB) {
	t.Helper()
	testenv.NeedAPIServers(t)
}

// lab is a set of API servers with a shared trust anchor.
type lab struct {
	servers map[string]*testenv.APIServer
	pki     testPKI
}

func startLab(t testing.TB, names ...string) *lab {
	t.Helper()
	l := &lab{servers: map[string]*testenv.APIServer{}, pki: newTestPKI(t)}
	for _, s := range testenv.Start(t, names...) {
		l.servers[s.Name] = s
	}
	return l
}

// cluster is c with the lab's certificates.
func (l *lab) cluster(c Cluster) Cluster {
	c.TrustAnchorPEM, c.IssuerCertPEM, c.IssuerKeyPEM = l.pki.anchor, l.pki.issuerCrt, l.pki.issuerKey
	return c
}

// endpoint is the named server as links see it, reachable from its peers
// at peerURL ("" means its real URL).
func (l *lab) endpoint(name, peerURL string) Endpoint {
	s := l.servers[name]
	if peerURL == "" {
		peerURL = s.URL
	}
	return Endpoint{Name: name, RESTConfig: s.RESTConfig, ServerFromPeers: peerURL}
}

// ensureAll installs (or re-ensures) the releases of every cluster, the
// clusters in parallel, each cluster's releases in order, and returns the
// outcomes by cluster. Wait is off: no pods ever run here, and Helm would
// wait for the gateway's load-balancer address forever.
func (l *lab) ensureAll(t testing.TB, src ChartSource, clusters ...Cluster) map[string][]helm.Outcome {
	t.Helper()
	var mu sync.Mutex
	out := map[string][]helm.Outcome{}
	var wg sync.WaitGroup
	for _, c := range clusters {
		wg.Go(func() {
			outcomes, err := l.ensure(src, l.cluster(c))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("cluster %s: %v", c.Name, err)
			}
			out[c.Name] = outcomes
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return out
}

func (l *lab) ensure(src ChartSource, c Cluster) ([]helm.Outcome, error) {
	client, err := helm.NewFromREST(l.servers[c.Name].RESTConfig)
	if err != nil {
		return nil, err
	}
	releases, err := Releases(src, c)
	if err != nil {
		return nil, err
	}
	var outcomes []helm.Outcome
	for _, r := range releases {
		r.Wait = false
		o, err := client.Ensure(context.Background(), r)
		if err != nil {
			return nil, err
		}
		outcomes = append(outcomes, o)
	}
	return outcomes, nil
}

// fillToken does the token controller's job for the remote-access token
// Secret: a real token for the service account, from the TokenRequest API,
// and the cluster's CA.
func (l *lab) fillToken(t testing.TB, name string) string {
	t.Helper()
	ctx := context.Background()
	s := l.servers[name]
	tr, err := s.Clientset.CoreV1().ServiceAccounts(MulticlusterNamespace).CreateToken(ctx, RemoteAccessServiceAccount,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr(int64(3600))}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("%s: token request: %v", name, err)
	}
	secrets := s.Clientset.CoreV1().Secrets(MulticlusterNamespace)
	secret, err := secrets.Get(ctx, RemoteAccessServiceAccount+"-token", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	secret.Data = map[string][]byte{
		corev1.ServiceAccountTokenKey:  []byte(tr.Status.Token),
		corev1.ServiceAccountRootCAKey: s.RESTConfig.CAData,
	}
	if _, err := secrets.Update(ctx, secret, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tr.Status.Token
}

// setGatewayAddress does the load balancer's job for the gateway Service.
func (l *lab) setGatewayAddress(t testing.TB, name, ip string) {
	t.Helper()
	ctx := context.Background()
	services := l.servers[name].Clientset.CoreV1().Services(MulticlusterNamespace)
	svc, err := services.Get(ctx, GatewayServiceName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: ip}}
	if _, err := services.UpdateStatus(ctx, svc, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func ptr[T any](v T) *T { return &v }

// testPKI is a trust anchor and one issuer, ECDSA P-256 as Linkerd wants.
type testPKI struct{ anchor, issuerCrt, issuerKey []byte }

func newTestPKI(t testing.TB) testPKI {
	t.Helper()
	anchorKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	issuerKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := func(serial int64, cn string) *x509.Certificate {
		return &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		}
	}
	anchorTmpl := ca(1, "root.linkerd.cluster.local")
	anchorDER, err := x509.CreateCertificate(rand.Reader, anchorTmpl, anchorTmpl, &anchorKey.PublicKey, anchorKey)
	if err != nil {
		t.Fatal(err)
	}
	issuerDER, err := x509.CreateCertificate(rand.Reader, ca(2, "identity.linkerd.cluster.local"), anchorTmpl, &issuerKey.PublicKey, anchorKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(issuerKey)
	if err != nil {
		t.Fatal(err)
	}
	return testPKI{
		anchor:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: anchorDER}),
		issuerCrt: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: issuerDER}),
		issuerKey: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
}
