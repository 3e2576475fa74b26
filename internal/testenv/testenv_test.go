package testenv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// TestAPIServers runs against two real kube-apiservers sharing one etcd.
func TestAPIServers(t *testing.T) {
	servers := Start(t, "alpha", "beta") // logs how long it took
	alpha, beta := servers[0], servers[1]

	t.Run("version", func(t *testing.T) { testVersion(t, alpha) })
	t.Run("admin identity", func(t *testing.T) { testAdminIdentity(t, alpha) })
	t.Run("isolation", func(t *testing.T) { testIsolation(t, alpha, beta) })
	t.Run("crd established", func(t *testing.T) { testCRD(t, alpha, beta) })
	t.Run("own kubeconfig", func(t *testing.T) { testOwnKubeconfig(t, beta) })
	t.Run("merged kubeconfig", func(t *testing.T) { testMergedKubeconfig(t, alpha, beta) })
	t.Run("service account token", func(t *testing.T) { testServiceAccountToken(t, alpha) })
	t.Run("service account token secret", func(t *testing.T) { testServiceAccountSecret(t, alpha) })
}

func testVersion(t *testing.T, s *APIServer) {
	v, err := s.Clientset.Discovery().ServerVersion()
	if err != nil {
		t.Fatalf("server version: %v", err)
	}
	if v.GitVersion != KubernetesVersion {
		t.Errorf("server reports version %q, want %q", v.GitVersion, KubernetesVersion)
	}
}

func testAdminIdentity(t *testing.T, s *APIServer) {
	user := whoAmI(t, s.Clientset)
	if !slices.Contains(user.Groups, "system:masters") {
		t.Errorf("admin user %q has groups %v, want system:masters among them", user.Username, user.Groups)
	}
}

func testIsolation(t *testing.T, alpha, beta *APIServer) {
	ctx := t.Context()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "isolation"}}
	if _, err := alpha.Clientset.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace in alpha: %v", err)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "token", Namespace: ns.Name},
		StringData: map[string]string{"token": "s3cret"},
	}
	if _, err := alpha.Clientset.CoreV1().Secrets(ns.Name).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create secret in alpha: %v", err)
	}
	got, err := alpha.Clientset.CoreV1().Secrets(ns.Name).Get(ctx, secret.Name, metav1.GetOptions{})
	if err != nil || string(got.Data["token"]) != "s3cret" {
		t.Fatalf("read secret back from alpha: %v, data %q", err, got.Data)
	}
	if _, err := beta.Clientset.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace %s in beta: got error %v, want NotFound", ns.Name, err)
	}
	if _, err := beta.Clientset.CoreV1().Secrets(ns.Name).Get(ctx, secret.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("secret %s/%s in beta: got error %v, want NotFound", ns.Name, secret.Name, err)
	}
}

