package helm

import (
	"strings"
	"testing"
)

func TestChartSourceRules(t *testing.T) {
	tests := []struct {
		chart    Chart
		kind     sourceKind
		location string // ociRef for OCI, localPath for local charts
		str      string
	}{
		{Chart{Repo: "https://helm.linkerd.io/edge", Name: "linkerd-crds", Version: "2025.10.1"}, sourceRepo, "",
			"linkerd-crds 2025.10.1 from https://helm.linkerd.io/edge"},
		{Chart{Repo: "oci://ghcr.io/org/charts", Name: "web", Version: "1.0.0"}, sourceOCI, "oci://ghcr.io/org/charts/web",
			"oci://ghcr.io/org/charts/web 1.0.0"},
		{Chart{Repo: "oci://ghcr.io/org/charts/web", Name: "web"}, sourceOCI, "oci://ghcr.io/org/charts/web",
			"oci://ghcr.io/org/charts/web"},
		{Chart{Repo: "oci://ghcr.io/org/charts/", Name: "web"}, sourceOCI, "oci://ghcr.io/org/charts/web",
			"oci://ghcr.io/org/charts/web"},
		{Chart{Repo: "oci://ghcr.io/org/web"}, sourceOCI, "oci://ghcr.io/org/web", "oci://ghcr.io/org/web"},
		{Chart{Repo: EmbeddedRepo, Name: "lb-pool"}, sourceEmbedded, "", "lb-pool (embedded)"},
		{Chart{Repo: "charts", Name: "demo"}, sourceLocal, "./charts/demo", "./charts/demo"},
		{Chart{Repo: "./charts/demo", Name: "demo"}, sourceLocal, "./charts/demo", "./charts/demo"},
		{Chart{Repo: "../charts/demo"}, sourceLocal, "../charts/demo", "../charts/demo"},
		{Chart{Repo: "/srv/charts", Name: "demo", Version: "0.1.0"}, sourceLocal, "/srv/charts/demo", "/srv/charts/demo 0.1.0"},
		{Chart{Name: "demo.tgz"}, sourceLocal, "./demo.tgz", "./demo.tgz"},
		{Chart{Name: "/abs/demo"}, sourceLocal, "/abs/demo", "/abs/demo"},
	}
	for _, tt := range tests {
		t.Run(tt.str, func(t *testing.T) {
			if got := tt.chart.kind(); got != tt.kind {
				t.Errorf("kind() = %v, want %v", got, tt.kind)
			}
			switch tt.kind {
			case sourceOCI:
				if got := tt.chart.ociRef(); got != tt.location {
					t.Errorf("ociRef() = %q, want %q", got, tt.location)
				}
			case sourceLocal:
				if got := tt.chart.localPath(); got != tt.location {
					t.Errorf("localPath() = %q, want %q", got, tt.location)
				}
			}
			if got := tt.chart.String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
		})
	}
}

func TestReleaseValidate(t *testing.T) {
	ok := Release{Name: "web", Namespace: "demo", Chart: Chart{Name: "./web"}}
	if err := ok.validate(); err != nil {
		t.Fatalf("validate(%+v) = %v", ok, err)
	}
	bad := Release{Name: "Not_Valid", Chart: Chart{Repo: "https://x.test"}, Timeout: -1}
	err := bad.validate()
	if err == nil {
		t.Fatal("validate() accepted a bad release")
	}
	// Every problem is reported at once.
	for _, want := range []string{`release name "Not_Valid"`, "no namespace", "no chart name", "negative timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("validate() error %q does not mention %q", err, want)
		}
	}
}

func TestRedactSecrets(t *testing.T) {
	in := map[string]any{
		"identityTrustAnchorsPEM": "-----BEGIN CERTIFICATE-----",
		"identity":                map[string]any{"issuer": map[string]any{"tls": map[string]any{"crtPEM": "crt", "keyPEM": "key"}}},
		"license":                 "abc",
		"controllers":             []any{map[string]any{"link": map[string]any{"ref": map[string]any{"name": "east"}}, "token": "t"}},
	}
	got := RedactSecrets(in)
	tls := got["identity"].(map[string]any)["issuer"].(map[string]any)["tls"].(map[string]any)
	ctrl := got["controllers"].([]any)[0].(map[string]any)
	if tls["keyPEM"] != Redacted || tls["crtPEM"] != "crt" || got["license"] != Redacted || ctrl["token"] != Redacted ||
		got["identityTrustAnchorsPEM"] != "-----BEGIN CERTIFICATE-----" {
		t.Errorf("redacted: %v", got)
	}
	if in["identity"].(map[string]any)["issuer"].(map[string]any)["tls"].(map[string]any)["keyPEM"] != "key" {
		t.Error("RedactSecrets changed its input")
	}
}
