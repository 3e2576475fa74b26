package external

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/localcluster/localcluster/internal/provider"
)

// apiServer stands in for a Kubernetes API server: no real one is needed
// to answer GET /version, and this test only checks that Status reaches it
// with the context's CA and token.
func apiServer(t *testing.T) *httptest.Server {
	t.Helper()
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/version" || r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"major":"1","minor":"33","gitVersion":"v1.33.1"}`))
	}))
	t.Cleanup(ts.Close)
	return ts
}

// writeKubeconfig writes a kubeconfig with context "east" (CA in a file
// next to it, named by a relative path), pointing at server, and context
// "down", pointing at a closed port.
func writeKubeconfig(t *testing.T, server *httptest.Server) string {
	t.Helper()
	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: server.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), ca, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := `apiVersion: v1
kind: Config
clusters:
- name: east
  cluster:
    server: ` + server.URL + `
    certificate-authority: ca.crt
- name: down
  cluster:
    server: https://127.0.0.1:1
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: s3cret
contexts:
- name: east
  context: {cluster: east, user: admin}
- name: down
  context: {cluster: down, user: admin}
current-context: down
`
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestStatus(t *testing.T) {
	path := writeKubeconfig(t, apiServer(t))
	p := New(
		provider.Spec{Name: "east", Provider: Name, Kubeconfig: path},
		provider.Spec{Name: "west", Provider: Name, Context: "down", Kubeconfig: path},
		provider.Spec{Name: "gone", Provider: Name, Context: "nowhere", Kubeconfig: path},
		provider.Spec{Name: "nofile", Provider: Name, Kubeconfig: filepath.Join(t.TempDir(), "missing")},
	)
	for name, want := range map[string]provider.Status{
		"east":   {Exists: true, Running: true},
		"west":   {Exists: true, Running: false},
		"gone":   {},
		"nofile": {},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := p.Status(context.Background(), name)
			if err != nil {
				t.Fatal(err)
			}
			if got.Exists != want.Exists || got.Running != want.Running || len(got.Nodes) != 0 {
				t.Errorf("Status(%s) = %+v, want %+v", name, got, want)
			}
		})
	}
}

func TestKubeconfigIsThatContextAlone(t *testing.T) {
	path := writeKubeconfig(t, apiServer(t))
	p := New(provider.Spec{Name: "east", Provider: Name, Kubeconfig: path})
	raw, err := p.Kubeconfig(context.Background(), "east")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.Load(raw)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CurrentContext != "east" || len(cfg.Contexts) != 1 || len(cfg.Clusters) != 1 || len(cfg.AuthInfos) != 1 {
		t.Fatalf("kubeconfig holds %d contexts, %d clusters, %d users, current %q; want east alone",
			len(cfg.Contexts), len(cfg.Clusters), len(cfg.AuthInfos), cfg.CurrentContext)
	}
	c := cfg.Clusters["east"]
	if c == nil || len(c.CertificateAuthorityData) == 0 || c.CertificateAuthority != "" {
		t.Errorf("CA not inlined: %+v", c)
	}
	// The result must work on its own, from anywhere.
	rc, err := clientcmd.NewDefaultClientConfig(*cfg, nil).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	if !answers(context.Background(), cfg, "east") || rc.BearerToken != "s3cret" {
		t.Error("the returned kubeconfig does not reach the API server")
	}

	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none")) // the default kubeconfig, empty
	if _, err := p.Kubeconfig(context.Background(), "west"); err == nil ||
		!strings.Contains(err.Error(), `context "west" not found in the default kubeconfig`) {
		t.Errorf("Kubeconfig(unknown) error = %v", err)
	}
}

func TestCreateAndDeleteTouchNothing(t *testing.T) {
	path := writeKubeconfig(t, apiServer(t))
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p := New()
	ctx := context.Background()
	if err := p.Create(ctx, provider.Spec{Name: "east", Provider: Name, Kubeconfig: path}); err != nil {
		t.Errorf("Create(existing context) = %v", err)
	}
	err = p.Create(ctx, provider.Spec{Name: "west", Provider: Name, Context: "west", Kubeconfig: path})
	want := `external cluster west: context "west" not found in ` + path + `: localcluster does not create external clusters; set the context to an existing one`
	if err == nil || err.Error() != want {
		t.Errorf("Create(missing context) = %v, want %s", err, want)
	}
	if err := p.Delete(ctx, "east"); err != nil {
		t.Errorf("Delete = %v", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Error("the kubeconfig changed")
	}
}

func TestCommands(t *testing.T) {
	p := New()
	s := provider.Spec{Name: "prod", Provider: Name, Context: "gke_prod", Kubeconfig: "/home/me/.kube/prod"}
	if got, want := p.Command(s), "# external cluster prod: using context gke_prod in /home/me/.kube/prod, nothing to create"; got != want {
		t.Errorf("Command = %q, want %q", got, want)
	}
	if got, want := p.DeleteCommand("prod"), "# external cluster prod: not created by localcluster, nothing to delete"; got != want {
		t.Errorf("DeleteCommand = %q, want %q", got, want)
	}
	if doc, err := p.Config(s); doc != nil || err != nil {
		t.Errorf("Config = %q, %v; want nothing", doc, err)
	}
}