func testOwnKubeconfig(t *testing.T, s *APIServer) {
	raw, err := clientcmd.LoadFromFile(s.Kubeconfig)
	if err != nil {
		t.Fatalf("load %s: %v", s.Kubeconfig, err)
	}
	if raw.CurrentContext != s.Name {
		t.Errorf("current-context is %q, want %q", raw.CurrentContext, s.Name)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", s.Kubeconfig)
	if err != nil {
		t.Fatalf("build config from %s: %v", s.Kubeconfig, err)
	}
	if cfg.Insecure {
		t.Error("kubeconfig skips TLS verification")
	}
	cs := kubernetes.NewForConfigOrDie(cfg)
	if _, err := cs.CoreV1().Namespaces().Get(t.Context(), metav1.NamespaceDefault, metav1.GetOptions{}); err != nil {
		t.Errorf("get default namespace through %s: %v", s.Kubeconfig, err)
	}
}

func testMergedKubeconfig(t *testing.T, alpha, beta *APIServer) {
	path := MergedKubeconfig(t, alpha, beta)
	raw, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	if raw.CurrentContext != alpha.Name || len(raw.Contexts) != 2 {
		t.Errorf("merged kubeconfig: current-context %q and %d contexts, want %q and 2", raw.CurrentContext, len(raw.Contexts), alpha.Name)
	}
	for _, s := range []*APIServer{alpha, beta} {
		loader := &clientcmd.ClientConfigLoadingRules{ExplicitPath: path}
		overrides := &clientcmd.ConfigOverrides{CurrentContext: s.Name}
		cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(loader, overrides).ClientConfig()
		if err != nil {
			t.Fatalf("context %s: %v", s.Name, err)
		}
		if cfg.Host != s.URL {
			t.Errorf("context %s points at %s, want %s", s.Name, cfg.Host, s.URL)
		}
		// Only alpha has the namespace testIsolation made: the context
		// really reaches its own server.
		_, err = kubernetes.NewForConfigOrDie(cfg).CoreV1().Namespaces().Get(t.Context(), "isolation", metav1.GetOptions{})
		if found := err == nil; found != (s == alpha) {
			t.Errorf("context %s: namespace isolation found=%v (err %v), want %v", s.Name, found, err, s == alpha)
		}
	}
}

// testServiceAccountToken proves the signing key works: a token issued by
// the TokenRequest API authenticates as its ServiceAccount.
func testServiceAccountToken(t *testing.T, s *APIServer) {
	ctx := t.Context()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "robot", Namespace: metav1.NamespaceDefault}}
	if _, err := s.Clientset.CoreV1().ServiceAccounts(sa.Namespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create service account: %v", err)
	}
	tr, err := s.Clientset.CoreV1().ServiceAccounts(sa.Namespace).CreateToken(ctx, sa.Name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("request token: %v", err)
	}
	cfg := rest.AnonymousClientConfig(s.RESTConfig)
	cfg.BearerToken = tr.Status.Token
	user := whoAmI(t, kubernetes.NewForConfigOrDie(cfg))
	if want := "system:serviceaccount:default:robot"; user.Username != want {
		t.Errorf("token authenticates as %q, want %q", user.Username, want)
	}
}

// testServiceAccountSecret checks that a legacy token Secret is a valid
// object. No controller-manager runs, so nothing fills in its token.
func testServiceAccountSecret(t *testing.T, s *APIServer) {
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:        "robot-token",
			Namespace:   metav1.NamespaceDefault,
			Annotations: map[string]string{corev1.ServiceAccountNameKey: "robot"},
		},
		Type: corev1.SecretTypeServiceAccountToken,
	}
	got, err := s.Clientset.CoreV1().Secrets(secret.Namespace).Create(t.Context(), secret, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create service account token secret: %v", err)
	}
	if got.Type != corev1.SecretTypeServiceAccountToken {
		t.Errorf("secret type %q, want %q", got.Type, corev1.SecretTypeServiceAccountToken)
	}
}

func whoAmI(t *testing.T, cs kubernetes.Interface) authenticationv1.UserInfo {
	t.Helper()
	review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(t.Context(), &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("self subject review: %v", err)
	}
	return review.Status.UserInfo
}

// TestStartSharedStop checks that stop ends the processes and removes the
// temp dir, and that calling it twice is harmless.
func TestStartSharedStop(t *testing.T) {
	NeedAPIServers(t)
	servers, stop, err := StartShared("solo")
	if err != nil {
		t.Fatalf("StartShared: %v", err)
	}
	s := servers[0]
	dir := filepath.Dir(filepath.Dir(s.Kubeconfig))
	if _, err := s.Clientset.Discovery().ServerVersion(); err != nil {
		t.Fatalf("server version before stop: %v", err)
	}
	stop()
	stop()
	if _, err := s.Clientset.Discovery().ServerVersion(); err == nil {
		t.Error("API server still answers after stop")
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("temp dir %s after stop: %v, want it gone", dir, err)
	}
}
