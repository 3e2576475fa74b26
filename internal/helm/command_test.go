package helm

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/localcluster/localcluster/charts"
	"github.com/localcluster/localcluster/internal/testenv/golden"
)

const (
	testKeyPEM  = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIsecretsecretsecret\n-----END EC PRIVATE KEY-----\n"
	testLicense = "license-secret-0123456789"
)

func controlPlaneRelease() Release {
	return Release{
		Name:      "linkerd-control-plane",
		Namespace: "linkerd",
		Chart: Chart{
			Repo:    "https://helm.linkerd.io/edge",
			Name:    "linkerd-control-plane",
			Version: "2025.10.1",
		},
		// Keys deliberately out of order, with Go ints and nested
		// map[string]interface{}: the output must not depend on either.
		Values: map[string]any{
			"identityTrustAnchorsPEM": "-----BEGIN CERTIFICATE-----\nMIIBanchor\n-----END CERTIFICATE-----\n",
			"disableIPv6":             true,
			"identity": map[string]interface{}{
				"issuer": map[string]any{
					"tls": map[string]any{
						"crtPEM": "-----BEGIN CERTIFICATE-----\nMIIBissuer\n-----END CERTIFICATE-----\n",
						"keyPEM": testKeyPEM,
					},
				},
			},
			"controllerReplicas": 1,
			"license":            testLicense,
		},
		CreateNamespace: true,
		Wait:            true,
		Timeout:         5 * time.Minute,
		SecretValues:    []string{"identity.issuer.tls.keyPEM", "license", "no.such.path"},
	}
}

func TestCommandGolden(t *testing.T) {
	tests := []struct {
		name        string
		kubeContext string
		release     Release
	}{
		{"repo-wait-secrets", "smiley", controlPlaneRelease()},
		{"oci", "faces", Release{
			Name: "faces", Namespace: "faces",
			Chart:  Chart{Repo: "oci://ghcr.io/buoyantio/faces-chart", Name: "faces-chart", Version: "1.4.0"},
			Values: map[string]any{"smiley": map[string]any{"smiley": "HeartEyes", "errorFraction": 0}},
		}},
		{"oci-name-appended", "faces", Release{
			Name: "faces", Namespace: "faces",
			Chart: Chart{Repo: "oci://registry.example/charts/", Name: "faces", Version: "1.4.0"},
			// A timeout without --wait still bounds hooks.
			Timeout: 90 * time.Second,
		}},
		{"local-dir-no-values", "color", Release{
			Name: "demo", Namespace: "demo app",
			Chart:           Chart{Repo: "./my charts", Name: "demo", Version: "0.1.0"},
			CreateNamespace: true,
		}},
		{"local-path-no-context", "", Release{
			Name: "demo", Namespace: "demo",
			Chart:  Chart{Name: "/srv/charts/demo-0.1.0.tgz"},
			Values: map[string]any{"quote": "it's", "on": "on", "hex": "0x10", "empty": ""},
		}},
		{"embedded-lb-pool", "smiley", LBPoolRelease([]string{"192.168.155.80/28", "fc00:f853:ccd:e793:51::/96"})},
		{"metallb", "smiley", MetalLBRelease()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Command(tt.kubeContext, tt.release)
			if again := Command(tt.kubeContext, tt.release); again != got {
				t.Fatalf("Command is not deterministic:\n%s\n---\n%s", got, again)
			}
			golden.AssertString(t, filepath.Join("testdata", "command", tt.name+".golden"), got)
		})
	}
}

func TestCommandRedactsSecrets(t *testing.T) {
	r := controlPlaneRelease()
	got := Command("smiley", r)
	for _, secret := range []string{testLicense, "MHcCAQEEIIsecretsecretsecret", "PRIVATE KEY"} {
		if strings.Contains(got, secret) {
			t.Errorf("Command() leaks %q:\n%s", secret, got)
		}
	}
	if n := strings.Count(got, Redacted); n != 2 {
		t.Errorf("Command() has %d %q, want 2 (keyPEM and license):\n%s", n, Redacted, got)
	}
	// The caller's values are left alone.
	tls := r.Values["identity"].(map[string]interface{})["issuer"].(map[string]any)["tls"].(map[string]any)
	if tls["keyPEM"] != testKeyPEM || r.Values["license"] != testLicense {
		t.Error("Command() changed the release's values")
	}
}

