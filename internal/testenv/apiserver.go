package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// apiserverTimeout is generous: a cold kube-apiserver needs seconds on an
// idle machine but much longer on two cores shared with compilers.
const apiserverTimeout = 3 * time.Minute

// APIServer is one running kube-apiserver.
type APIServer struct {
	Name       string       // also the kube context name in Kubeconfig
	URL        string       // https://127.0.0.1:<port>
	Kubeconfig string       // path to a kubeconfig file (in a temp dir) whose current-context is Name, admin rights
	RESTConfig *rest.Config // admin config
	Clientset  kubernetes.Interface
}

// apiserverSpec is what starting one API server needs.
type apiserverSpec struct {
	name    string
	binary  string
	dir     string // private to this server
	etcdURL string
	pki     *serverPKI
}

// files the API server reads, relative to its directory.
const (
	caFile          = "ca.crt"
	servingCertFile = "serving.crt"
	servingKeyFile  = "serving.key"
	saKeyFile       = "service-account.key"
	saPubFile       = "service-account.pub"
	kubeconfigFile  = "kubeconfig"
)

func startAPIServer(ctx context.Context, spec apiserverSpec) (*APIServer, *process, error) {
	if err := writePKI(spec.dir, spec.pki); err != nil {
		return nil, nil, fmt.Errorf("start %s: %w", spec.name, err)
	}
	type started struct {
		server *APIServer
		proc   *process
	}
	s, err := startWithRetry(func() (started, error) {
		server, proc, err := startAPIServerOnce(ctx, spec)
		return started{server, proc}, err
	})
	if err != nil {
		return nil, nil, err
	}
	return s.server, s.proc, nil
}

func startAPIServerOnce(ctx context.Context, spec apiserverSpec) (*APIServer, *process, error) {
	ports, err := freePorts(1)
	if err != nil {
		return nil, nil, fmt.Errorf("start %s: %w", spec.name, err)
	}
	server, err := newAPIServer(spec, fmt.Sprintf("https://127.0.0.1:%d", ports[0]))
	if err != nil {
		return nil, nil, err
	}
	logPath := filepath.Join(spec.dir, "kube-apiserver.log")
	proc, err := startProcess("kube-apiserver "+spec.name, logPath, spec.binary, apiserverArgs(spec, ports[0]))
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, apiserverTimeout)
	defer cancel()
	if err := waitFor(ctx, proc, server.ready); err != nil {
		err = proc.failure(fmt.Errorf("start %s: %w", spec.name, err))
		proc.stop()
		return nil, nil, err
	}
	return server, proc, nil
}

func apiserverArgs(spec apiserverSpec, port int) []string {
	file := func(name string) string { return filepath.Join(spec.dir, name) }
	return []string{
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir=" + spec.dir,
		"--tls-cert-file=" + file(servingCertFile),
		"--tls-private-key-file=" + file(servingKeyFile),
		"--client-ca-file=" + file(caFile),
		"--etcd-servers=" + spec.etcdURL,
		// One etcd, many clusters: each keeps to its own key space.
		"--etcd-prefix=/localcluster/" + spec.name,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + file(saPubFile),
		"--service-account-signing-key-file=" + file(saKeyFile),
		"--service-cluster-ip-range=" + serviceCIDR,
		"--authorization-mode=RBAC",
		"--allow-privileged=true",
		// No controller-manager creates the default ServiceAccount, and the
		// plugin would then refuse every Pod.
		"--disable-admission-plugins=ServiceAccount",
		// Its bootstrap configuration objects only delay readiness here.
		"--enable-priority-and-fairness=false",
		"--profiling=false",
	}
}

// serviceCIDR holds the "kubernetes" Service's address 10.0.0.1, which the
// serving certificate names.
const serviceCIDR = "10.0.0.0/24"

func writePKI(dir string, pki *serverPKI) error {
	files := map[string][]byte{
		caFile:          pki.ca.certPEM,
		servingCertFile: pki.serving.certPEM,
		servingKeyFile:  pki.serving.keyPEM,
		saKeyFile:       pki.saKey,
		saPubFile:       pki.saPub,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}

// newAPIServer builds the client side for a server at url; the kubeconfig
// file is written, the server need not run yet.
func newAPIServer(spec apiserverSpec, url string) (*APIServer, error) {
	cfg := &rest.Config{
		Host: url,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   spec.pki.ca.certPEM,
			CertData: spec.pki.admin.certPEM,
			KeyData:  spec.pki.admin.keyPEM,
		},
		// client-go's default of 5 requests a second slows tests that
		// create many objects, and this server serves nobody else.
		QPS:   200,
		Burst: 400,
	}
	clientset, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", spec.name, err)
	}
	server := &APIServer{
		Name:       spec.name,
		URL:        url,
		Kubeconfig: filepath.Join(spec.dir, kubeconfigFile),
		RESTConfig: cfg,
		Clientset:  clientset,
	}
	if err := writeKubeconfig(server.Kubeconfig, server); err != nil {
		return nil, err
	}
	return server, nil
}

// ready reports whether /readyz says ok and the namespaces that the API
// server bootstraps after it starts serving exist.
func (s *APIServer) ready(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	body, err := s.Clientset.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	if err != nil || string(body) != "ok" {
		return false
	}
	for _, ns := range []string{metav1.NamespaceDefault, metav1.NamespaceSystem} {
		if _, err := s.Clientset.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
			return false
		}
	}
	return true
}
