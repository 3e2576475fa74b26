package kubeconfig

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

func TestLookup(t *testing.T) {
	path := copyFixture(t, "user.yaml")
	if _, err := Merge(path, entryFor(t, "k3d", "y", 3)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		context, want, wantErr string
	}{
		{"y", "https://192.168.155.3:6443", ""},
		{"home", "https://10.0.0.5:6443", ""},
		{"", "https://34.118.1.10", ""}, // current-context: work
		{"k3d-y", "", `context "k3d-y" not found`},
	}
	for _, tt := range tests {
		t.Run("context "+tt.context, func(t *testing.T) {
			got, err := Lookup(path, tt.context)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Lookup = %q, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Lookup = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := Lookup(filepath.Join(t.TempDir(), "missing"), "y"); err == nil {
		t.Error("Lookup in a missing file: no error")
	}
}

func TestRESTConfig(t *testing.T) {
	path := copyFixture(t, "user.yaml")
	e := entryFor(t, "kind", "x", 2)
	if _, err := Merge(path, e); err != nil {
		t.Fatal(err)
	}
	src, err := clientcmd.Load(e.Config)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)

	t.Run("lab cluster", func(t *testing.T) {
		rc, err := RESTConfig(path, "x")
		if err != nil {
			t.Fatal(err)
		}
		if rc.Host != e.Server {
			t.Errorf("Host = %q, want %q", rc.Host, e.Server)
		}
		if !bytes.Equal(rc.CAData, src.Clusters["kind-x"].CertificateAuthorityData) ||
			!bytes.Equal(rc.CertData, src.AuthInfos["kind-x"].ClientCertificateData) ||
			!bytes.Equal(rc.KeyData, src.AuthInfos["kind-x"].ClientKeyData) {
			t.Error("TLS credentials differ from the provider's")
		}
	})
	t.Run("relative paths resolve against the file", func(t *testing.T) {
		// client-go only checks that they can be read.
		for _, f := range []string{"kind-xx.crt", "kind-xx.key"} {
			if err := os.MkdirAll(filepath.Join(dir, "certs"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "certs", f), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		rc, err := RESTConfig(path, "kind-xx")
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(dir, "certs", "kind-xx.crt"); rc.CertFile != want {
			t.Errorf("CertFile = %q, want %q", rc.CertFile, want)
		}
	})
	t.Run("exec plugin of the current context", func(t *testing.T) {
		rc, err := RESTConfig(path, "")
		if err != nil {
			t.Fatal(err)
		}
		if rc.ExecProvider == nil || rc.ExecProvider.Command != "gke-gcloud-auth-plugin" {
			t.Errorf("ExecProvider = %+v, want gke-gcloud-auth-plugin", rc.ExecProvider)
		}
	})
	t.Run("missing context", func(t *testing.T) {
		if _, err := RESTConfig(path, "nope"); err == nil || !strings.Contains(err.Error(), `"nope" not found`) {
			t.Errorf("err = %v, want context not found", err)
		}
	})
}