func TestCommandKeyOrderIndependent(t *testing.T) {
	// Maps built in different insertion orders, many times over: Go's map
	// iteration order is random, so a dependence on it would show.
	build := func(keys []string) map[string]any {
		m := map[string]any{}
		for i, k := range keys {
			m[k] = map[string]any{"v": i % 2, "k": k}
		}
		return m
	}
	keys := strings.Fields("zeta alpha mu beta omega kappa delta")
	reversed := make([]string, len(keys))
	for i, k := range keys {
		reversed[len(keys)-1-i] = k
	}
	first := Command("c", Release{Name: "r", Namespace: "n", Chart: Chart{Repo: "https://x.test", Name: "x"}, Values: build(keys)})
	for i := 0; i < 50; i++ {
		got := Command("c", Release{Name: "r", Namespace: "n", Chart: Chart{Repo: "https://x.test", Name: "x"}, Values: build(reversed)})
		if got != first {
			t.Fatalf("output depends on map order:\n%s\n---\n%s", first, got)
		}
	}
	if strings.Index(first, "alpha:") > strings.Index(first, "zeta:") {
		t.Errorf("keys are not sorted:\n%s", first)
	}
}

// TestCommandRunsInShell pastes Command's output into bash with a stand-in
// for helm (helm itself is not installed here) and checks what helm would
// have received: the arguments, the values on stdin, and for an embedded
// chart the chart directory, file for file.
func TestCommandRunsInShell(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	r := LBPoolRelease([]string{"192.168.155.80/28", "fc00:f853:ccd:e793:51::/96"})
	r.SecretValues = []string{"pools.1"}
	out := t.TempDir()
	script := `helm() { printf '%s\n' "$@" >"$OUT/args"; cat >"$OUT/values"; cp -R "$chart_dir" "$OUT/chart"; }` + "\n" +
		Command("smiley", r)
	cmd := exec.Command(bash, "-euc", script)
	cmd.Env = append(os.Environ(), "OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bash: %v\n%s\nscript:\n%s", err, b, script)
	}

	args, err := os.ReadFile(filepath.Join(out, "args"))
	if err != nil {
		t.Fatal(err)
	}
	gotArgs := strings.Fields(string(args))
	wantPrefix := []string{"upgrade", "--install", "lb-pool"}
	if !reflect.DeepEqual(gotArgs[:3], wantPrefix) || !strings.HasSuffix(gotArgs[3], "/lb-pool") {
		t.Errorf("helm args = %q", gotArgs)
	}
	wantTail := []string{"--kube-context", "smiley", "--namespace", "metallb-system", "-f", "-"}
	if !reflect.DeepEqual(gotArgs[4:], wantTail) {
		t.Errorf("helm args after the chart = %q, want %q", gotArgs[4:], wantTail)
	}

	data, err := os.ReadFile(filepath.Join(out, "values"))
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(data, &values); err != nil {
		t.Fatal(err)
	}
	wantValues := map[string]any{"pools": []any{"192.168.155.80/28", Redacted}}
	if !reflect.DeepEqual(values, wantValues) {
		t.Errorf("values on stdin = %v, want %v", values, wantValues)
	}

	files, err := charts.Files(charts.LBPool)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(out, "chart", filepath.FromSlash(f.Path)))
		if err != nil {
			t.Errorf("chart file not written: %v", err)
			continue
		}
		if string(got) != string(f.Data) {
			t.Errorf("chart file %s differs from the embedded one", f.Path)
		}
	}
}

func TestUninstallCommand(t *testing.T) {
	got := UninstallCommand("smiley", "lb-pool", "metallb-system")
	want := "helm uninstall lb-pool --kube-context smiley --namespace metallb-system --ignore-not-found\n"
	if got != want {
		t.Errorf("UninstallCommand() = %q, want %q", got, want)
	}
}
